/* Dataset loading for the commands: the library's loaders plus --labels and --limit. */
#include "data.h"
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
