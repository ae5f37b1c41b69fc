/* conv2d and conv_transpose2d: one is the other's backward-data pass, so the two layers are the
 * same three primitives (simd/conv.h) in the other order. The weights are laid out for the
 * primitives once per pass in the layer's scratch; weight gradients come back per shard. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "layer_conv.h"
#include "latent/rng.h"

_Static_assert(sizeof(latent_conv) <= LATENT_LAYER_CFG, "conv settings fit a layer");

void latent_conv_glorot(latent_layer *l) { ((latent_conv *)l->cfg)->glorot = 1; }

const latent_conv *latent_conv_of(const latent_layer *l) { return (const latent_conv *)l->cfg; }
static latent_conv *cfg(latent_layer *l) { return (latent_conv *)l->cfg; }

void latent_conv_setup(latent_layer *l, int transposed, int64_t out_c, int kh, int kw, int sh,
                       int sw, int pad_h, int pad_w, int pad_h2, int pad_w2, int bias,
                       latent_act act, float slope)
{
    memset(l, 0, sizeof *l);
    l->ops = &latent_conv_ops;
    latent_conv *c = cfg(l);
    c->transposed = transposed;
    c->out_c = out_c, c->kh = kh, c->kw = kw, c->sh = sh, c->sw = sw;
    c->pad_h = pad_h, c->pad_w = pad_w, c->pad_h2 = pad_h2, c->pad_w2 = pad_w2;
    c->bias = bias, c->act = act, c->slope = slope;
}

static int keeps_pre(const latent_layer *l) { return latent_conv_of(l)->act == LATENT_ACT_SOFTPLUS; }

/* 'same' as TensorFlow pads (total = what the output size needs, the odd one after). */
static void same(int64_t in, int k, int s, int transposed, int64_t *out, int *before, int *after)
{
    *out = transposed ? in * s : (in + s - 1) / s;
    int64_t total = transposed ? (int64_t)k - s : (*out - 1) * s + k - in;
    if (total < 0) total = 0;
    *before = (int)(total / 2);
    *after = (int)(total - total / 2);
}

static latent_status build(latent_layer *l, latent_params *p, latent_params *buf)
{
    (void)buf;
    latent_conv *c = cfg(l);
    if (l->in.ndim != 3)
        return latent_fail(LATENT_EINVAL, "net: %s: a convolution takes [height, width, channels] "
                           "rows, not %d-D ones", l->name, l->in.ndim);
    const int64_t IH = l->in.dim[0], IW = l->in.dim[1];
    c->in_c = l->in.dim[2];
    if (c->out_c < 1 || c->kh < 1 || c->kw < 1 || c->kh > 64 || c->kw > 64 || c->sh < 1 ||
        c->sw < 1 || c->sh > 16 || c->sw > 16)
        return latent_fail(LATENT_EINVAL, "net: %s: %lld channels, kernel %dx%d, stride %dx%d "
                           "(kernels 1 to 64, strides 1 to 16)", l->name, (long long)c->out_c,
                           c->kh, c->kw, c->sh, c->sw);
    int64_t OH, OW;
    if (c->pad_h == LATENT_PAD_SAME) {
        same(IH, c->kh, c->sh, c->transposed, &OH, &c->pad_h, &c->pad_h2);
        same(IW, c->kw, c->sw, c->transposed, &OW, &c->pad_w, &c->pad_w2);
    } else if (c->transposed) {
        OH = (IH - 1) * c->sh + c->kh - c->pad_h - c->pad_h2;
        OW = (IW - 1) * c->sw + c->kw - c->pad_w - c->pad_w2;
    } else {
        OH = (IH + c->pad_h + c->pad_h2 - c->kh) / c->sh + 1;
        OW = (IW + c->pad_w + c->pad_w2 - c->kw) / c->sw + 1;
    }
    if (c->pad_h < 0 || c->pad_w < 0 || c->pad_h2 < 0 || c->pad_w2 < 0 || OH < 1 || OW < 1 ||
        IH + c->pad_h + c->pad_h2 < (c->transposed ? 1 : c->kh))
        return latent_fail(LATENT_EINVAL, "net: %s: a %lldx%lld input gives no output with kernel "
                           "%dx%d, stride %dx%d and padding %d,%d,%d,%d", l->name, (long long)IH,
                           (long long)IW, c->kh, c->kw, c->sh, c->sw, c->pad_h, c->pad_w,
                           c->pad_h2, c->pad_w2);
    /* the correlation: conv2d reads x; conv_transpose2d is the transpose of the correlation that
     * reads its output */
    if (c->transposed)
        c->geo = (lk_conv_geom){OH, OW, c->out_c, IH, IW, c->kh, c->kw, c->sh, c->sw, c->pad_h, c->pad_w};
    else
        c->geo = (lk_conv_geom){IH, IW, c->in_c, OH, OW, c->kh, c->kw, c->sh, c->sw, c->pad_h, c->pad_w};
    char name[LATENT_NAME_MAX + 8];
    const int64_t a = c->transposed ? c->in_c : c->out_c, b = c->transposed ? c->out_c : c->in_c;
    const int64_t wshape[4] = {a, b, c->kh, c->kw}, bshape[1] = {c->out_c};
    snprintf(name, sizeof name, "%s.weight", l->name);
    if ((c->w_off = latent_params_add(p, name, 4, wshape)) < 0) return LATENT_EINVAL;
    c->b_off = -1;
    snprintf(name, sizeof name, "%s.bias", l->name);
    if (c->bias && (c->b_off = latent_params_add(p, name, 1, bshape)) < 0) return LATENT_EINVAL;
    l->out = (latent_shape){3, {OH, OW, c->out_c}};
    return LATENT_OK;
}

static int64_t weight_count(const latent_conv *c) { return c->in_c * c->out_c * c->kh * c->kw; }

/* Rows of the primitives' weights g ("oc" of simd/conv.h): conv2d's out channels,
 * conv_transpose2d's in channels. */
static int64_t g_rows(const latent_conv *c) { return c->transposed ? c->in_c : c->out_c; }
static int64_t g_cols_c(const latent_conv *c) { return c->transposed ? c->out_c : c->in_c; }

/* The scratch: the weights as the primitives take them, their gradient, and the primitives'
 * packing of them. */
static int64_t scratch_floats(const latent_layer *l, int64_t rows)
{
    (void)rows;
    const latent_conv *c = latent_conv_of(l);
    return 2 * weight_count(c) + (int64_t)lk_conv_wbuf_floats(&c->geo, g_rows(c));
}

/* He-uniform for the ReLU family (unless glorot), Glorot-uniform otherwise, from the fan-in (in channels x
 * taps) and fan-out (out channels x taps); zero biases. */
static void init(const latent_layer *l, float *w, float *buf, uint64_t seed, uint64_t id)
{
    (void)buf;
    const latent_conv *c = latent_conv_of(l);
    const double taps = (double)c->kh * c->kw, fin = (double)c->in_c * taps, fout = (double)c->out_c * taps;
    int he = !c->glorot && (c->act == LATENT_ACT_RELU || c->act == LATENT_ACT_LEAKY_RELU ||
                            c->act == LATENT_ACT_SOFTPLUS);
    double bound = he ? sqrt(6.0 / fin) : sqrt(6.0 / (fin + fout));
    latent_rng r;
    latent_rng_init(&r, seed, LATENT_STREAM_INIT, id, 0);
    float *W = w + c->w_off;
    for (int64_t i = 0; i < weight_count(c); i++)
        W[i] = (float)((2.0 * latent_rng_uniform_double(&r) - 1.0) * bound);
    if (c->b_off >= 0)
        for (int64_t i = 0; i < c->out_c; i++) w[c->b_off + i] = 0.0f;
}


static void forward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io)
{
    const latent_conv *c = latent_conv_of(l);
    const lk_table *t = lk_active();
    const lk_team *team = ps->team;
    float *g = io->scratch, *wbuf = io->scratch + 2 * weight_count(c);
    int64_t a0, a1;
    lk_team_split(team, g_rows(c), &a0, &a1);
    lk_conv_reorder(io->w + c->w_off, g_rows(c), g_cols_c(c), c->kh, c->kw, a0, a1, g);
    lk_team_sync(team);
    const float *bias = c->b_off >= 0 ? io->w + c->b_off : NULL;
    const latent_act act = keeps_pre(l) ? LATENT_ACT_IDENTITY : c->act;
    float *out = keeps_pre(l) ? io->pre : io->y;
    if (c->transposed)
        lk_conv_correlate_transposed(team, t, &c->geo, io->rows, io->x, g, c->in_c, bias, act,
                                     c->slope, out, wbuf);
    else
        lk_conv_correlate(team, t, &c->geo, io->rows, io->x, g, c->out_c, bias, act, c->slope, out,
                          wbuf);
    if (keeps_pre(l)) {
        lk_team_sync(team);
        int64_t lo, hi;
        lk_team_split(team, io->rows, &lo, &hi);
        t->act_fwd[c->act]((hi - lo) * l->out_size, io->pre + lo * l->out_size,
                           io->y + lo * l->out_size, c->slope);
    }
}

static void backward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io,
                     float *dy, int dy_is_delta, latent_grad grad, float *dx)
{
    const latent_conv *c = latent_conv_of(l);
    const lk_table *t = lk_active();
    const lk_team *team = ps->team;
    const int64_t osz = l->out_size, isz = l->in_size, pix = l->out.dim[0] * l->out.dim[1];
    float *g = io->scratch, *dg = io->scratch + weight_count(c), *wbuf = dg + weight_count(c);
    int64_t lo, hi;
    if (!dy_is_delta) {
        lk_team_split(team, io->rows, &lo, &hi);
        t->act_bwd[c->act]((hi - lo) * osz, (io->pre ? io->pre : io->y) + lo * osz,
                           io->y + lo * osz, dy + lo * osz, dy + lo * osz, c->slope);
        lk_team_sync(team);
    }
    if (grad.base) {
        int64_t a0, a1, o0, o1;
        lk_team_split(team, g_rows(c), &a0, &a1);
        lk_team_split(team, c->out_c, &o0, &o1);
        for (int s = 0; s < ps->slab->n; s++) {
            const latent_slab_seg *seg = &ps->slab->seg[s];
            float *gs = grad.base + (int64_t)seg->shard * grad.stride;
            const float *xs = io->x + seg->at * isz, *ds = dy + seg->at * osz;
            /* conv2d: dW[o][tap, i] = sum dy[p][o] x(tap)[p][i]; conv_transpose2d: dW[i][tap, o]
             * = sum x[q][i] dy(tap)[q][o], the correlation reading dy */
            if (c->transposed) lk_conv_weights(team, t, &c->geo, seg->rows, ds, xs, c->in_c, dg);
            else lk_conv_weights(team, t, &c->geo, seg->rows, xs, ds, c->out_c, dg);
            lk_team_sync(team);
            lk_conv_unreorder(dg, g_cols_c(c), c->kh, c->kw, a0, a1, gs + c->w_off);
            if (c->b_off >= 0 && o1 > o0)
                t->col_sum(seg->rows * pix, o1 - o0, ds + o0, c->out_c, gs + c->b_off + o0);
            lk_team_sync(team);
        }
        latent_grad_fold(ps, grad, c->w_off, weight_count(c));
        if (c->b_off >= 0) latent_grad_fold(ps, grad, c->b_off, c->out_c);
    }
    if (dx) {
        if (c->transposed)
            lk_conv_correlate(team, t, &c->geo, io->rows, dy, g, c->in_c, NULL, LATENT_ACT_IDENTITY,
                              0.0f, dx, wbuf);
        else
            lk_conv_correlate_transposed(team, t, &c->geo, io->rows, dy, g, c->out_c, NULL,
                                         LATENT_ACT_IDENTITY, 0.0f, dx, wbuf);
    }
}

static int views(const latent_layer *l, float *w, float *buf, latent_named_tensor *out, int max)
{
    (void)buf;
    const latent_conv *c = latent_conv_of(l);
    const int64_t ws[4] = {g_rows(c), g_cols_c(c), c->kh, c->kw}, bs[1] = {c->out_c};
    int k = latent_layer_view(out, max, 0, l->name, "weight", w + c->w_off, 4, ws);
    if (c->b_off >= 0) k = latent_layer_view(out, max, k, l->name, "bias", w + c->b_off, 1, bs);
    return k;
}

const latent_layer_ops latent_conv_ops = {
    .kind = "conv",
    .build = build,
    .init = init,
    .keeps_pre = keeps_pre,
    .scratch_floats = scratch_floats,
    .forward = forward,
    .backward = backward,
    .views = views,
};
