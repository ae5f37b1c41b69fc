/* The dense layer: y = act(x W^T + b) with W [out, in], on the kernel table's GEMM; its backward
 * pass writes the weight gradients (a GEMM per shard, or the slab's node sum as one tree GEMM)
 * and dx for the whole slab. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "layer_dense.h"
#include "grad_proof.h"
#include "latent/rng.h"
#include "simd/gemm.h"

_Static_assert(sizeof(latent_dense) <= LATENT_LAYER_CFG, "dense settings fit a layer");

void latent_dense_glorot(latent_layer *l) { ((latent_dense *)l->cfg)->glorot = 1; }

const latent_dense *latent_dense_of(const latent_layer *l) { return (const latent_dense *)l->cfg; }
static latent_dense *cfg(latent_layer *l) { return (latent_dense *)l->cfg; }

void latent_dense_setup(latent_layer *l, int64_t out, latent_act act, float slope)
{
    memset(l, 0, sizeof *l);
    l->ops = &latent_dense_ops;
    latent_dense *d = cfg(l);
    d->out = out, d->act = act, d->slope = slope;
}

void latent_dense_no_bias(latent_layer *l) { cfg(l)->no_bias = 1; }

void latent_dense_split(latent_layer *l, const char *first, const char *second)
{
    latent_dense *d = cfg(l);
    d->split = 2;
    snprintf(d->split_name[0], sizeof d->split_name[0], "%s", first);
    snprintf(d->split_name[1], sizeof d->split_name[1], "%s", second);
}

/* The derivative of these needs the pre-activation; ReLU, leaky ReLU, sigmoid and tanh derive
 * from the output alone (so the GEMM's epilogue keeps only the output). */
static int keeps_pre(const latent_layer *l) { return latent_dense_of(l)->act == LATENT_ACT_SOFTPLUS; }

static latent_status build(latent_layer *l, latent_params *p, latent_params *buf)
{
    (void)buf;
    latent_dense *d = cfg(l);
    d->in = l->in_size;
    if (d->in <= 0 || d->out <= 0)
        return latent_fail(LATENT_EINVAL, "net: %s: bad size %lld -> %lld", l->name,
                           (long long)d->in, (long long)d->out);
    if (d->act == LATENT_ACT_LEAKY_RELU && !(d->slope > 0.0f))
        return latent_fail(LATENT_EINVAL, "net: %s: leaky ReLU slope must be > 0, got %g", l->name,
                           (double)d->slope);
    if (d->split && d->out % 2)
        return latent_fail(LATENT_EINVAL, "net: %s: %lld outputs do not split in two", l->name,
                           (long long)d->out);
    char name[LATENT_NAME_MAX + 8];
    const int64_t wshape[2] = {d->out, d->in}, bshape[1] = {d->out};
    snprintf(name, sizeof name, "%s.weight", l->name);
    if ((d->w_off = latent_params_add(p, name, 2, wshape)) < 0) return LATENT_EINVAL;
    snprintf(name, sizeof name, "%s.bias", l->name);
    d->b_off = -1;
    if (!d->no_bias && (d->b_off = latent_params_add(p, name, 1, bshape)) < 0) return LATENT_EINVAL;
    l->out = latent_shape_1d(d->out);
    l->out_size = d->out;
    return LATENT_OK;
}

/* He-uniform for the ReLU family, Glorot-uniform otherwise, from the layer's fan-in and
 * fan-out; zero biases. */
static void init(const latent_layer *l, float *w, float *buf, uint64_t seed, uint64_t id)
{
    (void)buf;
    const latent_dense *d = latent_dense_of(l);
    int he = !d->glorot && (d->act == LATENT_ACT_RELU || d->act == LATENT_ACT_LEAKY_RELU ||
                            d->act == LATENT_ACT_SOFTPLUS);
    double bound = he ? sqrt(6.0 / (double)d->in) : sqrt(6.0 / (double)(d->in + d->out));
    latent_rng r;
    latent_rng_init(&r, seed, LATENT_STREAM_INIT, id, 0);
    float *W = w + d->w_off;
    for (int64_t i = 0; i < d->in * d->out; i++)
        W[i] = (float)((2.0 * latent_rng_uniform_double(&r) - 1.0) * bound);
    for (int64_t i = 0; i < d->out && d->b_off >= 0; i++) w[d->b_off + i] = 0.0f;
}

static void forward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io)
{
    const latent_dense *d = latent_dense_of(l);
    const lk_table *t = lk_active();
    const float *W = io->w + d->w_off, *b = d->b_off >= 0 ? io->w + d->b_off : NULL;
    const int64_t rows = io->rows;
    if (keeps_pre(l)) {
        lk_sgemm_team_weight_rows(ps->team, t, 0, 1, rows, d->out, d->in, 1.0f, io->x, d->in, W,
                                  d->in, 0.0f, io->pre, d->out, b, LATENT_ACT_IDENTITY, 0.0f);
        lk_team_sync(ps->team);
        int64_t lo, hi;
        lk_team_split(ps->team, rows, &lo, &hi);
        t->act_fwd[d->act]((hi - lo) * d->out, io->pre + lo * d->out, io->y + lo * d->out, d->slope);
    } else {
        lk_sgemm_team_weight_rows(ps->team, t, 0, 1, rows, d->out, d->in, 1.0f, io->x, d->in, W,
                                  d->in, 0.0f, io->y, d->out, b, d->act, d->slope);
    }
}

/* Each shard's gradients from its own rows into its slot: delta^T x (unless bias_only) and the
 * column sums of delta, each member the outputs lk_team_split gives it (the weight rows its
 * forward pass computed and its optimizer step updates). */
static void shard_weights(const latent_pass *ps, const latent_layer_io *io, const latent_dense *d,
                          const float *dy, latent_grad g, int bias_only)
{
    const lk_table *t = lk_active();
    const lk_team *team = ps->team;
    int64_t c0, c1;
    lk_team_split(team, d->out, &c0, &c1);
    for (int s = 0; s < ps->slab->n; s++) {
        const latent_slab_seg *seg = &ps->slab->seg[s];
        float *gs = g.base + (int64_t)seg->shard * g.stride;
        const float *ds = dy + seg->at * d->out, *xs = io->x + seg->at * d->in;
        if (!bias_only)
            lk_sgemm_team_weight_rows(team, t, 1, 0, d->out, d->in, seg->rows, 1.0f, ds, d->out,
                                      xs, d->in, 0.0f, gs + d->w_off, d->in, NULL,
                                      LATENT_ACT_IDENTITY, 0.0f);
        if (c1 > c0 && d->b_off >= 0)
            t->col_sum(seg->rows, c1 - c0, ds + c0, d->out, gs + d->b_off + c0);
    }
}

/* Whether proving the weight gradient finite (the minibatch's rows of dy and x, read while in
 * cache) costs less than checking it (out x in floats, read again from memory). The same answer
 * for every slab of the step; a layer that records nothing voids its tensors' proof. */
static int proof_pays(const latent_pass *ps, const latent_dense *d)
{
    return latent_pass_rows(ps) * (d->in + d->out) <= d->in * d->out;
}

static void backward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io,
                     float *dy, int dy_is_delta, latent_grad g, float *dx)
{
    const latent_dense *d = latent_dense_of(l);
    const lk_table *t = lk_active();
    const lk_team *team = ps->team;
    const int64_t rows = io->rows;
    if (!dy_is_delta) {
        /* without a stored pre-activation, y stands in for it: ReLU's and leaky ReLU's
         * (slope > 0) tests on x > 0 give the same answer on y > 0 */
        int64_t lo, hi;
        lk_team_split(team, rows, &lo, &hi);
        const int64_t o = lo * d->out, n = (hi - lo) * d->out;
        t->act_bwd[d->act](n, (io->pre ? io->pre : io->y) + o, io->y + o, dy + o, dy + o, d->slope);
        lk_team_sync(team);
    }
    if (g.base && g.params) {
        /* this member's rows toward the proof that the gradients are finite (grad_proof.h) */
        if (proof_pays(ps, d)) {
            int64_t lo, hi;
            lk_team_split(team, rows, &lo, &hi);
            double sq_dy, sq_x;
            latent_proof_row_norms(t, hi - lo, dy + lo * d->out, d->out, io->x + lo * d->in,
                                   d->in, &sq_dy, &sq_x);
            latent_proof_add(g, d->w_off, sq_dy, sq_x, hi - lo);
            if (d->b_off >= 0) latent_proof_add(g, d->b_off, sq_dy, (double)(hi - lo), hi - lo);
        } else {
            latent_proof_void(g, d->w_off);
            if (d->b_off >= 0) latent_proof_void(g, d->b_off);
        }
    }
    /* a node pass: the slab's weight gradient as its node of the reduction tree, the shards'
     * products meeting tile by tile (beyond a stack's worth of shards, through their slots);
     * the bias gradients go through the slots */
    enum { TREE_PARTS = 64 };
    float *node = latent_grad_node(ps, g);
    const int tree = node && ps->slab->n <= TREE_PARTS;
    if (tree) {
        int64_t at[TREE_PARTS], len[TREE_PARTS];
        for (int s = 0; s < ps->slab->n; s++) at[s] = ps->slab->seg[s].at, len[s] = ps->slab->seg[s].rows;
        lk_sgemm_tn_tree(team, t, d->out, d->in, at, len, ps->slab->n, dy, d->out, io->x, d->in,
                         node + d->w_off, d->in);
    }
    if (g.base) shard_weights(ps, io, d, dy, g, tree);
    if (node && !tree) latent_grad_fold(ps, g, d->w_off, d->out * d->in);
    if (node && d->b_off >= 0) latent_grad_fold(ps, g, d->b_off, d->out);
    /* dY W along the weight rows each member keeps (the stack's barrier follows) */
    if (dx)
        lk_sgemm_team_weight_rows(team, t, 0, 0, rows, d->in, d->out, 1.0f, dy, d->out,
                                  io->w + d->w_off, d->in, 0.0f, dx, d->in, NULL,
                                  LATENT_ACT_IDENTITY, 0.0f);
}

static int views(const latent_layer *l, float *w, float *buf, latent_named_tensor *out, int max)
{
    (void)buf;
    const latent_dense *d = latent_dense_of(l);
    int k = 0;
    if (d->split == 2) {
        /* the weights of both halves, then their biases, as the group holds them */
        const int64_t half = d->out / 2, ws[2] = {half, d->in}, bs[1] = {half};
        for (int h = 0; h < 2; h++)
            k = latent_layer_view(out, max, k, d->split_name[h], "weight",
                                  w + d->w_off + h * half * d->in, 2, ws);
        for (int h = 0; h < 2 && d->b_off >= 0; h++)
            k = latent_layer_view(out, max, k, d->split_name[h], "bias", w + d->b_off + h * half,
                                  1, bs);
        return k;
    }
    const int64_t ws[2] = {d->out, d->in}, bs[1] = {d->out};
    k = latent_layer_view(out, max, k, l->name, "weight", w + d->w_off, 2, ws);
    return d->b_off >= 0 ? latent_layer_view(out, max, k, l->name, "bias", w + d->b_off, 1, bs) : k;
}

const latent_layer_ops latent_dense_ops = {
    .kind = "dense",
    .build = build,
    .init = init,
    .keeps_pre = keeps_pre,
    .forward = forward,
    .backward = backward,
    .views = views,
};
