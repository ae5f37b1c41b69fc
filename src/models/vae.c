/* The variational autoencoder: Gaussian encoder (fc_mu, fc_logvar), reparameterization with the
 * counter RNG, Bernoulli or fixed-variance Gaussian decoder, beta, and the importance-weighted
 * log-likelihood estimate. */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "latent/memory.h"
#include "latent/rng.h"
#include "config_map.h"
#include "conv_net.h"
#include "model.h"
#include "simd/portable_math.h"

extern const latent_family latent_vae_family;

#define LOG_2PI 1.8378770664093453

void latent_vae_config_default(latent_vae_config *c)
{
    memset(c, 0, sizeof *c);
    c->n_sizes = 2;
    c->sizes[0] = 784, c->sizes[1] = 400;
    c->latent = 20;
    c->act = LATENT_ACT_RELU, c->slope = 0.01f;
    c->beta = 1.0f, c->sigma = 1.0f;
}

latent_status latent_vae_create(const latent_vae_config *c, uint64_t seed, latent_model **out)
{
    if (c->n_sizes < 1 || c->n_sizes > LATENT_MAX_SIZES)
        return latent_fail(LATENT_EINVAL, "vae: layers: need 1 to %d sizes, got %d",
                           LATENT_MAX_SIZES, c->n_sizes);
    for (int i = 0; i < c->n_sizes; i++)
        if (c->sizes[i] <= 0 || c->sizes[i] > (1 << 24))
            return latent_fail(LATENT_EINVAL, "vae: layers: size %d is %lld", i,
                               (long long)c->sizes[i]);
    if (c->latent <= 0 || c->latent > (1 << 20))
        return latent_fail(LATENT_EINVAL, "vae: latent: must be > 0, got %lld", (long long)c->latent);
    if (!(c->beta >= 0.0f)) return latent_fail(LATENT_EINVAL, "vae: beta: must be >= 0");
    if (c->gaussian && !(c->sigma > 0.0f))
        return latent_fail(LATENT_EINVAL, "vae: sigma: must be > 0, got %g", (double)c->sigma);
    latent_status st = latent_conv_check(&c->conv, c->sizes[0], "vae");
    if (st) return st;
    latent_model *m;
    if ((st = latent_model_new(&latent_vae_family, c, sizeof *c, &m))) return st;
    m->n_groups = 1, m->n_stacks = 2;
    m->stack_group[0] = m->stack_group[1] = 0;
    m->d = c->sizes[0], m->code = c->latent;
    const int h = c->n_sizes - 1;
    const latent_conv_config *cv = &c->conv;
    latent_stack_begin(&m->stack[0], cv->n ? (latent_shape){3, {cv->height, cv->width, cv->image_channels}}
                                           : latent_shape_1d(m->d), &m->buffers);
    latent_stack_begin(&m->stack[1], latent_shape_1d(c->latent), &m->buffers);
    char name[64];
    int idx = 0;
    if (cv->n) st = latent_conv_encoder(m, 0, cv, c->act, c->slope, &idx);
    for (int i = 0; i < h && !st; i++) {
        latent_seq_name(name, sizeof name, "encoder", &idx, c->act);
        st = latent_model_dense(m, 0, name, c->sizes[i + 1], c->act, c->slope);
    }
    /* fc_mu and fc_logvar run as one layer of 2 * latent outputs: rows [0, L) of its weight are
     * fc_mu's, rows [L, 2L) fc_logvar's; files show them as the two modules */
    if (!st) {
        latent_layer heads;
        latent_dense_setup(&heads, 2 * c->latent, LATENT_ACT_IDENTITY, 0.0f);
        latent_dense_split(&heads, "fc_mu", "fc_logvar");
        st = latent_stack_add(&m->stack[0], &m->group[0], &heads, "heads");
    }
    idx = 0;
    /* a convolutional decoder goes from z straight to the convolutions (the Keras example's) */
    for (int i = cv->n ? 0 : h; i >= 0 && !st; i--) {
        latent_act a = i == 0 && !cv->n ? LATENT_ACT_IDENTITY : c->act;
        latent_seq_name(name, sizeof name, "decoder", &idx, a);
        st = latent_model_dense(m, 1, name, i > 0 ? c->sizes[i] : cv->n ? latent_conv_flat(cv) : m->d,
                                a, c->slope);
    }
    /* the last transposed convolution gives the logits (or the Gaussian's mean) */
    if (cv->n && !st) st = latent_conv_decoder(m, 1, cv, c->act, c->slope, LATENT_ACT_IDENTITY, &idx);
    if (!st) st = latent_model_finish(m, seed);
    if (st) {
        latent_model_free(m);
        return st;
    }
    *out = m;
    return LATENT_OK;
}

/* -log p(x|decoder output) summed over one row's pixels, the gradient (scaled) when grad. */
static double recon_nll(const latent_model *m, int64_t n, const float *out, const float *x,
                        float *grad, float gscale)
{
    const lk_table *t = lk_active();
    const latent_vae_config *c = m->cfg;
    if (!c->gaussian) return t->bce_logits(n, out, x, grad, gscale);
    const double s2 = (double)c->sigma * c->sigma;
    double sq = t->mse(n, out, x, grad, (float)(gscale / s2));
    return sq / (2.0 * s2) + 0.5 * (double)n * (LOG_2PI + lk_log(s2));
}

/* z = mu + lk_exp(lv / 2) eps for row i of heads [mu | lv]; eps drawn at (stream, a, the row's
 * index bi). Row i of w->eps keeps eps, then lk_exp(lv / 2) for the backward pass. */
static void reparam_row(const latent_model *m, latent_work *w, const float *heads, int64_t i,
                        uint64_t seed, uint32_t stream, uint64_t a, int64_t bi)
{
    const int64_t L = m->code;
    latent_rng r;
    latent_rng_init(&r, seed, stream, a, (uint32_t)bi);
    const float *mu = heads + i * 2 * L, *lv = mu + L;
    float *eps = w->eps + i * 2 * L, *sd = eps + L;
    latent_rng_normals(&r, L, eps);
    for (int64_t j = 0; j < L; j++) sd[j] = 0.5f * lv[j];
    lk_active()->expf_n(L, sd, sd);
    for (int64_t j = 0; j < L; j++) w->z[i * L + j] = mu[j] + sd[j] * eps[j];
}

static void slab_step(void *mv, const latent_batch *b, const latent_slab *slab, int si,
                      const lk_team *team)
{
    latent_model *m = mv;
    const latent_vae_config *c = m->cfg;
    const lk_table *t = lk_active();
    latent_work *w = &m->work[si];
    const latent_stack *enc = &m->stack[0], *dec = &m->stack[1];
    const float *W = latent_model_weights(m, 0);
    const latent_pass ps = latent_batch_pass(b, team, slab);
    const int64_t L = m->code, D = m->d, rows = slab->rows;
    latent_grad grad = latent_model_grad(m, 0);
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    latent_slab_gather(b, slab, lo, hi, w->x0, 1.0f, 0.0f);
    lk_team_sync(team);
    latent_stack_forward(enc, W, &w->ws[0], 0, enc->n_layers, w->x0, rows, &ps);
    const float *heads = w->ws[0].out[enc->n_layers - 1];
    for (int g = 0; g < slab->n; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        for (int64_t r = sg->at > lo ? sg->at : lo; r < sg->at + sg->rows && r < hi; r++)
            reparam_row(m, w, heads, r, b->seed, LATENT_STREAM_NOISE, (uint64_t)b->step,
                        sg->row0 + r - sg->at);
    }
    lk_team_sync(team);
    latent_stack_forward(dec, W, &w->ws[1], 0, dec->n_layers, w->z, rows, &ps);
    const float gs = 1.0f / (float)b->rows;
    float *dy = w->ws[1].d[0];
    const float *out = w->ws[1].out[dec->n_layers - 1];
    for (int g = 0; g < slab->n; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        for (int64_t r = sg->at > lo ? sg->at : lo; r < sg->at + sg->rows && r < hi; r++)
            m->row_loss[0][sg->row0 + r - sg->at] =
                recon_nll(m, D, out + r * D, w->x0 + r * D, dy + r * D, gs);
    }
    latent_slab_loss(m, team, slab, 0, 0);
    float *dz = latent_stack_backward(dec, W, &w->ws[1], 0, dec->n_layers, rows, dy, 0, grad, 1, &ps);
    float *dh = w->ws[0].d[0];
    for (int g = 0; g < slab->n; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        for (int64_t i = sg->at > lo ? sg->at : lo; i < sg->at + sg->rows && i < hi; i++) {
            const float *mu = heads + i * 2 * L, *lv = mu + L;
            const float *eps = w->eps + i * 2 * L, *sd = eps + L;
            float *dmu = dh + i * 2 * L, *dlv = dmu + L;
            for (int64_t j = 0; j < L; j++) {
                dmu[j] = dz[i * L + j];
                dlv[j] = dz[i * L + j] * eps[j] * 0.5f * sd[j];
            }
            m->row_loss[1][sg->row0 + i - sg->at] = t->gauss_kl(L, mu, lv, dmu, dlv, c->beta * gs);
        }
    }
    latent_slab_loss(m, team, slab, 1, 1);
    latent_stack_backward(enc, W, &w->ws[0], 0, enc->n_layers, rows, dh, 1, grad, 0, &ps);
}

static latent_status after_step(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    const latent_vae_config *c = m->cfg;
    double rec = latent_shards_loss(m, b->n_shards, 0), kl = latent_shards_loss(m, b->n_shards, 1);
    rec /= (double)b->rows, kl /= (double)b->rows;
    b->loss[0] = rec + kl, b->loss[1] = rec, b->loss[2] = kl, b->loss[3] = rec + c->beta * kl;
    return LATENT_OK;
}

static latent_status plan(void *mv, latent_batch *b, latent_phase *ph, int *n)
{
    latent_model *m = mv;
    latent_status st = latent_model_prepare(m, b);
    if (st) return st;
    ph[0] = (latent_phase){slab_step, after_step, &m->group[0], &m->opt, {latent_shards_loss_span(m)}};
    *n = 1;
    return LATENT_OK;
}

/* Decoder output to data space: probabilities for Bernoulli, the mean for Gaussian. */
static void to_data(const latent_model *m, int64_t n, const float *out, float *dst)
{
    const latent_vae_config *c = m->cfg;
    if (c->gaussian) memcpy(dst, out, (size_t)n * sizeof(float));
    else lk_active()->act_fwd[LATENT_ACT_SIGMOID](n, out, dst, 0.0f);
}

static void eval_chunk(latent_model *m, latent_work *w, const float *x, int64_t row0,
                       int64_t rows, void *arg)
{
    latent_eval_out *o = arg;
    const latent_vae_config *c = m->cfg;
    const lk_table *t = lk_active();
    const latent_stack *enc = &m->stack[0], *dec = &m->stack[1];
    const float *W = latent_model_weights(m, 0);
    const int64_t L = m->code, D = m->d;
    latent_solo_pass sp;
    const latent_pass *ps = latent_solo(&sp, rows);
    latent_stack_forward(enc, W, &w->ws[0], 0, enc->n_layers, x, rows, ps);
    const float *heads = w->ws[0].out[enc->n_layers - 1];
    if (o->codes)
        for (int64_t i = 0; i < rows; i++)
            memcpy(o->codes + (row0 + i) * L, heads + i * 2 * L, (size_t)L * sizeof(float));
    if (o->recon) {
        for (int64_t i = 0; i < rows; i++) memcpy(w->z + i * L, heads + i * 2 * L, (size_t)L * sizeof(float));
        latent_stack_forward(dec, W, &w->ws[1], 0, dec->n_layers, w->z, rows, ps);
        to_data(m, rows * D, w->ws[1].out[dec->n_layers - 1], o->recon + row0 * D);
    }
    if (o->scores || o->loss_parts) {
        for (int64_t i = 0; i < rows; i++)
            reparam_row(m, w, heads, i, o->seed, LATENT_STREAM_USER + 2, 0, row0 + i);
        latent_stack_forward(dec, W, &w->ws[1], 0, dec->n_layers, w->z, rows, ps);
        double rt = 0.0, kt = 0.0;
        for (int64_t i = 0; i < rows; i++) {
            double r = recon_nll(m, D, w->ws[1].out[dec->n_layers - 1] + i * D, x + i * D, NULL, 0.0f);
            double k = t->gauss_kl(L, heads + i * 2 * L, heads + i * 2 * L + L, NULL, NULL, 0.0f);
            if (o->scores) o->scores[row0 + i] = (float)(r + k);
            rt += r, kt += k;
        }
        if (o->loss_parts) {
            double *p = o->loss_parts + (row0 / LATENT_SHARD_ROWS) * LATENT_LOSS_TERMS;
            p[0] = rt + kt, p[1] = rt, p[2] = kt, p[3] = rt + c->beta * kt;
        }
    }
}

/* The prior through the decoder: z ~ N(0, I) drawn at (seed, USER + 1, 0, row). */
static void sample_chunk(latent_model *m, latent_work *w, const float *x, int64_t row0,
                         int64_t rows, void *argv)
{
    (void)x;
    latent_sample_arg *a = argv;
    const int64_t D = m->d, L = m->code;
    for (int64_t i = 0; i < rows; i++) {
        if (a->z) { /* the caller's codes */
            memcpy(w->z + i * L, a->z + (row0 + i) * L, (size_t)L * sizeof(float));
            continue;
        }
        latent_rng r;
        latent_rng_init(&r, a->seed, LATENT_STREAM_USER + 1, 0, (uint32_t)(row0 + i));
        latent_rng_normals(&r, L, w->z + i * L);
    }
    const latent_stack *dec = &m->stack[1];
    latent_solo_pass sp;
    latent_stack_forward(dec, latent_model_weights(m, 0), &w->ws[1], 0, dec->n_layers, w->z, rows,
                         latent_solo(&sp, rows));
    to_data(m, rows * D, w->ws[1].out[dec->n_layers - 1], a->out + row0 * D);
}

typedef struct iw_arg {
    int K;
    uint64_t seed;
    double *per_row;
} iw_arg;

/* log p(x) ~ logmeanexp_k [log p(x|z_k) + log N(z_k; 0, I) - log N(z_k; mu, s^2)], z_k drawn at
 * (seed, USER + 3, row, k); K decoder rows at a time. */
static void iw_chunk(latent_model *m, latent_work *w, const float *x, int64_t row0,
                     int64_t rows, void *argv)
{
    iw_arg *a = argv;
    const latent_stack *enc = &m->stack[0], *dec = &m->stack[1];
    const float *W = latent_model_weights(m, 0);
    const int64_t L = m->code, D = m->d, R = LATENT_SHARD_ROWS;
    latent_solo_pass sp;
    latent_stack_forward(enc, W, &w->ws[0], 0, enc->n_layers, x, rows, latent_solo(&sp, rows));
    /* the heads are overwritten below when the encoder reruns, so keep this chunk's in x1 */
    float *heads = w->x1;
    memcpy(heads, w->ws[0].out[enc->n_layers - 1], (size_t)(rows * 2 * L) * sizeof(float));
    double lw[LATENT_SHARD_ROWS];
    float *sd = w->eps, *e = w->eps + L; /* the row's exp(lv / 2), one sample's noise */
    for (int64_t i = 0; i < rows; i++) {
        const float *mu = heads + i * 2 * L, *lv = mu + L;
        double best = -INFINITY, acc = 0.0;
        int nacc = 0;
        for (int64_t j = 0; j < L; j++) sd[j] = 0.5f * lv[j];
        lk_active()->expf_n(L, sd, sd);
        for (int k0 = 0; k0 < a->K; k0 += (int)R) {
            int kn = a->K - k0 < R ? a->K - k0 : (int)R;
            for (int k = 0; k < kn; k++) {
                latent_rng r;
                latent_rng_init(&r, a->seed, LATENT_STREAM_USER + 3, (uint64_t)(row0 + i),
                                (uint32_t)(k0 + k));
                /* the sample's L normals at once: the values L draws of one give */
                latent_rng_normals(&r, L, e);
                double lpz = 0.0, lq = 0.0;
                for (int64_t j = 0; j < L; j++) {
                    float z = mu[j] + sd[j] * e[j];
                    w->z[k * L + j] = z;
                    lpz += -0.5 * ((double)z * z + LOG_2PI);
                    lq += -0.5 * ((double)e[j] * e[j] + LOG_2PI + lv[j]);
                }
                lw[k] = lpz - lq;
            }
            latent_stack_forward(dec, W, &w->ws[1], 0, dec->n_layers, w->z, kn, latent_solo(&sp, kn));
            for (int k = 0; k < kn; k++) {
                lw[k] -= recon_nll(m, D, w->ws[1].out[dec->n_layers - 1] + k * D, x + i * D, NULL, 0.0f);
                /* running log-sum-exp in double */
                if (lw[k] > best) {
                    acc = acc * lk_exp(best - lw[k]) + 1.0;
                    best = lw[k];
                } else {
                    acc += lk_exp(lw[k] - best);
                }
                nacc++;
            }
        }
        a->per_row[row0 + i] = best + lk_log(acc) - lk_log((double)nacc);
    }
}

latent_status latent_vae_log_likelihood(latent_model *m, const float *x, int64_t n, int64_t d,
                                        int K, uint64_t seed, double *mean, double *per_row)
{
    if (m->family != &latent_vae_family)
        return latent_fail(LATENT_EINVAL, "log-likelihood: only a VAE has one");
    if (K < 1 || K > 100000) return latent_fail(LATENT_EINVAL, "log-likelihood: K must be in [1, 100000], got %d", K);
    if (n <= 0) return latent_fail(LATENT_EINVAL, "log-likelihood: no data");
    double *rows = per_row ? per_row : latent_alloc((size_t)n, sizeof(double), "log-likelihoods");
    if (!rows) return LATENT_ENOMEM;
    iw_arg a = {K, seed, rows};
    latent_status st = latent_model_chunks(m, x, n, d, iw_chunk, &a);
    if (!st) {
        double s = 0.0;
        for (int64_t i = 0; i < n; i++) s += rows[i];
        *mean = s / (double)n;
    }
    if (!per_row) latent_free(rows);
    return st;
}

/* ---- the configuration map ---- */

static void config_out(const latent_model *m, latent_kv_out *kv)
{
    const latent_vae_config *v = m->cfg;
    latent_kv_put_list(kv, "layers", v->n_sizes, v->sizes);
    latent_kv_put(kv, "latent", "%" PRId64, v->latent);
    latent_kv_put(kv, "act", "%s", latent_act_name(v->act));
    latent_kv_put(kv, "slope", "%.9g", (double)v->slope);
    latent_kv_put(kv, "beta", "%.9g", (double)v->beta);
    latent_kv_put(kv, "decoder", "%s", v->gaussian ? "gaussian" : "bernoulli");
    latent_kv_put(kv, "sigma", "%.9g", (double)v->sigma);
    latent_conv_config_out(&v->conv, kv);
}

static latent_status config_in(const latent_kv_in *c, uint64_t init_seed, latent_model **out)
{
    latent_vae_config v;
    latent_vae_config_default(&v);
    const char *dec = latent_kv_get(c, "decoder");
    latent_status st;
    if ((st = latent_kv_list(c, "layers", &v.n_sizes, v.sizes, LATENT_MAX_SIZES)) ||
        (st = latent_kv_i64(c, "latent", &v.latent)) || (st = latent_kv_act(c, "act", &v.act)) ||
        (st = latent_kv_f(c, "slope", &v.slope)) || (st = latent_kv_f(c, "beta", &v.beta)) ||
        (st = latent_kv_f(c, "sigma", &v.sigma)) || (st = latent_conv_config_in(c, &v.conv)))
        return st;
    if (dec && strcmp(dec, "bernoulli") && strcmp(dec, "gaussian")) return latent_kv_bad("decoder", dec);
    v.gaussian = dec && strcmp(dec, "gaussian") == 0;
    return latent_vae_create(&v, init_seed, out);
}

const latent_family latent_vae_family = {
    .name = "vae",
    .kind = LATENT_MODEL_VAE,
    .group_name = {"params"},
    .rows_factor = {1, 1},
    .plan = plan,
    .eval = eval_chunk,
    .sample = sample_chunk,
    .config_out = config_out,
    .config_in = config_in,
};
