/* Loading what --data, --test, --labels and --limit name, with the CLI's error reporting. */
#ifndef LATENT_CLI_DATA_H
#define LATENT_CLI_DATA_H

#include <stddef.h>
#include <stdint.h>
#include "latent/dataset.h"

/* Loads `spec` into *ds, attaches `labels` when given, keeps the first `limit` rows when
 * limit > 0. On failure prints one line naming the file and returns EXIT_FAIL. */
int cli_data_load(const char *cmd, const char *spec, const char *labels, int64_t limit,
                  latent_dataset *ds);

/* As cli_data_load for k-means across the job's ranks: ds->x holds only this rank's share of
 * the first `limit` rows (all when limit <= 0) as latent_kmeans_rank_rows cuts them for k
 * clusters of `features` features (0: the data's own); ds->n_total is the rows clustered in
 * all; labels stay every row's. */
int cli_data_load_share(const char *cmd, const char *spec, const char *labels, int64_t limit,
                        int64_t k, int64_t features, latent_dataset *ds);

#endif
