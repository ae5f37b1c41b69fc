/* What the commands that use a trained model share: opening the model file, finding the data it
 * should run on, and the image shape for pictures. */
#ifndef LATENT_CLI_MODEL_USE_H
#define LATENT_CLI_MODEL_USE_H

#include <stddef.h>
#include <stdint.h>
#include "checkpoint.h"
#include "latent/dataset.h"

typedef struct model_use {
    latent_model *m;
    ckpt_extra extra;
    latent_dataset ds;       /* empty unless use_data was called */
    const char *spec;        /* the data spec used */
} model_use;

/* Opens an ae/vae/gan model file; `need` is a '|' list of the kinds the command accepts. */
int use_open(const char *cmd, const char *path, const char *need, model_use *u);

/* Loads --data (or, when NULL: the test split of the data the model was trained on when
 * prefer_test, else that data itself; fashion-mnist:test as the last resort), with --labels
 * and --limit, and checks its width against the model. */
int use_data(const char *cmd, model_use *u, const char *data, const char *labels, int64_t limit,
             int prefer_test);
/* As use_data for k-means on the model's codes across the job's ranks: u->ds holds this rank's
 * share of the rows (cli_data_load_share for k clusters of the codes), u->ds.n_total the rows
 * in all. */
int use_data_share(const char *cmd, model_use *u, const char *data, const char *labels,
                   int64_t limit, int64_t k);

/* Height and width to draw rows of d features as pictures (28 x 28 for 784 ...). */
void use_image_shape(const model_use *u, int64_t d, int64_t *h, int64_t *w);

void use_close(model_use *u);

#endif
