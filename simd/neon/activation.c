/* NEON activations, forward and backward, and the vector exp/log entries of the table. */
#include <arm_neon.h>
#include "../kernels.h"
#include "vmath.h"

/* One loop shape for every elementwise kernel: 4 lanes at a time, the tail through a zero-padded
 * copy so no lane reads or writes past n. */
#define LK_MAP1(n, x, y, EXPR)                                                                  \
    do {                                                                                        \
        int64_t i_ = 0;                                                                         \
        for (; i_ + 4 <= (n); i_ += 4) {                                                        \
            float32x4_t v = vld1q_f32((x) + i_);                                                \
            vst1q_f32((y) + i_, (EXPR));                                                        \
        }                                                                                       \
        if (i_ < (n)) {                                                                         \
            float tx_[4] = {0}, ty_[4];                                                         \
            for (int64_t k_ = i_; k_ < (n); k_++) tx_[k_ - i_] = (x)[k_];                       \
            float32x4_t v = vld1q_f32(tx_);                                                     \
            vst1q_f32(ty_, (EXPR));                                                             \
            for (int64_t k_ = i_; k_ < (n); k_++) (y)[k_] = ty_[k_ - i_];                       \
        }                                                                                       \
    } while (0)

/* The same over two inputs, (a, dy) -> dx, for the backward kernels: a is x or y, whichever
 * the derivative needs (the other may not be there). */
#define LK_MAP2(n, a, dy, dx, EXPR)                                                             \
    do {                                                                                        \
        int64_t i_ = 0;                                                                         \
        for (; i_ + 4 <= (n); i_ += 4) {                                                        \
            float32x4_t va = vld1q_f32((a) + i_), vd = vld1q_f32((dy) + i_);                    \
            vst1q_f32((dx) + i_, (EXPR));                                                       \
        }                                                                                       \
        if (i_ < (n)) {                                                                         \
            float ta_[4] = {0}, td_[4] = {0}, to_[4];                                           \
            for (int64_t k_ = i_; k_ < (n); k_++) ta_[k_ - i_] = (a)[k_], td_[k_ - i_] = (dy)[k_]; \
            float32x4_t va = vld1q_f32(ta_), vd = vld1q_f32(td_);                               \
            vst1q_f32(to_, (EXPR));                                                             \
            for (int64_t k_ = i_; k_ < (n); k_++) (dx)[k_] = to_[k_ - i_];                      \
        }                                                                                       \
    } while (0)

static inline float32x4_t relu4(float32x4_t v)
{
    /* x > 0 ? x : 0, so NaN maps to 0 as in the scalar reference */
    return vbslq_f32(vcgtq_f32(v, vdupq_n_f32(0.0f)), v, vdupq_n_f32(0.0f));
}
static inline float32x4_t leaky4(float32x4_t v, float s)
{
    return vbslq_f32(vcgtq_f32(v, vdupq_n_f32(0.0f)), v, vmulq_n_f32(v, s));
}
static inline float32x4_t softplus4(float32x4_t v)
{
    float32x4_t e = lk_neon_exp(vnegq_f32(vabsq_f32(v)));
    return vaddq_f32(vmaxq_f32(v, vdupq_n_f32(0.0f)), lk_neon_log1p_pos(e));
}

static void identity_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    LK_MAP1(n, x, y, v);
}
static void relu_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    LK_MAP1(n, x, y, relu4(v));
}
static void leaky_fwd(int64_t n, const float *x, float *y, float s)
{
    LK_MAP1(n, x, y, leaky4(v, s));
}
static void sigmoid_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    LK_MAP1(n, x, y, lk_neon_sigmoid(v));
}
static void tanh_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    LK_MAP1(n, x, y, lk_neon_tanh(v));
}
static void softplus_fwd(int64_t n, const float *x, float *y, float s)
{
    (void)s;
    LK_MAP1(n, x, y, softplus4(v));
}

static void identity_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                         float s)
{
    (void)x, (void)y, (void)s;
    LK_MAP1(n, dy, dx, v);
}
static void relu_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                     float s)
{
    (void)y, (void)s;
    LK_MAP2(n, x, dy, dx, vbslq_f32(vcgtq_f32(va, vdupq_n_f32(0.0f)), vd, vdupq_n_f32(0.0f)));
}
static void leaky_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                      float s)
{
    (void)y;
    LK_MAP2(n, x, dy, dx, vbslq_f32(vcgtq_f32(va, vdupq_n_f32(0.0f)), vd, vmulq_n_f32(vd, s)));
}
/* dy * (y (1 - y)) and dy * (1 - y^2): the scalar reference's order, so results match it */
static void sigmoid_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                        float s)
{
    (void)x, (void)s;
    LK_MAP2(n, y, dy, dx, vmulq_f32(vd, vmulq_f32(va, vsubq_f32(vdupq_n_f32(1.0f), va))));
}
static void tanh_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                     float s)
{
    (void)x, (void)s;
    LK_MAP2(n, y, dy, dx, vmulq_f32(vd, vsubq_f32(vdupq_n_f32(1.0f), vmulq_f32(va, va))));
}
static void softplus_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                         float s)
{
    (void)y, (void)s;
    LK_MAP2(n, x, dy, dx, vmulq_f32(vd, lk_neon_sigmoid(va)));
}

static void exp_neon(int64_t n, const float *x, float *y) { LK_MAP1(n, x, y, lk_neon_exp(v)); }
static void log_neon(int64_t n, const float *x, float *y) { LK_MAP1(n, x, y, lk_neon_log(v)); }

void lk_neon_fill_activation(lk_table *t)
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
    t->vexp = exp_neon;
    t->vlog = log_neon;
}
