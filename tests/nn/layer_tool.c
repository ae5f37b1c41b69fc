/* Test helper for torch_layers.py: runs one layer kind forward and backward on arrays from .npy
 * files and writes what it computed, so PyTorch can be the oracle of the same pass.
 *   layer_tool conv|convT OUT_C K STRIDE PAD PAD2 BIAS X.npy W.npy B.npy DY.npy PREFIX
 * X is NHWC, W and B in PyTorch's layout; PAD -1 is TensorFlow's 'same'. Writes PREFIX.y.npy,
 * PREFIX.dx.npy, PREFIX.dw.npy (PyTorch's layout), PREFIX.db.npy.
 *   layer_tool bn EPS MOMENTUM SHARDS X W B DY PREFIX
 * batch norm over X's last dimension (X [N, F] or NHWC) in one training step whose minibatch is
 * SHARDS shards, then in evaluation: PREFIX.y, .dx, .dw, .db (summed over the shards),
 * .running_mean, .running_var, .y_eval. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latent/io.h"
#include "src/nn/layer_batchnorm.h"
#include "src/nn/layer_conv.h"
#include "src/nn/stack.h"

static int fail(const char *what)
{
    fprintf(stderr, "layer_tool: %s: %s\n", what, latent_last_error());
    return 1;
}

static int save(const char *prefix, const char *what, int ndim, const int64_t *shape, const float *data)
{
    char path[4096];
    snprintf(path, sizeof path, "%s.%s.npy", prefix, what);
    return latent_npy_write(path, LATENT_F32, ndim, shape, data) ? fail(path) : 0;
}

static int batchnorm(char **argv)
{
    const float eps = (float)atof(argv[2]), momentum = (float)atof(argv[3]);
    const int shards = atoi(argv[4]);
    latent_array x, w, b, dy;
    if (latent_npy_read(argv[5], &x) || latent_npy_read(argv[6], &w) ||
        latent_npy_read(argv[7], &b) || latent_npy_read(argv[8], &dy))
        return fail("reading");
    if (x.dtype != LATENT_F32 || x.ndim < 2 || x.ndim > 4) return fail("X must be float32 [N, ...]");
    const int64_t n = x.shape[0];
    if (shards < 1 || shards > 8 || n % shards) return fail("SHARDS must divide N");
    latent_shape in = {x.ndim - 1, {0}};
    for (int i = 1; i < x.ndim; i++) in.dim[i - 1] = x.shape[i];
    latent_layer l;
    latent_batchnorm_setup(&l, eps, momentum);
    latent_params p = {0}, buf = {0};
    latent_stack st;
    latent_stack_begin(&st, in, &buf);
    if (latent_stack_add(&st, &p, &l, "bn") || latent_params_alloc(&p) || latent_params_alloc(&buf) ||
        latent_params_reserve_shards(&p, shards))
        return fail("layer");
    latent_stack_init(&st, &p, 1, 0);
    const latent_batchnorm *c = latent_batchnorm_of(&st.layer[0]);
    if (w.nbytes != sizeof(float) * (size_t)c->c || b.nbytes != w.nbytes) return fail("W and B must be [C]");
    memcpy(p.w + c->w_off, w.data, w.nbytes);
    memcpy(p.w + c->b_off, b.data, b.nbytes);
    double *shared = calloc((size_t)latent_stack_shared_doubles(&st, 0, shards), sizeof(double));
    st.shared[0] = shared;
    latent_stack_ws ws;
    if (!shared || latent_stack_ws_alloc(&st, n, &ws)) return fail("workspace");
    latent_slab_seg seg[8];
    for (int k = 0; k < shards; k++) seg[k] = (latent_slab_seg){k, k * (n / shards), n / shards, k * (n / shards)};
    const latent_slab slab = {shards, seg, n};
    const lk_team solo = lk_team_solo();
    const latent_pass ps = {.team = &solo, .slab = &slab, .train = 1};
    latent_stack_forward(&st, p.w, &ws, 0, 1, x.data, n, &ps);
    if (save(argv[9], "y", x.ndim, x.shape, ws.out[0])) return 1;
    if (dy.nbytes != x.nbytes) return fail("DY has the wrong size");
    memcpy(ws.d[0], dy.data, dy.nbytes);
    latent_grad g = {p.shard_g, p.n, p.g, NULL};
    float *dx = latent_stack_backward(&st, p.w, &ws, 0, 1, n, ws.d[0], 0, g, 1, &ps);
    if (save(argv[9], "dx", x.ndim, x.shape, dx)) return 1;
    for (int k = 1; k < shards; k++) /* the gradient of the minibatch: every shard's */
        for (int64_t i = 0; i < p.n; i++) p.shard_g[i] += p.shard_g[(int64_t)k * p.n + i];
    const int64_t cshape[1] = {c->c};
    if (save(argv[9], "dw", 1, cshape, p.shard_g + c->w_off) || save(argv[9], "db", 1, cshape, p.shard_g + c->b_off) ||
        save(argv[9], "running_mean", 1, cshape, buf.w + c->rm_off) ||
        save(argv[9], "running_var", 1, cshape, buf.w + c->rv_off))
        return 1;
    const latent_pass ev = {.team = &solo, .slab = &slab, .train = 0};
    latent_stack_forward(&st, p.w, &ws, 0, 1, x.data, n, &ev);
    if (save(argv[9], "y_eval", x.ndim, x.shape, ws.out[0])) return 1;
    latent_stack_ws_free(&ws);
    free(shared);
    latent_params_free(&p), latent_params_free(&buf);
    latent_array_free(&x), latent_array_free(&w), latent_array_free(&b), latent_array_free(&dy);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 10 && strcmp(argv[1], "bn") == 0) return batchnorm(argv);
    if (argc != 13) {
        fprintf(stderr, "usage: layer_tool conv|convT OUT_C K STRIDE PAD PAD2 BIAS X W B DY PREFIX\n"
                        "       layer_tool bn EPS MOMENTUM SHARDS X W B DY PREFIX\n");
        return 2;
    }
    const int transposed = strcmp(argv[1], "convT") == 0;
    const int64_t oc = atoll(argv[2]);
    const int k = atoi(argv[3]), s = atoi(argv[4]), pad = atoi(argv[5]), pad2 = atoi(argv[6]);
    const int bias = atoi(argv[7]);
    latent_array x, w, b, dy;
    if (latent_npy_read(argv[8], &x) || latent_npy_read(argv[9], &w) ||
        latent_npy_read(argv[10], &b) || latent_npy_read(argv[11], &dy))
        return fail("reading");
    if (x.dtype != LATENT_F32 || x.ndim != 4) return fail("X must be float32 NHWC");
    const int64_t n = x.shape[0];
    latent_layer l;
    latent_conv_setup(&l, transposed, oc, k, k, s, s, pad, pad, pad2, pad2, bias, LATENT_ACT_IDENTITY, 0.0f);
    latent_params p = {0};
    latent_stack st;
    latent_stack_begin(&st, (latent_shape){3, {x.shape[1], x.shape[2], x.shape[3]}}, NULL);
    if (latent_stack_add(&st, &p, &l, "c") || latent_params_alloc(&p) ||
        latent_params_reserve_shards(&p, 1))
        return fail("layer");
    const latent_layer *L = &st.layer[0];
    const latent_conv *c = latent_conv_of(L);
    memcpy(p.w + c->w_off, w.data, w.nbytes);
    if (bias) memcpy(p.w + c->b_off, b.data, b.nbytes);
    latent_stack_ws ws;
    if (latent_stack_ws_alloc(&st, n, &ws)) return fail("workspace");
    latent_solo_pass sp;
    const latent_pass *ps = latent_solo(&sp, n);
    latent_stack_forward(&st, p.w, &ws, 0, 1, x.data, n, ps);
    const int64_t yshape[4] = {n, L->out.dim[0], L->out.dim[1], L->out.dim[2]};
    if (save(argv[12], "y", 4, yshape, ws.out[0])) return 1;
    if ((int64_t)(dy.nbytes / sizeof(float)) != n * L->out_size) return fail("DY has the wrong size");
    memcpy(ws.d[0], dy.data, dy.nbytes);
    latent_grad g = {p.shard_g, p.n, p.g, NULL};
    float *dx = latent_stack_backward(&st, p.w, &ws, 0, 1, n, ws.d[0], 0, g, 1, ps);
    if (save(argv[12], "dx", 4, x.shape, dx)) return 1;
    const int64_t wshape[4] = {w.shape[0], w.shape[1], w.shape[2], w.shape[3]}, bshape[1] = {oc};
    if (save(argv[12], "dw", 4, wshape, p.shard_g + c->w_off)) return 1;
    if (bias && save(argv[12], "db", 1, bshape, p.shard_g + c->b_off)) return 1;
    latent_stack_ws_free(&ws);
    latent_params_free(&p);
    latent_array_free(&x), latent_array_free(&w), latent_array_free(&b), latent_array_free(&dy);
    return 0;
}
