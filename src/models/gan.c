/* The GAN: MLP generator (tanh output) and discriminator (one logit), softplus losses with the
 * non-saturating generator loss, d-steps discriminator updates per generator update. */
#include <math.h>
#include <string.h>
#include "latent/rng.h"
#include "model.h"

void latent_gan_config_default(latent_gan_config *c)
{
    memset(c, 0, sizeof *c);
    c->z = 100, c->d = 784;
    c->n_gen = 2, c->gen[0] = 256, c->gen[1] = 512;
    c->n_disc = 2, c->disc[0] = 512, c->disc[1] = 256;
    c->g_act = LATENT_ACT_RELU, c->g_slope = 0.2f, c->d_slope = 0.2f;
    c->d_steps = 1;
}

latent_status latent_gan_create(const latent_gan_config *c, uint64_t seed, latent_model **out)
{
    if (c->z <= 0 || c->z > (1 << 20) || c->d <= 0 || c->d > (1 << 24))
        return latent_fail(LATENT_EINVAL, "gan: z %lld and data width %lld must be positive",
                           (long long)c->z, (long long)c->d);
    if (c->n_gen < 0 || c->n_gen >= LATENT_MAX_SIZES || c->n_disc < 0 ||
        c->n_disc >= LATENT_MAX_SIZES)
        return latent_fail(LATENT_EINVAL, "gan: gen/disc: at most %d hidden layers",
                           LATENT_MAX_SIZES - 1);
    for (int i = 0; i < c->n_gen; i++)
        if (c->gen[i] <= 0 || c->gen[i] > (1 << 24))
            return latent_fail(LATENT_EINVAL, "gan: gen: size %d is %lld", i, (long long)c->gen[i]);
    for (int i = 0; i < c->n_disc; i++)
        if (c->disc[i] <= 0 || c->disc[i] > (1 << 24))
            return latent_fail(LATENT_EINVAL, "gan: disc: size %d is %lld", i, (long long)c->disc[i]);
    if (c->g_act != LATENT_ACT_RELU && c->g_act != LATENT_ACT_LEAKY_RELU)
        return latent_fail(LATENT_EINVAL, "gan: generator activation: relu or leaky_relu, got %s",
                           latent_act_name(c->g_act));
    if (c->d_steps < 1) return latent_fail(LATENT_EINVAL, "gan: d-steps: must be >= 1, got %d", c->d_steps);
    latent_status st;
    latent_model *m;
    if ((st = latent_model_new(LATENT_MODEL_GAN, &m))) return st;
    m->gan = *c;
    m->n_groups = 2;
    m->batch = latent_gan_batch;
    m->init_seed = seed;
    m->d = c->d, m->code = c->z;
    char name[64];
    int idx = 0;
    int64_t prev = c->z;
    for (int i = 0; i <= c->n_gen && !st; i++) {
        int last = i == c->n_gen;
        latent_act a = last ? LATENT_ACT_TANH : c->g_act;
        int64_t w = last ? c->d : c->gen[i];
        latent_seq_name(name, sizeof name, "generator", &idx, a);
        st = latent_net_add(&m->net[0], &m->P[0], name, prev, w, a, c->g_slope);
        prev = w;
    }
    idx = 0, prev = c->d;
    for (int i = 0; i <= c->n_disc && !st; i++) {
        int last = i == c->n_disc;
        latent_act a = last ? LATENT_ACT_IDENTITY : LATENT_ACT_LEAKY_RELU;
        int64_t w = last ? 1 : c->disc[i];
        latent_seq_name(name, sizeof name, "discriminator", &idx, a);
        st = latent_net_add(&m->net[1], &m->P[1], name, prev, w, a, c->d_slope);
        prev = w;
    }
    m->wmax = c->d > c->z ? c->d : c->z;
    for (int i = 0; i < c->n_gen; i++) if (c->gen[i] > m->wmax) m->wmax = c->gen[i];
    for (int i = 0; i < c->n_disc; i++) if (c->disc[i] > m->wmax) m->wmax = c->disc[i];
    if (!st) st = latent_params_alloc(&m->P[0]);
    if (!st) st = latent_params_alloc(&m->P[1]);
    if (st) {
        latent_model_free(m);
        return st;
    }
    latent_net_init(&m->net[0], &m->P[0], seed, 0);
    latent_net_init(&m->net[1], &m->P[1], seed, LATENT_MAX_LAYERS);
    *out = m;
    return LATENT_OK;
}

/* z ~ N(0, I) for `rows` rows drawn at (seed, stream, a, b0 + i), then G forward. */
const float *latent_gan_generate(latent_model *m, latent_shard *sh, int64_t rows, uint64_t seed,
                             uint32_t stream, uint64_t a, int64_t b0)
{
    const int64_t Z = m->code;
    for (int64_t i = 0; i < rows; i++) {
        latent_rng r;
        latent_rng_init(&r, seed, stream, a, (uint32_t)(b0 + i));
        for (int64_t j = 0; j < Z; j++) sh->z[i * Z + j] = latent_rng_normal(&r);
    }
    latent_net_forward(&m->net[0], &m->P[0], &sh->ws[0], 0, m->net[0].n_layers, sh->z, rows);
    return sh->ws[0].out[m->net[0].n_layers - 1];
}

/* Constant targets for the logits: 1 for real, 0 for fake. */
static const float ones[LATENT_SHARD_ROWS] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const float zeros[LATENT_SHARD_ROWS];

/* D step: D sees the real rows (scaled to [-1, 1]) then G's rows, in one pass of 2 * rows. */
static void shard_d(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows)
{
    latent_model *m = mv;
    const lk_table *t = lk_active();
    latent_shard *sh = &m->sh[s];
    const int64_t D = m->d;
    latent_batch_gather(b, row0, rows, sh->x0, 2.0f, -1.0f);
    const float *fake = latent_gan_generate(m, sh, rows, b->seed, LATENT_STREAM_LATENT_Z,
                                 2 * (uint64_t)b->step, row0);
    memcpy(sh->x0 + rows * D, fake, (size_t)(rows * D) * sizeof(float));
    latent_net *dn = &m->net[1];
    latent_net_ws *ws = &sh->ws[1];
    latent_net_forward(dn, &m->P[1], ws, 0, dn->n_layers, sh->x0, 2 * rows);
    const float *l = ws->out[dn->n_layers - 1];
    const float gs = 1.0f / (float)b->rows;
    float *dy = ws->d[0];
    sh->loss[0] = t->bce_logits(rows, l, ones, dy, gs) + t->bce_logits(rows, l + rows, zeros, dy + rows, gs);
    latent_net_backward(dn, &m->P[1], ws, 0, dn->n_layers, 2 * rows, dy, 0,
                        m->P[1].shard_g + (int64_t)s * m->P[1].n, 0, 0);
}

/* G step: the non-saturating loss softplus(-D(G(z))) backpropagated through D into G. */
static void shard_g(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows)
{
    latent_model *m = mv;
    const lk_table *t = lk_active();
    latent_shard *sh = &m->sh[s];
    const int64_t D = m->d;
    const float *fake = latent_gan_generate(m, sh, rows, b->seed, LATENT_STREAM_LATENT_Z,
                                 2 * (uint64_t)b->step + 1, row0);
    latent_net *dn = &m->net[1], *gn = &m->net[0];
    latent_net_ws *ws = &sh->ws[1];
    latent_net_forward(dn, &m->P[1], ws, 0, dn->n_layers, fake, rows);
    float *dy = ws->d[0];
    sh->loss[1] = t->bce_logits(rows, ws->out[dn->n_layers - 1], ones, dy, 1.0f / (float)b->rows);
    float *dx = latent_net_backward(dn, &m->P[1], ws, 0, dn->n_layers, rows, dy, 0, NULL, 0, 1);
    memcpy(sh->ws[0].d[0], dx, (size_t)(rows * D) * sizeof(float));
    latent_net_backward(gn, &m->P[0], &sh->ws[0], 0, gn->n_layers, rows, sh->ws[0].d[0], 0,
                        m->P[0].shard_g + (int64_t)s * m->P[0].n, 0, 0);
}

latent_status latent_gan_batch(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    latent_loop_shards(b, shard_d, m);
    double dl = 0.0;
    for (int s = 0; s < b->n_shards; s++) dl += m->sh[s].loss[0];
    b->loss[0] = dl / (double)b->rows;
    latent_status st = latent_loop_update(b, &m->P[1], &m->opt);
    if (st) return st;
    if ((b->step + 1) % m->gan.d_steps == 0) {
        latent_loop_shards(b, shard_g, m);
        double gl = 0.0;
        for (int s = 0; s < b->n_shards; s++) gl += m->sh[s].loss[1];
        m->g_loss = gl / (double)b->rows;
        if ((st = latent_loop_update(b, &m->P[0], &m->opt))) return st;
    }
    b->loss[1] = m->g_loss;
    return LATENT_OK;
}
