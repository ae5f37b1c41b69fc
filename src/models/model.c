/* The model record every family shares: creation, workspaces, training through the one loop,
 * evaluation chunks and state. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latent/memory.h"
#include "model.h"
#include "simd/fp_mode.h"

latent_status latent_model_new(latent_model_kind kind, latent_model **out)
{
    latent_model *m = calloc(1, sizeof *m);
    if (!m) return latent_fail(LATENT_ENOMEM, "model: cannot allocate");
    m->kind = kind;
    *out = m;
    return LATENT_OK;
}

static void shard_free(latent_shard *s)
{
    latent_net_ws_free(&s->ws[0]);
    latent_net_ws_free(&s->ws[1]);
    latent_free(s->x0), latent_free(s->x1), latent_free(s->z), latent_free(s->eps);
    latent_free(s->scratch);
}

void latent_model_free(latent_model *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_sh; i++) shard_free(&m->sh[i]);
    free(m->sh);
    for (int g = 0; g < 2; g++) latent_params_free(&m->P[g]);
    latent_free(m->rho_sum), latent_free(m->rho_grad);
    free(m);
}

latent_status latent_model_reserve(latent_model *m, int n)
{
    if (n <= m->n_sh) return LATENT_OK;
    latent_shard *sh = realloc(m->sh, (size_t)n * sizeof *sh);
    if (!sh) return latent_fail(LATENT_ENOMEM, "model: cannot allocate %d workspaces", n);
    m->sh = sh;
    const int64_t R = LATENT_SHARD_ROWS;
    for (int i = m->n_sh; i < n; i++) {
        latent_shard *s = &sh[i];
        memset(s, 0, sizeof *s);
        m->n_sh = i + 1; /* counted before filling so a failure frees it */
        for (int k = 0; k < 2; k++)
            if (m->net[k].n_layers &&
                latent_net_ws_alloc(&m->net[k], m->kind == LATENT_MODEL_GAN && k == 1 ? 2 * R : R,
                                    &s->ws[k]))
                return LATENT_ENOMEM;
        const int64_t xw = m->d > 2 * m->code ? m->d : 2 * m->code;
        s->x0 = latent_alloc((size_t)(2 * R), (size_t)xw * sizeof(float), "shard inputs");
        s->x1 = latent_alloc((size_t)(2 * R), (size_t)xw * sizeof(float), "shard inputs");
        s->z = latent_alloc((size_t)R, (size_t)(2 * m->code) * sizeof(float), "shard codes");
        s->eps = latent_alloc((size_t)R, (size_t)(2 * m->code) * sizeof(float), "shard noise");
        s->scratch = latent_alloc(4, (size_t)m->wmax * sizeof(float), "shard scratch");
        if (!s->x0 || !s->x1 || !s->z || !s->eps || !s->scratch) return LATENT_ENOMEM;
    }
    for (int g = 0; g < m->n_groups; g++)
        if (latent_params_reserve_shards(&m->P[g], n)) return LATENT_ENOMEM;
    if (m->kind == LATENT_MODEL_AE) {
        latent_free(m->rho_sum);
        m->rho_sum = latent_calloc((size_t)n, (size_t)m->code * sizeof(float), "sparsity sums");
        if (!m->rho_grad) m->rho_grad = latent_calloc((size_t)m->code, sizeof(float), "sparsity");
        if (!m->rho_sum || !m->rho_grad) return LATENT_ENOMEM;
    }
    return LATENT_OK;
}

latent_model_kind latent_model_kind_of(const latent_model *m) { return m->kind; }
int64_t latent_model_input_dim(const latent_model *m) { return m->d; }
int64_t latent_model_code_dim(const latent_model *m) { return m->code; }

void latent_train_options_default(latent_model_kind kind, latent_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->epochs = 10, o->batch = 256, o->seed = 0;
    latent_optim_config c = {LATENT_OPT_ADAM, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 0.0f, 0.0};
    if (kind == LATENT_MODEL_GAN) c.lr = 2e-4f, c.beta1 = 0.5f;
    o->optim = c;
}

static latent_status check_width(const latent_model *m, int64_t d, const char *what)
{
    if (d != m->d)
        return latent_fail(LATENT_EINVAL, "%s: data has %lld features but the model's input "
                           "size is %lld", what, (long long)d, (long long)m->d);
    return LATENT_OK;
}

latent_status latent_model_train(latent_model *m, const float *x, int64_t n, int64_t d,
                                 const latent_train_options *o)
{
    latent_status st = check_width(m, d, "train");
    if (st) return st;
    if (!m->plan) return latent_fail(LATENT_EINVAL, "train: a classifier trains with latent_classifier_train");
    if (o->batch <= 0 || o->epochs < 0)
        return latent_fail(LATENT_EINVAL, "train: batch %lld and epochs %lld must be positive",
                           (long long)o->batch, (long long)o->epochs);
    if (!(o->optim.lr > 0.0f))
        return latent_fail(LATENT_EINVAL, "train: --lr must be > 0, got %g", (double)o->optim.lr);
    if ((st = latent_model_reserve(m, latent_shards_for(o->batch)))) return st;
    for (int g = 0; g < m->n_groups; g++)
        if ((st = latent_params_alloc_state(&m->P[g]))) return st;
    m->opt = o->optim;
    m->train_seed = o->seed;
    latent_loop_config lc = {o->epochs, o->batch, o->seed, o->on_epoch, o->user, o->on_step,
                             o->thread_work};
    return latent_loop_run(&lc, m, m->plan, x, n, d, &m->state);
}

void latent_model_get_state(const latent_model *m, latent_train_state *s, uint64_t *train_seed)
{
    *s = m->state;
    if (train_seed) *train_seed = m->train_seed;
}

void latent_model_set_state(latent_model *m, const latent_train_state *s, uint64_t train_seed)
{
    m->state = *s;
    m->train_seed = train_seed;
}

static void run_chunk(latent_model *m, latent_shard *sh, const float *x, int64_t n, int64_t d,
                      int64_t c, latent_chunk_fn fn, void *arg)
{
    int64_t row0 = c * LATENT_SHARD_ROWS;
    int64_t rows = n - row0 < LATENT_SHARD_ROWS ? n - row0 : LATENT_SHARD_ROWS;
    const lk_fp_mode fp = lk_fp_flush_denormals(); /* as training runs */
    fn(m, sh, x ? x + row0 * d : NULL, row0, rows, arg);
    lk_fp_restore(fp);
}

latent_status latent_model_chunks(latent_model *m, const float *x, int64_t n, int64_t d,
                                  latent_chunk_fn fn, void *arg)
{
    latent_status st = check_width(m, d, "model");
    if (st) return st;
    const int64_t nchunks = (n + LATENT_SHARD_ROWS - 1) / LATENT_SHARD_ROWS;
    /* inside a region (never a team inside another), or with one chunk, on this thread alone */
    int nt = omp_get_level() > 0 ? 1 : omp_get_max_threads();
    if (nt > nchunks) nt = (int)nchunks;
    if (nt < 1) nt = 1;
    if ((st = latent_model_reserve(m, nt))) return st;
    if (nt == 1) {
        for (int64_t c = 0; c < nchunks; c++) run_chunk(m, &m->sh[0], x, n, d, c, fn, arg);
        return LATENT_OK;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int64_t c = 0; c < nchunks; c++) {
        LK_REGION_ENTERED();
        run_chunk(m, &m->sh[omp_get_thread_num()], x, n, d, c, fn, arg);
    }
    return LATENT_OK;
}

double latent_rows_sum(const lk_team *team, const double *v, int64_t rows)
{
    lk_team_sync(team);
    double s = 0.0;
    for (int64_t i = 0; i < rows; i++) s += v[i];
    return s;
}

void latent_seq_name(char *buf, size_t size, const char *prefix, int *index, latent_act act)
{
    snprintf(buf, size, "%s.%d", prefix, *index);
    *index += act == LATENT_ACT_IDENTITY ? 1 : 2;
}

latent_status latent_model_run_eval(latent_model *m, const float *x, int64_t n, int64_t d,
                                    latent_eval_out *o)
{
    if (m->kind == LATENT_MODEL_GAN)
        return latent_fail(LATENT_EINVAL, "model: a GAN has no encoder (use ae or vae)");
    latent_chunk_fn fn = m->kind == LATENT_MODEL_AE    ? latent_ae_eval_chunk
                         : m->kind == LATENT_MODEL_VAE ? latent_vae_eval_chunk
                                                       : latent_classifier_eval_chunk;
    return latent_model_chunks(m, x, n, d, fn, o);
}

latent_status latent_model_encode(latent_model *m, const float *x, int64_t n, int64_t d,
                                  float *codes)
{
    latent_eval_out o = {.codes = codes};
    return latent_model_run_eval(m, x, n, d, &o);
}

latent_status latent_model_reconstruct(latent_model *m, const float *x, int64_t n, int64_t d,
                                       float *out)
{
    latent_eval_out o = {.recon = out};
    return latent_model_run_eval(m, x, n, d, &o);
}

latent_status latent_model_anomaly(latent_model *m, const float *x, int64_t n, int64_t d,
                                   uint64_t seed, float *scores)
{
    latent_eval_out o = {.scores = scores, .seed = seed};
    return latent_model_run_eval(m, x, n, d, &o);
}

latent_status latent_model_evaluate(latent_model *m, const float *x, int64_t n, int64_t d,
                                    uint64_t seed, double loss[LATENT_LOSS_TERMS])
{
    if (n <= 0) return latent_fail(LATENT_EINVAL, "evaluate: no data");
    if (m->kind == LATENT_MODEL_CLASSIFIER)
        return latent_fail(LATENT_EINVAL, "evaluate: a classifier needs labels "
                           "(latent_classifier_accuracy)");
    const int64_t nchunks = (n + LATENT_SHARD_ROWS - 1) / LATENT_SHARD_ROWS;
    double *parts = latent_calloc((size_t)nchunks, LATENT_LOSS_TERMS * sizeof(double), "losses");
    if (!parts) return LATENT_ENOMEM;
    latent_eval_out o = {.loss_parts = parts, .seed = seed};
    latent_status st = latent_model_run_eval(m, x, n, d, &o);
    for (int i = 0; i < LATENT_LOSS_TERMS; i++) loss[i] = 0.0;
    for (int64_t c = 0; c < nchunks && !st; c++)
        for (int i = 0; i < LATENT_LOSS_TERMS; i++) loss[i] += parts[c * LATENT_LOSS_TERMS + i];
    /* chunks return sums per example (ae: per element) */
    double denom = m->kind == LATENT_MODEL_AE ? (double)n * (double)m->d : (double)n;
    for (int i = 0; i < LATENT_LOSS_TERMS; i++) loss[i] /= denom;
    latent_free(parts);
    return st;
}
