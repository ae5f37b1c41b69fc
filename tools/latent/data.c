/* Dataset loading for the commands: the library's loaders plus --labels and --limit. */
#include "data.h"
#include "latent/kmeans.h"
#include "options.h"

int cli_data_load(const char *cmd, const char *spec, const char *labels, int64_t limit,
                  latent_dataset *ds)
{
    if (latent_dataset_load(spec, ds) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    if (labels && latent_dataset_load_labels(ds, labels) != LATENT_OK) {
        latent_dataset_free(ds);
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    }
    /* The rows are row-major and the labels parallel, so the first rows are a prefix. */
    if (limit > 0 && limit < ds->n) ds->n = limit;
    if (ds->n < 1) {
        latent_dataset_free(ds);
        return cli_error(cmd, EXIT_FAIL, "%s: no rows", spec);
    }
    return EXIT_OK;
}

typedef struct share_pick {
    int64_t limit, k, features;
} share_pick;

static void pick_share(int64_t n_total, int64_t d, void *user, int64_t *row0, int64_t *rows)
{
    const share_pick *p = user;
    int64_t n = p->limit > 0 && p->limit < n_total ? p->limit : n_total;
    /* k beyond the rows is refused after loading; any share serves until then */
    latent_kmeans_rank_rows(n, p->k <= n ? p->k : n, p->features ? p->features : d, row0, rows);
}

int cli_data_load_share(const char *cmd, const char *spec, const char *labels, int64_t limit,
                        int64_t k, int64_t features, latent_dataset *ds)
{
    share_pick p = {limit, k, features};
    if (latent_dataset_load_rows(spec, pick_share, &p, ds) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    if (labels && latent_dataset_load_labels(ds, labels) != LATENT_OK) {
        latent_dataset_free(ds);
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    }
    if (limit > 0 && limit < ds->n_total) ds->n_total = limit;
    return EXIT_OK;
}
