/* The variational autoencoder: Gaussian encoder (fc_mu, fc_logvar), reparameterization with the
 * counter RNG, Bernoulli or fixed-variance Gaussian decoder, beta, and the importance-weighted
 * log-likelihood estimate. */
#include <math.h>
#include <string.h>
#include "latent/memory.h"
#include "latent/rng.h"
#include "model.h"

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
    latent_status st;
    latent_model *m;
    if ((st = latent_model_new(LATENT_MODEL_VAE, &m))) return st;
    m->vae = *c;
    m->n_groups = 1;
    m->plan = latent_vae_plan;
    m->init_seed = seed;
    m->d = c->sizes[0], m->code = c->latent;
    const int h = c->n_sizes - 1;
    char name[64];
    int idx = 0;
    for (int i = 0; i < h && !st; i++) {
        latent_seq_name(name, sizeof name, "encoder", &idx, c->act);
        st = latent_net_add(&m->net[0], &m->P[0], name, c->sizes[i], c->sizes[i + 1], c->act, c->slope);
    }
    /* fc_mu and fc_logvar run as one layer of 2 * latent outputs: rows [0, L) of its weight are
     * fc_mu's, rows [L, 2L) fc_logvar's, each a contiguous [L, in] block (named in
     * latent_model_tensors) */
    if (!st) st = latent_net_add(&m->net[0], &m->P[0], "heads", c->sizes[h], 2 * c->latent,
                                 LATENT_ACT_IDENTITY, 0.0f);
    idx = 0;
    int64_t prev = c->latent;
    for (int i = h; i >= 0 && !st; i--) {
        latent_act a = i == 0 ? LATENT_ACT_IDENTITY : c->act;
        latent_seq_name(name, sizeof name, "decoder", &idx, a);
        st = latent_net_add(&m->net[1], &m->P[0], name, prev, c->sizes[i], a, c->slope);
        prev = c->sizes[i];
    }
    m->wmax = 2 * c->latent;
    for (int i = 0; i < c->n_sizes; i++) if (c->sizes[i] > m->wmax) m->wmax = c->sizes[i];
    if (!st) st = latent_params_alloc(&m->P[0]);
    if (st) {
        latent_model_free(m);
        return st;
    }
    latent_net_init(&m->net[0], &m->P[0], seed, 0);
    latent_net_init(&m->net[1], &m->P[0], seed, LATENT_MAX_LAYERS);
    *out = m;
    return LATENT_OK;
}

/* -log p(x|decoder output) summed over one row's pixels, the gradient (scaled) when grad. */
static double recon_nll(const latent_model *m, int64_t n, const float *out, const float *x,
                        float *grad, float gscale)
{
    const lk_table *t = lk_active();
    if (!m->vae.gaussian) return t->bce_logits(n, out, x, grad, gscale);
    const double s2 = (double)m->vae.sigma * m->vae.sigma;
    double sq = t->mse(n, out, x, grad, (float)(gscale / s2));
    return sq / (2.0 * s2) + 0.5 * (double)n * (LOG_2PI + log(s2));
}

/* z = mu + exp(lv / 2) eps for rows [lo, hi) of heads [mu | lv]; eps drawn at (stream, a, b0+i). */
static void reparam(const latent_model *m, latent_shard *sh, const float *heads, int64_t lo,
                    int64_t hi, uint64_t seed, uint32_t stream, uint64_t a, int64_t b0)
{
    const int64_t L = m->code;
    for (int64_t i = lo; i < hi; i++) {
        latent_rng r;
        latent_rng_init(&r, seed, stream, a, (uint32_t)(b0 + i));
        const float *mu = heads + i * 2 * L, *lv = mu + L;
        for (int64_t j = 0; j < L; j++) {
            float e = latent_rng_normal(&r);
            sh->eps[i * L + j] = e;
            sh->z[i * L + j] = mu[j] + expf(0.5f * lv[j]) * e;
        }
    }
}

static void shard_step(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows,
                       const lk_team *team)
{
    latent_model *m = mv;
    const lk_table *t = lk_active();
    latent_shard *sh = &m->sh[s];
    latent_net *enc = &m->net[0], *dec = &m->net[1];
    const int64_t L = m->code, D = m->d;
    float *grad = m->P[0].shard_g + (int64_t)s * m->P[0].n;
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    latent_batch_gather(b, row0 + lo, hi - lo, sh->x0 + lo * D, 1.0f, 0.0f);
    lk_team_sync(team);
    latent_net_forward(enc, &m->P[0], &sh->ws[0], 0, enc->n_layers, sh->x0, rows, team);
    const float *heads = sh->ws[0].out[enc->n_layers - 1];
    reparam(m, sh, heads, lo, hi, b->seed, LATENT_STREAM_NOISE, (uint64_t)b->step, row0);
    lk_team_sync(team);
    latent_net_forward(dec, &m->P[0], &sh->ws[1], 0, dec->n_layers, sh->z, rows, team);
    const float gs = 1.0f / (float)b->rows;
    float *dy = sh->ws[1].d[0];
    for (int64_t i = lo; i < hi; i++)
        sh->row_loss[0][i] = recon_nll(m, D, sh->ws[1].out[dec->n_layers - 1] + i * D,
                                       sh->x0 + i * D, dy + i * D, gs);
    const double rec = latent_rows_sum(team, sh->row_loss[0], rows);
    float *dz = latent_net_backward(dec, &m->P[0], &sh->ws[1], 0, dec->n_layers, rows, dy, 0,
                                    grad, 0, 1, team);
    float *dh = sh->ws[0].d[0];
    for (int64_t i = lo; i < hi; i++) {
        const float *mu = heads + i * 2 * L, *lv = mu + L;
        float *dmu = dh + i * 2 * L, *dlv = dmu + L;
        for (int64_t j = 0; j < L; j++) {
            dmu[j] = dz[i * L + j];
            dlv[j] = dz[i * L + j] * sh->eps[i * L + j] * 0.5f * expf(0.5f * lv[j]);
        }
        sh->row_loss[1][i] = t->gauss_kl(L, mu, lv, dmu, dlv, m->vae.beta * gs);
    }
    const double kl = latent_rows_sum(team, sh->row_loss[1], rows);
    latent_net_backward(enc, &m->P[0], &sh->ws[0], 0, enc->n_layers, rows, dh, 1, grad, 0, 0, team);
    if (team->id == 0) sh->loss[0] = rec, sh->loss[1] = kl;
}

static latent_status after_step(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    double rec = 0.0, kl = 0.0;
    for (int s = 0; s < b->n_shards; s++) rec += m->sh[s].loss[0], kl += m->sh[s].loss[1];
    rec /= (double)b->rows, kl /= (double)b->rows;
    b->loss[0] = rec + kl, b->loss[1] = rec, b->loss[2] = kl, b->loss[3] = rec + m->vae.beta * kl;
    return LATENT_OK;
}

int latent_vae_plan(void *mv, const latent_batch *b, latent_phase *ph)
{
    (void)b;
    latent_model *m = mv;
    ph[0] = (latent_phase){shard_step, after_step, &m->P[0], &m->opt};
    return 1;
}

/* Decoder output to data space: probabilities for Bernoulli, the mean for Gaussian. */
static void to_data(const latent_model *m, int64_t n, const float *out, float *dst)
{
    if (m->vae.gaussian) memcpy(dst, out, (size_t)n * sizeof(float));
    else lk_active()->act_fwd[LATENT_ACT_SIGMOID](n, out, dst, 0.0f);
}

void latent_vae_eval_chunk(latent_model *m, latent_shard *sh, const float *x, int64_t row0,
                           int64_t rows, void *arg)
{
    latent_eval_out *o = arg;
    const lk_table *t = lk_active();
    latent_net *enc = &m->net[0], *dec = &m->net[1];
    const int64_t L = m->code, D = m->d;
    latent_net_forward(enc, &m->P[0], &sh->ws[0], 0, enc->n_layers, x, rows, NULL);
    const float *heads = sh->ws[0].out[enc->n_layers - 1];
    if (o->codes)
        for (int64_t i = 0; i < rows; i++)
            memcpy(o->codes + (row0 + i) * L, heads + i * 2 * L, (size_t)L * sizeof(float));
    if (o->recon) {
        for (int64_t i = 0; i < rows; i++) memcpy(sh->z + i * L, heads + i * 2 * L, (size_t)L * sizeof(float));
        latent_net_forward(dec, &m->P[0], &sh->ws[1], 0, dec->n_layers, sh->z, rows, NULL);
        to_data(m, rows * D, sh->ws[1].out[dec->n_layers - 1], o->recon + row0 * D);
    }
    if (o->scores || o->loss_parts) {
        reparam(m, sh, heads, 0, rows, o->seed, LATENT_STREAM_USER + 2, 0, row0);
        latent_net_forward(dec, &m->P[0], &sh->ws[1], 0, dec->n_layers, sh->z, rows, NULL);
        double rt = 0.0, kt = 0.0;
        for (int64_t i = 0; i < rows; i++) {
            double r = recon_nll(m, D, sh->ws[1].out[dec->n_layers - 1] + i * D, x + i * D, NULL, 0.0f);
            double k = t->gauss_kl(L, heads + i * 2 * L, heads + i * 2 * L + L, NULL, NULL, 0.0f);
            if (o->scores) o->scores[row0 + i] = (float)(r + k);
            rt += r, kt += k;
        }
        if (o->loss_parts) {
            double *p = o->loss_parts + (row0 / LATENT_SHARD_ROWS) * LATENT_LOSS_TERMS;
            p[0] = rt + kt, p[1] = rt, p[2] = kt, p[3] = rt + m->vae.beta * kt;
        }
    }
}

typedef struct iw_arg {
    int K;
    uint64_t seed;
    double *per_row;
} iw_arg;

/* log p(x) ~ logmeanexp_k [log p(x|z_k) + log N(z_k; 0, I) - log N(z_k; mu, s^2)], z_k drawn at
 * (seed, USER + 3, row, k); K decoder rows at a time. */
static void iw_chunk(latent_model *m, latent_shard *sh, const float *x, int64_t row0,
                     int64_t rows, void *argv)
{
    iw_arg *a = argv;
    latent_net *enc = &m->net[0], *dec = &m->net[1];
    const int64_t L = m->code, D = m->d, R = LATENT_SHARD_ROWS;
    latent_net_forward(enc, &m->P[0], &sh->ws[0], 0, enc->n_layers, x, rows, NULL);
    /* the heads are overwritten below when the encoder reruns, so keep this chunk's in x1 */
    float *heads = sh->x1;
    memcpy(heads, sh->ws[0].out[enc->n_layers - 1], (size_t)(rows * 2 * L) * sizeof(float));
    double lw[64];
    for (int64_t i = 0; i < rows; i++) {
        const float *mu = heads + i * 2 * L, *lv = mu + L;
        double best = -INFINITY, acc = 0.0;
        int nacc = 0;
        for (int k0 = 0; k0 < a->K; k0 += (int)R) {
            int kn = a->K - k0 < R ? a->K - k0 : (int)R;
            for (int k = 0; k < kn; k++) {
                latent_rng r;
                latent_rng_init(&r, a->seed, LATENT_STREAM_USER + 3, (uint64_t)(row0 + i),
                                (uint32_t)(k0 + k));
                double lpz = 0.0, lq = 0.0;
                for (int64_t j = 0; j < L; j++) {
                    float e = latent_rng_normal(&r);
                    float z = mu[j] + expf(0.5f * lv[j]) * e;
                    sh->z[k * L + j] = z;
                    lpz += -0.5 * ((double)z * z + LOG_2PI);
                    lq += -0.5 * ((double)e * e + LOG_2PI + lv[j]);
                }
                lw[k] = lpz - lq;
            }
            latent_net_forward(dec, &m->P[0], &sh->ws[1], 0, dec->n_layers, sh->z, kn, NULL);
            for (int k = 0; k < kn; k++) {
                lw[k] -= recon_nll(m, D, sh->ws[1].out[dec->n_layers - 1] + k * D, x + i * D, NULL, 0.0f);
                /* running log-sum-exp in double */
                if (lw[k] > best) {
                    acc = acc * exp(best - lw[k]) + 1.0;
                    best = lw[k];
                } else {
                    acc += exp(lw[k] - best);
                }
                nacc++;
            }
        }
        a->per_row[row0 + i] = best + log(acc) - log((double)nacc);
    }
}

latent_status latent_vae_log_likelihood(latent_model *m, const float *x, int64_t n, int64_t d,
                                        int K, uint64_t seed, double *mean, double *per_row)
{
    if (m->kind != LATENT_MODEL_VAE)
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
