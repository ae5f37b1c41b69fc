/* The dense layer: y = act(x W^T + b) with W [out, in], on the kernel table's GEMM. */
#include <math.h>
#include <stdio.h>
#include "dense.h"
#include "latent/rng.h"
#include "simd/gemm.h"

int latent_dense_needs_pre(latent_act act) { return act == LATENT_ACT_SOFTPLUS; }

latent_status latent_net_add(latent_net *net, latent_params *p, const char *prefix, int64_t in,
                             int64_t out, latent_act act, float slope)
{
    if (net->n_layers >= LATENT_MAX_LAYERS)
        return latent_fail(LATENT_EINVAL, "net: more than %d layers", LATENT_MAX_LAYERS);
    if (in <= 0 || out <= 0)
        return latent_fail(LATENT_EINVAL, "net: %s: bad size %lld -> %lld", prefix,
                           (long long)in, (long long)out);
    if (act == LATENT_ACT_LEAKY_RELU && !(slope > 0.0f))
        return latent_fail(LATENT_EINVAL, "net: %s: leaky ReLU slope must be > 0, got %g", prefix,
                           (double)slope);
    char name[LATENT_NAME_MAX + 8];
    latent_dense *l = &net->layer[net->n_layers];
    snprintf(name, sizeof name, "%s.weight", prefix);
    if ((l->w_off = latent_params_add(p, name, out, in)) < 0) return LATENT_EINVAL;
    snprintf(name, sizeof name, "%s.bias", prefix);
    if ((l->b_off = latent_params_add(p, name, out, 0)) < 0) return LATENT_EINVAL;
    l->in = in, l->out = out, l->act = act, l->slope = slope;
    net->n_layers++;
    return LATENT_OK;
}

void latent_net_init(const latent_net *net, latent_params *p, uint64_t seed, uint64_t id0)
{
    for (int k = 0; k < net->n_layers; k++) {
        const latent_dense *l = &net->layer[k];
        int he = l->act == LATENT_ACT_RELU || l->act == LATENT_ACT_LEAKY_RELU ||
                 l->act == LATENT_ACT_SOFTPLUS;
        double bound = he ? sqrt(6.0 / (double)l->in) : sqrt(6.0 / (double)(l->in + l->out));
        latent_rng r;
        latent_rng_init(&r, seed, LATENT_STREAM_INIT, id0 + (uint64_t)k, 0);
        float *w = p->w + l->w_off;
        for (int64_t i = 0; i < l->in * l->out; i++)
            w[i] = (float)((2.0 * latent_rng_uniform_double(&r) - 1.0) * bound);
        for (int64_t i = 0; i < l->out; i++) p->w[l->b_off + i] = 0.0f;
    }
}

void latent_dense_forward(const lk_table *t, const latent_dense *l, const float *w,
                          const float *x, int64_t rows, float *pre, float *y)
{
    const float *W = w + l->w_off, *b = w + l->b_off;
    if (latent_dense_needs_pre(l->act)) {
        lk_sgemm(t, 0, 1, rows, l->out, l->in, 1.0f, x, l->in, W, l->in, 0.0f, pre, l->out, b,
                 LATENT_ACT_IDENTITY, 0.0f);
        t->act_fwd[l->act](rows * l->out, pre, y, l->slope);
    } else {
        lk_sgemm(t, 0, 1, rows, l->out, l->in, 1.0f, x, l->in, W, l->in, 0.0f, y, l->out, b,
                 l->act, l->slope);
    }
}

void latent_dense_delta(const lk_table *t, const latent_dense *l, int64_t rows, const float *pre,
                        const float *y, const float *dy, float *delta)
{
    /* without a stored pre-activation, y stands in for it: ReLU's and leaky ReLU's (slope > 0)
     * tests on x > 0 give the same answer on y > 0 */
    t->act_bwd[l->act](rows * l->out, pre ? pre : y, y, dy, delta, l->slope);
}

void latent_dense_backprop(const lk_table *t, const latent_dense *l, const float *w,
                           const float *x, int64_t rows, const float *delta, float *grad,
                           int accumulate, float *dx)
{
    if (grad) {
        lk_sgemm(t, 1, 0, l->out, l->in, rows, 1.0f, delta, l->out, x, l->in,
                 accumulate ? 1.0f : 0.0f, grad + l->w_off, l->in, NULL, LATENT_ACT_IDENTITY,
                 0.0f);
        if (accumulate) {
            /* column sums one row block at a time keep the order fixed without a temporary */
            for (int64_t i = 0; i < rows; i++) t->axpy(l->out, 1.0f, delta + i * l->out, grad + l->b_off);
        } else {
            t->col_sum(rows, l->out, delta, l->out, grad + l->b_off);
        }
    }
    if (dx)
        lk_sgemm(t, 0, 0, rows, l->in, l->out, 1.0f, delta, l->out, w + l->w_off, l->in, 0.0f, dx,
                 l->in, NULL, LATENT_ACT_IDENTITY, 0.0f);
}
