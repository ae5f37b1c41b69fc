/* The random normals' hot loops over blocks of values, written once and compiled by each level
 * with its own flags (random_lanes.c): Philox4x32-10 on sixteen blocks side by side, and
 * Box-Muller with portable_math.c's log, sine and cosine. Integer operations and IEEE additions,
 * multiplications, divisions and square roots alone (never fused: -ffp-contract=off), each value
 * computed by the same operations in the same order as the one-value functions, so every level,
 * and x86-64 and aarch64 alike, give the same bits; only how many values go side by side in a
 * vector register changes. */
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
static inline double lk_round_even(double v)
{
    const double shift = 6755399441055744.0;
    return (v + shift) - shift;
}

/* x = k pi/2 + r: returns r and the quadrant k mod 4 */
static inline double lk_reduce_pio2(double x, int *quadrant)
{
    double k = lk_round_even(x * 0.63661977236758134308);
    *quadrant = (int)((int64_t)k & 3);
    return (x - k * LK_PIO2_HI) - k * LK_PIO2_LO;
}

/* Every step runs over a block of this many values before the next step, so the values' chains
 * of dependent operations overlap (and vectorize); values the fast path does not cover go
 * through the one-value function afterwards. */
enum { LK_LANES = 16 };

/* lk_log of n values. */
static inline void lanes_log_n(int64_t n, const double *x, double *y)
{
    for (int64_t i0 = 0; i0 < n; i0 += LK_LANES) {
        const int64_t b = n - i0 < LK_LANES ? n - i0 : LK_LANES;
        double e[LK_LANES], s[LK_LANES], z[LK_LANES], q[LK_LANES];
        int odd = 0;
        for (int64_t j = 0; j < b; j++) {
            union { double d; uint64_t u; } bits = {x[i0 + j]};
            const int biased = (int)(bits.u >> 52); /* the sign bit too: negatives are odd */
            odd |= biased == 0 || biased >= 0x7FF;
            bits.u = (bits.u & 0x000FFFFFFFFFFFFFull) | 0x3FE0000000000000ull;
            /* x = m 2^e, m in [sqrt(1/2), sqrt(2)) */
            const int low = bits.d < 0.70710678118654752440;
            const double m = low ? 2.0 * bits.d : bits.d, f = m - 1.0;
            e[j] = (double)(biased - 1022 - low);
            /* log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: the odd series to s^25 */
            s[j] = f / (2.0 + f);
            z[j] = s[j] * s[j];
            q[j] = 1.0 / 25.0;
        }
        for (int i = 23; i >= 1; i -= 2) {
            const double c = 1.0 / (double)i;
            for (int64_t j = 0; j < b; j++) q[j] = q[j] * z[j] + c;
        }
        for (int64_t j = 0; j < b; j++)
            y[i0 + j] = e[j] * LK_LN2_HI + (e[j] * LK_LN2_LO + 2.0 * s[j] * q[j]);
        /* zero, subnormal, negative, infinite or NaN: one at a time */
        for (int64_t j = 0; odd && j < b; j++) {
            union { double d; uint64_t u; } bits = {x[i0 + j]};
            const int biased = (int)(bits.u >> 52);
            if (biased == 0 || biased >= 0x7FF) y[i0 + j] = lk_log(x[i0 + j]);
        }
    }
}

/* lk_sincos of n values. */
static inline void lanes_sincos_n(int64_t n, const double *x, double *s, double *c)
{
    for (int64_t i0 = 0; i0 < n; i0 += LK_LANES) {
        const int64_t b = n - i0 < LK_LANES ? n - i0 : LK_LANES;
        double r[LK_LANES], z[LK_LANES], ps[LK_LANES], pc[LK_LANES];
        int q[LK_LANES];
        for (int64_t j = 0; j < b; j++) {
            r[j] = lk_reduce_pio2(x[i0 + j], &q[j]);
            z[j] = r[j] * r[j], ps[j] = LK_SIN_TOP, pc[j] = LK_COS_TOP;
        }
        for (int i = 0; i < 9; i++)
            for (int64_t j = 0; j < b; j++) ps[j] = ps[j] * z[j] + LK_SIN_C[i];
        for (int i = 0; i < 10; i++)
            for (int64_t j = 0; j < b; j++) pc[j] = pc[j] * z[j] + LK_COS_C[i];
        for (int64_t j = 0; j < b; j++) {
            const double sp = r[j] * ps[j], cp = pc[j];
            /* the quadrant's swap and signs, as lk_sincos's switch picks them */
            const double sv = q[j] & 1 ? cp : sp, cv = q[j] & 1 ? sp : cp;
            s[i0 + j] = q[j] & 2 ? -sv : sv;
            c[i0 + j] = (q[j] + 1) & 2 ? -cv : cv;
            if (!isfinite(x[i0 + j])) s[i0 + j] = c[i0 + j] = NAN;
        }
    }
}

/* Philox4x32-10 (Salmon et al. 2011), blocks ctr0 .. ctr0 + 15 of a stream lane by lane: out
 * holds the 16 blocks' four words each, in block order. */
static inline void lanes_philox_x16(const uint32_t ctr[4], const uint32_t key_in[2], uint32_t *out)
{
    enum { L = 16 };
    uint32_t c0[L], c1[L], c2[L], c3[L];
    for (int j = 0; j < L; j++) c0[j] = ctr[0] + (uint32_t)j, c1[j] = ctr[1], c2[j] = ctr[2], c3[j] = ctr[3];
    uint32_t k0 = key_in[0], k1 = key_in[1];
    for (int i = 0; i < 10; i++) {
        for (int j = 0; j < L; j++) {
            const uint64_t p0 = (uint64_t)0xD2511F53u * c0[j];
            const uint64_t p1 = (uint64_t)0xCD9E8D57u * c2[j];
            const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[j] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3[j] ^ k1;
            c1[j] = (uint32_t)p1, c3[j] = (uint32_t)p0, c0[j] = n0, c2[j] = n2;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (int j = 0; j < L; j++)
        out[4 * j] = c0[j], out[4 * j + 1] = c1[j], out[4 * j + 2] = c2[j], out[4 * j + 3] = c3[j];
}

/* Uniform in [0, 1) from two words, as latent_rng_uniform_double draws them. */
static inline double lk_uniform_double_of(uint32_t w0, uint32_t w1)
{
    uint64_t hi = w0 >> 5, lo = w1 >> 6;
    return (double)(hi * 67108864.0 + lo) * 0x1p-53;
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
