/* Autoencoders: plain, sparse (KL on the code layer), contractive (Jacobian penalty) and
 * denoising (masking or Gaussian corruption), on one mirrored dense stack. */
#include <math.h>
#include <string.h>
#include "latent/rng.h"
#include "model.h"

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
    return LATENT_OK;
}

latent_status latent_ae_create(const latent_ae_config *c, uint64_t seed, latent_model **out)
{
    latent_status st = validate(c);
    if (st) return st;
    latent_model *m;
    if ((st = latent_model_new(LATENT_MODEL_AE, &m))) return st;
    m->ae = *c;
    if (c->code_act == LATENT_AE_CODE_AS_ACT)
        m->ae.code_act = c->sparse_beta > 0 || c->contractive > 0 ? LATENT_ACT_SIGMOID : c->act;
    const latent_act code_act = m->ae.code_act;
    m->n_groups = 1;
    m->batch = latent_ae_batch;
    m->init_seed = seed;
    const int k = c->n_sizes - 1;
    m->d = c->sizes[0], m->code = c->sizes[k], m->code_layer = k - 1;
    char name[64];
    int idx = 0;
    for (int i = 0; i < k && !st; i++) {
        latent_act a = i == k - 1 ? code_act : c->act;
        latent_seq_name(name, sizeof name, "encoder", &idx, a);
        st = latent_net_add(&m->net[0], &m->P[0], name, c->sizes[i], c->sizes[i + 1], a, c->slope);
    }
    idx = 0;
    for (int i = k; i > 0 && !st; i--) {
        latent_act a = i == 1 ? c->out_act : c->act;
        latent_seq_name(name, sizeof name, "decoder", &idx, a);
        /* BCE is computed from logits: the net's last layer stays linear */
        if (i == 1 && c->loss == LATENT_LOSS_BCE) a = LATENT_ACT_IDENTITY;
        st = latent_net_add(&m->net[0], &m->P[0], name, c->sizes[i], c->sizes[i - 1], a, c->slope);
    }
    for (int i = 0; i < c->n_sizes; i++) if (c->sizes[i] > m->wmax) m->wmax = c->sizes[i];
    if (!st) st = latent_params_alloc(&m->P[0]);
    if (st) {
        latent_model_free(m);
        return st;
    }
    latent_net_init(&m->net[0], &m->P[0], seed, 0);
    *out = m;
    return LATENT_OK;
}

/* The corrupted input of a denoising autoencoder, drawn at (seed, NOISE, step, row). */
static void corrupt(const latent_ae_config *c, const latent_batch *b, int64_t row0, int64_t rows,
                    const float *clean, float *noisy)
{
    for (int64_t i = 0; i < rows; i++) {
        latent_rng r;
        latent_rng_init(&r, b->seed, LATENT_STREAM_NOISE, (uint64_t)b->step, (uint32_t)(row0 + i));
        const float *s = clean + i * b->d;
        float *o = noisy + i * b->d;
        if (c->noise == LATENT_NOISE_MASK) {
            for (int64_t j = 0; j < b->d; j++) o[j] = latent_rng_uniform(&r) < c->noise_level ? 0.0f : s[j];
        } else {
            for (int64_t j = 0; j < b->d; j++) {
                float v = s[j] + c->noise_level * latent_rng_normal(&r);
                o[j] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
            }
        }
    }
}

/* Pass 1 of a sparse autoencoder: encoder forward and the code's column sums. */
static void shard_encode(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows)
{
    latent_model *m = mv;
    latent_shard *sh = &m->sh[s];
    const float *in = sh->x0;
    latent_batch_gather(b, row0, rows, sh->x0, 1.0f, 0.0f);
    if (m->ae.noise != LATENT_NOISE_NONE) {
        corrupt(&m->ae, b, row0, rows, sh->x0, sh->x1);
        in = sh->x1;
    }
    latent_net_forward(&m->net[0], &m->P[0], &sh->ws[0], 0, m->code_layer + 1, in, rows);
    if (m->ae.sparse_beta > 0)
        lk_active()->col_sum(rows, m->code, sh->ws[0].out[m->code_layer], m->code,
                             m->rho_sum + (int64_t)s * m->code);
}

/* The contractive penalty on the code layer c (sigmoid), with s = h(1-h) and cw_i = sum_j W_ij^2:
 * value lambda/B sum_n sum_i s^2 cw_i; delta_i += lambda/B * 2 cw_i s^2 (1 - 2h);
 * the direct term dW_ij += lambda/B * 2 W_ij sum_n s^2 needs sum_n s^2, left in scratch[C..2C).
 * Returns the shard's penalty sum (without 1/B). */
static double contractive(const latent_model *m, latent_shard *sh, const latent_batch *b,
                          int64_t rows, float *delta)
{
    const latent_dense *l = &m->net[0].layer[m->code_layer];
    const float *W = m->P[0].w + l->w_off, *h = sh->ws[0].out[m->code_layer];
    const int64_t C = l->out, I = l->in;
    float *cw = sh->scratch, *ssum = sh->scratch + C;
    const float scale = m->ae.contractive / (float)b->rows;
    for (int64_t i = 0; i < C; i++) {
        double acc = 0.0;
        for (int64_t j = 0; j < I; j++) acc += (double)W[i * I + j] * W[i * I + j];
        cw[i] = (float)acc;
        ssum[i] = 0.0f;
    }
    double pen = 0.0;
    for (int64_t n = 0; n < rows; n++)
        for (int64_t i = 0; i < C; i++) {
            float hv = h[n * C + i], s = hv * (1.0f - hv), s2 = s * s;
            pen += (double)s2 * cw[i];
            ssum[i] += s2;
            delta[n * C + i] += scale * 2.0f * cw[i] * s2 * (1.0f - 2.0f * hv);
        }
    return pen;
}

/* Pass 2 (or the only pass): decoder, loss, backward. */
static void shard_rest(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows)
{
    latent_model *m = mv;
    const latent_ae_config *c = &m->ae;
    const lk_table *t = lk_active();
    latent_shard *sh = &m->sh[s];
    latent_net_ws *ws = &sh->ws[0];
    const latent_net *net = &m->net[0];
    const int L = net->n_layers, cl = m->code_layer;
    float *grad = m->P[0].shard_g + (int64_t)s * m->P[0].n;
    if (c->sparse_beta <= 0) shard_encode(mv, b, s, row0, rows);
    latent_net_forward(net, &m->P[0], ws, cl + 1, L, ws->out[cl], rows);
    const int64_t ne = rows * m->d;
    const float gs = 1.0f / ((float)b->rows * (float)m->d);
    float *dy = ws->d[0];
    sh->loss[1] = c->loss == LATENT_LOSS_MSE ? t->mse(ne, ws->out[L - 1], sh->x0, dy, 2.0f * gs)
                                             : t->bce_logits(ne, ws->out[L - 1], sh->x0, dy, gs);
    sh->loss[2] = 0.0;
    float *dh = latent_net_backward(net, &m->P[0], ws, cl + 1, L, rows, dy, 0, grad, 0, 1);
    if (c->sparse_beta > 0)
        for (int64_t n = 0; n < rows; n++) t->axpy(m->code, 1.0f, m->rho_grad, dh + n * m->code);
    if (c->contractive > 0) {
        const latent_dense *l = &net->layer[cl];
        t->act_bwd[l->act](rows * m->code, ws->out[cl], ws->out[cl], dh, dh, l->slope);
        sh->loss[2] = c->contractive * contractive(m, sh, b, rows, dh);
        latent_net_backward(net, &m->P[0], ws, 0, cl + 1, rows, dh, 1, grad, 0, 0);
        /* the direct term 2 W_ij sum_n s^2, added after backprop wrote dW */
        const float *W = m->P[0].w + l->w_off;
        const float scale = c->contractive / (float)b->rows;
        const float *ssum = sh->scratch + m->code;
        for (int64_t i = 0; i < l->out; i++)
            t->axpy(l->in, scale * 2.0f * ssum[i], W + i * l->in, grad + l->w_off + i * l->in);
    } else {
        latent_net_backward(net, &m->P[0], ws, 0, cl + 1, rows, dh, 0, grad, 0, 0);
    }
}

latent_status latent_ae_batch(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    const latent_ae_config *c = &m->ae;
    double penalty = 0.0;
    if (c->sparse_beta > 0) {
        latent_loop_shards(b, shard_encode, m);
        const double rho = c->sparse_rho, eps = 1e-6;
        for (int64_t j = 0; j < m->code; j++) {
            double sum = 0.0;
            for (int s = 0; s < b->n_shards; s++) sum += m->rho_sum[(int64_t)s * m->code + j];
            double rh = sum / (double)b->rows;
            rh = rh < eps ? eps : rh > 1.0 - eps ? 1.0 - eps : rh;
            penalty += rho * log(rho / rh) + (1.0 - rho) * log((1.0 - rho) / (1.0 - rh));
            m->rho_grad[j] = (float)(c->sparse_beta * (-rho / rh + (1.0 - rho) / (1.0 - rh)) /
                                     (double)b->rows);
        }
        penalty *= c->sparse_beta;
    }
    latent_loop_shards(b, shard_rest, m);
    double recon = 0.0, pen = 0.0;
    for (int s = 0; s < b->n_shards; s++) recon += m->sh[s].loss[1], pen += m->sh[s].loss[2];
    recon /= (double)b->rows * (double)m->d;
    penalty += pen / (double)b->rows;
    b->loss[0] = recon + penalty, b->loss[1] = recon, b->loss[2] = penalty;
    return latent_loop_update(b, &m->P[0], &m->opt);
}

void latent_ae_eval_chunk(latent_model *m, latent_shard *sh, const float *x, int64_t row0,
                          int64_t rows, void *arg)
{
    latent_eval_out *o = arg;
    const lk_table *t = lk_active();
    const latent_net *net = &m->net[0];
    const int L = net->n_layers;
    latent_net_ws *ws = &sh->ws[0];
    latent_net_forward(net, &m->P[0], ws, 0, L, x, rows);
    const int64_t d = m->d;
    if (o->codes)
        memcpy(o->codes + row0 * m->code, ws->out[m->code_layer],
               (size_t)(rows * m->code) * sizeof(float));
    const float *out = ws->out[L - 1];
    if (o->recon) {
        if (m->ae.loss == LATENT_LOSS_BCE)
            t->act_fwd[LATENT_ACT_SIGMOID](rows * d, out, o->recon + row0 * d, 0.0f);
        else
            memcpy(o->recon + row0 * d, out, (size_t)(rows * d) * sizeof(float));
    }
    if (o->scores || o->loss_parts) {
        double tot = 0.0;
        for (int64_t i = 0; i < rows; i++) {
            double v = m->ae.loss == LATENT_LOSS_MSE ? t->mse(d, out + i * d, x + i * d, NULL, 0.0f)
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
