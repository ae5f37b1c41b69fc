/* What training shares across every model family: optimizer settings, the training state a run
 * resumes from, and the callbacks that report its progress. The layer stack, parameter groups
 * and the minibatch loop behind them are internal (src/nn); models.h builds models from them. */
#ifndef LATENT_NN_H
#define LATENT_NN_H

#include <stdint.h>
#include "latent/activation.h"
#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest tensor or module name (PyTorch state_dict names), terminator included. */
#define LATENT_NAME_MAX 64
/* Rows per shard: a minibatch is cut into shards of this fixed size (the last may be shorter),
 * from the sample order alone, so no sum ever depends on the thread count. */
#define LATENT_SHARD_ROWS 64
/* Loss terms an epoch report carries (their meaning per family: models.h). */
#define LATENT_LOSS_TERMS 4

typedef enum latent_optimizer {
    LATENT_OPT_ADAM = 0,
    LATENT_OPT_ADAMW,
    LATENT_OPT_SGD
} latent_optimizer;

/* Optimizer settings (PyTorch's meaning of every field). */
typedef struct latent_optim_config {
    latent_optimizer kind;
    float lr, beta1, beta2, eps, weight_decay, momentum;
    double clip_norm;        /* > 0: rescale the gradient to this global L2 norm at most */
} latent_optim_config;

/* What the loop reports after each epoch. */
typedef struct latent_epoch_report {
    int64_t epoch;           /* 1-based, the epoch just finished */
    int64_t step;
    double seconds;          /* wall time of the epoch's training alone */
    double loss[LATENT_LOSS_TERMS]; /* row-weighted means of the minibatch losses */
    double threads;          /* the epoch's steps' mean thread count: below latent_threads()
                              * when steps ran faster on fewer (latent_train_options) */
} latent_epoch_report;

/* Called after each epoch; a nonzero return stops training (with LATENT_OK). */
typedef int (*latent_epoch_fn)(void *user, const latent_epoch_report *r);

/* Called after each minibatch, on the calling thread, for progress displays: the epoch under
 * way (1-based), rows done in it, and the row-weighted mean of its first loss so far. */
typedef void (*latent_step_fn)(void *user, int64_t epoch, int64_t rows_done, double mean_loss);

/* Where training stands, for resume: the next epoch and the minibatch within it. */
typedef struct latent_train_state {
    int64_t epoch, batch_in_epoch, step;
} latent_train_state;

#ifdef __cplusplus
}
#endif
#endif
