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

#endif
