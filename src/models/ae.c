/* Autoencoders: plain, sparse (KL on the code layer), contractive (Jacobian penalty) and
 * denoising (masking or Gaussian corruption), on one mirrored dense stack. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "latent/memory.h"
#include "latent/rng.h"
#include "config_map.h"
#include "conv_net.h"
#include "model.h"
#include "src/nn/grad_proof.h"
#include "simd/portable_math.h"

void latent_ae_config_default(latent_ae_config *c)
{
    memset(c, 0, sizeof *c);
    c->n_sizes = 3;
    c->sizes[0] = 784, c->sizes[1] = 128, c->sizes[2] = 32;
    c->act = LATENT_ACT_RELU, c->out_act = LATENT_ACT_SIGMOID, c->slope = 0.01f;
    c->code_act = LATENT_AE_CODE_AS_ACT;
    c->loss = LATENT_LOSS_MSE;
    c->sparse_rho = 0.05f;
}

static latent_status validate(const latent_ae_config *c)
{
    if (c->n_sizes < 2 || c->n_sizes > LATENT_MAX_SIZES)
        return latent_fail(LATENT_EINVAL, "ae: layers: need 2 to %d sizes, got %d",
                           LATENT_MAX_SIZES, c->n_sizes);
    for (int i = 0; i < c->n_sizes; i++)
        if (c->sizes[i] <= 0 || c->sizes[i] > (1 << 24))
            return latent_fail(LATENT_EINVAL, "ae: layers: size %d is %lld", i,
                               (long long)c->sizes[i]);
    if (c->out_act != LATENT_ACT_SIGMOID && c->out_act != LATENT_ACT_IDENTITY)
        return latent_fail(LATENT_EINVAL, "ae: out-act: sigmoid or identity, got %s",
                           latent_act_name(c->out_act));
    if ((int)c->code_act < 0 || c->code_act > LATENT_AE_CODE_AS_ACT)
        return latent_fail(LATENT_EINVAL, "ae: code-act: unknown activation %d", (int)c->code_act);
    if ((c->sparse_beta > 0 || c->contractive > 0) && c->code_act != LATENT_AE_CODE_AS_ACT &&
        c->code_act != LATENT_ACT_SIGMOID)
        return latent_fail(LATENT_EINVAL, "ae: code-act: a %s autoencoder needs a sigmoid code, "
                           "got %s", c->contractive > 0 ? "contractive" : "sparse",
                           latent_act_name(c->code_act));
    if (c->loss == LATENT_LOSS_BCE && c->out_act != LATENT_ACT_SIGMOID)
        return latent_fail(LATENT_EINVAL, "ae: loss: bce needs a sigmoid output");
    if (c->sparse_beta < 0 || (c->sparse_beta > 0 && !(c->sparse_rho > 0 && c->sparse_rho < 1)))
        return latent_fail(LATENT_EINVAL, "ae: sparse: beta >= 0 and 0 < rho < 1, got %g,%g",
                           (double)c->sparse_beta, (double)c->sparse_rho);
    if (c->contractive < 0)
        return latent_fail(LATENT_EINVAL, "ae: contractive: lambda >= 0, got %g",
                           (double)c->contractive);
    if (c->noise == LATENT_NOISE_MASK && !(c->noise_level >= 0 && c->noise_level < 1))
        return latent_fail(LATENT_EINVAL, "ae: denoise: mask probability in [0, 1), got %g",
                           (double)c->noise_level);
    if (c->noise == LATENT_NOISE_GAUSS && !(c->noise_level >= 0))
        return latent_fail(LATENT_EINVAL, "ae: denoise: gauss sigma >= 0, got %g",
                           (double)c->noise_level);
    if (c->conv.n && c->contractive > 0)
        return latent_fail(LATENT_EINVAL, "ae: contractive: only for a dense autoencoder (its "
                           "penalty is the code layer's Jacobian wrt the input)");
    return latent_conv_check(&c->conv, c->sizes[0], "ae");
}

/* The family's own state: the index of the code layer and the sparsity penalty's sums. */
typedef struct ae_state {
    int code_layer;          /* the code layer's index in the stack */
    int n_shards;
    float *rho_sum;          /* n_shards x code: each shard's column sums of the code */
    float *rho_grad;         /* the penalty's gradient per code unit */
    double penalty;          /* this minibatch's sparsity penalty */
} ae_state;

static ae_state *st_of(const latent_model *m) { return m->priv; }
static const latent_ae_config *cfg_of(const latent_model *m) { return m->cfg; }

extern const latent_family latent_ae_family;

latent_status latent_ae_create(const latent_ae_config *c, uint64_t seed, latent_model **out)
{
    latent_status st = validate(c);
    if (st) return st;
    latent_model *m;
    if ((st = latent_model_new(&latent_ae_family, c, sizeof *c, &m))) return st;
    latent_ae_config *a = m->cfg;
    if (!(m->priv = calloc(1, sizeof(ae_state)))) {
        latent_model_free(m);
        return latent_fail(LATENT_ENOMEM, "ae: cannot allocate");
    }
    if (c->code_act == LATENT_AE_CODE_AS_ACT)
        a->code_act = c->sparse_beta > 0 || c->contractive > 0 ? LATENT_ACT_SIGMOID : c->act;
    const latent_act code_act = a->code_act;
    const int k = c->n_sizes - 1;
    m->n_groups = 1, m->n_stacks = 1;
    m->d = c->sizes[0], m->code = c->sizes[k];
    const latent_conv_config *cv = &c->conv;
    latent_stack_begin(&m->stack[0], cv->n ? (latent_shape){3, {cv->height, cv->width, cv->image_channels}}
                                           : latent_shape_1d(m->d), &m->buffers);
    char name[64];
    int idx = 0;
    if (cv->n) st = latent_conv_encoder(m, 0, cv, c->act, c->slope, &idx);
    for (int i = 0; i < k && !st; i++) {
        latent_act act = i == k - 1 ? code_act : c->act;
        latent_seq_name(name, sizeof name, "encoder", &idx, act);
        st = latent_model_dense(m, 0, name, c->sizes[i + 1], act, c->slope);
    }
    st_of(m)->code_layer = m->stack[0].n_layers - 1;
    /* BCE is computed from logits: the stack's last layer stays linear */
    const latent_act stack_out = c->loss == LATENT_LOSS_BCE ? LATENT_ACT_IDENTITY : c->out_act;
    idx = 0;
    /* a convolutional decoder goes from the code straight to the convolutions */
    for (int i = cv->n ? 1 : k; i > 0 && !st; i--) {
        const int last = i == 1 && !cv->n;
        latent_act act = last ? c->out_act : c->act;
        latent_seq_name(name, sizeof name, "decoder", &idx, act);
        if (last) act = stack_out;
        st = latent_model_dense(m, 0, name, i > 1 ? c->sizes[i - 1] : cv->n ? latent_conv_flat(cv) : m->d,
                                act, c->slope);
    }
    if (cv->n && !st) st = latent_conv_decoder(m, 0, cv, c->act, c->slope, stack_out, &idx);
    if (!st) st = latent_model_finish(m, seed);
    if (st) {
        latent_model_free(m);
        return st;
    }
    *out = m;
    return LATENT_OK;
}

static latent_status reserve(latent_model *m, int n_shards)
{
    ae_state *s = st_of(m);
    if (cfg_of(m)->sparse_beta <= 0 || n_shards <= s->n_shards) return LATENT_OK;
    latent_free(s->rho_sum);
    s->rho_sum = latent_calloc((size_t)n_shards, (size_t)m->code * sizeof(float), "sparsity sums");
    if (!s->rho_grad) s->rho_grad = latent_calloc((size_t)m->code, sizeof(float), "sparsity");
    if (!s->rho_sum || !s->rho_grad) return LATENT_ENOMEM;
    s->n_shards = n_shards;
    return LATENT_OK;
}

static void release(latent_model *m)
{
    ae_state *s = st_of(m);
    if (s) latent_free(s->rho_sum), latent_free(s->rho_grad);
}

/* The corrupted input of a denoising autoencoder for rows [lo, hi) of a slab, each drawn at
 * (seed, NOISE, step, its row in the minibatch). */
static void corrupt(const latent_ae_config *c, const latent_batch *b, const latent_slab *slab,
                    int64_t lo, int64_t hi, const float *clean, float *noisy)
{
    for (int g = 0; g < slab->n; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        for (int64_t r = sg->at > lo ? sg->at : lo; r < sg->at + sg->rows && r < hi; r++) {
            latent_rng rng;
            latent_rng_init(&rng, b->seed, LATENT_STREAM_NOISE, (uint64_t)b->step,
                            (uint32_t)(sg->row0 + r - sg->at));
            const float *s = clean + r * b->d;
            float *o = noisy + r * b->d;
            /* the row's draws a block at a time, as latent_rng_uniform and latent_rng_normal
             * would give them one by one */
            enum { BLOCK = 256 };
            float draw[BLOCK];
            for (int64_t j0 = 0; j0 < b->d; j0 += BLOCK) {
                const int64_t n = b->d - j0 < BLOCK ? b->d - j0 : BLOCK;
                if (c->noise == LATENT_NOISE_MASK) {
                    latent_rng_uniforms(&rng, n, draw);
                    for (int64_t j = 0; j < n; j++) o[j0 + j] = draw[j] < c->noise_level ? 0.0f : s[j0 + j];
                } else {
                    latent_rng_normals(&rng, n, draw);
                    for (int64_t j = 0; j < n; j++) {
                        float v = s[j0 + j] + c->noise_level * draw[j];
                        o[j0 + j] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
                    }
                }
            }
        }
    }
}

/* Pass 1 of a sparse autoencoder (and the start of every step): the minibatch rows, their
 * corruption, the encoder, and each shard's column sums of the code. */
static void slab_encode(void *mv, const latent_batch *b, const latent_slab *slab, int si,
                        const lk_team *team)
{
    latent_model *m = mv;
    const latent_ae_config *c = cfg_of(m);
    latent_work *w = &m->work[si];
    const latent_pass ps = latent_batch_pass(b, team, slab);
    const float *in = c->noise != LATENT_NOISE_NONE ? w->x1 : w->x0;
    int64_t lo, hi;
    lk_team_split(team, slab->rows, &lo, &hi);
    latent_slab_gather(b, slab, lo, hi, w->x0, 1.0f, 0.0f);
    if (c->noise != LATENT_NOISE_NONE) corrupt(c, b, slab, lo, hi, w->x0, w->x1);
    lk_team_sync(team);
    const int cl = st_of(m)->code_layer;
    latent_stack_forward(&m->stack[0], latent_model_weights(m, 0), &w->ws[0], 0, cl + 1, in,
                         slab->rows, &ps);
    if (c->sparse_beta > 0) {
        int64_t c0, c1;
        lk_team_split(team, m->code, &c0, &c1);
        for (int g = 0; g < slab->n && c1 > c0; g++) {
            const latent_slab_seg *sg = &slab->seg[g];
            lk_active()->col_sum(sg->rows, c1 - c0, w->ws[0].out[cl] + sg->at * m->code + c0,
                                 m->code, st_of(m)->rho_sum + (int64_t)sg->shard * m->code + c0);
        }
        lk_team_sync(team);
    }
}

/* The contractive penalty on the code layer (sigmoid), with s = h(1-h) and cw_i = sum_j W_ij^2:
 * value lambda/B sum_n sum_i s^2 cw_i; delta_i += lambda/B * 2 cw_i s^2 (1 - 2h); the direct
 * term dW_ij += lambda/B * 2 W_ij sum_n s^2 over each shard's rows. Each code unit is one
 * member's, so no sum depends on the team. This part: cw (kept in scratch) and the delta terms
 * of every row of the slab. */
static void contractive_delta(latent_model *m, latent_work *w, const latent_batch *b, int64_t rows,
                              float *delta, const lk_team *team)
{
    const latent_dense *l = latent_dense_of(&m->stack[0].layer[st_of(m)->code_layer]);
    const float *W = latent_model_weights(m, 0) + l->w_off;
    const float *h = w->ws[0].out[st_of(m)->code_layer];
    const int64_t C = l->out, I = l->in;
    float *cw = w->scratch;
    const float scale = cfg_of(m)->contractive / (float)b->rows;
    int64_t i0, i1;
    lk_team_split(team, C, &i0, &i1);
    for (int64_t i = i0; i < i1; i++) {
        double acc = 0.0;
        for (int64_t j = 0; j < I; j++) acc += (double)W[i * I + j] * W[i * I + j];
        cw[i] = (float)acc;
        for (int64_t n = 0; n < rows; n++) {
            float hv = h[n * C + i], sv = hv * (1.0f - hv), s2 = sv * sv;
            delta[n * C + i] += scale * 2.0f * cw[i] * s2 * (1.0f - 2.0f * hv);
        }
    }
    lk_team_sync(team);
}

/* The rest for one shard, once backprop has written its dW: sum_n s^2 per unit, the direct
 * term, and (member 0) the shard's penalty into shard_loss. */
static void contractive_shard(latent_model *m, latent_work *w, const latent_batch *b,
                              const latent_slab_seg *sg, const lk_team *team)
{
    const latent_dense *l = latent_dense_of(&m->stack[0].layer[st_of(m)->code_layer]);
    const float *W = latent_model_weights(m, 0) + l->w_off;
    const float *h = w->ws[0].out[st_of(m)->code_layer] + sg->at * l->out;
    const int64_t C = l->out;
    const float *cw = w->scratch;
    double *pen = (double *)(w->scratch + 2 * C);
    const float scale = cfg_of(m)->contractive / (float)b->rows;
    latent_grad g = latent_model_grad(m, 0);
    float *grad = g.base + (int64_t)sg->shard * g.stride;
    /* the direct term is no product of the rows: the code layer's gradient is checked whole */
    latent_proof_void(g, l->w_off);
    int64_t i0, i1;
    lk_team_split(team, C, &i0, &i1);
    for (int64_t i = i0; i < i1; i++) {
        float ss = 0.0f;
        double p = 0.0;
        for (int64_t n = 0; n < sg->rows; n++) {
            float hv = h[n * C + i], sv = hv * (1.0f - hv), s2 = sv * sv;
            p += (double)s2 * cw[i];
            ss += s2;
        }
        pen[i] = p;
        lk_active()->axpy(l->in, scale * 2.0f * ss, W + i * l->in, grad + l->w_off + i * l->in);
    }
    lk_team_sync(team);
    if (team->id == 0) {
        double total = 0.0;
        for (int64_t i = 0; i < C; i++) total += pen[i];
        m->shard_loss[sg->shard][2] = cfg_of(m)->contractive * total;
    }
    lk_team_sync(team);
}

/* Pass 2 (or the only pass): decoder, loss, backward. */
static void slab_rest(void *mv, const latent_batch *b, const latent_slab *slab, int si,
                      const lk_team *team)
{
    latent_model *m = mv;
    const latent_ae_config *c = cfg_of(m);
    const lk_table *t = lk_active();
    latent_work *w = &m->work[si];
    latent_stack_ws *ws = &w->ws[0];
    const latent_stack *net = &m->stack[0];
    const float *W = latent_model_weights(m, 0);
    const latent_pass ps = latent_batch_pass(b, team, slab);
    const int L = net->n_layers, cl = st_of(m)->code_layer;
    const int64_t D = m->d, rows = slab->rows;
    if (c->sparse_beta <= 0) slab_encode(mv, b, slab, si, team);
    latent_stack_forward(net, W, ws, cl + 1, L, ws->out[cl], rows, &ps);
    const float gs = 1.0f / ((float)b->rows * (float)D);
    float *dy = ws->d[0];
    const float *out = ws->out[L - 1];
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    for (int g = 0; g < slab->n; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        for (int64_t r = sg->at > lo ? sg->at : lo; r < sg->at + sg->rows && r < hi; r++)
            m->row_loss[0][sg->row0 + r - sg->at] =
                c->loss == LATENT_LOSS_MSE ? t->mse(D, out + r * D, w->x0 + r * D, dy + r * D, 2.0f * gs)
                                           : t->bce_logits(D, out + r * D, w->x0 + r * D, dy + r * D, gs);
    }
    latent_slab_loss(m, team, slab, 0, 1);
    latent_grad grad = latent_model_grad(m, 0);
    float *dh = latent_stack_backward(net, W, ws, cl + 1, L, rows, dy, 0, grad, 1, &ps);
    if (c->sparse_beta > 0) {
        for (int64_t n = lo; n < hi; n++) t->axpy(m->code, 1.0f, st_of(m)->rho_grad, dh + n * m->code);
        lk_team_sync(team);
    }
    if (c->contractive > 0) {
        const latent_dense *l = latent_dense_of(&net->layer[cl]);
        t->act_bwd[l->act]((hi - lo) * m->code, ws->out[cl] + lo * m->code,
                           ws->out[cl] + lo * m->code, dh + lo * m->code, dh + lo * m->code,
                           l->slope);
        lk_team_sync(team);
        contractive_delta(m, w, b, rows, dh, team);
        latent_stack_backward(net, W, ws, 0, cl + 1, rows, dh, 1, grad, 0, &ps);
        for (int g = 0; g < slab->n; g++) contractive_shard(m, w, b, &slab->seg[g], team);
    } else {
        latent_stack_backward(net, W, ws, 0, cl + 1, rows, dh, 0, grad, 0, &ps);
        if (team->id == 0)
            for (int g = 0; g < slab->n; g++) m->shard_loss[slab->seg[g].shard][2] = 0.0;
    }
}

/* After pass 1: the code's mean activation over the whole minibatch, the sparsity penalty and
 * its gradient (shards' column sums added in shard order). */
static latent_status after_encode(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    const latent_ae_config *c = cfg_of(m);
    ae_state *s = st_of(m);
    const double rho = c->sparse_rho, eps = 1e-6;
    double penalty = 0.0;
    for (int64_t j = 0; j < m->code; j++) {
        double sum = 0.0;
        for (int sh = 0; sh < b->n_shards; sh++) sum += s->rho_sum[(int64_t)sh * m->code + j];
        double rh = sum / (double)b->rows;
        rh = rh < eps ? eps : rh > 1.0 - eps ? 1.0 - eps : rh;
        penalty += rho * lk_log(rho / rh) + (1.0 - rho) * lk_log((1.0 - rho) / (1.0 - rh));
        s->rho_grad[j] = (float)(c->sparse_beta * (-rho / rh + (1.0 - rho) / (1.0 - rh)) /
                                 (double)b->rows);
    }
    s->penalty = penalty * c->sparse_beta;
    return LATENT_OK;
}

static latent_status after_rest(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    double recon = latent_shards_loss(m, b->n_shards, 1), pen = latent_shards_loss(m, b->n_shards, 2);
    recon /= (double)b->rows * (double)m->d;
    const double penalty = (cfg_of(m)->sparse_beta > 0 ? st_of(m)->penalty : 0.0) + pen / (double)b->rows;
    b->loss[0] = recon + penalty, b->loss[1] = recon, b->loss[2] = penalty;
    return LATENT_OK;
}

static latent_status plan(void *mv, latent_batch *b, latent_phase *ph, int *n)
{
    latent_model *m = mv;
    latent_status st = latent_model_prepare(m, b);
    if (st) return st;
    *n = 0;
    /* the contractive term adds to each shard's own weight gradient after backprop */
    if (cfg_of(m)->contractive > 0) b->node = 0;
    if (cfg_of(m)->sparse_beta > 0) ph[(*n)++] = (latent_phase){slab_encode, after_encode, NULL, NULL,
                                     {{st_of(m)->rho_sum, m->code * (int64_t)sizeof(float)}}};
    ph[(*n)++] = (latent_phase){slab_rest, after_rest, &m->group[0], &m->opt, {latent_shards_loss_span(m)}};
    return LATENT_OK;
}

static void eval_chunk(latent_model *m, latent_work *w, const float *x, int64_t row0,
                       int64_t rows, void *arg)
{
    latent_eval_out *o = arg;
    const latent_ae_config *c = cfg_of(m);
    const lk_table *t = lk_active();
    const latent_stack *net = &m->stack[0];
    const int L = net->n_layers, cl = st_of(m)->code_layer;
    latent_stack_ws *ws = &w->ws[0];
    latent_solo_pass sp;
    latent_stack_forward(net, latent_model_weights(m, 0), ws, 0, L, x, rows, latent_solo(&sp, rows));
    const int64_t d = m->d;
    if (o->codes)
        memcpy(o->codes + row0 * m->code, ws->out[cl], (size_t)(rows * m->code) * sizeof(float));
    const float *out = ws->out[L - 1];
    if (o->recon) {
        if (c->loss == LATENT_LOSS_BCE)
            t->act_fwd[LATENT_ACT_SIGMOID](rows * d, out, o->recon + row0 * d, 0.0f);
        else
            memcpy(o->recon + row0 * d, out, (size_t)(rows * d) * sizeof(float));
    }
    if (o->scores || o->loss_parts) {
        double tot = 0.0;
        for (int64_t i = 0; i < rows; i++) {
            double v = c->loss == LATENT_LOSS_MSE ? t->mse(d, out + i * d, x + i * d, NULL, 0.0f)
                                                  : t->bce_logits(d, out + i * d, x + i * d, NULL, 0.0f);
            if (o->scores) o->scores[row0 + i] = (float)(v / (double)d);
            tot += v;
        }
        if (o->loss_parts) {
            double *p = o->loss_parts + (row0 / LATENT_SHARD_ROWS) * LATENT_LOSS_TERMS;
            p[0] = p[1] = tot;
        }
    }
}

/* The decoder half from given codes (latent_model_decode): reconstructions in data space. */
static void decode_chunk(latent_model *m, latent_work *w, const float *x, int64_t row0,
                         int64_t rows, void *argv)
{
    (void)x;
    const latent_sample_arg *a = argv;
    const latent_stack *net = &m->stack[0];
    const int L = net->n_layers, cl = st_of(m)->code_layer;
    latent_stack_ws *ws = &w->ws[0];
    latent_solo_pass sp;
    latent_stack_forward(net, latent_model_weights(m, 0), ws, cl + 1, L, a->z + row0 * m->code,
                         rows, latent_solo(&sp, rows));
    const float *out = ws->out[L - 1];
    float *dst = a->out + row0 * m->d;
    if (cfg_of(m)->loss == LATENT_LOSS_BCE) lk_active()->act_fwd[LATENT_ACT_SIGMOID](rows * m->d, out, dst, 0.0f);
    else memcpy(dst, out, (size_t)(rows * m->d) * sizeof(float));
}

/* ---- the configuration map ---- */

static void config_out(const latent_model *m, latent_kv_out *kv)
{
    const latent_ae_config *a = cfg_of(m);
    latent_kv_put_list(kv, "layers", a->n_sizes, a->sizes);
    latent_kv_put(kv, "act", "%s", latent_act_name(a->act));
    latent_kv_put(kv, "code_act", "%s", latent_act_name(a->code_act));
    latent_kv_put(kv, "slope", "%.9g", (double)a->slope);
    latent_kv_put(kv, "out_act", "%s", latent_act_name(a->out_act));
    latent_kv_put(kv, "loss", "%s", a->loss == LATENT_LOSS_BCE ? "bce" : "mse");
    latent_kv_put(kv, "sparse", "%.9g,%.9g", (double)a->sparse_beta, (double)a->sparse_rho);
    latent_kv_put(kv, "contractive", "%.9g", (double)a->contractive);
    if (a->noise == LATENT_NOISE_NONE) latent_kv_put(kv, "denoise", "none");
    else latent_kv_put(kv, "denoise", "%s:%.9g", a->noise == LATENT_NOISE_MASK ? "mask" : "gauss",
                       (double)a->noise_level);
    latent_conv_config_out(&a->conv, kv);
}

static latent_status config_in(const latent_kv_in *c, uint64_t init_seed, latent_model **out)
{
    latent_ae_config a;
    latent_ae_config_default(&a);
    const char *loss = latent_kv_get(c, "loss"), *dn = latent_kv_get(c, "denoise");
    latent_status st;
    if ((st = latent_kv_list(c, "layers", &a.n_sizes, a.sizes, LATENT_MAX_SIZES)) ||
        (st = latent_kv_act(c, "act", &a.act)) || (st = latent_kv_act(c, "out_act", &a.out_act)) ||
        /* files older than code_act lack it: the code then follows act */
        (st = latent_kv_act(c, "code_act", &a.code_act)) ||
        (st = latent_kv_f(c, "slope", &a.slope)) ||
        (st = latent_kv_f2(c, "sparse", &a.sparse_beta, &a.sparse_rho)) ||
        (st = latent_kv_f(c, "contractive", &a.contractive)) ||
        (st = latent_conv_config_in(c, &a.conv)))
        return st;
    if (loss && strcmp(loss, "mse") && strcmp(loss, "bce")) return latent_kv_bad("loss", loss);
    if (loss) a.loss = strcmp(loss, "bce") == 0 ? LATENT_LOSS_BCE : LATENT_LOSS_MSE;
    if (dn && strcmp(dn, "none")) {
        char *end;
        if (strncmp(dn, "mask:", 5) == 0) a.noise = LATENT_NOISE_MASK;
        else if (strncmp(dn, "gauss:", 6) == 0) a.noise = LATENT_NOISE_GAUSS;
        else return latent_kv_bad("denoise", dn);
        const char *num = strchr(dn, ':') + 1;
        a.noise_level = strtof(num, &end);
        if (end == num || *end) return latent_kv_bad("denoise", dn);
    }
    return latent_ae_create(&a, init_seed, out);
}

const latent_family latent_ae_family = {
    .name = "ae",
    .kind = LATENT_MODEL_AE,
    .group_name = {"params"},
    .loss_per_element = 1,
    .rows_factor = {1, 1},
    .plan = plan,
    .eval = eval_chunk,
    .decode = decode_chunk,
    .reserve = reserve,
    .release = release,
    .config_out = config_out,
    .config_in = config_in,
};
