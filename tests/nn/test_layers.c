/* Layer kinds one at a time: each convolution's forward pass against a direct double reference
 * of its definition, and its analytic gradients (weights, bias, input) against central
 * differences of that reference; slabs of several shards give each shard's own weight
 * gradient; teams give the bytes of one thread. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "latent/rng.h"
#include "src/nn/layer_batchnorm.h"
#include "src/nn/layer_conv.h"
#include "src/nn/layer_dense.h"
#include "src/nn/layer_simple.h"
#include "src/nn/stack.h"

/* A one-layer stack over its own group, with a workspace for n samples. */
typedef struct one_layer {
    latent_params p, buf;    /* buf: running statistics, for a batch norm */
    latent_stack s;
    latent_stack_ws ws;
    int64_t n;
} one_layer;

static void make(one_layer *o, latent_layer *l, latent_shape in, int64_t n)
{
    memset(o, 0, sizeof *o);
    o->n = n;
    const int bn = l->ops == &latent_batchnorm_ops;
    latent_stack_begin(&o->s, in, bn ? &o->buf : NULL);
    cr_assert_eq(latent_stack_add(&o->s, &o->p, l, "conv"), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_params_alloc(&o->p), LATENT_OK);
    if (bn) cr_assert_eq(latent_params_alloc(&o->buf), LATENT_OK);
    cr_assert_eq(latent_params_reserve_shards(&o->p, 4), LATENT_OK);
    latent_rng r;
    latent_rng_init(&r, 5, LATENT_STREAM_USER + 20, 0, 0);
    for (int64_t i = 0; i < o->p.n; i++) o->p.w[i] = 0.5f * (2 * latent_rng_uniform(&r) - 1);
    cr_assert_eq(latent_stack_ws_alloc(&o->s, n, &o->ws), LATENT_OK);
}

static void drop(one_layer *o)
{
    latent_stack_ws_free(&o->ws);
    latent_params_free(&o->p);
    latent_params_free(&o->buf);
}

/* The definition in double: conv2d y[o] = b[o] + sum W[o][i][kh][kw] x[i] at (oh*s - p + kh);
 * conv_transpose2d y[o] at (ih*s - p + kh) += W[i][o][kh][kw] x[i] (the cropped full output). */
static void reference(const latent_conv *c, const latent_shape in, const latent_shape out,
                      const double *w, const double *b, const double *x, int64_t n, double *y)
{
    const int64_t IH = in.dim[0], IW = in.dim[1], IC = in.dim[2];
    const int64_t OH = out.dim[0], OW = out.dim[1], OC = out.dim[2];
    for (int64_t i = 0; i < n * OH * OW * OC; i++) y[i] = b ? b[i % OC] : 0.0;
    for (int64_t img = 0; img < n; img++) {
        if (!c->transposed) {
            for (int64_t oh = 0; oh < OH; oh++)
                for (int64_t ow = 0; ow < OW; ow++)
                    for (int kh = 0; kh < c->kh; kh++)
                        for (int kw = 0; kw < c->kw; kw++) {
                            int64_t ih = oh * c->sh - c->pad_h + kh, iw = ow * c->sw - c->pad_w + kw;
                            if (ih < 0 || ih >= IH || iw < 0 || iw >= IW) continue;
                            for (int64_t o = 0; o < OC; o++)
                                for (int64_t i = 0; i < IC; i++)
                                    y[((img * OH + oh) * OW + ow) * OC + o] +=
                                        w[((o * IC + i) * c->kh + kh) * c->kw + kw] *
                                        x[((img * IH + ih) * IW + iw) * IC + i];
                        }
        } else {
            for (int64_t ih = 0; ih < IH; ih++)
                for (int64_t iw = 0; iw < IW; iw++)
                    for (int kh = 0; kh < c->kh; kh++)
                        for (int kw = 0; kw < c->kw; kw++) {
                            int64_t oh = ih * c->sh - c->pad_h + kh, ow = iw * c->sw - c->pad_w + kw;
                            if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                            for (int64_t o = 0; o < OC; o++)
                                for (int64_t i = 0; i < IC; i++)
                                    y[((img * OH + oh) * OW + ow) * OC + o] +=
                                        w[((i * OC + o) * c->kh + kh) * c->kw + kw] *
                                        x[((img * IH + ih) * IW + iw) * IC + i];
                        }
        }
    }
}

/* L = sum y * r (r fixed), through the reference in double. */
static double ref_loss(const one_layer *o, const double *w, const double *x, const double *r)
{
    const latent_layer *l = &o->s.layer[0];
    const latent_conv *c = latent_conv_of(l);
    const int64_t ny = o->n * l->out_size;
    double *y = malloc(sizeof(double) * (size_t)ny), s = 0;
    reference(c, l->in, l->out, w + c->w_off, c->b_off >= 0 ? w + c->b_off : NULL, x, o->n, y);
    for (int64_t i = 0; i < ny; i++) s += y[i] * r[i];
    free(y);
    return s;
}

/* Forward against the reference, and every gradient against central differences of it. The
 * slab puts `shards` shards side by side: each one's weight gradient is checked on its own. */
static void check(latent_layer *l, latent_shape in, int64_t n, int shards)
{
    one_layer o;
    make(&o, l, in, n);
    const latent_layer *L = &o.s.layer[0];
    const latent_conv *c = latent_conv_of(L);
    const int64_t nx = n * L->in_size, ny = n * L->out_size, per = n / shards;
    float *x = malloc(sizeof(float) * (size_t)nx);
    double *xd = malloc(sizeof(double) * (size_t)nx), *wd = malloc(sizeof(double) * (size_t)o.p.n);
    double *r = malloc(sizeof(double) * (size_t)ny), *yd = malloc(sizeof(double) * (size_t)ny);
    latent_rng g;
    latent_rng_init(&g, 9, LATENT_STREAM_USER + 21, 0, 0);
    for (int64_t i = 0; i < nx; i++) x[i] = 2 * latent_rng_uniform(&g) - 1, xd[i] = x[i];
    for (int64_t i = 0; i < ny; i++) r[i] = 2 * latent_rng_uniform(&g) - 1;
    for (int64_t i = 0; i < o.p.n; i++) wd[i] = o.p.w[i];
    latent_slab_seg seg[4];
    for (int s = 0; s < shards; s++) seg[s] = (latent_slab_seg){s, s * per, per, s * per};
    const latent_slab slab = {shards, seg, n};
    const lk_team solo = lk_team_solo();
    const latent_pass ps = {.team = &solo, .slab = &slab, .train = 1};
    latent_stack_forward(&o.s, o.p.w, &o.ws, 0, 1, x, n, &ps);
    reference(c, L->in, L->out, wd + c->w_off, c->b_off >= 0 ? wd + c->b_off : NULL, xd, n, yd);
    double worst = 0;
    for (int64_t i = 0; i < ny; i++) worst = fmax(worst, fabs(o.ws.out[0][i] - yd[i]));
    cr_expect(worst < 1e-4, "%s forward: max error %g", c->transposed ? "convT" : "conv", worst);
    /* dL/dy = r; identity activation so dy is the delta */
    float *dy = o.ws.d[0];
    for (int64_t i = 0; i < ny; i++) dy[i] = (float)r[i];
    latent_grad grad = {o.p.shard_g, o.p.n, o.p.g, NULL};
    float *dx = latent_stack_backward(&o.s, o.p.w, &o.ws, 0, 1, n, dy, 0, grad, 1, &ps);
    /* weights: shard s's gradient against differences of the loss over its samples alone */
    for (int s = 0; s < shards; s++) {
        one_layer part = o;
        part.n = per;
        const double *xs = xd + s * per * L->in_size, *rs = r + s * per * L->out_size;
        for (int64_t i = 0; i < o.p.n; i += 7) {
            double save = wd[i], h = 1e-4;
            wd[i] = save + h;
            double fp = ref_loss(&part, wd, xs, rs);
            wd[i] = save - h;
            double fm = ref_loss(&part, wd, xs, rs);
            wd[i] = save;
            double fd = (fp - fm) / (2 * h), an = o.p.shard_g[(int64_t)s * o.p.n + i];
            cr_expect(fabs(fd - an) <= 1e-3 * fabs(fd) + 1e-3, "shard %d, weight %lld: analytic %g, "
                      "difference %g", s, (long long)i, an, fd);
        }
    }
    /* the input: every seventh element */
    for (int64_t i = 0; i < nx; i += 7) {
        double save = xd[i], h = 1e-4;
        xd[i] = save + h;
        double fp = ref_loss(&o, wd, xd, r);
        xd[i] = save - h;
        double fm = ref_loss(&o, wd, xd, r);
        xd[i] = save;
        double fd = (fp - fm) / (2 * h);
        cr_expect(fabs(fd - dx[i]) <= 1e-3 * fabs(fd) + 1e-3, "input %lld: analytic %g, difference %g",
                  (long long)i, dx[i], fd);
    }
    free(x), free(xd), free(wd), free(r), free(yd);
    drop(&o);
}

static latent_shape img(int64_t h, int64_t w, int64_t c)
{
    latent_shape s = {3, {h, w, c}};
    return s;
}

static latent_layer conv(int transposed, int64_t oc, int k, int s, int pad, int pad2, int bias)
{
    latent_layer l;
    latent_conv_setup(&l, transposed, oc, k, k, s, s, pad, pad, pad2, pad2, bias,
                      LATENT_ACT_IDENTITY, 0.0f);
    return l;
}

Test(layers, conv2d_stride1_padded) { latent_layer l = conv(0, 4, 3, 1, 1, 1, 1); check(&l, img(5, 5, 3), 2, 1); }
Test(layers, conv2d_stride2_same) { latent_layer l = conv(0, 5, 5, 2, LATENT_PAD_SAME, 0, 1); check(&l, img(7, 7, 2), 4, 2); }
Test(layers, conv2d_one_channel_in) { latent_layer l = conv(0, 6, 5, 2, 2, 2, 1); check(&l, img(9, 9, 1), 2, 2); }
Test(layers, conv2d_one_channel_out_no_bias) { latent_layer l = conv(0, 1, 3, 2, 0, 0, 0); check(&l, img(7, 7, 4), 3, 3); }
Test(layers, conv_transpose2d_stride2_same) { latent_layer l = conv(1, 3, 5, 2, LATENT_PAD_SAME, 0, 1); check(&l, img(4, 4, 5), 2, 2); }
Test(layers, conv_transpose2d_stride1) { latent_layer l = conv(1, 4, 3, 1, 1, 1, 1); check(&l, img(5, 5, 3), 2, 1); }
Test(layers, conv_transpose2d_output_padding) { latent_layer l = conv(1, 2, 3, 2, 1, 0, 1); check(&l, img(4, 4, 3), 2, 2); }
Test(layers, conv_transpose2d_one_channel_out) { latent_layer l = conv(1, 1, 5, 2, LATENT_PAD_SAME, 0, 1); check(&l, img(4, 4, 6), 4, 2); }
Test(layers, conv_transpose2d_stride3_gaps) { latent_layer l = conv(1, 2, 2, 3, 0, 0, 1); check(&l, img(3, 3, 2), 2, 1); }

/* 'same' sizes as TensorFlow computes them, and PyTorch's size for output_padding. */
Test(layers, output_sizes)
{
    latent_params p = {0};
    latent_stack s;
    latent_stack_begin(&s, img(28, 28, 1), NULL);
    latent_layer a = conv(0, 64, 5, 2, LATENT_PAD_SAME, 0, 1), b = conv(0, 128, 5, 2, LATENT_PAD_SAME, 0, 1);
    cr_assert_eq(latent_stack_add(&s, &p, &a, "d.0"), LATENT_OK);
    cr_assert_eq(latent_stack_add(&s, &p, &b, "d.3"), LATENT_OK);
    cr_expect(s.layer[0].out.dim[0] == 14 && s.layer[1].out.dim[0] == 7 && s.layer[1].out.dim[2] == 128);
    cr_expect(latent_conv_of(&s.layer[0])->pad_h == 1 && latent_conv_of(&s.layer[0])->pad_h2 == 2);
    latent_stack_begin(&s, img(7, 7, 256), NULL);
    latent_layer c = conv(1, 128, 5, 1, LATENT_PAD_SAME, 0, 0), d = conv(1, 64, 5, 2, LATENT_PAD_SAME, 0, 0);
    cr_assert_eq(latent_stack_add(&s, &p, &c, "g.3"), LATENT_OK);
    cr_assert_eq(latent_stack_add(&s, &p, &d, "g.6"), LATENT_OK);
    cr_expect(s.layer[0].out.dim[0] == 7 && s.layer[1].out.dim[0] == 14 && s.layer[1].out.dim[2] == 64);
    latent_stack_begin(&s, img(4, 4, 3), NULL);
    latent_layer e = conv(1, 2, 3, 2, 1, 0, 1); /* PyTorch padding 1, output_padding 1 */
    cr_assert_eq(latent_stack_add(&s, &p, &e, "t"), LATENT_OK);
    cr_expect_eq(s.layer[0].out.dim[0], 8);
    latent_stack_begin(&s, latent_shape_1d(10), NULL);
    latent_layer f = conv(0, 2, 3, 1, 0, 0, 1);
    cr_expect_eq(latent_stack_add(&s, &p, &f, "x"), LATENT_EINVAL);
    latent_params_free(&p);
}

/* A slab run by teams of 2 and 3 threads gives the bytes of one thread, both directions. */
Test(layers, teams_give_the_same_bytes)
{
    one_layer o;
    latent_layer l = conv(1, 8, 5, 2, LATENT_PAD_SAME, 0, 1);
    make(&o, &l, img(7, 7, 16), 6);
    const latent_layer *L = &o.s.layer[0];
    const int64_t nx = 6 * L->in_size, ny = 6 * L->out_size;
    float *x = malloc(sizeof(float) * (size_t)nx), *ref[3];
    latent_rng g;
    latent_rng_init(&g, 3, LATENT_STREAM_USER + 22, 0, 0);
    for (int64_t i = 0; i < nx; i++) x[i] = 2 * latent_rng_uniform(&g) - 1;
    latent_slab_seg seg[2] = {{0, 0, 3, 0}, {1, 3, 3, 3}};
    const latent_slab slab = {2, seg, 6};
    for (int size = 1; size <= 3; size++) {
        lk_barrier bar;
        lk_barrier_init(&bar);
        float *out = malloc(sizeof(float) * (size_t)(ny + nx + 2 * o.p.n));
#pragma omp parallel num_threads(size)
        {
            LK_REGION_ENTERED();
            const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), &bar};
            const latent_pass ps = {.team = &team, .slab = &slab, .train = 1};
            latent_stack_forward(&o.s, o.p.w, &o.ws, 0, 1, x, 6, &ps);
#pragma omp single
            {
                memcpy(out, o.ws.out[0], sizeof(float) * (size_t)ny);
                for (int64_t i = 0; i < ny; i++) /* any dy */
                    o.ws.d[0][i] = 0.25f * (float)((i * 7) % 11) - 1;
            }
            latent_grad grad = {o.p.shard_g, o.p.n, o.p.g, NULL};
            float *dx = latent_stack_backward(&o.s, o.p.w, &o.ws, 0, 1, 6, o.ws.d[0], 0, grad, 1, &ps);
#pragma omp single
            {
                memcpy(out + ny, dx, sizeof(float) * (size_t)nx);
                memcpy(out + ny + nx, o.p.shard_g, sizeof(float) * (size_t)(2 * o.p.n));
            }
        }
        ref[size - 1] = out;
        if (size > 1)
            cr_expect(memcmp(ref[0], out, sizeof(float) * (size_t)(ny + nx + 2 * o.p.n)) == 0,
                      "a team of %d gives other bytes", size);
    }
    cr_expect_eq(lk_nested_regions(), 0);
    for (int i = 0; i < 3; i++) free(ref[i]);
    free(x);
    drop(&o);
}

/* ---- node passes ----------------------------------------------------------------------------
 * A slab that is one node of the reduction tree writes its weight gradients as the node's sum:
 * one slab of every shard straight into g, or two slabs of half the shards into their first
 * shards' slots, then the tree above them; either must give the bytes of each shard writing its
 * own slot and the whole tree afterwards, on teams of 1 to 3. */
static void node_check(latent_layer *l, latent_shape in, const int64_t *rows, const char *what)
{
    one_layer o;
    int64_t n = 0;
    for (int s = 0; s < 4; s++) n += rows[s];
    make(&o, l, in, n);
    const latent_layer *L = &o.s.layer[0];
    const int64_t nx = n * L->in_size, ny = n * L->out_size;
    double *shared = calloc((size_t)latent_stack_shared_doubles(&o.s, 0, 4) + 1, sizeof(double));
    o.s.shared[0] = shared;
    float *x = malloc(sizeof(float) * (size_t)nx), *dy = malloc(sizeof(float) * (size_t)ny);
    float *ref = malloc(sizeof(float) * (size_t)o.p.n);
    latent_rng g;
    latent_rng_init(&g, 11, LATENT_STREAM_USER + 24, 0, 0);
    for (int64_t i = 0; i < nx; i++) x[i] = 2 * latent_rng_uniform(&g) - 1;
    for (int64_t i = 0; i < ny; i++) dy[i] = 2 * latent_rng_uniform(&g) - 1;
    latent_slab_seg seg[4];
    for (int s = 0, at = 0; s < 4; at += (int)rows[s], s++) seg[s] = (latent_slab_seg){s, at, rows[s], at};
    const latent_slab whole = {4, seg, n};
    const latent_slab halves[2] = {{2, seg, rows[0] + rows[1]}, {2, seg + 2, rows[2] + rows[3]}};
    const int bound[3] = {0, 2, 4};
    for (int mode = 0; mode < 3; mode++)
        for (int size = mode ? 1 : 3; size <= 3; size++) {
            memset(o.p.g, 0, sizeof(float) * (size_t)o.p.n);
            memset(o.p.shard_g, 0, sizeof(float) * (size_t)(4 * o.p.n));
            lk_barrier bar;
            lk_barrier_init(&bar);
#pragma omp parallel num_threads(size)
            {
                LK_REGION_ENTERED();
                const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), &bar};
                const latent_pass ps = {.team = &team, .slab = &whole, .train = 1, .n_shards = 4};
                latent_stack_forward(&o.s, o.p.w, &o.ws, 0, 1, x, n, &ps);
                const latent_grad grad = {o.p.shard_g, o.p.n, o.p.g, NULL};
                for (int h = 0; h < (mode == 2 ? 2 : 1); h++) {
                    latent_pass nps = ps;
                    nps.node = mode > 0;
                    if (mode == 2) nps.slab = &halves[h];
                    const int64_t at = nps.slab->seg[0].at;
#pragma omp single
                    memcpy(o.ws.d[0] + at * L->out_size, dy + at * L->out_size,
                           sizeof(float) * (size_t)(nps.slab->rows * L->out_size));
                    /* the layer reads its own rows of x and y from the slab's start */
                    latent_stack_ws hw = o.ws;
                    hw.in = x + at * L->in_size;
                    hw.out[0] = o.ws.out[0] + at * L->out_size;
                    if (hw.pre[0]) hw.pre[0] = o.ws.pre[0] + at * L->out_size;
                    /* a half's segments, renumbered from its own first row */
                    latent_slab_seg local[2];
                    latent_slab ls = *nps.slab;
                    if (mode == 2) {
                        for (int s = 0; s < ls.n; s++) local[s] = ls.seg[s], local[s].at -= at;
                        ls.seg = local, nps.slab = &ls;
                    }
                    latent_stack_backward(&o.s, o.p.w, &hw, 0, 1, nps.slab->rows, o.ws.d[0] + at * L->out_size,
                                          0, grad, 0, &nps);
                }
            }
            if (mode == 0) latent_params_reduce(&o.p, 4);
            if (mode == 2) latent_params_reduce_slot_nodes(&o.p, 4, bound, 2, 0, latent_params_chunks(&o.p));
            if (mode == 0) {
                memcpy(ref, o.p.g, sizeof(float) * (size_t)o.p.n);
                continue;
            }
            cr_expect(memcmp(ref, o.p.g, sizeof(float) * (size_t)o.p.n) == 0,
                      "%s: %s on a team of %d: other bytes than each shard's slot and the tree", what,
                      mode == 1 ? "one node of 4 shards" : "two nodes of 2 shards", size);
        }
    free(x), free(dy), free(ref), free(shared);
    drop(&o);
}

Test(layers, node_passes_give_the_reduced_bytes)
{
    const int64_t rows[4] = {5, 5, 5, 3};
    latent_layer l;
    latent_dense_setup(&l, 45, LATENT_ACT_RELU, 0.0f);
    node_check(&l, latent_shape_1d(37), rows, "dense 37 -> 45");
    latent_dense_setup(&l, 700, LATENT_ACT_IDENTITY, 0.0f);
    latent_dense_no_bias(&l);
    node_check(&l, latent_shape_1d(130), rows, "dense 130 -> 700, no bias");
    l = conv(0, 5, 5, 2, LATENT_PAD_SAME, 0, 1);
    node_check(&l, img(7, 7, 3), rows, "conv2d");
    l = conv(1, 3, 5, 2, LATENT_PAD_SAME, 0, 1);
    node_check(&l, img(4, 4, 6), rows, "conv_transpose2d");
    latent_batchnorm_setup(&l, 1e-3f, 0.1f);
    node_check(&l, img(3, 2, 4), rows, "batchnorm");
}

/* ---- batch norm ------------------------------------------------------------------------- */

/* Training-mode batch norm in double over n examples of `pix` rows of C. */
static void bn_reference(int64_t n, int64_t pix, int64_t C, const double *x, const double *gam,
                         const double *bet, double eps, double *y)
{
    for (int64_t c = 0; c < C; c++) {
        double m = 0, v = 0;
        for (int64_t i = 0; i < n * pix; i++) m += x[i * C + c];
        m /= (double)(n * pix);
        for (int64_t i = 0; i < n * pix; i++) v += (x[i * C + c] - m) * (x[i * C + c] - m);
        v /= (double)(n * pix);
        for (int64_t i = 0; i < n * pix; i++) y[i * C + c] = (x[i * C + c] - m) / sqrt(v + eps) * gam[c] + bet[c];
    }
}

static double bn_loss(int64_t n, int64_t pix, int64_t C, const double *x, const double *gam,
                      const double *bet, const double *r, int64_t r0, int64_t r1)
{
    double *y = malloc(sizeof(double) * (size_t)(n * pix * C)), s = 0;
    bn_reference(n, pix, C, x, gam, bet, 1e-3, y);
    for (int64_t i = r0 * pix * C; i < r1 * pix * C; i++) s += y[i] * r[i];
    free(y);
    return s;
}

/* Forward, gamma and beta per shard, and dx against the double reference (statistics over every
 * shard of the slab), and the running statistics after one step. */
static void check_bn(latent_shape in, int64_t n, int shards)
{
    latent_params p = {0}, buf = {0};
    latent_stack s;
    latent_stack_begin(&s, in, &buf);
    latent_layer l;
    latent_batchnorm_setup(&l, 1e-3f, 0.1f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "bn"), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_params_alloc(&p), LATENT_OK);
    cr_assert_eq(latent_params_alloc(&buf), LATENT_OK);
    cr_assert_eq(latent_params_reserve_shards(&p, shards), LATENT_OK);
    latent_stack_init(&s, &p, 1, 0);
    const latent_batchnorm *b = latent_batchnorm_of(&s.layer[0]);
    const int64_t C = b->c, pix = b->pix, ne = n * pix * C, per = n / shards;
    latent_rng g;
    latent_rng_init(&g, 4, LATENT_STREAM_USER + 23, 0, 0);
    for (int64_t c = 0; c < C; c++)
        p.w[b->w_off + c] = 0.5f + latent_rng_uniform(&g), p.w[b->b_off + c] = latent_rng_uniform(&g) - 0.5f;
    float *x = malloc(sizeof(float) * (size_t)ne);
    double *xd = malloc(sizeof(double) * (size_t)ne), *r = malloc(sizeof(double) * (size_t)ne);
    double *yd = malloc(sizeof(double) * (size_t)ne), gam[64], bet[64];
    for (int64_t i = 0; i < ne; i++) x[i] = 3 * latent_rng_uniform(&g) + (float)(i % C), xd[i] = x[i];
    for (int64_t i = 0; i < ne; i++) r[i] = 2 * latent_rng_uniform(&g) - 1;
    for (int64_t c = 0; c < C; c++) gam[c] = p.w[b->w_off + c], bet[c] = p.w[b->b_off + c];
    double *shared = calloc((size_t)latent_stack_shared_doubles(&s, 0, shards), sizeof(double));
    s.shared[0] = shared;
    latent_stack_ws ws;
    cr_assert_eq(latent_stack_ws_alloc(&s, n, &ws), LATENT_OK);
    latent_slab_seg seg[4];
    for (int k = 0; k < shards; k++) seg[k] = (latent_slab_seg){k, k * per, per, k * per};
    const latent_slab slab = {shards, seg, n};
    const lk_team solo = lk_team_solo();
    const latent_pass ps = {.team = &solo, .slab = &slab, .train = 1};
    latent_stack_forward(&s, p.w, &ws, 0, 1, x, n, &ps);
    bn_reference(n, pix, C, xd, gam, bet, 1e-3, yd);
    double worst = 0;
    for (int64_t i = 0; i < ne; i++) worst = fmax(worst, fabs(ws.out[0][i] - yd[i]));
    cr_expect(worst < 1e-4, "forward: max error %g", worst);
    /* running statistics: 0.9 x (0, 1) + 0.1 x (batch mean, unbiased batch variance) */
    for (int64_t c = 0; c < C; c++) {
        double m = 0, v = 0;
        for (int64_t i = 0; i < n * pix; i++) m += xd[i * C + c];
        m /= (double)(n * pix);
        for (int64_t i = 0; i < n * pix; i++) v += (xd[i * C + c] - m) * (xd[i * C + c] - m);
        v /= (double)(n * pix - 1);
        cr_expect(fabs(buf.w[b->rm_off + c] - 0.1 * m) < 1e-5 * (1 + fabs(m)), "running mean %lld", (long long)c);
        cr_expect(fabs(buf.w[b->rv_off + c] - (0.9 + 0.1 * v)) < 1e-5 * (1 + v), "running var %lld", (long long)c);
    }
    cr_expect_eq(buf.w[b->nb_off], 1.0f);
    for (int64_t i = 0; i < ne; i++) ws.d[0][i] = (float)r[i];
    latent_grad grad = {p.shard_g, p.n, p.g, NULL};
    float *dx = latent_stack_backward(&s, p.w, &ws, 0, 1, n, ws.d[0], 0, grad, 1, &ps);
    for (int k = 0; k < shards; k++)
        for (int64_t c = 0; c < C; c++)
            for (int which = 0; which < 2; which++) {
                double *v = which ? bet : gam, save = v[c], h = 1e-5;
                v[c] = save + h;
                double fp = bn_loss(n, pix, C, xd, gam, bet, r, k * per, (k + 1) * per);
                v[c] = save - h;
                double fm = bn_loss(n, pix, C, xd, gam, bet, r, k * per, (k + 1) * per);
                v[c] = save;
                double fd = (fp - fm) / (2 * h);
                double an = p.shard_g[(int64_t)k * p.n + (which ? b->b_off : b->w_off) + c];
                cr_expect(fabs(fd - an) <= 1e-3 * fabs(fd) + 1e-3, "shard %d %s[%lld]: analytic %g, "
                          "difference %g", k, which ? "beta" : "gamma", (long long)c, an, fd);
            }
    for (int64_t i = 0; i < ne; i += 3) {
        double save = xd[i], h = 1e-4;
        xd[i] = save + h;
        double fp = bn_loss(n, pix, C, xd, gam, bet, r, 0, n);
        xd[i] = save - h;
        double fm = bn_loss(n, pix, C, xd, gam, bet, r, 0, n);
        xd[i] = save;
        double fd = (fp - fm) / (2 * h);
        cr_expect(fabs(fd - dx[i]) <= 1e-3 * fabs(fd) + 1e-3, "dx[%lld]: analytic %g, difference %g",
                  (long long)i, dx[i], fd);
    }
    /* evaluation: the running statistics */
    const latent_pass ev = {.team = &solo, .slab = &slab, .train = 0};
    latent_stack_forward(&s, p.w, &ws, 0, 1, x, n, &ev);
    worst = 0;
    for (int64_t i = 0; i < ne; i++) {
        const int64_t c = i % C;
        double want = ((double)x[i] - buf.w[b->rm_off + c]) / sqrt((double)buf.w[b->rv_off + c] + 1e-3) * gam[c] + bet[c];
        worst = fmax(worst, fabs(ws.out[0][i] - want));
    }
    cr_expect(worst < 1e-4, "evaluation: max error %g", worst);
    latent_stack_ws_free(&ws);
    latent_params_free(&p), latent_params_free(&buf);
    free(x), free(xd), free(r), free(yd), free(shared);
}

Test(layers, batchnorm_1d) { check_bn(latent_shape_1d(5), 8, 2); }
Test(layers, batchnorm_2d) { check_bn(img(3, 2, 4), 6, 3); }
Test(layers, batchnorm_one_shard) { check_bn(img(2, 2, 3), 5, 1); }

/* ---- layers without weights -------------------------------------------------------------- */

/* Dropout: about p of the elements dropped, the rest scaled by 1 / (1 - p); the backward pass
 * applies the same mask; evaluation passes x through; a row's mask depends on its example and
 * the step, not on where the row sits in a slab. */
Test(layers, dropout_masks)
{
    latent_params p = {0};
    latent_stack s;
    latent_stack_begin(&s, latent_shape_1d(1000), NULL);
    latent_layer l;
    latent_dropout_setup(&l, 0.3f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "drop"), LATENT_OK);
    latent_stack_init(&s, &p, 1, 5);
    latent_stack_ws ws;
    cr_assert_eq(latent_stack_ws_alloc(&s, 4, &ws), LATENT_OK);
    float *x = malloc(sizeof(float) * 4000);
    for (int i = 0; i < 4000; i++) x[i] = 1.0f + (float)(i % 7);
    latent_slab_seg seg[2] = {{0, 0, 2, 0}, {1, 2, 2, 2}};
    const latent_slab slab = {2, seg, 4};
    const lk_team solo = lk_team_solo();
    const latent_pass ps = {.team = &solo, .slab = &slab, .train = 1, .seed = 3, .step = 9};
    latent_stack_forward(&s, p.w, &ws, 0, 1, x, 4, &ps);
    int dropped = 0, wrong = 0;
    for (int i = 0; i < 4000; i++) {
        if (ws.out[0][i] == 0.0f) dropped++;
        else wrong += fabsf(ws.out[0][i] - x[i] / 0.7f) > 1e-5f;
    }
    cr_expect(dropped > 1100 && dropped < 1300, "%d of 4000 dropped", dropped);
    cr_expect_eq(wrong, 0);
    /* the definition: row r's j-th uniform of (seed, DROPOUT, step x 256 + layer id, r) below p */
    for (int r = 0; r < 4; r++) {
        latent_rng g;
        latent_rng_init(&g, 3, LATENT_STREAM_DROPOUT, 9 * 256 + 5, (uint32_t)r);
        for (int j = 0; j < 1000; j++) {
            const int drop = latent_rng_uniform(&g) < 0.3f;
            cr_expect_eq(ws.out[0][r * 1000 + j] == 0.0f, drop, "row %d element %d", r, j);
        }
    }
    float *y = malloc(sizeof(float) * 4000);
    memcpy(y, ws.out[0], sizeof(float) * 4000);
    for (int i = 0; i < 4000; i++) ws.d[0][i] = 1.0f;
    float *dx = latent_stack_backward(&s, p.w, &ws, 0, 1, 4, ws.d[0], 0, (latent_grad){NULL, 0, NULL, NULL}, 1, &ps);
    for (int i = 0; i < 4000; i++) cr_expect((y[i] == 0.0f) == (dx[i] == 0.0f), "mask %d", i);
    /* the second shard alone, as its own slab: the same rows come out */
    latent_slab_seg one = {1, 0, 2, 2};
    const latent_slab alone = {1, &one, 2};
    const latent_pass ps2 = {.team = &solo, .slab = &alone, .train = 1, .seed = 3, .step = 9};
    latent_stack_forward(&s, p.w, &ws, 0, 1, x + 2000, 2, &ps2);
    cr_expect(memcmp(ws.out[0], y + 2000, sizeof(float) * 2000) == 0);
    const latent_pass ev = {.team = &solo, .slab = &slab, .train = 0};
    latent_stack_forward(&s, p.w, &ws, 0, 1, x, 4, &ev);
    cr_expect(memcmp(ws.out[0], x, sizeof(float) * 4000) == 0);
    latent_stack_ws_free(&ws);
    latent_params_free(&p);
    free(x), free(y);
}

/* An activation layer and a reshape: forward and backward element by element. */
Test(layers, act_and_reshape)
{
    latent_params p = {0};
    latent_stack s;
    latent_stack_begin(&s, latent_shape_1d(12), NULL);
    latent_layer a, r;
    latent_act_setup(&a, LATENT_ACT_LEAKY_RELU, 0.3f);
    latent_reshape_setup(&r, img(2, 2, 3), 0);
    cr_assert_eq(latent_stack_add(&s, &p, &a, "act"), LATENT_OK);
    cr_assert_eq(latent_stack_add(&s, &p, &r, "view"), LATENT_OK);
    cr_expect(s.layer[1].out.ndim == 3 && s.layer[1].out.dim[2] == 3);
    latent_layer bad;
    latent_reshape_setup(&bad, img(5, 1, 1), 0);
    cr_expect_eq(latent_stack_add(&s, &p, &bad, "bad"), LATENT_EINVAL);
    latent_stack_ws ws;
    cr_assert_eq(latent_stack_ws_alloc(&s, 2, &ws), LATENT_OK);
    float x[24];
    for (int i = 0; i < 24; i++) x[i] = (float)i - 11.5f;
    latent_solo_pass sp;
    latent_stack_forward(&s, p.w, &ws, 0, 2, x, 2, latent_solo(&sp, 2));
    for (int i = 0; i < 24; i++) cr_expect_eq(ws.out[1][i], x[i] > 0 ? x[i] : 0.3f * x[i]);
    for (int i = 0; i < 24; i++) ws.d[0][i] = 2.0f;
    sp.pass.train = 1;
    float *dx = latent_stack_backward(&s, p.w, &ws, 0, 2, 2, ws.d[0], 0, (latent_grad){NULL, 0, NULL, NULL}, 1, &sp.pass);
    for (int i = 0; i < 24; i++) cr_expect_eq(dx[i], x[i] > 0 ? 2.0f : 0.6f);
    latent_stack_ws_free(&ws);
    latent_params_free(&p);
}

/* PyTorch's Unflatten then Flatten: a flat [C*H*W] row becomes [H, W, C] with element (h, w, c)
 * from c*H*W + h*W + w, and back; the backward passes are the inverse permutations. */
Test(layers, channels_first_reshapes)
{
    latent_params p = {0};
    latent_stack s;
    latent_stack_begin(&s, latent_shape_1d(24), NULL);
    latent_layer u, f;
    latent_reshape_setup(&u, img(2, 3, 4), 1);
    latent_reshape_setup(&f, latent_shape_1d(24), 1);
    cr_assert_eq(latent_stack_add(&s, &p, &u, "unflatten"), LATENT_OK);
    cr_assert_eq(latent_stack_add(&s, &p, &f, "flatten"), LATENT_OK);
    latent_layer bad;
    latent_reshape_setup(&bad, latent_shape_1d(24), 1);
    cr_expect_eq(latent_stack_add(&s, &p, &bad, "bad"), LATENT_EINVAL, "[24] -> [24] is no image reshape");
    latent_stack_ws ws;
    cr_assert_eq(latent_stack_ws_alloc(&s, 2, &ws), LATENT_OK);
    float x[48];
    for (int i = 0; i < 48; i++) x[i] = (float)i;
    latent_solo_pass sp;
    latent_stack_forward(&s, p.w, &ws, 0, 2, x, 2, latent_solo(&sp, 2));
    for (int r = 0; r < 2; r++)
        for (int h = 0; h < 2; h++)
            for (int w = 0; w < 3; w++)
                for (int c = 0; c < 4; c++)
                    cr_expect_eq(ws.out[0][r * 24 + (h * 3 + w) * 4 + c], x[r * 24 + c * 6 + h * 3 + w]);
    for (int i = 0; i < 48; i++) cr_expect_eq(ws.out[1][i], x[i], "flatten undoes unflatten");
    for (int i = 0; i < 48; i++) ws.d[1][i] = (float)(7 * i % 48);
    float *dx = latent_stack_backward(&s, p.w, &ws, 0, 2, 2, ws.d[1], 0, (latent_grad){NULL, 0, NULL, NULL}, 1, &sp.pass);
    for (int i = 0; i < 48; i++) cr_expect_eq(dx[i], (float)(7 * i % 48));
    latent_stack_ws_free(&ws);
    latent_params_free(&p);
}

/* Runs stack s (built over p and buf, input rows of nx1 elements) on a slab of three shards with
 * teams of 1, 2 and 3 threads: outputs, input gradients, each shard's weight gradients and the
 * running statistics must be the same bytes. */
static void stack_teams(latent_stack *s, latent_params *p, latent_params *buf, int64_t nx1)
{
    const int shards = 3, n = 12;
    cr_assert_eq(latent_params_alloc(p), LATENT_OK);
    if (buf->n_tensors) cr_assert_eq(latent_params_alloc(buf), LATENT_OK);
    cr_assert_eq(latent_params_reserve_shards(p, shards), LATENT_OK);
    latent_stack_init(s, p, 7, 0);
    float *buf0 = malloc(sizeof(float) * (size_t)(buf->n + 1));
    if (buf->n) memcpy(buf0, buf->w, sizeof(float) * (size_t)buf->n);
    int64_t nsh = 0;
    for (int k = 0; k < s->n_layers; k++) nsh += latent_stack_shared_doubles(s, k, shards);
    double *shared = calloc((size_t)nsh + 1, sizeof(double));
    for (int k = 0, at = 0; k < s->n_layers; k++) {
        s->shared[k] = shared + at;
        at += (int)latent_stack_shared_doubles(s, k, shards);
    }
    latent_stack_ws ws;
    cr_assert_eq(latent_stack_ws_alloc(s, n, &ws), LATENT_OK);
    const latent_layer *last = &s->layer[s->n_layers - 1];
    const int64_t nx = n * nx1, ny = n * last->out_size, total = ny + nx + shards * p->n + buf->n;
    float *x = malloc(sizeof(float) * (size_t)nx);
    latent_rng g;
    latent_rng_init(&g, 3, LATENT_STREAM_USER + 24, 0, 0);
    for (int64_t i = 0; i < nx; i++) x[i] = 2 * latent_rng_uniform(&g) - 1;
    latent_slab_seg seg[3] = {{0, 0, 4, 0}, {1, 4, 4, 4}, {2, 8, 4, 8}};
    const latent_slab slab = {shards, seg, n};
    float *ref = NULL;
    for (int size = 1; size <= 3; size++) {
        if (buf->n) memcpy(buf->w, buf0, sizeof(float) * (size_t)buf->n);
        memset(p->shard_g, 0, sizeof(float) * (size_t)(shards * p->n));
        lk_barrier bar;
        lk_barrier_init(&bar);
        float *out = malloc(sizeof(float) * (size_t)total);
#pragma omp parallel num_threads(size)
        {
            const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), &bar};
            const latent_pass ps = {.team = &team, .slab = &slab, .train = 1, .seed = 4, .step = 2};
            latent_stack_forward(s, p->w, &ws, 0, s->n_layers, x, n, &ps);
#pragma omp single
            {
                memcpy(out, ws.out[s->n_layers - 1], sizeof(float) * (size_t)ny);
                for (int64_t i = 0; i < ny; i++) ws.d[0][i] = 0.25f * (float)((i * 7) % 11) - 1;
            }
            latent_grad grad = {p->shard_g, p->n, p->g, NULL};
            float *dx = latent_stack_backward(s, p->w, &ws, 0, s->n_layers, n, ws.d[0], 0, grad, 1, &ps);
#pragma omp single
            {
                memcpy(out + ny, dx, sizeof(float) * (size_t)nx);
                memcpy(out + ny + nx, p->shard_g, sizeof(float) * (size_t)(shards * p->n));
                if (buf->n) memcpy(out + ny + nx + shards * p->n, buf->w, sizeof(float) * (size_t)buf->n);
            }
        }
        if (!ref) {
            ref = out;
            continue;
        }
        for (int64_t i = 0; i < total; i++)
            if (memcmp(&ref[i], &out[i], sizeof(float)) != 0) {
                cr_expect(0, "a team of %d: element %lld of %lld differs (%g vs %g; outputs %lld, "
                          "dx %lld)", size, (long long)i, (long long)total, ref[i], out[i],
                          (long long)ny, (long long)nx);
                break;
            }
        free(out);
    }
    free(ref), free(buf0), free(shared), free(x);
    latent_stack_ws_free(&ws);
    latent_params_free(p), latent_params_free(buf);
}

/* A DCGAN generator's stack: dense, batch norm, activation, channels-first reshape, transposed
 * convolutions with batch norm between. */
Test(layers, generator_stack_teams)
{
    latent_params p = {0}, buf = {0};
    latent_stack s;
    latent_stack_begin(&s, latent_shape_1d(6), &buf);
    latent_layer l;
    latent_dense_setup(&l, 4 * 4 * 8, LATENT_ACT_IDENTITY, 0.0f);
    latent_dense_no_bias(&l);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "g.0"), LATENT_OK);
    latent_batchnorm_setup(&l, 1e-5f, 0.1f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "g.1"), LATENT_OK);
    latent_act_setup(&l, LATENT_ACT_LEAKY_RELU, 0.3f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "g.2"), LATENT_OK);
    latent_reshape_setup(&l, img(4, 4, 8), 1);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "g.3"), LATENT_OK);
    latent_conv_setup(&l, 1, 5, 3, 3, 1, 1, 1, 1, 1, 1, 0, LATENT_ACT_IDENTITY, 0.0f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "g.4"), LATENT_OK);
    latent_batchnorm_setup(&l, 1e-5f, 0.1f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "g.5"), LATENT_OK);
    latent_act_setup(&l, LATENT_ACT_LEAKY_RELU, 0.3f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "g.6"), LATENT_OK);
    latent_conv_setup(&l, 1, 1, 3, 3, 2, 2, 1, 1, 0, 0, 0, LATENT_ACT_TANH, 0.0f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "g.7"), LATENT_OK);
    stack_teams(&s, &p, &buf, 6);
}

/* A DCGAN discriminator's stack: strided convolutions with a fused leaky ReLU, dropout, a
 * channels-first flatten and one logit. */
Test(layers, discriminator_stack_teams)
{
    latent_params p = {0}, buf = {0};
    latent_stack s;
    latent_stack_begin(&s, img(8, 8, 1), &buf);
    latent_layer l;
    latent_conv_setup(&l, 0, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, LATENT_ACT_LEAKY_RELU, 0.3f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "d.0"), LATENT_OK);
    latent_dropout_setup(&l, 0.3f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "d.2"), LATENT_OK);
    latent_reshape_setup(&l, latent_shape_1d(4 * 4 * 6), 1);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "d.3"), LATENT_OK);
    latent_dense_setup(&l, 1, LATENT_ACT_IDENTITY, 0.0f);
    cr_assert_eq(latent_stack_add(&s, &p, &l, "d.4"), LATENT_OK);
    stack_teams(&s, &p, &buf, 64);
}
