/* The GAN: MLP generator (tanh output) and discriminator (one logit), softplus losses with the
 * non-saturating generator loss, d-steps discriminator updates per generator update. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "latent/rng.h"
#include "config_map.h"
#include "gan.h"

enum { G = LATENT_GAN_G, D = LATENT_GAN_D };

extern const latent_family latent_gan_family;

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
    if ((st = latent_model_new(&latent_gan_family, c, sizeof *c, &m))) return st;
    if ((st = latent_gan_train_setup(m, c->d_steps, 0, 1.0f))) {
        latent_model_free(m);
        return st;
    }
    m->n_groups = 2, m->n_stacks = 2;
    m->stack_group[0] = 0, m->stack_group[1] = 1;
    m->d = c->d, m->code = c->z;
    latent_stack_begin(&m->stack[G], latent_shape_1d(c->z), &m->buffers);
    latent_stack_begin(&m->stack[D], latent_shape_1d(c->d), &m->buffers);
    char name[64];
    int idx = 0;
    for (int i = 0; i <= c->n_gen && !st; i++) {
        int last = i == c->n_gen;
        latent_act a = last ? LATENT_ACT_TANH : c->g_act;
        latent_seq_name(name, sizeof name, "generator", &idx, a);
        st = latent_model_dense(m, G, name, last ? c->d : c->gen[i], a, c->g_slope);
    }
    idx = 0;
    for (int i = 0; i <= c->n_disc && !st; i++) {
        int last = i == c->n_disc;
        latent_act a = last ? LATENT_ACT_IDENTITY : LATENT_ACT_LEAKY_RELU;
        latent_seq_name(name, sizeof name, "discriminator", &idx, a);
        st = latent_model_dense(m, D, name, last ? 1 : c->disc[i], a, c->d_slope);
    }
    if (!st) st = latent_model_finish(m, seed);
    if (st) {
        latent_model_free(m);
        return st;
    }
    *out = m;
    return LATENT_OK;
}

latent_status latent_gan_train_setup(latent_model *m, int d_steps, int reuse_fakes, float real_target)
{
    latent_gan_train *t = calloc(1, sizeof *t);
    if (!t) return latent_fail(LATENT_ENOMEM, "gan: cannot allocate");
    *t = (latent_gan_train){0.0, d_steps, reuse_fakes, real_target};
    m->priv = t;
    return LATENT_OK;
}

static latent_gan_train *train_of(latent_model *m) { return m->priv; }

/* z ~ N(0, I) for rows [lo, hi) of a slab drawn at (seed, stream, a, each row's index in the
 * minibatch), or given (by minibatch row), then G forward over every row; returns G's output
 * (rows x d, in [-1, 1]). */
static const float *generate(latent_model *m, latent_work *w, uint64_t seed, uint32_t stream,
                             uint64_t a, const latent_pass *ps, const float *given)
{
    const latent_slab *slab = ps->slab;
    const int64_t Z = m->code;
    int64_t lo, hi;
    lk_team_split(ps->team, slab->rows, &lo, &hi);
    for (int g = 0; g < slab->n; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        for (int64_t i = sg->at > lo ? sg->at : lo; i < sg->at + sg->rows && i < hi; i++) {
            if (given) { /* the caller's z, by minibatch row */
                memcpy(w->z + i * Z, given + (sg->row0 + i - sg->at) * Z, (size_t)Z * sizeof(float));
                continue;
            }
            latent_rng r;
            latent_rng_init(&r, seed, stream, a, (uint32_t)(sg->row0 + i - sg->at));
            latent_rng_normals(&r, Z, w->z + i * Z);
        }
    }
    lk_team_sync(ps->team);
    const latent_stack *gn = &m->stack[G];
    latent_stack_forward(gn, latent_model_weights(m, G), &w->ws[G], 0, gn->n_layers, w->z,
                         slab->rows, ps);
    return w->ws[G].out[gn->n_layers - 1];
}

/* The logits' loss against a constant target (1 real, 0 fake) and its gradient. */
static double logit_loss(const lk_table *t, int64_t n, const float *l, float target, float *dy,
                         float gs)
{
    double s = 0.0;
    float z[LATENT_SHARD_ROWS];
    for (int64_t i = 0; i < LATENT_SHARD_ROWS; i++) z[i] = target;
    /* blocks of at most a shard's rows: a shard's logits are summed as one call */
    for (int64_t i0 = 0; i0 < n; i0 += LATENT_SHARD_ROWS) {
        const int64_t k = n - i0 < LATENT_SHARD_ROWS ? n - i0 : LATENT_SHARD_ROWS;
        s += t->bce_logits(k, l + i0, z, dy + i0, gs);
    }
    return s;
}

/* D's slab: each shard's real rows, then its fake rows (2 x its rows side by side), so each
 * shard's weight gradient sums its own rows in one run as before. Member 0 writes the segments
 * (the team's barrier follows). */
static latent_slab d_slab(const latent_slab *slab, latent_slab_seg *segs, const lk_team *team)
{
    for (int g = 0; g < slab->n && team->id == 0; g++) {
        segs[g] = slab->seg[g];
        segs[g].at = 2 * slab->seg[g].at;
        segs[g].rows = 2 * slab->seg[g].rows;
        segs[g].row0 = 2 * slab->seg[g].row0; /* D's examples: 2 per minibatch row */
    }
    latent_slab s = {slab->n, segs, 2 * slab->rows};
    return s;
}

/* D step: D sees each shard's real rows (scaled to [-1, 1]) then its G rows. */
static void slab_d(void *mv, const latent_batch *b, const latent_slab *slab, int si,
                   const lk_team *team)
{
    latent_model *m = mv;
    const lk_table *t = lk_active();
    latent_work *w = &m->work[si];
    const int64_t Dw = m->d;
    const latent_pass ps = latent_batch_pass(b, team, slab);
    const float *fake = generate(m, w, b->seed, LATENT_STREAM_LATENT_Z, 2 * (uint64_t)b->step, &ps, NULL);
    int64_t lo, hi;
    lk_team_split(team, slab->n, &lo, &hi);
    for (int64_t g = lo; g < hi; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        latent_batch_gather(b, sg->row0, sg->rows, w->x0 + 2 * sg->at * Dw, 2.0f, -1.0f);
        memcpy(w->x0 + (2 * sg->at + sg->rows) * Dw, fake + sg->at * Dw,
               (size_t)(sg->rows * Dw) * sizeof(float));
    }
    const latent_slab ds = d_slab(slab, w->segs, team);
    lk_team_sync(team);
    latent_pass dps = latent_batch_pass(b, team, &ds);
    dps.total_rows = 2 * b->rows; /* D sees every shard's real rows and its fakes */
    const latent_stack *dn = &m->stack[D];
    latent_stack_ws *ws = &w->ws[D];
    latent_stack_forward(dn, latent_model_weights(m, D), ws, 0, dn->n_layers, w->x0, ds.rows, &dps);
    const float *l = ws->out[dn->n_layers - 1];
    const float gs = 1.0f / (float)b->rows;
    float *dy = ws->d[0];
    for (int64_t g = lo; g < hi; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        const int64_t at = 2 * sg->at;
        m->shard_loss[sg->shard][0] = logit_loss(t, sg->rows, l + at, train_of(m)->real_target, dy + at, gs) +
                                      logit_loss(t, sg->rows, l + at + sg->rows, 0.0f,
                                                 dy + at + sg->rows, gs);
    }
    lk_team_sync(team);
    latent_stack_backward(dn, latent_model_weights(m, D), ws, 0, dn->n_layers, ds.rows, dy, 0,
                          latent_model_grad(m, D), 0, &dps);
}

/* G step: the non-saturating loss softplus(-D(G(z))) backpropagated through D into G. */
static void slab_g(void *mv, const latent_batch *b, const latent_slab *slab, int si,
                   const lk_team *team)
{
    latent_model *m = mv;
    const lk_table *t = lk_active();
    latent_work *w = &m->work[si];
    const int64_t Dw = m->d;
    const latent_pass ps = latent_batch_pass(b, team, slab);
    const latent_stack *dn = &m->stack[D], *gn = &m->stack[G];
    /* the D step's fakes are still G's output on this slab's workspace */
    const float *fake = train_of(m)->reuse_fakes
                            ? w->ws[G].out[gn->n_layers - 1]
                            : generate(m, w, b->seed, LATENT_STREAM_LATENT_Z, 2 * (uint64_t)b->step + 1, &ps, NULL);
    latent_stack_ws *ws = &w->ws[D];
    latent_stack_forward(dn, latent_model_weights(m, D), ws, 0, dn->n_layers, fake, slab->rows, &ps);
    float *dy = ws->d[0];
    int64_t lo, hi;
    lk_team_split(team, slab->n, &lo, &hi);
    for (int64_t g = lo; g < hi; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        m->shard_loss[sg->shard][1] = logit_loss(t, sg->rows, ws->out[dn->n_layers - 1] + sg->at,
                                                 1.0f, dy + sg->at, 1.0f / (float)b->rows);
    }
    lk_team_sync(team);
    const latent_grad none = {NULL, 0, NULL, NULL};
    float *dx = latent_stack_backward(dn, latent_model_weights(m, D), ws, 0, dn->n_layers,
                                      slab->rows, dy, 0, none, 1, &ps);
    lk_team_split(team, slab->rows, &lo, &hi);
    memcpy(w->ws[G].d[0] + lo * Dw, dx + lo * Dw, (size_t)((hi - lo) * Dw) * sizeof(float));
    lk_team_sync(team);
    latent_stack_backward(gn, latent_model_weights(m, G), &w->ws[G], 0, gn->n_layers, slab->rows,
                          w->ws[G].d[0], 0, latent_model_grad(m, G), 0, &ps);
}

static latent_status after_d(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    b->loss[0] = latent_shards_loss(m, b->n_shards, 0) / (double)b->rows;
    b->loss[1] = train_of(m)->g_loss;
    return LATENT_OK;
}

static latent_status after_g(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    train_of(m)->g_loss = latent_shards_loss(m, b->n_shards, 1) / (double)b->rows;
    b->loss[1] = train_of(m)->g_loss;
    return LATENT_OK;
}

/* d-steps discriminator updates per generator update: D's phase every step, G's on every
 * d-steps-th. */
latent_status latent_gan_plan(void *mv, latent_batch *b, latent_phase *ph, int *n)
{
    latent_model *m = mv;
    latent_status st = latent_model_prepare(m, b);
    if (st) return st;
    *n = 0;
    ph[(*n)++] = (latent_phase){slab_d, after_d, &m->group[D], &m->opt, {latent_shards_loss_span(m)}};
    if ((b->step + 1) % train_of(m)->d_steps == 0)
        ph[(*n)++] = (latent_phase){slab_g, after_g, &m->group[G], &m->opt, {latent_shards_loss_span(m)}};
    return LATENT_OK;
}

/* (G(z) + 1) / 2 at z drawn at (seed, USER + 1, 0, row). */
void latent_gan_sample_chunk(latent_model *m, latent_work *w, const float *x, int64_t row0,
                             int64_t rows, void *argv)
{
    (void)x;
    latent_sample_arg *a = argv;
    latent_solo_pass sp;
    const latent_pass *ps = latent_solo(&sp, rows);
    sp.seg.row0 = row0;
    const float *g = generate(m, w, a->seed, LATENT_STREAM_USER + 1, 0, ps, a->z);
    for (int64_t i = 0; i < rows * m->d; i++) a->out[row0 * m->d + i] = 0.5f * (g[i] + 1.0f);
}

/* ---- the configuration map ---- */

static void config_out(const latent_model *m, latent_kv_out *kv)
{
    const latent_gan_config *g = m->cfg;
    latent_kv_put(kv, "z", "%" PRId64, g->z);
    latent_kv_put(kv, "d", "%" PRId64, g->d);
    latent_kv_put_list(kv, "gen", g->n_gen, g->gen);
    latent_kv_put_list(kv, "disc", g->n_disc, g->disc);
    latent_kv_put(kv, "g_act", "%s", latent_act_name(g->g_act));
    latent_kv_put(kv, "g_slope", "%.9g", (double)g->g_slope);
    latent_kv_put(kv, "d_slope", "%.9g", (double)g->d_slope);
    latent_kv_put(kv, "d_steps", "%d", g->d_steps);
}

static latent_status config_in(const latent_kv_in *c, uint64_t init_seed, latent_model **out)
{
    latent_gan_config g;
    latent_gan_config_default(&g);
    int64_t ds = g.d_steps;
    latent_status st;
    if ((st = latent_kv_i64(c, "z", &g.z)) || (st = latent_kv_i64(c, "d", &g.d)) ||
        (st = latent_kv_list(c, "gen", &g.n_gen, g.gen, LATENT_MAX_SIZES - 1)) ||
        (st = latent_kv_list(c, "disc", &g.n_disc, g.disc, LATENT_MAX_SIZES - 1)) ||
        (st = latent_kv_act(c, "g_act", &g.g_act)) || (st = latent_kv_f(c, "g_slope", &g.g_slope)) ||
        (st = latent_kv_f(c, "d_slope", &g.d_slope)) || (st = latent_kv_i64(c, "d_steps", &ds)))
        return st;
    if (ds < 1 || ds > 1000000) return latent_kv_bad("d_steps", latent_kv_get(c, "d_steps"));
    g.d_steps = (int)ds;
    return latent_gan_create(&g, init_seed, out);
}

const latent_family latent_gan_family = {
    .name = "gan",
    .kind = LATENT_MODEL_GAN,
    .group_name = {"generator", "discriminator"},
    .rows_factor = {1, 2},
    .plan = latent_gan_plan,
    .sample = latent_gan_sample_chunk,
    .config_out = config_out,
    .config_in = config_in,
};
