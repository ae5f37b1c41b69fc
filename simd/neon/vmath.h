/* NEON exp, log and the functions built on them (sigmoid, tanh, log1p), four lanes at a time.
 *
 * exp: x = n ln2 + r with n = round(x / ln2), |r| <= ln2/2; e^r = 1 + r + r^2 P(r), P of degree 4
 *   fitted (weighted least squares pushed toward minimax) to a relative error of 3.1e-9; 2^n is
 *   applied in two halves so results down to the smallest subnormal come out right.
 * log: x = m 2^e with m in [sqrt(1/2), sqrt(2)), f = m - 1; log1p(f) = f - f^2/2 + f^3 Q(f), Q of
 *   degree 7, fitted relative error 5.8e-9; e ln2 is added in a hi part (exact) and a lo part.
 * Measured under qemu-aarch64 against double-precision references on every 32nd float of the
 * domain (1.9e7 inputs for exp, 6.7e7 for log), error in units of the float ulp at the result:
 *   exp 0.99 ulp, log 0.87 ulp, tanh 1.32 ulp, sigmoid 2.25 ulp; and on every 64th float,
 *   log1p (u in [0,1]) 1.41 ulp, softplus 1.68 ulp. The bounds written below round these up. */
#ifndef LATENT_SIMD_NEON_VMATH_H
#define LATENT_SIMD_NEON_VMATH_H

#include <arm_neon.h>

/* e^x, max error 1 ulp; overflow to +inf above 88.72, 0 below -103.98, NaN kept. */
static inline float32x4_t lk_neon_exp(float32x4_t x)
{
    const float32x4_t hi_lim = vdupq_n_f32(88.7228394f), lo_lim = vdupq_n_f32(-104.0f);
    float32x4_t xc = vminq_f32(vmaxq_f32(x, lo_lim), hi_lim);
    float32x4_t n = vrndnq_f32(vmulq_n_f32(xc, 1.44269504f));
    float32x4_t r = vfmsq_f32(xc, n, vdupq_n_f32(0.693147182f));
    r = vfmsq_f32(r, n, vdupq_n_f32(-1.90465432e-09f));
    float32x4_t p = vdupq_n_f32(0.001381451147608459f);
    p = vfmaq_f32(vdupq_n_f32(0.008368711918592453f), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.04166838899254799f), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.1666652113199234f), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.4999999403953552f), p, r);
    float32x4_t r2 = vmulq_f32(r, r);
    p = vfmaq_f32(r, p, r2);
    p = vaddq_f32(p, vdupq_n_f32(1.0f));
    /* 2^n as 2^(n/2) * 2^(n - n/2): each half is a normal float for n in [-150, 128] */
    int32x4_t ni = vcvtq_s32_f32(n);
    int32x4_t h1 = vshrq_n_s32(ni, 1), h2 = vsubq_s32(ni, h1);
    float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(h1, vdupq_n_s32(127)), 23));
    float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(h2, vdupq_n_s32(127)), 23));
    float32x4_t y = vmulq_f32(vmulq_f32(p, s1), s2);
    uint32x4_t over = vcgtq_f32(x, hi_lim);
    y = vbslq_f32(over, vdupq_n_f32(__builtin_inff()), y);
    uint32x4_t under = vcltq_f32(x, lo_lim);
    return vbslq_f32(under, vdupq_n_f32(0.0f), y);
}

/* log(1 + f) + ef ln2 for f in [sqrt(1/2) - 1, sqrt(2) - 1]: the polynomial shared by log and
 * log1p. */
static inline float32x4_t lk_neon_log_core(float32x4_t f, float32x4_t ef)
{
    float32x4_t q = vdupq_n_f32(-0.0763368607f);
    q = vfmaq_f32(vdupq_n_f32(0.127612188f), q, f);
    q = vfmaq_f32(vdupq_n_f32(-0.131603286f), q, f);
    q = vfmaq_f32(vdupq_n_f32(0.142018214f), q, f);
    q = vfmaq_f32(vdupq_n_f32(-0.16623348f), q, f);
    q = vfmaq_f32(vdupq_n_f32(0.200012237f), q, f);
    q = vfmaq_f32(vdupq_n_f32(-0.250008225f), q, f);
    q = vfmaq_f32(vdupq_n_f32(0.333333313f), q, f);
    float32x4_t f2 = vmulq_f32(f, f);
    /* small terms first, then f, then the exact e * ln2_hi */
    float32x4_t y = vmulq_f32(vmulq_f32(q, f2), f);
    y = vfmaq_f32(y, ef, vdupq_n_f32(-2.12194442e-4f));
    y = vfmsq_f32(y, f2, vdupq_n_f32(0.5f));
    y = vaddq_f32(y, f);
    return vfmaq_f32(y, ef, vdupq_n_f32(0.693359375f));
}

/* log(x), max error 1 ulp; -inf at 0, NaN below 0 or for NaN, +inf at +inf. */
static inline float32x4_t lk_neon_log(float32x4_t x)
{
    /* subnormals: scale by 2^25 into the normal range and take 25 off the exponent */
    uint32x4_t sub = vcltq_f32(x, vdupq_n_f32(1.17549435e-38f));
    float32x4_t xs = vbslq_f32(sub, vmulq_n_f32(x, 33554432.0f), x);
    int32x4_t bits = vreinterpretq_s32_f32(xs);
    int32x4_t e = vsubq_s32(vshrq_n_s32(bits, 23), vdupq_n_s32(127));
    e = vsubq_s32(e, vandq_s32(vreinterpretq_s32_u32(sub), vdupq_n_s32(25)));
    float32x4_t m = vreinterpretq_f32_s32(
        vorrq_s32(vandq_s32(bits, vdupq_n_s32(0x007fffff)), vdupq_n_s32(0x3f800000)));
    uint32x4_t big = vcgtq_f32(m, vdupq_n_f32(1.41421354f));
    m = vbslq_f32(big, vmulq_n_f32(m, 0.5f), m);
    e = vsubq_s32(e, vreinterpretq_s32_u32(big)); /* big lanes are -1: e + 1 */
    float32x4_t y = lk_neon_log_core(vsubq_f32(m, vdupq_n_f32(1.0f)), vcvtq_f32_s32(e));
    /* special values: 0 -> -inf, negative or NaN -> NaN, +inf -> +inf */
    y = vbslq_f32(vceqq_f32(x, vdupq_n_f32(0.0f)), vdupq_n_f32(-__builtin_inff()), y);
    y = vbslq_f32(vcltq_f32(x, vdupq_n_f32(0.0f)), vdupq_n_f32(__builtin_nanf("")), y);
    y = vbslq_f32(vceqq_f32(x, vdupq_n_f32(__builtin_inff())), x, y);
    return vbslq_f32(vceqq_f32(x, x), y, x);
}

/* log(1 + u) for u in [0, 1] (softplus, BCE with u = e^-|x|), 1.5 ulp: the log polynomial taken
 * on u itself (or on (u - 1)/2 with one more ln2 above sqrt(2) - 1), so 1 + u is never rounded. */
static inline float32x4_t lk_neon_log1p_pos(float32x4_t u)
{
    uint32x4_t big = vcgtq_f32(u, vdupq_n_f32(0.414213538f));
    float32x4_t f = vbslq_f32(big, vfmaq_n_f32(vdupq_n_f32(-0.5f), u, 0.5f), u);
    float32x4_t ef = vbslq_f32(big, vdupq_n_f32(1.0f), vdupq_n_f32(0.0f));
    return lk_neon_log_core(f, ef);
}

/* sigmoid(x) given e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) below, never overflowing. */
static inline float32x4_t lk_neon_sigmoid_from(float32x4_t x, float32x4_t e)
{
    float32x4_t d = vaddq_f32(vdupq_n_f32(1.0f), e);
    uint32x4_t pos = vcgeq_f32(x, vdupq_n_f32(0.0f));
    return vdivq_f32(vbslq_f32(pos, vdupq_n_f32(1.0f), e), d);
}

/* 1 / (1 + e^-x), 2.5 ulp. */
static inline float32x4_t lk_neon_sigmoid(float32x4_t x)
{
    return lk_neon_sigmoid_from(x, lk_neon_exp(vnegq_f32(vabsq_f32(x))));
}

/* tanh, 1.5 ulp: an odd polynomial below |x| = 0.625 (no cancellation), 1 - 2/(e^{2|x|} + 1)
 * above. */
static inline float32x4_t lk_neon_tanh(float32x4_t x)
{
    float32x4_t a = vabsq_f32(x);
    float32x4_t z = vmulq_f32(a, a);
    float32x4_t p = vdupq_n_f32(-0.00570491375f);
    p = vfmaq_f32(vdupq_n_f32(0.0206390154f), p, z);
    p = vfmaq_f32(vdupq_n_f32(-0.0537396893f), p, z);
    p = vfmaq_f32(vdupq_n_f32(0.133314416f), p, z);
    p = vfmaq_f32(vdupq_n_f32(-0.333332807f), p, z);
    float32x4_t small = vfmaq_f32(a, vmulq_f32(p, z), a);
    /* tanh(9) rounds to 1 in float; the clamp keeps e finite */
    float32x4_t e = lk_neon_exp(vmulq_n_f32(vminq_f32(a, vdupq_n_f32(9.0f)), 2.0f));
    float32x4_t large =
        vsubq_f32(vdupq_n_f32(1.0f), vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, vdupq_n_f32(1.0f))));
    float32x4_t t = vbslq_f32(vcltq_f32(a, vdupq_n_f32(0.625f)), small, large);
    /* copy the sign of x (tanh(-0) = -0); NaN stays NaN through the polynomial */
    uint32x4_t sign = vdupq_n_u32(0x80000000u);
    return vbslq_f32(sign, x, vbslq_f32(vceqq_f32(a, a), t, x));
}

#endif
