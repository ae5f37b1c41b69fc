/* AVX2 vector math (8 floats): exp, log, sigmoid, tanh, softplus, and the tail/reduction helpers
 * every AVX2 kernel shares. Header-only so any AVX2 kernel (GEMM epilogues too) can inline it.
 *
 * Measured maximum error against double-precision libm, result vs exact, with tests/simd/
 * test_vmath.c's sweep run over every 61st float bit pattern (both signs, 70M inputs) and every
 * 7th (613M) plus the edge cases; the suite itself runs every 101st:
 *   exp 0.93 ulp, log 0.94 ulp, sigmoid 2.33 ulp, tanh 1.36 ulp, softplus 2.01 ulp
 * (sigmoid's 2.3 is the e/(1+e) form's own: with a correctly rounded exp it measures the same)
 * (ulps of the exact result; results in the subnormal range are measured in units of 2^-149).
 * Specials follow libm: exp(-inf) = 0, exp(+inf) = +inf, overflow to +inf, gradual underflow;
 * log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf; NaN in gives NaN out everywhere.
 * Needs -mavx2 -mfma (the AVX2 library's flags). */
#ifndef LATENT_SIMD_AVX2_VMATH_H
#define LATENT_SIMD_AVX2_VMATH_H

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#define LK_AVX2_INLINE static inline __attribute__((always_inline))

/* Lanes [0, rem) set, for 0 <= rem <= 8: the mask of a partial last vector. */
LK_AVX2_INLINE __m256i lk_avx2_tail_mask(int64_t rem)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Loads/stores 8 floats, or only the lanes of `m` when `full` is 0 (masked-off lanes read as 0
 * and are never touched in memory, so a tail never reads or writes past the end). */
LK_AVX2_INLINE __m256 lk_avx2_ld(const float *p, __m256i m, int full)
{
    return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}
LK_AVX2_INLINE void lk_avx2_st(float *p, __m256 v, __m256i m, int full)
{
    if (full) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, m, v);
}

/* Sum of the 8 lanes in float: (l0+l4) + (l2+l6) + ((l1+l5) + (l3+l7)). */
LK_AVX2_INLINE float lk_avx2_hsum_ps(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* Sum of the 8 lanes in double, always in the same order (pairs of halves), so a reduction's
 * bytes depend only on its length. */
LK_AVX2_INLINE double lk_avx2_hsum_pd(__m256 v)
{
    __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    __m256d s = _mm256_add_pd(lo, hi);
    __m128d t = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    return _mm_cvtsd_f64(_mm_add_sd(t, _mm_unpackhi_pd(t, t)));
}

/* e^x. Range reduction x = n ln2 + r, |r| <= ln2/2 (Cody-Waite, two-part ln2 with FMA), then
 * the degree-7 Taylor polynomial of e^r (truncation < 0.05 ulp), then 2^n applied as two
 * factors 2^(n/2) so that overflow and gradual underflow round once, like libm. */
LK_AVX2_INLINE __m256 lk_avx2_exp_ps(__m256 x)
{
    /* max/min return their second operand on NaN: x comes second so NaN survives. */
    x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i ni = _mm256_cvtps_epi32(n);                 /* in [-150, 129] */
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1);
    __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

/* log(m) for m in [sqrt(1/2), sqrt(2)) given f = m - 1 (exact): with s = f / (2 + f),
 * log(1 + f) = 2 atanh(s) = f - s (f - R), R = 2s^2/3 + 2s^4/5 + ... (|s| < 0.172, so four
 * terms leave < 1e-9 relative); f enters unrounded, which keeps the result near 0.5 ulp. */
LK_AVX2_INLINE __m256 lk_avx2_log1p_core_ps(__m256 f)
{
    __m256 s = _mm256_div_ps(f, _mm256_add_ps(_mm256_set1_ps(2.0f), f));
    __m256 z = _mm256_mul_ps(s, s);
    __m256 R = _mm256_set1_ps(2.0f / 9.0f);
    R = _mm256_fmadd_ps(R, z, _mm256_set1_ps(2.0f / 7.0f));
    R = _mm256_fmadd_ps(R, z, _mm256_set1_ps(2.0f / 5.0f));
    R = _mm256_fmadd_ps(R, z, _mm256_set1_ps(2.0f / 3.0f));
    R = _mm256_mul_ps(R, z);
    return _mm256_fnmadd_ps(s, _mm256_sub_ps(f, R), f);
}

/* log x for finite x >= FLT_MIN, no special cases: x = 2^e m, m in [sqrt(1/2), sqrt(2)). */
LK_AVX2_INLINE __m256 lk_avx2_log_normal_ps(__m256 x, __m256 e_adjust)
{
    __m256i bits = _mm256_castps_si256(x);
    __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffff)),
                                                   _mm256_set1_epi32(0x3f800000)));
    __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
    __m256 ef = _mm256_add_ps(_mm256_cvtepi32_ps(e), e_adjust);
    ef = _mm256_add_ps(ef, _mm256_and_ps(big, _mm256_set1_ps(1.0f)));
    __m256 lm = lk_avx2_log1p_core_ps(_mm256_sub_ps(m, _mm256_set1_ps(1.0f)));
    /* e ln2 in two parts: the high part (9 bits) times e is exact */
    __m256 t = _mm256_fmadd_ps(ef, _mm256_set1_ps(-2.12194440e-4f), lm);
    return _mm256_fmadd_ps(ef, _mm256_set1_ps(0.693359375f), t);
}

/* log x with libm's special cases; subnormals are scaled by 2^23 first. */
LK_AVX2_INLINE __m256 lk_avx2_log_ps(__m256 x)
{
    __m256 sub = _mm256_cmp_ps(x, _mm256_set1_ps(1.17549435e-38f), _CMP_LT_OQ);
    __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(8388608.0f)), sub);
    __m256 y = lk_avx2_log_normal_ps(xs, _mm256_and_ps(sub, _mm256_set1_ps(-23.0f)));
    /* +inf and NaN give themselves, 0 gives -inf, negatives give NaN */
    y = _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, _mm256_set1_ps(INFINITY), _CMP_NLT_UQ));
    y = _mm256_blendv_ps(y, _mm256_set1_ps(-INFINITY),
                         _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
    return _mm256_blendv_ps(y, _mm256_set1_ps(NAN), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
}

/* log(1 + e) for e in [0, 1] (or NaN, which propagates): u = 1 + e rounds, and the first-order
 * correction (e - (u - 1)) / u restores what the rounding lost, so tiny e give e exactly. */
LK_AVX2_INLINE __m256 lk_avx2_log1p01_ps(__m256 e)
{
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 u = _mm256_add_ps(one, e);
    __m256 c = _mm256_div_ps(_mm256_sub_ps(e, _mm256_sub_ps(u, one)), u);
    return _mm256_add_ps(lk_avx2_log_normal_ps(u, _mm256_setzero_ps()), c);
}

/* sigmoid from e = exp(-|x|) (which never overflows): 1/(1+e) for x >= 0, e/(1+e) below. */
LK_AVX2_INLINE __m256 lk_avx2_sigmoid_from_e(__m256 x, __m256 e)
{
    __m256 num = _mm256_blendv_ps(_mm256_set1_ps(1.0f), e,
                                  _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    return _mm256_div_ps(num, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

LK_AVX2_INLINE __m256 lk_avx2_abs_ps(__m256 x)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

LK_AVX2_INLINE __m256 lk_avx2_sigmoid_ps(__m256 x)
{
    __m256 e = lk_avx2_exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), lk_avx2_abs_ps(x)));
    return lk_avx2_sigmoid_from_e(x, e);
}

/* softplus x = max(x, 0) + log1p(exp(-|x|)): no overflow for any x. */
LK_AVX2_INLINE __m256 lk_avx2_softplus_ps(__m256 x)
{
    __m256 e = lk_avx2_exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), lk_avx2_abs_ps(x)));
    return _mm256_add_ps(_mm256_max_ps(x, _mm256_setzero_ps()), lk_avx2_log1p01_ps(e));
}

/* tanh: for |x| < 0.625 an odd polynomial x + x z P(z), z = x^2 (a Chebyshev fit, 0.1 ulp);
 * above it 1 - 2/(e^{2|x|} + 1), where the cancellation costs under one bit; sign restored. */
LK_AVX2_INLINE __m256 lk_avx2_tanh_ps(__m256 x)
{
    __m256 ax = lk_avx2_abs_ps(x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(0.002295841695740819f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-0.00834698136895895f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(0.021769961342215538f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-0.05395940691232681f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(0.13333304226398468f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-0.3333333432674408f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(x, z), p, x);
    __m256 e = lk_avx2_exp_ps(_mm256_add_ps(ax, ax));
    __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                               _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    big = _mm256_or_ps(big, _mm256_and_ps(x, _mm256_set1_ps(-0.0f)));
    return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

#endif
