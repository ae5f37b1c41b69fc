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
    m->plan = latent_gan_plan;
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
                                 uint32_t stream, uint64_t a, int64_t b0, const lk_team *team)
{
    const lk_team solo = lk_team_solo();
    if (!team) team = &solo;
    const int64_t Z = m->code;
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    for (int64_t i = lo; i < hi; i++) {
        latent_rng r;
        latent_rng_init(&r, seed, stream, a, (uint32_t)(b0 + i));
        for (int64_t j = 0; j < Z; j++) sh->z[i * Z + j] = latent_rng_normal(&r);
    }
    lk_team_sync(team);
    latent_net_forward(&m->net[0], &m->P[0], &sh->ws[0], 0, m->net[0].n_layers, sh->z, rows, team);
    return sh->ws[0].out[m->net[0].n_layers - 1];
}

/* The logits' loss against a constant target (1 real, 0 fake) and its gradient, on member 0:
 * a shard has at most 2 * LATENT_SHARD_ROWS logits. */
static double logit_loss(const lk_table *t, int64_t n, const float *l, float target, float *dy,
                         float gs)
{
    float z[2 * LATENT_SHARD_ROWS];
    for (int64_t i = 0; i < n; i++) z[i] = target;
    return t->bce_logits(n, l, z, dy, gs);
}

/* D step: D sees the real rows (scaled to [-1, 1]) then G's rows, in one pass of 2 * rows. */
static void shard_d(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows,
                    const lk_team *team)
{
    latent_model *m = mv;
    const lk_table *t = lk_active();
    latent_shard *sh = &m->sh[s];
    const int64_t D = m->d;
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    latent_batch_gather(b, row0 + lo, hi - lo, sh->x0 + lo * D, 2.0f, -1.0f);
    const float *fake = latent_gan_generate(m, sh, rows, b->seed, LATENT_STREAM_LATENT_Z,
                                            2 * (uint64_t)b->step, row0, team);
    memcpy(sh->x0 + (rows + lo) * D, fake + lo * D, (size_t)((hi - lo) * D) * sizeof(float));
    lk_team_sync(team);
    latent_net *dn = &m->net[1];
    latent_net_ws *ws = &sh->ws[1];
    latent_net_forward(dn, &m->P[1], ws, 0, dn->n_layers, sh->x0, 2 * rows, team);
    const float *l = ws->out[dn->n_layers - 1];
    const float gs = 1.0f / (float)b->rows;
    float *dy = ws->d[0];
    if (team->id == 0)
        sh->loss[0] = logit_loss(t, rows, l, 1.0f, dy, gs) +
                      logit_loss(t, rows, l + rows, 0.0f, dy + rows, gs);
    lk_team_sync(team);
    latent_net_backward(dn, &m->P[1], ws, 0, dn->n_layers, 2 * rows, dy, 0,
                        m->P[1].shard_g + (int64_t)s * m->P[1].n, 0, 0, team);
}

/* G step: the non-saturating loss softplus(-D(G(z))) backpropagated through D into G. */
static void shard_g(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows,
                    const lk_team *team)
{
    latent_model *m = mv;
    const lk_table *t = lk_active();
    latent_shard *sh = &m->sh[s];
    const int64_t D = m->d;
    const float *fake = latent_gan_generate(m, sh, rows, b->seed, LATENT_STREAM_LATENT_Z,
                                            2 * (uint64_t)b->step + 1, row0, team);
    latent_net *dn = &m->net[1], *gn = &m->net[0];
    latent_net_ws *ws = &sh->ws[1];
    latent_net_forward(dn, &m->P[1], ws, 0, dn->n_layers, fake, rows, team);
    float *dy = ws->d[0];
    if (team->id == 0)
        sh->loss[1] = logit_loss(t, rows, ws->out[dn->n_layers - 1], 1.0f, dy,
                                 1.0f / (float)b->rows);
    lk_team_sync(team);
    float *dx = latent_net_backward(dn, &m->P[1], ws, 0, dn->n_layers, rows, dy, 0, NULL, 0, 1, team);
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    memcpy(sh->ws[0].d[0] + lo * D, dx + lo * D, (size_t)((hi - lo) * D) * sizeof(float));
    lk_team_sync(team);
    latent_net_backward(gn, &m->P[0], &sh->ws[0], 0, gn->n_layers, rows, sh->ws[0].d[0], 0,
                        m->P[0].shard_g + (int64_t)s * m->P[0].n, 0, 0, team);
}

static latent_status after_d(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    double dl = 0.0;
    for (int s = 0; s < b->n_shards; s++) dl += m->sh[s].loss[0];
    b->loss[0] = dl / (double)b->rows;
    b->loss[1] = m->g_loss;
    return LATENT_OK;
}

static latent_status after_g(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    double gl = 0.0;
    for (int s = 0; s < b->n_shards; s++) gl += m->sh[s].loss[1];
    m->g_loss = gl / (double)b->rows;
    b->loss[1] = m->g_loss;
    return LATENT_OK;
}

/* d-steps discriminator updates per generator update: D's phase every step, G's on every
 * d-steps-th. */
int latent_gan_plan(void *mv, const latent_batch *b, latent_phase *ph)
{
    latent_model *m = mv;
    int n = 0;
    ph[n++] = (latent_phase){shard_d, after_d, &m->P[1], &m->opt};
    if ((b->step + 1) % m->gan.d_steps == 0)
        ph[n++] = (latent_phase){shard_g, after_g, &m->P[0], &m->opt};
    return n;
}
