/* Batch norm: in training, the mean and variance of each channel over the whole minibatch,
 * summed per shard in row order, the shards added in shard order after the step's barrier, so
 * no statistic depends on threads or slabs; the running statistics kept as PyTorch keeps them;
 * in evaluation, those. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "layer_batchnorm.h"

_Static_assert(sizeof(latent_batchnorm) <= LATENT_LAYER_CFG, "batch norm settings fit a layer");

const latent_batchnorm *latent_batchnorm_of(const latent_layer *l) { return (const latent_batchnorm *)l->cfg; }
static latent_batchnorm *cfg(latent_layer *l) { return (latent_batchnorm *)l->cfg; }

void latent_batchnorm_setup(latent_layer *l, float eps, float momentum)
{
    memset(l, 0, sizeof *l);
    l->ops = &latent_batchnorm_ops;
    cfg(l)->eps = eps, cfg(l)->momentum = momentum;
}

static latent_status build(latent_layer *l, latent_params *p, latent_params *buf)
{
    latent_batchnorm *b = cfg(l);
    if (l->in.ndim < 1 || !(b->eps > 0) || !(b->momentum >= 0 && b->momentum <= 1))
        return latent_fail(LATENT_EINVAL, "net: %s: batch norm needs eps > 0 and momentum in "
                           "[0, 1], got %g and %g", l->name, (double)b->eps, (double)b->momentum);
    b->c = l->in.dim[l->in.ndim - 1];
    b->pix = l->in_size / b->c;
    l->out = l->in;
    char name[LATENT_NAME_MAX + 24];
    const int64_t shape[1] = {b->c};
    struct { int64_t *off; latent_params *g; const char *field; int ndim; } t[5] = {
        {&b->w_off, p, "weight", 1}, {&b->b_off, p, "bias", 1}, {&b->rm_off, buf, "running_mean", 1},
        {&b->rv_off, buf, "running_var", 1}, {&b->nb_off, buf, "num_batches_tracked", 0}};
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "%s.%s", l->name, t[i].field);
        if ((*t[i].off = latent_params_add(t[i].g, name, t[i].ndim, shape)) < 0) return LATENT_EINVAL;
    }
    return LATENT_OK;
}

static void init(const latent_layer *l, float *w, float *buf, uint64_t seed, uint64_t id)
{
    (void)seed, (void)id;
    const latent_batchnorm *b = latent_batchnorm_of(l);
    for (int64_t c = 0; c < b->c; c++) {
        w[b->w_off + c] = 1.0f, w[b->b_off + c] = 0.0f;
        buf[b->rm_off + c] = 0.0f, buf[b->rv_off + c] = 1.0f;
    }
    buf[b->nb_off] = 0.0f;
}

/* The slab's statistics (mean, 1/sqrt(var + eps), then the backward pass's two means): 4C
 * doubles. */
static int64_t scratch_floats(const latent_layer *l, int64_t rows)
{
    (void)rows;
    return 8 * latent_batchnorm_of(l)->c;
}

/* Each shard's two sums per channel, forward and backward apart (a slab that runs ahead into
 * its backward pass never overwrites sums another slab still reads). */
static int64_t shared_doubles(const latent_layer *l, int n_shards)
{
    return 4 * (int64_t)n_shards * latent_batchnorm_of(l)->c;
}

/* Sums over one shard's rows, for channels [c0, c1): s[c] += f(row value(s)). */
static void shard_sums(const latent_batchnorm *b, const latent_slab_seg *sg, const float *x,
                       const float *dy, const double *mean, const double *rstd, int64_t c0,
                       int64_t c1, double *s1, double *s2)
{
    for (int64_t c = c0; c < c1; c++) s1[c] = s2[c] = 0.0;
    const int64_t n = sg->rows * b->pix;
    const float *xr = x + sg->at * b->pix * b->c, *dr = dy ? dy + sg->at * b->pix * b->c : NULL;
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = c0; c < c1; c++) {
            const double v = xr[i * b->c + c];
            if (dr) { /* sum dy, sum dy xhat */
                const double g = dr[i * b->c + c];
                s1[c] += g;
                s2[c] += g * ((v - mean[c]) * rstd[c]);
            } else { /* sum x, sum x^2 */
                s1[c] += v;
                s2[c] += v * v;
            }
        }
}

static void forward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io)
{
    const latent_batchnorm *b = latent_batchnorm_of(l);
    const lk_team *team = ps->team;
    const int64_t C = b->c;
    double *mean = (double *)io->scratch, *rstd = mean + C;
    int64_t c0, c1;
    lk_team_split(team, C, &c0, &c1);
    if (ps->train) {
        const int shards = latent_pass_shards(ps);
        const double n = (double)latent_pass_rows(ps) * (double)b->pix;
        for (int s = 0; s < ps->slab->n; s++) {
            const latent_slab_seg *sg = &ps->slab->seg[s];
            double *part = io->shared + (int64_t)sg->shard * 2 * C;
            shard_sums(b, sg, io->x, NULL, NULL, NULL, c0, c1, part, part + C);
        }
        lk_team_sync(team);
        if (ps->sync) ps->sync->share(ps->sync, io->shared, 2 * C * (int64_t)sizeof(double));
        /* the slab that holds the process's first shard keeps the running statistics */
        int owner = 0;
        for (int s = 0; s < ps->slab->n; s++) owner |= ps->slab->seg[s].shard == ps->first_shard;
        for (int64_t c = c0; c < c1; c++) {
            double s1 = 0.0, s2 = 0.0;
            for (int s = 0; s < shards; s++) s1 += io->shared[(int64_t)s * 2 * C + c], s2 += io->shared[(int64_t)s * 2 * C + C + c];
            const double m = s1 / n, var = fmax(s2 / n - m * m, 0.0);
            mean[c] = m, rstd[c] = 1.0 / sqrt(var + b->eps);
            if (owner) {
                const float mo = b->momentum;
                io->buf[b->rm_off + c] = (1.0f - mo) * io->buf[b->rm_off + c] + mo * (float)m;
                io->buf[b->rv_off + c] = (1.0f - mo) * io->buf[b->rv_off + c] +
                                         mo * (float)(n > 1 ? var * n / (n - 1) : var);
            }
        }
        if (owner && team->id == 0) io->buf[b->nb_off] += 1.0f;
    } else {
        for (int64_t c = c0; c < c1; c++) {
            mean[c] = io->buf[b->rm_off + c];
            rstd[c] = 1.0 / sqrt((double)io->buf[b->rv_off + c] + b->eps);
        }
    }
    lk_team_sync(team);
    int64_t r0, r1;
    lk_team_split(team, io->rows * b->pix, &r0, &r1);
    const float *gam = io->w + b->w_off, *bet = io->w + b->b_off;
    for (int64_t i = r0; i < r1; i++)
        for (int64_t c = 0; c < C; c++) {
            const float xh = (float)(((double)io->x[i * C + c] - mean[c]) * rstd[c]);
            io->y[i * C + c] = xh * gam[c] + bet[c];
        }
}

static void backward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io,
                     float *dy, int dy_is_delta, latent_grad g, float *dx)
{
    (void)dy_is_delta; /* no activation of its own: dy is the delta */
    const latent_batchnorm *b = latent_batchnorm_of(l);
    const lk_team *team = ps->team;
    const int64_t C = b->c;
    const double *mean = (const double *)io->scratch, *rstd = mean + C;
    double *mdy = (double *)io->scratch + 2 * C, *mdyx = mdy + C;
    double *shared = io->shared + 2 * (int64_t)latent_pass_shards(ps) * C;
    int64_t c0, c1;
    lk_team_split(team, C, &c0, &c1);
    const int shards = latent_pass_shards(ps);
    for (int s = 0; s < ps->slab->n; s++) {
        const latent_slab_seg *sg = &ps->slab->seg[s];
        double *part = shared + (int64_t)sg->shard * 2 * C;
        shard_sums(b, sg, io->x, dy, mean, rstd, c0, c1, part, part + C);
        if (g.base) {
            float *gs = g.base + (int64_t)sg->shard * g.stride;
            for (int64_t c = c0; c < c1; c++) gs[b->w_off + c] = (float)part[C + c], gs[b->b_off + c] = (float)part[c];
        }
    }
    latent_grad_fold(ps, g, b->w_off, C);
    latent_grad_fold(ps, g, b->b_off, C);
    if (!dx) return;
    lk_team_sync(team);
    if (ps->sync) ps->sync->share(ps->sync, shared, 2 * C * (int64_t)sizeof(double));
    const double n = (double)latent_pass_rows(ps) * (double)b->pix;
    for (int64_t c = c0; c < c1; c++) {
        double s1 = 0.0, s2 = 0.0;
        for (int s = 0; s < shards; s++) s1 += shared[(int64_t)s * 2 * C + c], s2 += shared[(int64_t)s * 2 * C + C + c];
        mdy[c] = s1 / n, mdyx[c] = s2 / n;
    }
    lk_team_sync(team);
    int64_t r0, r1;
    lk_team_split(team, io->rows * b->pix, &r0, &r1);
    const float *gam = io->w + b->w_off;
    for (int64_t i = r0; i < r1; i++)
        for (int64_t c = 0; c < C; c++) {
            const double xh = ((double)io->x[i * C + c] - mean[c]) * rstd[c];
            dx[i * C + c] = (float)(gam[c] * rstd[c] * ((double)dy[i * C + c] - mdy[c] - xh * mdyx[c]));
        }
}

static int views(const latent_layer *l, float *w, float *buf, latent_named_tensor *out, int max)
{
    const latent_batchnorm *b = latent_batchnorm_of(l);
    const int64_t shape[1] = {b->c};
    int k = latent_layer_view(out, max, 0, l->name, "weight", w + b->w_off, 1, shape);
    k = latent_layer_view(out, max, k, l->name, "bias", w + b->b_off, 1, shape);
    k = latent_layer_view(out, max, k, l->name, "running_mean", buf + b->rm_off, 1, shape);
    k = latent_layer_view(out, max, k, l->name, "running_var", buf + b->rv_off, 1, shape);
    return latent_layer_view(out, max, k, l->name, "num_batches_tracked", buf + b->nb_off, 0, shape);
}

const latent_layer_ops latent_batchnorm_ops = {
    .kind = "batchnorm",
    .build = build,
    .init = init,
    .scratch_floats = scratch_floats,
    .shared_doubles = shared_doubles,
    .forward = forward,
    .backward = backward,
    .views = views,
};
