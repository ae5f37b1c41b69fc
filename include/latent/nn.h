/* The dense stack every model shares: parameter groups, dense layers, networks, optimizers and
 * the one deterministic minibatch loop. Models (models.h) are built from these parts. */
#ifndef LATENT_NN_H
#define LATENT_NN_H

#include <stdint.h>
#include "latent/activation.h"
#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LATENT_MAX_TENSORS 48
#define LATENT_MAX_LAYERS 16
#define LATENT_NAME_MAX 64
/* Rows per shard: a minibatch is cut into shards of this fixed size (the last may be shorter),
 * independent of the thread count, so the reduction order never depends on threads. */
#define LATENT_SHARD_ROWS 64
#define LATENT_LOSS_TERMS 4
/* The gradient reduction and the optimizer step walk the parameters in chunks of this many
 * floats; any thread may take any chunk, and every sum over chunks is taken in chunk order. */
#define LATENT_UPDATE_CHUNK 512
/* Most shards one minibatch may have (the reduction tree's depth is bounded by its log2). */
#define LATENT_MAX_SHARDS (1 << 20)

struct lk_team; /* threads of a parallel region that run one shard together (simd/team.h) */

/* ---- parameter groups ------------------------------------------------------------------ */

/* One named tensor of a group: `numel` floats at `offset` in the group's buffers, shape
 * [rows, cols] (cols == 0 for a vector). */
typedef struct latent_param_tensor {
    char name[LATENT_NAME_MAX];
    int64_t offset, rows, cols, numel;
} latent_param_tensor;

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

/* A group of parameters updated by one optimizer: contiguous weights, the reduced gradient,
 * per-shard gradient buffers and the optimizer moments. */
typedef struct latent_params {
    int64_t n;               /* floats in every buffer */
    float *w;                /* parameters */
    float *g;                /* the minibatch gradient (reduced over shards) */
    float *shard_g;          /* n_shards x n, one gradient per shard */
    int n_shards;
    float *m, *v;            /* Adam moments (m doubles as SGD velocity); NULL until first step */
    double *chunk_stat;      /* one per LATENT_UPDATE_CHUNK floats: the parallel update's sums */
    int64_t t;               /* optimizer steps taken */
    int n_tensors;
    latent_param_tensor tensor[LATENT_MAX_TENSORS];
} latent_params;

/* Declares a tensor (before latent_params_alloc); returns its offset, or -1 with the error
 * set when the table is full or the name too long. */
int64_t latent_params_add(latent_params *p, const char *name, int64_t rows, int64_t cols);

/* Allocates w (zeroed) and g for the declared tensors. */
latent_status latent_params_alloc(latent_params *p);

/* Makes room for `n_shards` shard gradients (kept; grows only). */
latent_status latent_params_reserve_shards(latent_params *p, int n_shards);

/* Allocates zeroed optimizer moments if absent. */
latent_status latent_params_alloc_state(latent_params *p);

/* Frees every buffer; leaves a zeroed group. */
void latent_params_free(latent_params *p);

/* The tensor of a given name, or NULL. */
const latent_param_tensor *latent_params_find(const latent_params *p, const char *name);

/* Sums the per-shard gradients into g over a fixed pairwise tree: shards [lo, hi) add as
 * [lo, mid) + [mid, hi) with mid - lo the largest power of two below hi - lo, so 3 shards add
 * as (s0 + s1) + s2 and 6 as ((s0 + s1) + (s2 + s3)) + (s4 + s5). The tree depends on the shard
 * count alone, never on threads, and cut at its power-of-two blocks it spans machines with the
 * same bytes. With one shard and room for one, g and the shard buffer trade places (no copy);
 * otherwise the shard buffers are left as they were. */
void latent_params_reduce(latent_params *p, int n_shards);

/* Chunks of LATENT_UPDATE_CHUNK floats the group's buffers hold. */
int64_t latent_params_chunks(const latent_params *p);

/* LATENT_EDIVERGED (message: `what` of the first non-finite tensor, e.g. "gradient of
 * encoder.0.weight") when buf (w or g of p) holds a NaN or Inf. `where` prefixes the message. */
latent_status latent_params_check_finite(const latent_params *p, const float *buf,
                                         const char *what, const char *where);

/* One optimizer step on p->w from p->g (with clipping when configured). */
latent_status latent_optim_step(latent_params *p, const latent_optim_config *cfg);

/* ---- dense layers and networks ---------------------------------------------------------- */

/* y = act(x W^T + b), W stored [out, in] as nn.Linear keeps it. */
typedef struct latent_dense {
    int64_t in, out;
    latent_act act;
    float slope;             /* leaky ReLU slope */
    int64_t w_off, b_off;    /* offsets of W and b in the group */
} latent_dense;

/* A stack of dense layers over one parameter group. */
typedef struct latent_net {
    int n_layers;
    latent_dense layer[LATENT_MAX_LAYERS];
} latent_net;

/* Appends a layer and declares its tensors "<prefix>.weight" and "<prefix>.bias". */
latent_status latent_net_add(latent_net *net, latent_params *p, const char *prefix, int64_t in,
                             int64_t out, latent_act act, float slope);

/* Glorot-uniform (sigmoid, tanh, identity) or He-uniform (ReLU family) weights, zero biases,
 * drawn from the counter RNG at (seed, LATENT_STREAM_INIT, id0 + layer index). */
void latent_net_init(const latent_net *net, latent_params *p, uint64_t seed, uint64_t id0);

/* A workspace for running a net on up to `rows` rows: each layer's output (and its
 * pre-activation where the derivative needs it) and two gradient buffers. */
typedef struct latent_net_ws {
    int64_t rows;
    const float *in;         /* the input of the last forward pass (not owned) */
    float *out[LATENT_MAX_LAYERS];
    float *pre[LATENT_MAX_LAYERS];
    float *d[2];             /* rows x (widest layer), for backward */
} latent_net_ws;

latent_status latent_net_ws_alloc(const latent_net *net, int64_t rows, latent_net_ws *ws);
void latent_net_ws_free(latent_net_ws *ws);

/* Runs layers [lo, hi) on `rows` rows of x (row stride = layer lo's input width); the result
 * is ws->out[hi - 1]. Every member of `team` calls it (NULL: the calling thread alone) and it
 * returns when the result is complete for all of them; so does latent_net_backward. */
void latent_net_forward(const latent_net *net, const latent_params *p, latent_net_ws *ws,
                        int lo, int hi, const float *x, int64_t rows, const struct lk_team *team);

/* Backpropagates through layers hi-1 down to lo. `dy` (ws->d[0] or ws->d[1]) holds dL/d of
 * layer hi-1's output (its pre-activation when dy_is_delta); it is overwritten. Weight
 * gradients go to `grad` (a gradient buffer laid out like p->w; NULL: none), added when
 * `accumulate`, else written. Returns the ws buffer holding dL/d(input of layer lo) when
 * want_dx, else NULL. */
float *latent_net_backward(const latent_net *net, const latent_params *p, latent_net_ws *ws,
                           int lo, int hi, int64_t rows, float *dy, int dy_is_delta, float *grad,
                           int accumulate, int want_dx, const struct lk_team *team);

/* ---- the minibatch loop ----------------------------------------------------------------- */

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
} latent_batch;

/* Work on one shard: rows [row0, row0 + rows) of the minibatch. Every member of `team` calls it
 * (a team of one thread, or several that split each layer's work); it returns when the shard's
 * results are complete for all of them. */
typedef void (*latent_shard_fn)(void *model, const latent_batch *b, int shard, int64_t row0,
                                int64_t rows, const struct lk_team *team);

/* Once per phase, on one thread, after every shard of the phase: combines what the shards
 * wrote (losses, whole-minibatch statistics) into b and the model. */
typedef latent_status (*latent_after_fn)(void *model, latent_batch *b);

/* One phase of a training step: `shard` on every shard, then `after`, then, when `update` is
 * set, that group's shard gradients reduced and an optimizer step with `optim`. */
typedef struct latent_phase {
    latent_shard_fn shard;
    latent_after_fn after;             /* may be NULL */
    latent_params *update;             /* may be NULL */
    const latent_optim_config *optim;
} latent_phase;

#define LATENT_MAX_PHASES 4

/* A model's step: fills the phases of this minibatch in order and returns their number. */
typedef int (*latent_plan_fn)(void *model, const latent_batch *b,
                              latent_phase phases[LATENT_MAX_PHASES]);

/* Runs one minibatch's phases in one parallel region on the OpenMP threads available (on the
 * calling thread alone when there is one): shards go to teams of threads (one thread per shard
 * when shards are plenty, all threads on each shard when there is one), the reduction and the
 * optimizer step are split by chunks. Bytes do not depend on the thread count. A NaN or Inf in a
 * gradient or parameter is LATENT_EDIVERGED naming epoch, step and tensor. thread_work (NULL, or
 * one slot per thread) gets each thread's GEMM multiply-adds added to its slot. */
latent_status latent_loop_step(void *model, latent_plan_fn plan, latent_batch *b,
                               int64_t *thread_work);

/* How `threads` threads take `shards` shards: teams of the returned size, each team one shard
 * at a time (the size divides threads; it minimizes the rounds of shards per thread). */
int latent_team_size_for(int shards, int threads);

/* Copies minibatch rows [row0, row0 + rows) into dst (rows x d), as a * x + c. */
void latent_batch_gather(const latent_batch *b, int64_t row0, int64_t rows, float *dst, float a,
                         float c);

/* What the loop reports after each epoch. */
typedef struct latent_epoch_report {
    int64_t epoch;           /* 1-based, the epoch just finished */
    int64_t step;
    double seconds;          /* wall time of the epoch's training alone */
    double loss[LATENT_LOSS_TERMS]; /* row-weighted means of the minibatch losses */
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

/* Loop settings shared by every family. */
typedef struct latent_loop_config {
    int64_t epochs, batch;
    uint64_t seed;
    latent_epoch_fn on_epoch;
    void *user;
    latent_step_fn on_step;      /* optional */
    int64_t *thread_work;        /* optional: per-thread GEMM multiply-adds (latent_loop_step) */
} latent_loop_config;

/* Trains for cfg->epochs epochs from *state (updated as it goes): shuffles each epoch with the
 * counter RNG at (seed, LATENT_STREAM_SHUFFLE, epoch), cuts minibatches of cfg->batch rows
 * (the last may be shorter), runs latent_loop_step with plan on each and checks the losses for
 * NaN/Inf. */
latent_status latent_loop_run(const latent_loop_config *cfg, void *model, latent_plan_fn plan,
                              const float *x, int64_t n, int64_t d, latent_train_state *state);

/* Shards a minibatch of `batch` rows is cut into. */
int latent_shards_for(int64_t batch);

#ifdef __cplusplus
}
#endif
#endif
