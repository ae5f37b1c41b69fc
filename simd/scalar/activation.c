/* Scalar activations, forward and backward: the reference the vector levels are tested against. */
#include <math.h>
#include "../kernels.h"
#include "../portable_math.h"

static float sigmoid1(float x)
{
    /* Split by sign so exp never overflows. */
    if (x >= 0.0f) return 1.0f / (1.0f + lk_expf(-x));
    float e = lk_expf(x);
    return e / (1.0f + e);
}

static void identity_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    for (int64_t i = 0; i < n; i++) y[i] = x[i];
}
static void relu_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
static void leaky_fwd(int64_t n, const float *x, float *y, float s)
{
    for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : s * x[i];
}
static void sigmoid_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    for (int64_t i = 0; i < n; i++) y[i] = sigmoid1(x[i]);
}
static void tanh_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    for (int64_t i = 0; i < n; i++) y[i] = lk_tanhf(x[i]);
}
static void softplus_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    for (int64_t i = 0; i < n; i++) y[i] = fmaxf(x[i], 0.0f) + lk_log1pf(lk_expf(-fabsf(x[i])));
}

static void identity_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                         float s)
{
    (void)x, (void)y, (void)s;
    for (int64_t i = 0; i < n; i++) dx[i] = dy[i];
}
static void relu_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                     float s)
{
    (void)y, (void)s;
    for (int64_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}
static void leaky_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                      float s)
{
    (void)y;
    for (int64_t i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : s * dy[i];
}
static void sigmoid_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                        float s)
{
    (void)x, (void)s;
    for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
}
static void tanh_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                     float s)
{
    (void)x, (void)s;
    for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}
static void softplus_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                         float s)
{
    (void)y, (void)s;
    for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * sigmoid1(x[i]);
}

static void exp_scalar(int64_t n, const float *x, float *y)
{
    for (int64_t i = 0; i < n; i++) y[i] = lk_expf(x[i]);
}
static void log_scalar(int64_t n, const float *x, float *y)
{
    for (int64_t i = 0; i < n; i++) y[i] = lk_logf(x[i]);
}

void lk_scalar_fill_activation(lk_table *t)
{
    t->act_fwd[LATENT_ACT_IDENTITY] = identity_fwd;
    t->act_fwd[LATENT_ACT_RELU] = relu_fwd;
    t->act_fwd[LATENT_ACT_LEAKY_RELU] = leaky_fwd;
    t->act_fwd[LATENT_ACT_SIGMOID] = sigmoid_fwd;
    t->act_fwd[LATENT_ACT_TANH] = tanh_fwd;
    t->act_fwd[LATENT_ACT_SOFTPLUS] = softplus_fwd;
    t->act_bwd[LATENT_ACT_IDENTITY] = identity_bwd;
    t->act_bwd[LATENT_ACT_RELU] = relu_bwd;
    t->act_bwd[LATENT_ACT_LEAKY_RELU] = leaky_bwd;
    t->act_bwd[LATENT_ACT_SIGMOID] = sigmoid_bwd;
    t->act_bwd[LATENT_ACT_TANH] = tanh_bwd;
    t->act_bwd[LATENT_ACT_SOFTPLUS] = softplus_bwd;
    t->vexp = exp_scalar;
    t->vlog = log_scalar;
}
