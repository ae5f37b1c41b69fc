/* The loss curves of a training run: kept across --resume in the model file, drawn as a PNG. */
#ifndef LATENT_CLI_LOSS_HISTORY_H
#define LATENT_CLI_LOSS_HISTORY_H

#include <stdint.h>
#include "checkpoint.h"

typedef struct loss_history {
    int64_t n, cap;
    double *train, *test;    /* test is NaN where there was no test set */
} loss_history;

void loss_history_add(loss_history *h, double train, double test);
/* Stores the curves in the model file's extras ("train_loss", "test_loss": comma lists). */
void loss_history_store(const loss_history *h, ckpt_extra *x);
/* Reads them back (what a resumed run continues). */
void loss_history_load(loss_history *h, const ckpt_extra *x);
/* Writes MODEL.loss.png next to the model file (".safetensors" replaced). */
int loss_history_plot(const char *cmd, const loss_history *h, const char *model_path,
                      const char *title);
void loss_history_free(loss_history *h);

#endif
