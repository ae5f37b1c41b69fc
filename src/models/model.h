/* What every model family shares: the model record, the buffers of each slab and evaluation
 * chunk, and the table through which a family plugs into the shared code (internal). */
#ifndef LATENT_SRC_MODELS_MODEL_H
#define LATENT_SRC_MODELS_MODEL_H

#include "latent/models.h"
#include "src/nn/layer_dense.h"
#include "src/nn/loop.h"
#include "src/nn/stack.h"
#include "simd/kernels.h"
#include "simd/team.h"

#define LATENT_MAX_GROUPS 2
#define LATENT_MAX_STACKS 2

struct latent_kv_out;  /* a configuration map being written (config_map.h) */
struct latent_kv_in;   /* and one being read */

/* One slab's (or one evaluation chunk's) private buffers, for up to `rows` rows. */
typedef struct latent_work {
    int64_t rows;
    latent_stack_ws ws[LATENT_MAX_STACKS];
    float *x0, *x1;          /* 2 * rows x max(d, 2 * code) each: inputs, targets, D's input */
    float *z, *eps;          /* rows x 2 * code (a VAE's eps: each row's noise, then its
                              * standard deviations) */
    float *scratch;          /* 4 x the widest layer */
    latent_slab_seg *segs;   /* room for a slab of its own (one segment per shard of the rows) */
} latent_work;

typedef struct latent_family latent_family;

struct latent_model {
    const latent_family *family;
    void *cfg;               /* the family's configuration (its own struct, owned) */
    void *priv;              /* the family's own training state (owned; may be NULL) */
    int n_groups;            /* parameter groups, each with its optimizer state */
    latent_params group[LATENT_MAX_GROUPS];
    latent_params buffers;   /* what layers keep untrained (running statistics), saved too */
    int n_stacks;            /* stacks of layers, each over one group */
    latent_stack stack[LATENT_MAX_STACKS];
    int stack_group[LATENT_MAX_STACKS];
    int64_t d, code;         /* input width; code width (AE code, VAE latent, GAN z) */
    int n_work;
    latent_work *work;       /* one per slab of a step, or per thread when evaluating */
    double *row_loss[2];     /* per minibatch row: losses summed shard by shard, rows in order */
    int64_t row_loss_rows;
    double (*shard_loss)[LATENT_LOSS_TERMS]; /* per shard */
    int n_shard_loss;
    double *shared;          /* every layer's step-shared doubles, one block (n_shared shards) */
    int n_shared;
    latent_train_state state;
    uint64_t train_seed, init_seed;
    latent_optim_config opt;
};

/* Runs on `rows` rows of x (row0 its first row's index in the whole input), on the buffers of
 * the calling thread (results must depend only on the rows). */
typedef void (*latent_chunk_fn)(latent_model *m, latent_work *w, const float *x, int64_t row0,
                                int64_t rows, void *arg);

/* How a family plugs into the shared code: one table per family, listed in families.c. */
struct latent_family {
    const char *name;                  /* its model files' "kind" */
    latent_model_kind kind;
    const char *group_name[LATENT_MAX_GROUPS]; /* file names of each group's optimizer state */
    int loss_per_element;              /* evaluate's losses are means over elements, not rows */
    int rows_factor[LATENT_MAX_STACKS];/* stack k runs on this many rows per slab row (GAN's D: 2) */
    latent_plan_fn plan;               /* a training step; NULL: it trains otherwise */
    latent_chunk_fn eval;              /* evaluation (codes, reconstructions, losses); NULL: none */
    latent_chunk_fn sample;            /* samples from the prior (arg: latent_sample_arg); NULL: none */
    latent_chunk_fn decode;            /* data from given codes (latent_sample_arg with z); NULL:
                                        * sample does it when it has a z */
    /* Its own buffers for a step of n_shards shards (may be NULL). */
    latent_status (*reserve)(latent_model *m, int n_shards);
    /* Frees m->priv (may be NULL: nothing beyond free()). */
    void (*release)(latent_model *m);
    /* Writes its configuration keys (the file's metadata) and reads them back into a model. */
    void (*config_out)(const latent_model *m, struct latent_kv_out *kv);
    latent_status (*config_in)(const struct latent_kv_in *kv, uint64_t init_seed,
                               latent_model **out);
};

/* Every family (a kind may have several: gan and dcgan); NULL-terminated. */
extern const latent_family *const latent_families[];

/* The family whose files say kind `name`, or NULL. */
const latent_family *latent_family_named(const char *name);

/* A zeroed model of a family; cfg (cfg_size bytes) is copied and owned. */
latent_status latent_model_new(const latent_family *f, const void *cfg, size_t cfg_size,
                               latent_model **out);

/* Appends to stack k a dense layer named `name` (its module in an nn.Sequential). */
latent_status latent_model_dense(latent_model *m, int k, const char *name, int64_t out,
                                 latent_act act, float slope);

/* Allocates every group's weights and draws them (stack k at id0 = k * LATENT_MAX_LAYERS). */
latent_status latent_model_finish(latent_model *m, uint64_t seed);

/* latent_model_train with a plan of the caller's (a family that trains otherwise). */
latent_status latent_model_train_with(latent_model *m, const float *x, int64_t n, int64_t d,
                                      const latent_train_options *o, latent_plan_fn plan);

/* Makes sure n buffers of `rows` rows exist, and per-shard gradients in every group. */
latent_status latent_model_reserve(latent_model *m, int n, int64_t rows, int n_shards);

/* What a family's plan calls first: buffers for b's slabs, shards and rows. */
latent_status latent_model_prepare(latent_model *m, const latent_batch *b);

/* A training pass of the step b belongs to, for a team's slab. */
latent_pass latent_batch_pass(const latent_batch *b, const lk_team *team, const latent_slab *slab);

/* Runs fn over x in chunks of LATENT_SHARD_ROWS rows, chunks in parallel on the threads
 * available (each on its thread's buffers, with denormals flushed as in training). */
latent_status latent_model_chunks(latent_model *m, const float *x, int64_t n, int64_t d,
                                  latent_chunk_fn fn, void *arg);

/* Stack k's weights, and the gradient buffers of the group under it. */
const float *latent_model_weights(const latent_model *m, int k);
latent_grad latent_model_grad(latent_model *m, int k);

/* Index in an nn.Sequential of the next Linear, given the modules before it. */
void latent_seq_name(char *buf, size_t size, const char *prefix, int *index, latent_act act);

/* Sums a slab's per-row values v (indexed by minibatch row) into shard_loss[shard][term],
 * rows in order, after the team's barrier; member 0 writes. */
void latent_slab_loss(latent_model *m, const lk_team *team, const latent_slab *slab, int which,
                      int term);

/* The sum over shards, in order, of shard_loss[s][term]. */
double latent_shards_loss(const latent_model *m, int n_shards, int term);

/* shard_loss as a phase shares it among the ranks of an MPI job (latent_phase.share). */
latent_shard_span latent_shards_loss_span(latent_model *m);

/* What a sampling chunk writes: rows x d samples in [0, 1], drawn from seed, or made from the
 * caller's codes z (n x code) when z is not NULL. */
typedef struct latent_sample_arg {
    uint64_t seed;
    float *out;
    const float *z;
} latent_sample_arg;

/* What an evaluation chunk writes: any of these may be NULL. */
typedef struct latent_eval_out {
    float *codes, *recon, *scores;
    double *loss_parts;      /* n_chunks x LATENT_LOSS_TERMS sums */
    const int32_t *labels;   /* classifier */
    uint64_t seed;
} latent_eval_out;

/* Runs the family's evaluation chunk over x. */
latent_status latent_model_run_eval(latent_model *m, const float *x, int64_t n, int64_t d,
                                    latent_eval_out *o);

#endif
