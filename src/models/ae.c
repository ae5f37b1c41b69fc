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
    m->plan = latent_ae_plan;
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

/* Pass 1 of a sparse autoencoder (and the start of every step): the minibatch rows, their
 * corruption, the encoder, and the code's column sums. */
static void shard_encode(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows,
                         const lk_team *team)
{
    latent_model *m = mv;
    latent_shard *sh = &m->sh[s];
    const float *in = m->ae.noise != LATENT_NOISE_NONE ? sh->x1 : sh->x0;
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    latent_batch_gather(b, row0 + lo, hi - lo, sh->x0 + lo * b->d, 1.0f, 0.0f);
    if (m->ae.noise != LATENT_NOISE_NONE)
        corrupt(&m->ae, b, row0 + lo, hi - lo, sh->x0 + lo * b->d, sh->x1 + lo * b->d);
    lk_team_sync(team);
    latent_net_forward(&m->net[0], &m->P[0], &sh->ws[0], 0, m->code_layer + 1, in, rows, team);
    if (m->ae.sparse_beta > 0) {
        int64_t c0, c1;
        lk_team_split(team, m->code, &c0, &c1);
        if (c1 > c0)
            lk_active()->col_sum(rows, c1 - c0, sh->ws[0].out[m->code_layer] + c0, m->code,
                                 m->rho_sum + (int64_t)s * m->code + c0);
        lk_team_sync(team);
    }
}

/* The contractive penalty on the code layer c (sigmoid), with s = h(1-h) and cw_i = sum_j W_ij^2:
 * value lambda/B sum_n sum_i s^2 cw_i; delta_i += lambda/B * 2 cw_i s^2 (1 - 2h);
 * the direct term dW_ij += lambda/B * 2 W_ij sum_n s^2 needs sum_n s^2, left in scratch[C..2C).
 * Each code unit is one member's, so no sum depends on the team; the unit's penalty sum (without
 * 1/B) goes to the doubles at scratch + 2C. */
static void contractive(const latent_model *m, latent_shard *sh, const latent_batch *b,
                        int64_t rows, float *delta, const lk_team *team)
{
    const latent_dense *l = &m->net[0].layer[m->code_layer];
    const float *W = m->P[0].w + l->w_off, *h = sh->ws[0].out[m->code_layer];
    const int64_t C = l->out, I = l->in;
    float *cw = sh->scratch, *ssum = sh->scratch + C;
    double *pen = (double *)(sh->scratch + 2 * C);
    const float scale = m->ae.contractive / (float)b->rows;
    int64_t i0, i1;
    lk_team_split(team, C, &i0, &i1);
    for (int64_t i = i0; i < i1; i++) {
        double acc = 0.0;
        for (int64_t j = 0; j < I; j++) acc += (double)W[i * I + j] * W[i * I + j];
        cw[i] = (float)acc;
        float ss = 0.0f;
        double p = 0.0;
        for (int64_t n = 0; n < rows; n++) {
            float hv = h[n * C + i], sv = hv * (1.0f - hv), s2 = sv * sv;
            p += (double)s2 * cw[i];
            ss += s2;
            delta[n * C + i] += scale * 2.0f * cw[i] * s2 * (1.0f - 2.0f * hv);
        }
        ssum[i] = ss;
        pen[i] = p;
    }
    lk_team_sync(team);
}

/* Pass 2 (or the only pass): decoder, loss, backward. */
static void shard_rest(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows,
                       const lk_team *team)
{
    latent_model *m = mv;
    const latent_ae_config *c = &m->ae;
    const lk_table *t = lk_active();
    latent_shard *sh = &m->sh[s];
    latent_net_ws *ws = &sh->ws[0];
    const latent_net *net = &m->net[0];
    const int L = net->n_layers, cl = m->code_layer;
    float *grad = m->P[0].shard_g + (int64_t)s * m->P[0].n;
    if (c->sparse_beta <= 0) shard_encode(mv, b, s, row0, rows, team);
    latent_net_forward(net, &m->P[0], ws, cl + 1, L, ws->out[cl], rows, team);
    const int64_t D = m->d;
    const float gs = 1.0f / ((float)b->rows * (float)D);
    float *dy = ws->d[0];
    const float *out = ws->out[L - 1];
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    for (int64_t i = lo; i < hi; i++)
        sh->row_loss[0][i] = c->loss == LATENT_LOSS_MSE
                                 ? t->mse(D, out + i * D, sh->x0 + i * D, dy + i * D, 2.0f * gs)
                                 : t->bce_logits(D, out + i * D, sh->x0 + i * D, dy + i * D, gs);
    const double recon = latent_rows_sum(team, sh->row_loss[0], rows);
    double pen = 0.0;
    float *dh = latent_net_backward(net, &m->P[0], ws, cl + 1, L, rows, dy, 0, grad, 0, 1, team);
    if (c->sparse_beta > 0) {
        for (int64_t n = lo; n < hi; n++) t->axpy(m->code, 1.0f, m->rho_grad, dh + n * m->code);
        lk_team_sync(team);
    }
    if (c->contractive > 0) {
        const latent_dense *l = &net->layer[cl];
        t->act_bwd[l->act]((hi - lo) * m->code, ws->out[cl] + lo * m->code,
                           ws->out[cl] + lo * m->code, dh + lo * m->code, dh + lo * m->code,
                           l->slope);
        lk_team_sync(team);
        contractive(m, sh, b, rows, dh, team);
        const double *units = (const double *)(sh->scratch + 2 * m->code);
        for (int64_t i = 0; i < m->code; i++) pen += units[i];
        pen *= c->contractive;
        latent_net_backward(net, &m->P[0], ws, 0, cl + 1, rows, dh, 1, grad, 0, 0, team);
        /* the direct term 2 W_ij sum_n s^2, added after backprop wrote dW */
        const float *W = m->P[0].w + l->w_off;
        const float scale = c->contractive / (float)b->rows;
        const float *ssum = sh->scratch + m->code;
        int64_t i0, i1;
        lk_team_split(team, l->out, &i0, &i1);
        for (int64_t i = i0; i < i1; i++)
            t->axpy(l->in, scale * 2.0f * ssum[i], W + i * l->in, grad + l->w_off + i * l->in);
        lk_team_sync(team);
    } else {
        latent_net_backward(net, &m->P[0], ws, 0, cl + 1, rows, dh, 0, grad, 0, 0, team);
    }
    if (team->id == 0) sh->loss[1] = recon, sh->loss[2] = pen;
}

/* After pass 1: the code's mean activation over the whole minibatch, the sparsity penalty and
 * its gradient (shards' column sums added in shard order). */
static latent_status after_encode(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    const latent_ae_config *c = &m->ae;
    const double rho = c->sparse_rho, eps = 1e-6;
    double penalty = 0.0;
    for (int64_t j = 0; j < m->code; j++) {
        double sum = 0.0;
        for (int s = 0; s < b->n_shards; s++) sum += m->rho_sum[(int64_t)s * m->code + j];
        double rh = sum / (double)b->rows;
        rh = rh < eps ? eps : rh > 1.0 - eps ? 1.0 - eps : rh;
        penalty += rho * log(rho / rh) + (1.0 - rho) * log((1.0 - rho) / (1.0 - rh));
        m->rho_grad[j] = (float)(c->sparse_beta * (-rho / rh + (1.0 - rho) / (1.0 - rh)) /
                                 (double)b->rows);
    }
    m->penalty = penalty * c->sparse_beta;
    return LATENT_OK;
}

static latent_status after_rest(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    double recon = 0.0, pen = 0.0;
    for (int s = 0; s < b->n_shards; s++) recon += m->sh[s].loss[1], pen += m->sh[s].loss[2];
    recon /= (double)b->rows * (double)m->d;
    const double penalty = (m->ae.sparse_beta > 0 ? m->penalty : 0.0) + pen / (double)b->rows;
    b->loss[0] = recon + penalty, b->loss[1] = recon, b->loss[2] = penalty;
    return LATENT_OK;
}

int latent_ae_plan(void *mv, const latent_batch *b, latent_phase *ph)
{
    (void)b;
    latent_model *m = mv;
    int n = 0;
    if (m->ae.sparse_beta > 0) ph[n++] = (latent_phase){shard_encode, after_encode, NULL, NULL};
    ph[n++] = (latent_phase){shard_rest, after_rest, &m->P[0], &m->opt};
    return n;
}

void latent_ae_eval_chunk(latent_model *m, latent_shard *sh, const float *x, int64_t row0,
                          int64_t rows, void *arg)
{
    latent_eval_out *o = arg;
    const lk_table *t = lk_active();
    const latent_net *net = &m->net[0];
    const int L = net->n_layers;
    latent_net_ws *ws = &sh->ws[0];
    latent_net_forward(net, &m->P[0], ws, 0, L, x, rows, NULL);
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
