/* What every model family shares: the model record, per-shard workspaces and the hooks a
 * family gives the shared code (internal). */
#ifndef LATENT_SRC_MODELS_MODEL_H
#define LATENT_SRC_MODELS_MODEL_H

#include "latent/models.h"
#include "simd/kernels.h"
#include "simd/team.h"

/* One shard's (or one evaluation chunk's) private buffers. */
typedef struct latent_shard {
    latent_net_ws ws[2];
    float *x0, *x1;          /* 2 * LATENT_SHARD_ROWS x d each: inputs, targets, D's input */
    float *z, *eps;          /* LATENT_SHARD_ROWS x 2 * code */
    float *scratch;          /* 4 * widest layer */
    double row_loss[2][2 * LATENT_SHARD_ROWS]; /* per-row losses, summed in row order */
    double loss[LATENT_LOSS_TERMS];
} latent_shard;

struct latent_model {
    latent_model_kind kind;
    latent_ae_config ae;
    latent_vae_config vae;
    latent_gan_config gan;
    int n_groups;
    latent_params P[2];      /* ae/vae: P[0]; gan: P[0] generator, P[1] discriminator */
    latent_net net[2];       /* ae: net[0] the whole stack; vae: encoder, decoder; gan: G, D */
    int code_layer;          /* ae: index of the code layer in net[0] */
    int64_t d, code, wmax;
    int n_sh;
    latent_shard *sh;
    float *rho_sum, *rho_grad; /* sparse ae: n_sh x code partial sums; the penalty's gradient */
    latent_train_state state;
    uint64_t train_seed, init_seed;
    latent_optim_config opt;
    double g_loss;           /* gan: the last generator loss */
    double penalty;          /* sparse ae: this minibatch's sparsity penalty */
    latent_plan_fn plan;     /* the family's training step (NULL: trains elsewhere) */
    const int32_t *labels;   /* classifier: the training labels */
};

/* Allocates the common record (zeroed) of a kind. */
latent_status latent_model_new(latent_model_kind kind, latent_model **out);

/* Makes sure n shard workspaces exist (and per-shard gradients in every group). */
latent_status latent_model_reserve(latent_model *m, int n);

/* Runs fn over x in chunks of LATENT_SHARD_ROWS rows, chunks in parallel, each on the
 * workspace of its thread (results must depend only on the chunk). */
typedef void (*latent_chunk_fn)(latent_model *m, latent_shard *sh, const float *x, int64_t row0,
                                int64_t rows, void *arg);
latent_status latent_model_chunks(latent_model *m, const float *x, int64_t n, int64_t d,
                                  latent_chunk_fn fn, void *arg);

/* Index in an nn.Sequential of the next Linear, given the modules before it. */
void latent_seq_name(char *buf, size_t size, const char *prefix, int *index, latent_act act);

/* Family entry points used by the shared model code. */
int latent_ae_plan(void *m, const latent_batch *b, latent_phase *phases);
int latent_vae_plan(void *m, const latent_batch *b, latent_phase *phases);
int latent_gan_plan(void *m, const latent_batch *b, latent_phase *phases);
void latent_ae_eval_chunk(latent_model *m, latent_shard *sh, const float *x, int64_t row0,
                          int64_t rows, void *arg);
void latent_classifier_eval_chunk(latent_model *m, latent_shard *sh, const float *x,
                                  int64_t row0, int64_t rows, void *arg);
void latent_vae_eval_chunk(latent_model *m, latent_shard *sh, const float *x, int64_t row0,
                           int64_t rows, void *arg);

/* z ~ N(0, I) for `rows` rows drawn at (seed, stream, a, b0 + i) into sh->z, then G forward;
 * returns G's output (rows x d, in [-1, 1]). Every member of team calls it (NULL: alone). */
const float *latent_gan_generate(latent_model *m, latent_shard *sh, int64_t rows, uint64_t seed,
                                 uint32_t stream, uint64_t a, int64_t b0, const lk_team *team);

/* Sums a shard's per-row values v[0, rows) in row order, after the team's barrier; every member
 * gets the same double. */
double latent_rows_sum(const lk_team *team, const double *v, int64_t rows);

/* What an evaluation chunk writes: any of these may be NULL. */
typedef struct latent_eval_out {
    float *codes, *recon, *scores;
    double *loss_parts;      /* n_chunks x LATENT_LOSS_TERMS sums */
    const int32_t *labels;   /* classifier */
    uint64_t seed;
} latent_eval_out;

/* Runs the family's evaluation chunk over x (ae, vae, classifier). */
latent_status latent_model_run_eval(latent_model *m, const float *x, int64_t n, int64_t d,
                                    latent_eval_out *o);

#endif
