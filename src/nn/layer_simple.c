/* Layers without weights: an activation, dropout and reshape. Each works row by row, so a
 * team splits rows and nothing depends on the split. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "layer_simple.h"
#include "latent/rng.h"

typedef struct simple_cfg {
    latent_act act;
    float slope, p;
    latent_shape shape;
    int channels_first;
} simple_cfg;

_Static_assert(sizeof(simple_cfg) <= LATENT_LAYER_CFG, "settings fit a layer");

static const simple_cfg *cfg_of(const latent_layer *l) { return (const simple_cfg *)l->cfg; }

static void setup(latent_layer *l, const latent_layer_ops *ops, simple_cfg c)
{
    memset(l, 0, sizeof *l);
    l->ops = ops;
    memcpy(l->cfg, &c, sizeof c);
}

void latent_act_setup(latent_layer *l, latent_act act, float slope)
{
    setup(l, &latent_act_ops, (simple_cfg){act, slope, 0.0f, {0, {0}}, 0});
}

void latent_dropout_setup(latent_layer *l, float p)
{
    setup(l, &latent_dropout_ops, (simple_cfg){LATENT_ACT_IDENTITY, 0.0f, p, {0, {0}}, 0});
}

void latent_reshape_setup(latent_layer *l, latent_shape shape, int channels_first)
{
    setup(l, &latent_reshape_ops, (simple_cfg){LATENT_ACT_IDENTITY, 0.0f, 0.0f, shape, channels_first});
}

static void no_init(const latent_layer *l, float *w, float *buf, uint64_t seed, uint64_t id)
{
    (void)l, (void)w, (void)buf, (void)seed, (void)id;
}

static int no_views(const latent_layer *l, float *w, float *buf, latent_named_tensor *out, int max)
{
    (void)l, (void)w, (void)buf, (void)out, (void)max;
    return 0;
}

static latent_status same_shape(latent_layer *l, latent_params *p, latent_params *buf)
{
    (void)p, (void)buf;
    const simple_cfg *c = cfg_of(l);
    if (l->ops == &latent_act_ops && c->act == LATENT_ACT_LEAKY_RELU && !(c->slope > 0))
        return latent_fail(LATENT_EINVAL, "net: %s: leaky ReLU slope must be > 0, got %g", l->name,
                           (double)c->slope);
    if (l->ops == &latent_dropout_ops && !(c->p >= 0 && c->p < 1))
        return latent_fail(LATENT_EINVAL, "net: %s: dropout probability in [0, 1), got %g", l->name,
                           (double)c->p);
    l->out = l->in;
    return LATENT_OK;
}

/* The member's rows of the pass, as element offsets. */
static void my_elements(const latent_layer *l, const latent_pass *ps, int64_t rows, int64_t *e0,
                        int64_t *e1)
{
    int64_t r0, r1;
    lk_team_split(ps->team, rows, &r0, &r1);
    *e0 = r0 * l->out_size, *e1 = r1 * l->out_size;
}

/* ---- activation ---- */

static void act_forward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io)
{
    const simple_cfg *c = cfg_of(l);
    int64_t e0, e1;
    my_elements(l, ps, io->rows, &e0, &e1);
    lk_active()->act_fwd[c->act](e1 - e0, io->x + e0, io->y + e0, c->slope);
}

static void act_backward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io,
                         float *dy, int dy_is_delta, latent_grad g, float *dx)
{
    (void)g;
    const simple_cfg *c = cfg_of(l);
    if (!dx) return;
    int64_t e0, e1;
    my_elements(l, ps, io->rows, &e0, &e1);
    if (dy_is_delta) memcpy(dx + e0, dy + e0, (size_t)(e1 - e0) * sizeof(float));
    else lk_active()->act_bwd[c->act](e1 - e0, io->x + e0, io->y + e0, dy + e0, dx + e0, c->slope);
}

const latent_layer_ops latent_act_ops = {
    .kind = "act", .build = same_shape, .init = no_init, .forward = act_forward,
    .backward = act_backward, .views = no_views,
};

/* ---- dropout ---- */

/* The mask of slab rows [r0, r1), one byte per element (1: kept) in the layer's scratch: each
 * row's from (seed, DROPOUT, step x 256 + layer, its example in the minibatch), an element
 * dropped when its uniform (u32 >> 8) x 2^-24 is below p. */
static void dropout_mask(const latent_layer *l, const latent_pass *ps, int64_t r0, int64_t r1,
                         uint8_t *mask)
{
    const int64_t n = l->out_size;
    const uint32_t t = (uint32_t)ceil((double)cfg_of(l)->p * 16777216.0);
    uint32_t u[256];
    for (int s = 0; s < ps->slab->n; s++) {
        const latent_slab_seg *sg = &ps->slab->seg[s];
        for (int64_t r = sg->at > r0 ? sg->at : r0; r < sg->at + sg->rows && r < r1; r++) {
            latent_rng rng;
            latent_rng_init(&rng, ps->seed, LATENT_STREAM_DROPOUT, ps->step * 256 + (l->id & 255),
                            (uint32_t)(sg->row0 + r - sg->at));
            for (int64_t j0 = 0; j0 < n; j0 += 256) {
                const int64_t k = n - j0 < 256 ? n - j0 : 256;
                latent_rng_fill_u32(&rng, k, u);
                for (int64_t j = 0; j < k; j++) mask[r * n + j0 + j] = (u[j] >> 8) >= t;
            }
        }
    }
}

/* dst = src where the mask keeps, scaled by 1 / (1 - p); 0 elsewhere. */
static void apply_mask(const latent_layer *l, int64_t r0, int64_t r1, const uint8_t *mask,
                       const float *src, float *dst)
{
    const float scale[2] = {0.0f, 1.0f / (1.0f - cfg_of(l)->p)};
    for (int64_t i = r0 * l->out_size; i < r1 * l->out_size; i++)
        dst[i] = src[i] * scale[mask[i]]; /* without a branch, so it vectorizes */
}

static int64_t dropout_scratch(const latent_layer *l, int64_t rows)
{
    return (rows * l->out_size + 3) / 4; /* a byte per element */
}

static void dropout_forward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io)
{
    int64_t r0, r1;
    lk_team_split(ps->team, io->rows, &r0, &r1);
    if (!ps->train || cfg_of(l)->p == 0.0f) {
        memcpy(io->y + r0 * l->out_size, io->x + r0 * l->out_size, (size_t)((r1 - r0) * l->out_size) * sizeof(float));
        return;
    }
    uint8_t *mask = (uint8_t *)io->scratch;
    dropout_mask(l, ps, r0, r1, mask);
    apply_mask(l, r0, r1, mask, io->x, io->y);
}

static void dropout_backward(const latent_layer *l, const latent_pass *ps,
                             const latent_layer_io *io, float *dy, int dy_is_delta, latent_grad g,
                             float *dx)
{
    (void)dy_is_delta, (void)g;
    if (!dx) return;
    int64_t r0, r1;
    lk_team_split(ps->team, io->rows, &r0, &r1);
    if (cfg_of(l)->p == 0.0f)
        memcpy(dx + r0 * l->out_size, dy + r0 * l->out_size, (size_t)((r1 - r0) * l->out_size) * sizeof(float));
    else
        apply_mask(l, r0, r1, (const uint8_t *)io->scratch, dy, dx); /* the forward pass's mask */
}

const latent_layer_ops latent_dropout_ops = {
    .kind = "dropout", .build = same_shape, .init = no_init, .scratch_floats = dropout_scratch,
    .forward = dropout_forward, .backward = dropout_backward, .views = no_views,
};

/* ---- reshape ---- */

static latent_status reshape_build(latent_layer *l, latent_params *p, latent_params *buf)
{
    (void)p, (void)buf;
    const simple_cfg *c = cfg_of(l);
    const latent_shape s = c->shape;
    if (s.ndim < 1 || s.ndim > LATENT_SHAPE_DIMS || latent_shape_numel(s) != l->in_size)
        return latent_fail(LATENT_EINVAL, "net: %s: cannot reshape %lld elements into %lld",
                           l->name, (long long)l->in_size, (long long)latent_shape_numel(s));
    if (c->channels_first && !((l->in.ndim == 1 && s.ndim == 3) || (l->in.ndim == 3 && s.ndim == 1)))
        return latent_fail(LATENT_EINVAL, "net: %s: a channels-first reshape goes between [F] and "
                           "[H, W, C]", l->name);
    l->out = s;
    return LATENT_OK;
}

/* Rows [r0, r1): src in [H, W, C] order to dst in [C, H, W] (to_chw) or back. */
static void permute_rows(int64_t r0, int64_t r1, int64_t hw, int64_t ch, const float *src,
                         float *dst, int to_chw)
{
    const int64_t n = hw * ch;
    for (int64_t r = r0; r < r1; r++) {
        const float *s = src + r * n;
        float *d = dst + r * n;
        for (int64_t p = 0; p < hw; p++)
            for (int64_t c = 0; c < ch; c++) {
                if (to_chw) d[c * hw + p] = s[p * ch + c];
                else d[p * ch + c] = s[c * hw + p];
            }
    }
}

/* Moves rows [r0, r1) forward (src: the input side) or backward (src: the output side). */
static void reshape_rows(const latent_layer *l, int64_t r0, int64_t r1, const float *src,
                         float *dst, int forward)
{
    const simple_cfg *c = cfg_of(l);
    if (!c->channels_first) {
        memcpy(dst + r0 * l->out_size, src + r0 * l->out_size,
               (size_t)((r1 - r0) * l->out_size) * sizeof(float));
        return;
    }
    const latent_shape img = l->in.ndim == 3 ? l->in : l->out; /* [H, W, C] */
    const int flatten = l->in.ndim == 3;                         /* [H, W, C] -> [C*H*W] */
    permute_rows(r0, r1, img.dim[0] * img.dim[1], img.dim[2], src, dst, flatten == forward);
}

static void reshape_forward(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io)
{
    int64_t r0, r1;
    lk_team_split(ps->team, io->rows, &r0, &r1);
    reshape_rows(l, r0, r1, io->x, io->y, 1);
}

static void reshape_backward(const latent_layer *l, const latent_pass *ps,
                             const latent_layer_io *io, float *dy, int dy_is_delta, latent_grad g,
                             float *dx)
{
    (void)dy_is_delta, (void)g;
    if (!dx) return;
    int64_t r0, r1;
    lk_team_split(ps->team, io->rows, &r0, &r1);
    reshape_rows(l, r0, r1, dy, dx, 0);
}

const latent_layer_ops latent_reshape_ops = {
    .kind = "reshape", .build = reshape_build, .init = no_init, .forward = reshape_forward,
    .backward = reshape_backward, .views = no_views,
};
