/* The parameter update split into chunks, for the threads of a training step (internal to the
 * dense stack; latent_params_reduce and latent_optim_step are the whole-group forms). */
#ifndef LATENT_SRC_NN_UPDATE_H
#define LATENT_SRC_NN_UPDATE_H

#include "params.h"
#include "simd/kernels.h"

/* latent_params_reduce for chunks [c0, c1) of LATENT_UPDATE_CHUNK floats. */
void latent_params_reduce_chunks(latent_params *p, int n_shards, int64_t c0, int64_t c1);

/* The one-shard reduction without a copy: when the group's shard buffers hold exactly one shard
 * and the minibatch has one, g and that buffer trade places. Returns 1 when it did. */
int latent_params_reduce_by_swap(latent_params *p, int n_shards);

/* One optimizer step, decided once and applied chunk by chunk. */
typedef struct latent_optim_plan {
    float scale;             /* the gradient's clipping factor (1: none) */
    lk_adam_params adam;
    lk_sgd_params sgd;
} latent_optim_plan;

/* On one thread, with p->chunk_stat holding each gradient chunk's squared norm when clipping:
 * counts the step and fixes its factors. */
latent_optim_plan latent_optim_begin(latent_params *p, const latent_optim_config *cfg);

/* Updates chunks [c0, c1) (any thread, any split of the chunks: the same bytes). Returns the
 * updated weights' check: 0 when all are finite, NaN when one is not. */
float latent_optim_chunks(latent_params *p, const latent_optim_config *cfg,
                          const latent_optim_plan *plan, int64_t c0, int64_t c1);

/* Updates floats [lo, hi) (any thread, any split: the same bytes); returns their check as
 * latent_optim_chunks does. */
float latent_optim_range(latent_params *p, const latent_optim_config *cfg,
                         const latent_optim_plan *plan, int64_t lo, int64_t hi);
#endif
