/* AVX-512 activations, forward and backward, and the exp/log table entries, on vmath.h. */
#include "../kernels.h"
#include "vmath.h"

/* One lane-wise map over n floats: full vectors, then one masked vector for the tail. The
 * operation is a constant function pointer, folded away once map_* is inlined. */
typedef __m512 (*fwd_op)(__m512 x, __m512 slope);
typedef __m512 (*bwd_op)(__m512 x, __m512 y, __m512 dy, __m512 slope);

LK_AVX512_INLINE void map_fwd(int64_t n, const float *x, float *y, float slope, fwd_op op)
{
    const __m512 s = _mm512_set1_ps(slope);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, op(_mm512_loadu_ps(x + i), s));
    if (i < n) {
        __mmask16 m = lk_avx512_tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, op(_mm512_maskz_loadu_ps(m, x + i), s));
    }
}

LK_AVX512_INLINE void map_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                              float slope, bwd_op op)
{
    const __m512 s = _mm512_set1_ps(slope);
    const __mmask16 all = 0xffff;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dx + i, op(x ? lk_avx512_ld(x + i, all, 1) : s, y ? lk_avx512_ld(y + i, all, 1) : s,
                                    lk_avx512_ld(dy + i, all, 1), s));
    if (i < n) {
        __mmask16 m = lk_avx512_tail_mask(n - i);
        _mm512_mask_storeu_ps(dx + i, m, op(x ? lk_avx512_ld(x + i, m, 0) : s, y ? lk_avx512_ld(y + i, m, 0) : s,
                                            lk_avx512_ld(dy + i, m, 0), s));
    }
}

LK_AVX512_INLINE __mmask16 positive(__m512 x)
{
    return _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
}

/* The forward operations. relu and leaky relu send NaN to 0 / slope*NaN exactly as the scalar
 * reference's x > 0 test does. */
LK_AVX512_INLINE __m512 op_identity(__m512 x, __m512 s) { (void)s; return x; }
LK_AVX512_INLINE __m512 op_relu(__m512 x, __m512 s) { (void)s; return _mm512_maskz_mov_ps(positive(x), x); }
LK_AVX512_INLINE __m512 op_leaky(__m512 x, __m512 s)
{
    return _mm512_mask_mov_ps(_mm512_mul_ps(s, x), positive(x), x);
}
LK_AVX512_INLINE __m512 op_sigmoid(__m512 x, __m512 s) { (void)s; return lk_avx512_sigmoid_ps(x); }
LK_AVX512_INLINE __m512 op_tanh(__m512 x, __m512 s) { (void)s; return lk_avx512_tanh_ps(x); }
LK_AVX512_INLINE __m512 op_softplus(__m512 x, __m512 s) { (void)s; return lk_avx512_softplus_ps(x); }
LK_AVX512_INLINE __m512 op_exp(__m512 x, __m512 s) { (void)s; return lk_avx512_exp_ps(x); }
LK_AVX512_INLINE __m512 op_log(__m512 x, __m512 s) { (void)s; return lk_avx512_log_ps(x); }

/* The backward operations, written with the scalar reference's operations in its order (no
 * FMA), so they give its bytes wherever y does. */
LK_AVX512_INLINE __m512 op_relu_bwd(__m512 x, __m512 y, __m512 dy, __m512 s)
{
    (void)y, (void)s;
    return _mm512_maskz_mov_ps(positive(x), dy);
}
LK_AVX512_INLINE __m512 op_leaky_bwd(__m512 x, __m512 y, __m512 dy, __m512 s)
{
    (void)y;
    return _mm512_mask_mov_ps(_mm512_mul_ps(s, dy), positive(x), dy);
}
LK_AVX512_INLINE __m512 op_sigmoid_bwd(__m512 x, __m512 y, __m512 dy, __m512 s)
{
    (void)x, (void)s;
    return _mm512_mul_ps(dy, _mm512_mul_ps(y, _mm512_sub_ps(_mm512_set1_ps(1.0f), y)));
}
LK_AVX512_INLINE __m512 op_tanh_bwd(__m512 x, __m512 y, __m512 dy, __m512 s)
{
    (void)x, (void)s;
    return _mm512_mul_ps(dy, _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_mul_ps(y, y)));
}
LK_AVX512_INLINE __m512 op_softplus_bwd(__m512 x, __m512 y, __m512 dy, __m512 s)
{
    (void)y, (void)s;
    return _mm512_mul_ps(dy, lk_avx512_sigmoid_ps(x));
}

static void identity_fwd(int64_t n, const float *x, float *y, float s)
{
    if (x != y) map_fwd(n, x, y, s, op_identity);
}
static void relu_fwd(int64_t n, const float *x, float *y, float s) { map_fwd(n, x, y, s, op_relu); }
static void leaky_fwd(int64_t n, const float *x, float *y, float s) { map_fwd(n, x, y, s, op_leaky); }
static void sigmoid_fwd(int64_t n, const float *x, float *y, float s) { map_fwd(n, x, y, s, op_sigmoid); }
static void tanh_fwd(int64_t n, const float *x, float *y, float s) { map_fwd(n, x, y, s, op_tanh); }
static void softplus_fwd(int64_t n, const float *x, float *y, float s) { map_fwd(n, x, y, s, op_softplus); }
static void exp_avx512(int64_t n, const float *x, float *y) { map_fwd(n, x, y, 0.0f, op_exp); }
static void log_avx512(int64_t n, const float *x, float *y) { map_fwd(n, x, y, 0.0f, op_log); }

static void identity_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                         float s)
{
    (void)x, (void)y;
    if (dx != dy) map_fwd(n, dy, dx, s, op_identity);
}
/* Each backward reads only the input its derivative needs (NULL stands for "not read"). */
static void relu_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx, float s)
{
    (void)y;
    map_bwd(n, x, NULL, dy, dx, s, op_relu_bwd);
}
static void leaky_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx, float s)
{
    (void)y;
    map_bwd(n, x, NULL, dy, dx, s, op_leaky_bwd);
}
static void sigmoid_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx, float s)
{
    (void)x;
    map_bwd(n, NULL, y, dy, dx, s, op_sigmoid_bwd);
}
static void tanh_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx, float s)
{
    (void)x;
    map_bwd(n, NULL, y, dy, dx, s, op_tanh_bwd);
}
static void softplus_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                         float s)
{
    (void)y;
    map_bwd(n, x, NULL, dy, dx, s, op_softplus_bwd);
}

void lk_avx512_fill_activation(lk_table *t)
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
    t->vexp = exp_avx512;
    t->vlog = log_avx512;
}
