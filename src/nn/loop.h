/* The one minibatch loop every model trains with: epochs, shuffling, and each minibatch's step
 * run in one parallel region over slabs of shards (internal). */
#ifndef LATENT_SRC_NN_LOOP_H
#define LATENT_SRC_NN_LOOP_H

#include "layer.h"
#include "params.h"

/* One minibatch as the loop hands it to a model. */
typedef struct latent_batch {
    const float *x;          /* the dataset, n x d */
    int64_t d;
    const int64_t *idx;      /* this minibatch's row indices */
    int64_t rows;
    int n_shards;
    int64_t epoch, step;     /* 0-based epoch; global optimizer step (minibatches done) */
    uint64_t seed;
    double loss[LATENT_LOSS_TERMS]; /* the model writes this minibatch's losses (means) */
    int n_slabs;             /* slabs the step runs at once (one per team) ... */
    int64_t slab_rows;       /* ... of at most this many rows */
    const latent_sync *sync; /* the barrier of every thread of the step (NULL: one slab) */
    int shard_lo, shard_hi;  /* the shards this process runs (all of them but in an MPI job) */
    int node;                /* 1: each slab is one node of the gradient reduction's tree, and its
                              * passes write weight gradients as the node's sum (layer.h); a
                              * model's plan that writes shard gradients itself sets it to 0 */
} latent_batch;

/* Work on one slab: rows of one or more shards side by side (slab->seg). Every member of `team`
 * calls it, with `slab_index` (0 .. n_slabs - 1) naming the workspace its slab uses; it returns
 * when the slab's results are complete for all of them. A slab may be empty. */
typedef void (*latent_slab_fn)(void *model, const latent_batch *b, const latent_slab *slab,
                               int slab_index, const lk_team *team);

/* Once per phase, on one thread, after every slab of the phase: combines what the shards wrote
 * (losses, whole-minibatch statistics) into b and the model. */
typedef latent_status (*latent_after_fn)(void *model, latent_batch *b);

/* Per-shard values `run` writes and `after` reads: shard s's `bytes` at base + s * bytes. */
typedef struct latent_shard_span {
    void *base;
    int64_t bytes;
} latent_shard_span;

/* One phase of a training step: `run` on every slab, then `after`, then, when `update` is set,
 * that group's shard gradients reduced and an optimizer step with `optim`. In an MPI job each
 * rank runs its own shards, and the `share` spans (base NULL: none) reach every rank before
 * `after`. */
typedef struct latent_phase {
    latent_slab_fn run;
    latent_after_fn after;             /* may be NULL */
    latent_params *update;             /* may be NULL */
    const latent_optim_config *optim;
    latent_shard_span share[2];
} latent_phase;

#define LATENT_MAX_PHASES 4

/* A model's step: with b's slab layout known, makes sure its workspaces are there, fills the
 * phases in order and sets *n to their number. */
typedef latent_status (*latent_plan_fn)(void *model, latent_batch *b,
                                        latent_phase phases[LATENT_MAX_PHASES], int *n);

/* Runs one minibatch's phases in one parallel region on the OpenMP threads available (on the
 * calling thread alone when there is one): teams of threads take slabs of shards (one shard
 * per team when shards are few, so a lone shard is split among every thread; a slab of several
 * when they are many), the reduction and the optimizer step are split by chunks. Bytes do not
 * depend on the thread count. A NaN or Inf in a gradient or parameter is LATENT_EDIVERGED naming
 * epoch, step and tensor. thread_work (NULL, or one slot per thread) gets each thread's GEMM
 * multiply-adds added to its slot. */
latent_status latent_loop_step(void *model, latent_plan_fn plan, latent_batch *b,
                               int64_t *thread_work);

/* How `threads` threads take `shards` shards of a step whose largest group of weights has
 * `weights` floats (0: not known): teams of the returned size, each team a slab of its shards (the size divides threads;
 * it minimizes the rounds of shards per thread, except that a minibatch of at most
 * LK_SWAP_MAX_ROWS rows with many weights runs on one team of every thread, which keeps each
 * weight row with one member). */
int latent_team_size_for(int shards, int threads, int64_t weights);

/* Shards a minibatch of `batch` rows is cut into. */
int latent_shards_for(int64_t batch);

/* Copies minibatch rows [row0, row0 + rows) into dst (rows x d), as a * x + c. */
void latent_batch_gather(const latent_batch *b, int64_t row0, int64_t rows, float *dst, float a,
                         float c);

/* Rows [lo, hi) of a slab gathered into dst (slab rows x d), as a * x + c: each segment's rows
 * from its place in the minibatch. */
void latent_slab_gather(const latent_batch *b, const latent_slab *slab, int64_t lo, int64_t hi,
                        float *dst, float a, float c);

/* Loop settings shared by every family. */
typedef struct latent_loop_config {
    int64_t epochs, batch;
    uint64_t seed;
    latent_epoch_fn on_epoch;
    void *user;
    latent_step_fn on_step;      /* optional */
    int64_t *thread_work;        /* optional: per-thread GEMM multiply-adds (latent_loop_step) */
    const volatile int *stop;    /* optional: nonzero ends training after the step under way */
    int fixed_threads;           /* nonzero: every step on every thread; 0: each step's count
                                  * chosen by trying (thread_choice.h) */
} latent_loop_config;

/* Trains for cfg->epochs epochs from *state (updated as it goes): shuffles each epoch with the
 * counter RNG at (seed, LATENT_STREAM_SHUFFLE, epoch), cuts minibatches of cfg->batch rows
 * (the last may be shorter), runs latent_loop_step with plan on each and checks the losses for
 * NaN/Inf. Each step runs on the thread count thread_choice.h picks (all of them when
 * cfg->fixed_threads is set, inside a parallel region: one, in an MPI job: all). */
latent_status latent_loop_run(const latent_loop_config *cfg, void *model, latent_plan_fn plan,
                              const float *x, int64_t n, int64_t d, latent_train_state *state);

#endif
