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

void latent_dense_forward(const lk_team *team, const lk_table *t, const latent_dense *l,
                          const float *w, const float *x, int64_t rows, float *pre, float *y)
{
    const float *W = w + l->w_off, *b = w + l->b_off;
    if (latent_dense_needs_pre(l->act)) {
        lk_sgemm_team(team, t, 0, 1, rows, l->out, l->in, 1.0f, x, l->in, W, l->in, 0.0f, pre,
                      l->out, b, LATENT_ACT_IDENTITY, 0.0f);
        lk_team_sync(team);
        int64_t lo, hi;
        lk_team_split(team, rows, &lo, &hi);
        t->act_fwd[l->act]((hi - lo) * l->out, pre + lo * l->out, y + lo * l->out, l->slope);
    } else {
        lk_sgemm_team(team, t, 0, 1, rows, l->out, l->in, 1.0f, x, l->in, W, l->in, 0.0f, y,
                      l->out, b, l->act, l->slope);
    }
}

void latent_dense_delta(const lk_team *team, const lk_table *t, const latent_dense *l,
                        int64_t rows, const float *pre, const float *y, const float *dy,
                        float *delta)
{
    /* without a stored pre-activation, y stands in for it: ReLU's and leaky ReLU's (slope > 0)
     * tests on x > 0 give the same answer on y > 0 */
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    const int64_t o = lo * l->out, n = (hi - lo) * l->out;
    t->act_bwd[l->act](n, (pre ? pre : y) + o, y + o, dy + o, delta + o, l->slope);
}

void latent_dense_backprop(const lk_team *team, const lk_table *t, const latent_dense *l,
                           const float *w, const float *x, int64_t rows, const float *delta,
                           float *grad, int accumulate, float *dx)
{
    if (grad) {
        lk_sgemm_team(team, t, 1, 0, l->out, l->in, rows, 1.0f, delta, l->out, x, l->in,
                      accumulate ? 1.0f : 0.0f, grad + l->w_off, l->in, NULL,
                      LATENT_ACT_IDENTITY, 0.0f);
        /* the bias gradient by columns: each column's rows are added in order whoever adds them */
        int64_t lo, hi;
        lk_team_split(team, l->out, &lo, &hi);
        float *gb = grad + l->b_off;
        if (hi > lo) {
            if (accumulate) {
                for (int64_t i = 0; i < rows; i++) t->axpy(hi - lo, 1.0f, delta + i * l->out + lo, gb + lo);
            } else {
                t->col_sum(rows, hi - lo, delta + lo, l->out, gb + lo);
            }
        }
    }
    if (dx)
        lk_sgemm_team(team, t, 0, 0, rows, l->in, l->out, 1.0f, delta, l->out, w + l->w_off,
                      l->in, 0.0f, dx, l->in, NULL, LATENT_ACT_IDENTITY, 0.0f);
}
