/* The cores of portable_math.c's log, sine and cosine, and the random normals' hot loops over
 * blocks of values, written once and compiled by each level with its own flags (random_lanes.c;
 * portable_math.c builds the one-value functions from the same cores): Philox4x32-10 on sixteen
 * blocks side by side, and Box-Muller. Integer operations and IEEE additions, multiplications,
 * divisions and square roots alone (never fused: -ffp-contract=off), each value computed by the
 * same operations in the same order whether alone or in a block, so every level, and x86-64 and
 * aarch64 alike, give the same bits; only how many values share a vector register changes. */
#ifndef LATENT_SIMD_LANES_MATH_H
#define LATENT_SIMD_LANES_MATH_H

#include <math.h>
#include <stdint.h>
#include "portable_math.h"

/* ln 2 and pi / 2 split so that k times the high part (32 and 33 bits) is exact for the k used
 * here; the low parts are the rest, rounded to double. */
static const double LK_LN2_HI = 6.93147180369123816490e-01, LK_LN2_LO = 1.90821492927058770002e-10;
static const double LK_PIO2_HI = 1.57079632673412561417e+00, LK_PIO2_LO = 6.07710050650619224932e-11;

/* sin and cos of r, |r| <= pi / 4, by their Taylor series (to r^19 and r^20): Horner's rule in
 * z = r^2 from the top coefficient down */
static const double LK_SIN_TOP = -1.0 / 121645100408832000.0;
static const double LK_SIN_C[9] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0,
                                   1.0 / 6227020800.0, -1.0 / 39916800.0, 1.0 / 362880.0,
                                   -1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0, 1.0};
static const double LK_COS_TOP = 1.0 / 2432902008176640000.0;
static const double LK_COS_C[10] = {-1.0 / 6402373705728000.0, 1.0 / 20922789888000.0,
                                    -1.0 / 87178291200.0, 1.0 / 479001600.0, -1.0 / 3628800.0,
                                    1.0 / 40320.0, -1.0 / 720.0, 1.0 / 24.0, -0.5, 1.0};

/* nearbyint(v) in the default rounding mode, for |v| < 2^51: adding 1.5 * 2^52 leaves no
 * fraction bits, so the sum rounds v to the nearest integer, ties to even. Inline, where libm's
 * nearbyint is a call that costs as much as the polynomial after it. */
#define LK_ROUND_SHIFT 6755399441055744.0
static inline double lk_round_even(double v) { return (v + LK_ROUND_SHIFT) - LK_ROUND_SHIFT; }

/* x = k pi/2 + r: returns r and the quadrant k mod 4. k is lk_round_even(x 2/pi); the quadrant
 * comes from the rounded sum's low bits (1.5 * 2^52 + k, whose last two bits are k's: AVX2
 * converts no double to a 64-bit integer). */
static inline double lk_reduce_pio2(double x, int *quadrant)
{
    const double t = x * 0.63661977236758134308 + LK_ROUND_SHIFT, k = t - LK_ROUND_SHIFT;
    union { double d; uint64_t u; } bits = {t};
    *quadrant = (int)(bits.u & 3);
    return (x - k * LK_PIO2_HI) - k * LK_PIO2_LO;
}

/* e^r for |r| <= ln2 / 2 by its Taylor series to r^14 / 14! (below 5e-18 at |r| = 0.347),
 * Horner's rule from the top coefficient down. */
static inline double lk_exp_series(double r)
{
    static const double inv_fact[14] = {
        1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
        1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0,
        1.0 / 6.0, 0.5, 1.0, 1.0};
    double p = 1.0 / 87178291200.0;
    for (int i = 0; i < 14; i++) p = p * r + inv_fact[i];
    return p;
}

/* lk_exp(x) for |x| <= LK_EXP_PLAIN: x = k ln2 + r, e^x = e^r 2^k with 2^k normal, so the
 * scaling is one exact multiplication. 2^k's bits come from the rounded sum's (1.5 * 2^52 + k
 * holds k in its low bits), integer operations every level vectorizes. */
#define LK_EXP_PLAIN 700.0
static inline double lk_exp_plain(double x)
{
    const double t = x * 1.44269504088896338700 + LK_ROUND_SHIFT, k = t - LK_ROUND_SHIFT;
    const double r = (x - k * LK_LN2_HI) - k * LK_LN2_LO;
    union { double d; uint64_t u; } sum = {t}, shift = {LK_ROUND_SHIFT};
    union { uint64_t u; double d; } two_k = {(sum.u - shift.u + 1023u) << 52};
    return lk_exp_series(r) * two_k.d;
}

/* log(m 2^e) for m in [sqrt(1/2), sqrt(2)). */
static inline double lk_log_series(double m, int e)
{
    /* log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: the odd series to s^25 */
    const double f = m - 1.0, s = f / (2.0 + f), z = s * s;
    double q = 1.0 / 25.0;
    for (int i = 23; i >= 1; i -= 2) q = q * z + 1.0 / (double)i;
    return (double)e * LK_LN2_HI + ((double)e * LK_LN2_LO + 2.0 * s * q);
}

/* log(m 2^e), m in [0.5, 1) given by its 52 fraction bits (as frexp would give m and e): lk_log
 * past its special cases. m below sqrt(1/2) (0x3FE6A09E667F3BCD) is doubled (into [sqrt(1/2),
 * sqrt(2))) by its exponent's bits one up, a select of integers, which keeps a loop of these
 * free of branches (gcc leaves a multiplication under a condition a branch). */
static inline double lk_log_frac(uint64_t frac, int e)
{
    const int low = frac < 0x6A09E667F3BCDull;
    union { uint64_t u; double d; } m = {frac | (low ? 0x3FF0000000000000ull : 0x3FE0000000000000ull)};
    return lk_log_series(m.d, e - low);
}

#define LK_FRAC_BITS 0x000FFFFFFFFFFFFFull

/* sin and cos of a finite x: lk_sincos past its special case. */
static inline void lk_sincos_finite(double x, double *s, double *c)
{
    int q;
    const double r = lk_reduce_pio2(x, &q), z = r * r;
    double ps = LK_SIN_TOP, pc = LK_COS_TOP;
    for (int i = 0; i < 9; i++) ps = ps * z + LK_SIN_C[i];
    for (int i = 0; i < 10; i++) pc = pc * z + LK_COS_C[i];
    const double sp = r * ps, cp = pc;
    /* the quadrant swaps sine and cosine (odd) and flips their signs */
    const double sv = q & 1 ? cp : sp, cv = q & 1 ? sp : cp;
    *s = q & 2 ? -sv : sv;
    *c = (q + 1) & 2 ? -cv : cv;
}

/* lk_log of n values: the normal positive ones side by side (each a chain of dependent
 * operations, which one value at a time leaves the core waiting on), then the rest (zero,
 * subnormal, negative, infinite, NaN) one at a time. */
static inline void lanes_log_n(int64_t n, const double *x, double *y)
{
    int odd = 0;
    for (int64_t i = 0; i < n; i++) {
        union { double d; uint64_t u; } bits = {x[i]};
        const int biased = (int)(bits.u >> 52); /* the sign bit too: negatives are odd */
        odd |= (biased == 0) | (biased >= 0x7FF);
        y[i] = lk_log_frac(bits.u & LK_FRAC_BITS, biased - 1022);
    }
    for (int64_t i = 0; odd && i < n; i++) {
        union { double d; uint64_t u; } bits = {x[i]};
        const int biased = (int)(bits.u >> 52);
        if (biased == 0 || biased >= 0x7FF) y[i] = lk_log(x[i]);
    }
}

/* lk_exp of n values: those within +-LK_EXP_PLAIN side by side, then the rest (NaN, the
 * infinities, results that overflow or are subnormal) one at a time. */
static inline void lanes_exp_n(int64_t n, const double *x, double *y)
{
    int odd = 0;
    for (int64_t i = 0; i < n; i++) {
        odd |= !(fabs(x[i]) <= LK_EXP_PLAIN);
        y[i] = lk_exp_plain(x[i]);
    }
    for (int64_t i = 0; odd && i < n; i++)
        if (!(fabs(x[i]) <= LK_EXP_PLAIN)) y[i] = lk_exp(x[i]);
}

/* lk_sincos of n values, side by side. */
static inline void lanes_sincos_n(int64_t n, const double *x, double *s, double *c)
{
    for (int64_t i = 0; i < n; i++) {
        lk_sincos_finite(x[i], &s[i], &c[i]);
        if (!isfinite(x[i])) s[i] = c[i] = NAN;
    }
}

/* Philox4x32-10 (Salmon et al. 2011): its multipliers and key increments, one block, and
 * blocks ctr .. ctr + 15 (first word counting), four words each in block order (the levels
 * without a vector version of their own). */
#define LK_PHILOX_M0 0xD2511F53u
#define LK_PHILOX_M1 0xCD9E8D57u
#define LK_PHILOX_W0 0x9E3779B9u
#define LK_PHILOX_W1 0xBB67AE85u

static inline void lk_philox10(const uint32_t in[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = in[0], c1 = in[1], c2 = in[2], c3 = in[3], k0 = key[0], k1 = key[1];
    for (int i = 0; i < 10; i++) {
        const uint64_t p0 = (uint64_t)LK_PHILOX_M0 * c0, p1 = (uint64_t)LK_PHILOX_M1 * c2;
        c0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, c1 = (uint32_t)p1;
        c2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1, c3 = (uint32_t)p0;
        k0 += LK_PHILOX_W0, k1 += LK_PHILOX_W1;
    }
    out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

static inline void lanes_philox_x16(const uint32_t ctr[4], const uint32_t key[2], uint32_t *out)
{
    for (uint32_t j = 0; j < 16; j++) {
        const uint32_t in[4] = {ctr[0] + j, ctr[1], ctr[2], ctr[3]};
        lk_philox10(in, key, out + 4 * j);
    }
}

/* Uniform in [0, 1) from two words, as latent_rng_uniform_double draws them. */
static inline double lk_uniform_double_of(uint32_t w0, uint32_t w1)
{
    /* 27 and 26 bits: exact as signed 32-bit integers and as doubles, and so is the sum (AVX2
     * converts signed 32-bit integers to double, not 64-bit or unsigned ones) */
    const int32_t hi = (int32_t)(w0 >> 5), lo = (int32_t)(w1 >> 6);
    return ((double)hi * 67108864.0 + (double)lo) * 0x1p-53;
}

/* Box-Muller on pairs (at most LK_NORMAL_PAIRS) of four words each: pair p's cosine normal in
 * first[p], its sine one in second[p]. */
enum { LK_NORMAL_PAIRS = 64 };
static inline void lanes_normal_pairs(int64_t pairs, const uint32_t *w, float *first, float *second)
{
    double u1[LK_NORMAL_PAIRS], lg[LK_NORMAL_PAIRS], a[LK_NORMAL_PAIRS], s[LK_NORMAL_PAIRS],
        c[LK_NORMAL_PAIRS];
    for (int64_t p = 0; p < pairs; p++) {
        /* u1 in (0, 1] so the log is finite */
        u1[p] = 1.0 - lk_uniform_double_of(w[4 * p], w[4 * p + 1]);
        a[p] = 6.283185307179586 * lk_uniform_double_of(w[4 * p + 2], w[4 * p + 3]);
    }
    lanes_log_n(pairs, u1, lg);
    lanes_sincos_n(pairs, a, s, c);
    for (int64_t p = 0; p < pairs; p++) {
        const double rad = sqrt(-2.0 * lg[p]);
        first[p] = (float)(rad * c[p]);
        second[p] = (float)(rad * s[p]);
    }
}

#endif
