/* The model record every family shares: creation, buffers, training through the one loop,
 * evaluation chunks, per-shard losses and training state. Nothing here knows a family: each
 * plugs in through its table (model.h). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latent/memory.h"
#include "model.h"
#include "simd/fp_mode.h"

latent_status latent_model_new(const latent_family *f, const void *cfg, size_t cfg_size,
                               latent_model **out)
{
    latent_model *m = calloc(1, sizeof *m);
    if (!m || !(m->cfg = malloc(cfg_size))) {
        free(m);
        return latent_fail(LATENT_ENOMEM, "model: cannot allocate");
    }
    memcpy(m->cfg, cfg, cfg_size);
    m->family = f;
    *out = m;
    return LATENT_OK;
}

static void work_free(latent_work *w)
{
    for (int k = 0; k < LATENT_MAX_STACKS; k++) latent_stack_ws_free(&w->ws[k]);
    latent_free(w->x0), latent_free(w->x1), latent_free(w->z), latent_free(w->eps);
    latent_free(w->scratch);
    latent_free(w->segs);
    memset(w, 0, sizeof *w);
}

void latent_model_free(latent_model *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_work; i++) work_free(&m->work[i]);
    free(m->work);
    for (int g = 0; g < LATENT_MAX_GROUPS; g++) latent_params_free(&m->group[g]);
    latent_params_free(&m->buffers);
    latent_free(m->shared);
    latent_free(m->row_loss[0]), latent_free(m->row_loss[1]);
    latent_free(m->shard_loss);
    if (m->family && m->family->release) m->family->release(m);
    free(m->priv);
    free(m->cfg);
    free(m);
}

latent_status latent_model_dense(latent_model *m, int k, const char *name, int64_t out,
                                 latent_act act, float slope)
{
    latent_layer l;
    latent_dense_setup(&l, out, act, slope);
    return latent_stack_add(&m->stack[k], &m->group[m->stack_group[k]], &l, name);
}

latent_status latent_model_finish(latent_model *m, uint64_t seed)
{
    m->init_seed = seed;
    for (int g = 0; g < m->n_groups; g++) {
        latent_status st = latent_params_alloc(&m->group[g]);
        if (st) return st;
    }
    if (m->buffers.n_tensors) {
        latent_status st = latent_params_alloc(&m->buffers);
        if (st) return st;
    }
    for (int k = 0; k < m->n_stacks; k++)
        latent_stack_init(&m->stack[k], &m->group[m->stack_group[k]], seed,
                          (uint64_t)k * LATENT_MAX_LAYERS);
    latent_train_options o;
    latent_train_options_default(m->family->kind, &o);
    m->opt = o.optim;
    return LATENT_OK;
}

/* The widest row any stack of the model reads or writes. */
static int64_t widest(const latent_model *m)
{
    int64_t w = m->d > 2 * m->code ? m->d : 2 * m->code;
    for (int k = 0; k < m->n_stacks; k++) {
        const latent_stack *s = &m->stack[k];
        if (latent_shape_numel(s->in) > w) w = latent_shape_numel(s->in);
        for (int i = 0; i < s->n_layers; i++)
            if (s->layer[i].out_size > w) w = s->layer[i].out_size;
    }
    return w;
}

static latent_status work_alloc(const latent_model *m, int64_t rows, latent_work *w)
{
    memset(w, 0, sizeof *w);
    w->rows = rows;
    for (int k = 0; k < m->n_stacks; k++)
        if (latent_stack_ws_alloc(&m->stack[k], rows * m->family->rows_factor[k], &w->ws[k]))
            goto fail;
    const int64_t xw = m->d > 2 * m->code ? m->d : 2 * m->code;
    w->x0 = latent_alloc((size_t)(2 * rows), (size_t)xw * sizeof(float), "slab inputs");
    w->x1 = latent_alloc((size_t)(2 * rows), (size_t)xw * sizeof(float), "slab inputs");
    w->z = latent_alloc((size_t)rows, (size_t)(2 * m->code) * sizeof(float), "slab codes");
    w->eps = latent_alloc((size_t)rows, (size_t)(2 * m->code) * sizeof(float), "slab noise");
    w->scratch = latent_alloc(4, (size_t)widest(m) * sizeof(float), "slab scratch");
    w->segs = latent_alloc((size_t)(rows / LATENT_SHARD_ROWS + 2), sizeof *w->segs, "slab segments");
    if (w->x0 && w->x1 && w->z && w->eps && w->scratch && w->segs) return LATENT_OK;
fail:
    work_free(w);
    return LATENT_ENOMEM;
}

latent_status latent_model_reserve(latent_model *m, int n, int64_t rows, int n_shards)
{
    if (n > m->n_work || (n > 0 && rows > m->work[0].rows)) {
        /* every buffer is sized alike: regrow them all to the larger of what was and is asked */
        const int64_t r = m->n_work && m->work[0].rows > rows ? m->work[0].rows : rows;
        const int count = n > m->n_work ? n : m->n_work;
        for (int i = 0; i < m->n_work; i++) work_free(&m->work[i]);
        free(m->work);
        m->n_work = 0;
        if (!(m->work = calloc((size_t)count, sizeof *m->work)))
            return latent_fail(LATENT_ENOMEM, "model: cannot allocate %d workspaces", count);
        for (int i = 0; i < count; i++) {
            if (work_alloc(m, r, &m->work[i])) return LATENT_ENOMEM;
            m->n_work = i + 1;
        }
    }
    for (int g = 0; g < m->n_groups; g++)
        if (latent_params_reserve_shards(&m->group[g], n_shards)) return LATENT_ENOMEM;
    if (n_shards > m->n_shard_loss) {
        latent_free(m->shard_loss);
        m->shard_loss = latent_calloc((size_t)n_shards, sizeof *m->shard_loss, "shard losses");
        if (!m->shard_loss) return LATENT_ENOMEM;
        m->n_shard_loss = n_shards;
    }
    return LATENT_OK;
}

/* Every layer's step-shared doubles for n_shards shards, one block, pointers into it. */
static latent_status reserve_shared(latent_model *m, int n_shards)
{
    if (n_shards <= m->n_shared) return LATENT_OK;
    int64_t total = 0;
    for (int k = 0; k < m->n_stacks; k++)
        for (int i = 0; i < m->stack[k].n_layers; i++) total += latent_stack_shared_doubles(&m->stack[k], i, n_shards);
    if (total == 0) return LATENT_OK;
    latent_free(m->shared);
    if (!(m->shared = latent_calloc((size_t)total, sizeof(double), "batch statistics"))) return LATENT_ENOMEM;
    int64_t at = 0;
    for (int k = 0; k < m->n_stacks; k++)
        for (int i = 0; i < m->stack[k].n_layers; i++) {
            const int64_t n = latent_stack_shared_doubles(&m->stack[k], i, n_shards);
            m->stack[k].shared[i] = n ? m->shared + at : NULL;
            at += n;
        }
    m->n_shared = n_shards;
    return LATENT_OK;
}

latent_pass latent_batch_pass(const latent_batch *b, const lk_team *team, const latent_slab *slab)
{
    latent_pass ps = {team, slab, 1, b->sync, b->n_shards, b->rows, b->seed, (uint64_t)b->step,
                      b->shard_lo, b->node};
    return ps;
}

latent_status latent_model_prepare(latent_model *m, const latent_batch *b)
{
    latent_status st = latent_model_reserve(m, b->n_slabs, b->slab_rows, b->n_shards);
    if (!st) st = reserve_shared(m, b->n_shards);
    if (st) return st;
    if (b->rows > m->row_loss_rows) {
        for (int i = 0; i < 2; i++) {
            latent_free(m->row_loss[i]);
            if (!(m->row_loss[i] = latent_calloc((size_t)b->rows, sizeof(double), "row losses")))
                return LATENT_ENOMEM;
        }
        m->row_loss_rows = b->rows;
    }
    return m->family->reserve ? m->family->reserve(m, b->n_shards) : LATENT_OK;
}

const float *latent_model_weights(const latent_model *m, int k)
{
    return m->group[m->stack_group[k]].w;
}

latent_grad latent_model_grad(latent_model *m, int k)
{
    latent_params *p = &m->group[m->stack_group[k]];
    latent_grad g = {p->shard_g, p->n, p->g, p};
    return g;
}

void latent_slab_loss(latent_model *m, const lk_team *team, const latent_slab *slab, int which,
                      int term)
{
    lk_team_sync(team);
    if (team->id) return;
    for (int s = 0; s < slab->n; s++) {
        const latent_slab_seg *g = &slab->seg[s];
        double sum = 0.0;
        for (int64_t i = 0; i < g->rows; i++) sum += m->row_loss[which][g->row0 + i];
        m->shard_loss[g->shard][term] = sum;
    }
}

latent_shard_span latent_shards_loss_span(latent_model *m)
{
    return (latent_shard_span){m->shard_loss, sizeof *m->shard_loss};
}

double latent_shards_loss(const latent_model *m, int n_shards, int term)
{
    double s = 0.0;
    for (int i = 0; i < n_shards; i++) s += m->shard_loss[i][term];
    return s;
}

latent_model_kind latent_model_kind_of(const latent_model *m) { return m->family->kind; }
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
    if (!m->family->plan)
        return latent_fail(LATENT_EINVAL, "train: a %s model trains otherwise (a classifier: "
                           "latent_classifier_train)", m->family->name);
    return latent_model_train_with(m, x, n, d, o, m->family->plan);
}

latent_status latent_model_train_with(latent_model *m, const float *x, int64_t n, int64_t d,
                                      const latent_train_options *o, latent_plan_fn plan)
{
    latent_status st = check_width(m, d, "train");
    if (st) return st;
    if (o->batch <= 0 || o->epochs < 0)
        return latent_fail(LATENT_EINVAL, "train: batch %lld and epochs %lld must be positive",
                           (long long)o->batch, (long long)o->epochs);
    if (!(o->optim.lr > 0.0f))
        return latent_fail(LATENT_EINVAL, "train: --lr must be > 0, got %g", (double)o->optim.lr);
    for (int g = 0; g < m->n_groups; g++)
        if ((st = latent_params_alloc_state(&m->group[g]))) return st;
    m->opt = o->optim;
    m->train_seed = o->seed;
    latent_loop_config lc = {o->epochs, o->batch, o->seed, o->on_epoch, o->user, o->on_step,
                             o->thread_work, o->stop, o->fixed_threads};
    return latent_loop_run(&lc, m, plan, x, n, d, &m->state);
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

static void run_chunk(latent_model *m, latent_work *w, const float *x, int64_t n, int64_t d,
                      int64_t c, latent_chunk_fn fn, void *arg)
{
    int64_t row0 = c * LATENT_SHARD_ROWS;
    int64_t rows = n - row0 < LATENT_SHARD_ROWS ? n - row0 : LATENT_SHARD_ROWS;
    const lk_fp_mode fp = lk_fp_flush_denormals(); /* as training runs */
    fn(m, w, x ? x + row0 * d : NULL, row0, rows, arg);
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
    if ((st = latent_model_reserve(m, nt, LATENT_SHARD_ROWS, 1))) return st;
    if (nt == 1) {
        for (int64_t c = 0; c < nchunks; c++) run_chunk(m, &m->work[0], x, n, d, c, fn, arg);
        return LATENT_OK;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int64_t c = 0; c < nchunks; c++) {
        LK_REGION_ENTERED();
        run_chunk(m, &m->work[omp_get_thread_num()], x, n, d, c, fn, arg);
    }
    return LATENT_OK;
}

void latent_seq_name(char *buf, size_t size, const char *prefix, int *index, latent_act act)
{
    snprintf(buf, size, "%s.%d", prefix, *index);
    *index += act == LATENT_ACT_IDENTITY ? 1 : 2;
}

latent_status latent_model_run_eval(latent_model *m, const float *x, int64_t n, int64_t d,
                                    latent_eval_out *o)
{
    if (!m->family->eval)
        return latent_fail(LATENT_EINVAL, "model: a %s model has no encoder (use ae or vae)",
                           m->family->name);
    return latent_model_chunks(m, x, n, d, m->family->eval, o);
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
    if (!m->family->plan)
        return latent_fail(LATENT_EINVAL, "evaluate: a %s model is scored otherwise (a "
                           "classifier: latent_classifier_accuracy)", m->family->name);
    const int64_t nchunks = (n + LATENT_SHARD_ROWS - 1) / LATENT_SHARD_ROWS;
    double *parts = latent_calloc((size_t)nchunks, LATENT_LOSS_TERMS * sizeof(double), "losses");
    if (!parts) return LATENT_ENOMEM;
    latent_eval_out o = {.loss_parts = parts, .seed = seed};
    latent_status st = latent_model_run_eval(m, x, n, d, &o);
    for (int i = 0; i < LATENT_LOSS_TERMS; i++) loss[i] = 0.0;
    for (int64_t c = 0; c < nchunks && !st; c++)
        for (int i = 0; i < LATENT_LOSS_TERMS; i++) loss[i] += parts[c * LATENT_LOSS_TERMS + i];
    /* chunks return sums per example (or per element) */
    double denom = m->family->loss_per_element ? (double)n * (double)m->d : (double)n;
    for (int i = 0; i < LATENT_LOSS_TERMS; i++) loss[i] /= denom;
    latent_free(parts);
    return st;
}

latent_status latent_model_sample(latent_model *m, int64_t n, uint64_t seed, float *out)
{
    if (!m->family->sample)
        return latent_fail(LATENT_EINVAL, "sample: a%s %s model has no prior (use vae or gan)",
                           m->family->name[0] == 'a' ? "n" : "", m->family->name);
    if (n <= 0) return latent_fail(LATENT_EINVAL, "sample: --n must be > 0, got %lld", (long long)n);
    latent_sample_arg a = {seed, out, NULL};
    /* the chunk runner walks rows by the input width; no input is read */
    return latent_model_chunks(m, NULL, n, m->d, m->family->sample, &a);
}

latent_status latent_model_decode(latent_model *m, const float *z, int64_t n, int64_t code,
                                  float *out)
{
    latent_chunk_fn fn = m->family->decode ? m->family->decode : m->family->sample;
    if (!fn)
        return latent_fail(LATENT_EINVAL, "decode: a%s %s model has no decoder or generator",
                           m->family->name[0] == 'a' ? "n" : "", m->family->name);
    if (code != m->code)
        return latent_fail(LATENT_EINVAL, "decode: the codes have %lld dimensions, the model's %lld",
                           (long long)code, (long long)m->code);
    if (n <= 0) return latent_fail(LATENT_EINVAL, "decode: no codes");
    latent_sample_arg a = {0, out, z};
    return latent_model_chunks(m, NULL, n, m->d, fn, &a);
}
