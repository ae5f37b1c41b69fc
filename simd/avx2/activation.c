/* AVX2 activations, forward and backward, and the exp/log table entries, on vmath.h. */
#include "../kernels.h"
#include "vmath.h"

/* One lane-wise map over n floats: full vectors, then one masked vector for the tail. The
 * operation is a constant function pointer, folded away once map_* is inlined. */
typedef __m256 (*fwd_op)(__m256 x, __m256 slope);
typedef __m256 (*bwd_op)(__m256 x, __m256 y, __m256 dy, __m256 slope);

LK_AVX2_INLINE void map_fwd(int64_t n, const float *x, float *y, float slope, fwd_op op)
{
    const __m256 s = _mm256_set1_ps(slope);
    const __m256i all = _mm256_set1_epi32(-1);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) lk_avx2_st(y + i, op(lk_avx2_ld(x + i, all, 1), s), all, 1);
    if (i < n) {
        __m256i m = lk_avx2_tail_mask(n - i);
        lk_avx2_st(y + i, op(lk_avx2_ld(x + i, m, 0), s), m, 0);
    }
}

LK_AVX2_INLINE void map_bwd(int64_t n, const float *x, const float *y, const float *dy, float *dx,
                            float slope, bwd_op op)
{
    const __m256 s = _mm256_set1_ps(slope);
    const __m256i all = _mm256_set1_epi32(-1);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        lk_avx2_st(dx + i, op(x ? lk_avx2_ld(x + i, all, 1) : s, y ? lk_avx2_ld(y + i, all, 1) : s,
                              lk_avx2_ld(dy + i, all, 1), s), all, 1);
    if (i < n) {
        __m256i m = lk_avx2_tail_mask(n - i);
        lk_avx2_st(dx + i, op(x ? lk_avx2_ld(x + i, m, 0) : s, y ? lk_avx2_ld(y + i, m, 0) : s,
                              lk_avx2_ld(dy + i, m, 0), s), m, 0);
    }
}

/* The forward operations. relu and leaky relu send NaN to 0 / slope*NaN exactly as the scalar
 * reference's x > 0 test does. */
LK_AVX2_INLINE __m256 op_identity(__m256 x, __m256 s) { (void)s; return x; }
LK_AVX2_INLINE __m256 op_relu(__m256 x, __m256 s) { (void)s; return _mm256_max_ps(x, _mm256_setzero_ps()); }
LK_AVX2_INLINE __m256 op_leaky(__m256 x, __m256 s)
{
    return _mm256_blendv_ps(_mm256_mul_ps(s, x), x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
}
LK_AVX2_INLINE __m256 op_sigmoid(__m256 x, __m256 s) { (void)s; return lk_avx2_sigmoid_ps(x); }
LK_AVX2_INLINE __m256 op_tanh(__m256 x, __m256 s) { (void)s; return lk_avx2_tanh_ps(x); }
LK_AVX2_INLINE __m256 op_softplus(__m256 x, __m256 s) { (void)s; return lk_avx2_softplus_ps(x); }
LK_AVX2_INLINE __m256 op_exp(__m256 x, __m256 s) { (void)s; return lk_avx2_exp_ps(x); }
LK_AVX2_INLINE __m256 op_log(__m256 x, __m256 s) { (void)s; return lk_avx2_log_ps(x); }

/* The backward operations, written with the scalar reference's operations in its order (no
 * FMA), so they give its bytes wherever y does. */
LK_AVX2_INLINE __m256 op_relu_bwd(__m256 x, __m256 y, __m256 dy, __m256 s)
{
    (void)y, (void)s;
    return _mm256_and_ps(dy, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
}
LK_AVX2_INLINE __m256 op_leaky_bwd(__m256 x, __m256 y, __m256 dy, __m256 s)
{
    (void)y;
    return _mm256_blendv_ps(_mm256_mul_ps(s, dy), dy, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
}
LK_AVX2_INLINE __m256 op_sigmoid_bwd(__m256 x, __m256 y, __m256 dy, __m256 s)
{
    (void)x, (void)s;
    return _mm256_mul_ps(dy, _mm256_mul_ps(y, _mm256_sub_ps(_mm256_set1_ps(1.0f), y)));
}
LK_AVX2_INLINE __m256 op_tanh_bwd(__m256 x, __m256 y, __m256 dy, __m256 s)
{
    (void)x, (void)s;
    return _mm256_mul_ps(dy, _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(y, y)));
}
LK_AVX2_INLINE __m256 op_softplus_bwd(__m256 x, __m256 y, __m256 dy, __m256 s)
{
    (void)y, (void)s;
    return _mm256_mul_ps(dy, lk_avx2_sigmoid_ps(x));
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
static void exp_avx2(int64_t n, const float *x, float *y) { map_fwd(n, x, y, 0.0f, op_exp); }
static void log_avx2(int64_t n, const float *x, float *y) { map_fwd(n, x, y, 0.0f, op_log); }

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

void lk_avx2_fill_activation(lk_table *t)
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
    t->vexp = exp_avx2;
    t->vlog = log_avx2;
}
