/* AVX-512 vector math (16 floats): exp, log, sigmoid, tanh, softplus, and the tail/reduction
 * helpers every AVX-512 kernel shares. Header-only so any AVX-512 kernel (GEMM epilogues too)
 * can inline it.
 *
 * Measured maximum error against double-precision libm, result vs exact, with tests/simd/
 * test_vmath.c's sweep run over every 61st float bit pattern (both signs, 70M inputs) and every
 * 7th (613M) plus the edge cases; the suite itself runs every 101st:
 *   exp 0.93 ulp, log 0.95 ulp, sigmoid 2.33 ulp, tanh 1.36 ulp, softplus 2.01 ulp
 * (sigmoid's 2.3 is the e/(1+e) form's own: with a correctly rounded exp it measures the same)
 * (ulps of the exact result; results in the subnormal range are measured in units of 2^-149).
 * Specials follow libm: exp(-inf) = 0, exp(+inf) = +inf, overflow to +inf, gradual underflow;
 * log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf; NaN in gives NaN out everywhere.
 * Needs -mavx512f -mavx512dq (the AVX-512 library's flags). */
#ifndef LATENT_SIMD_AVX512_VMATH_H
#define LATENT_SIMD_AVX512_VMATH_H

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#define LK_AVX512_INLINE static inline __attribute__((always_inline))

/* Lanes [0, rem) set, for 0 <= rem <= 16. */
LK_AVX512_INLINE __mmask16 lk_avx512_tail_mask(int64_t rem)
{
    return (__mmask16)((1u << rem) - 1u);
}

/* Loads/stores 16 floats, or only the lanes of `m` when `full` is 0 (masked-off lanes read as 0
 * and are never touched in memory, so a tail never faults past the end). */
LK_AVX512_INLINE __m512 lk_avx512_ld(const float *p, __mmask16 m, int full)
{
    return full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}
LK_AVX512_INLINE void lk_avx512_st(float *p, __m512 v, __mmask16 m, int full)
{
    if (full) _mm512_storeu_ps(p, v);
    else _mm512_mask_storeu_ps(p, m, v);
}

/* Sum of the 16 lanes in double, always in the same order (pairs of halves), so a reduction's
 * bytes depend only on its length. */
LK_AVX512_INLINE double lk_avx512_hsum_pd(__m512 v)
{
    __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m512d s = _mm512_add_pd(lo, hi);
    __m256d s4 = _mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1));
    __m128d t = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    return _mm_cvtsd_f64(_mm_add_sd(t, _mm_unpackhi_pd(t, t)));
}

/* e^x. Range reduction x = n ln2 + r, |r| <= ln2/2 (Cody-Waite, two-part ln2 with FMA), the
 * degree-7 Taylor polynomial of e^r (truncation < 0.05 ulp), then scalef applies 2^n with a
 * single rounding, which gives libm's overflow to +inf and gradual underflow. */
LK_AVX512_INLINE __m512 lk_avx512_exp_ps(__m512 x)
{
    /* max/min return their second operand on NaN: x comes second so NaN survives. */
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* log(1 + f) for f = m - 1 (exact), m in [0.75, 1.5): with s = f / (2 + f),
 * log(1 + f) = 2 atanh(s) = f - s (f - R), R = 2s^2/3 + 2s^4/5 + ... (|s| <= 0.2, five terms
 * leave < 1e-9 relative); f enters unrounded, which keeps the result near 0.5 ulp. */
LK_AVX512_INLINE __m512 lk_avx512_log1p_core_ps(__m512 f)
{
    __m512 s = _mm512_div_ps(f, _mm512_add_ps(_mm512_set1_ps(2.0f), f));
    __m512 z = _mm512_mul_ps(s, s);
    __m512 R = _mm512_set1_ps(2.0f / 11.0f);
    R = _mm512_fmadd_ps(R, z, _mm512_set1_ps(2.0f / 9.0f));
    R = _mm512_fmadd_ps(R, z, _mm512_set1_ps(2.0f / 7.0f));
    R = _mm512_fmadd_ps(R, z, _mm512_set1_ps(2.0f / 5.0f));
    R = _mm512_fmadd_ps(R, z, _mm512_set1_ps(2.0f / 3.0f));
    R = _mm512_mul_ps(R, z);
    return _mm512_fnmadd_ps(s, _mm512_sub_ps(f, R), f);
}

/* log x for finite x > 0 (subnormals included: getexp/getmant normalize them), no specials:
 * x = 2^e m with m in [0.75, 1.5). */
LK_AVX512_INLINE __m512 lk_avx512_log_positive_ps(__m512 x)
{
    __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_zero);
    __m512 e = _mm512_getexp_ps(x);
    /* getmant picked m < 1 when x's own mantissa was >= 1.5, i.e. x = 2^(e+1) m */
    e = _mm512_mask_add_ps(e, _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.0f), _CMP_LT_OQ), e,
                           _mm512_set1_ps(1.0f));
    __m512 lm = lk_avx512_log1p_core_ps(_mm512_sub_ps(m, _mm512_set1_ps(1.0f)));
    /* e ln2 in two parts: the high part (9 bits) times e is exact */
    __m512 t = _mm512_fmadd_ps(e, _mm512_set1_ps(-2.12194440e-4f), lm);
    return _mm512_fmadd_ps(e, _mm512_set1_ps(0.693359375f), t);
}

/* log x with libm's special cases. */
LK_AVX512_INLINE __m512 lk_avx512_log_ps(__m512 x)
{
    __m512 y = lk_avx512_log_positive_ps(x);
    /* +inf and NaN give themselves, 0 gives -inf, negatives give NaN */
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(INFINITY), _CMP_NLT_UQ), x);
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ),
                           _mm512_set1_ps(-INFINITY));
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ),
                              _mm512_set1_ps(NAN));
}

/* log(1 + e) for e in [0, 1] (or NaN, which propagates): u = 1 + e rounds, and the first-order
 * correction (e - (u - 1)) / u restores what the rounding lost, so tiny e give e exactly. */
LK_AVX512_INLINE __m512 lk_avx512_log1p01_ps(__m512 e)
{
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 u = _mm512_add_ps(one, e);
    __m512 c = _mm512_div_ps(_mm512_sub_ps(e, _mm512_sub_ps(u, one)), u);
    return _mm512_add_ps(lk_avx512_log_positive_ps(u), c);
}

/* sigmoid from e = exp(-|x|) (which never overflows): 1/(1+e) for x >= 0, e/(1+e) below. */
LK_AVX512_INLINE __m512 lk_avx512_sigmoid_from_e(__m512 x, __m512 e)
{
    __m512 num = _mm512_mask_mov_ps(_mm512_set1_ps(1.0f),
                                    _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), e);
    return _mm512_div_ps(num, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

LK_AVX512_INLINE __m512 lk_avx512_abs_ps(__m512 x)
{
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x),
                                                _mm512_set1_epi32(0x7fffffff)));
}

LK_AVX512_INLINE __m512 lk_avx512_neg_abs_ps(__m512 x)
{
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x),
                                               _mm512_set1_epi32((int)0x80000000u)));
}

LK_AVX512_INLINE __m512 lk_avx512_sigmoid_ps(__m512 x)
{
    return lk_avx512_sigmoid_from_e(x, lk_avx512_exp_ps(lk_avx512_neg_abs_ps(x)));
}

/* softplus x = max(x, 0) + log1p(exp(-|x|)): no overflow for any x. */
LK_AVX512_INLINE __m512 lk_avx512_softplus_ps(__m512 x)
{
    __m512 e = lk_avx512_exp_ps(lk_avx512_neg_abs_ps(x));
    return _mm512_add_ps(_mm512_max_ps(x, _mm512_setzero_ps()), lk_avx512_log1p01_ps(e));
}

/* tanh: for |x| < 0.625 an odd polynomial x + x z P(z), z = x^2 (a Chebyshev fit, 0.1 ulp);
 * above it 1 - 2/(e^{2|x|} + 1), where the cancellation costs under one bit; sign restored. */
LK_AVX512_INLINE __m512 lk_avx512_tanh_ps(__m512 x)
{
    __m512 ax = lk_avx512_abs_ps(x);
    __m512 z = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(0.002295841695740819f);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-0.00834698136895895f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(0.021769961342215538f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-0.05395940691232681f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(0.13333304226398468f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-0.3333333432674408f));
    __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(x, z), p, x);
    __m512 e = lk_avx512_exp_ps(_mm512_add_ps(ax, ax));
    __m512 big = _mm512_sub_ps(_mm512_set1_ps(1.0f),
                               _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
    /* copy x's sign onto big (big >= 0 or NaN) */
    big = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(big), _mm512_castps_si512(x),
                                                        _mm512_set1_epi32((int)0x80000000u), 0xF8));
    return _mm512_mask_mov_ps(big, _mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.625f), _CMP_LT_OQ), small);
}

#endif
