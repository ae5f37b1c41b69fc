/* Portable elementary functions: range reduction by exact steps, then polynomials evaluated in
 * double with plain multiplies and adds, in a fixed order. */
#include <math.h>
#include "lanes_math.h"

/* p 2^k, as ldexp gives it. For p in [0.5, 2) and k in [-1021, 1023] the result and 2^k are
 * normal, so one multiplication by 2^k (built from its bits) is exact; elsewhere (a subnormal
 * or infinite result) ldexp rounds once, the IEEE way. */
static inline double scale_pow2(double p, int k)
{
    if (k < -1021 || k > 1023) return ldexp(p, k);
    union { uint64_t u; double d; } two_k = {(uint64_t)(k + 1023) << 52};
    return p * two_k.d;
}

double lk_exp(double x)
{
    if (x != x) return x;
    if (x > 709.8) return INFINITY;
    if (x < -745.2) return 0.0;
    if (fabs(x) <= LK_EXP_PLAIN) return lk_exp_plain(x);
    /* x = k ln2 + r, |r| <= ln2 / 2; scaling by 2^k is exact (or rounds once, the IEEE way,
     * when the result is subnormal) */
    double k = lk_round_even(x * 1.44269504088896338700);
    double r = (x - k * LK_LN2_HI) - k * LK_LN2_LO;
    return scale_pow2(lk_exp_series(r), (int)k);
}

double lk_log(double x)
{
    if (x != x || x < 0.0) return NAN;
    if (x == 0.0) return -INFINITY;
    if (isinf(x)) return x;
    union { double d; uint64_t u; } bits = {x};
    const int biased = (int)(bits.u >> 52); /* x > 0: no sign bit */
    if (biased == 0) { /* subnormal: frexp's m, normal, gives the fraction bits */
        int e;
        bits.d = frexp(x, &e);
        return lk_log_frac(bits.u & LK_FRAC_BITS, e);
    }
    return lk_log_frac(bits.u & LK_FRAC_BITS, biased - 1022);
}

void lk_sincos(double x, double *s, double *c)
{
    if (!isfinite(x)) {
        *s = *c = NAN;
        return;
    }
    lk_sincos_finite(x, s, c);
}

void lk_log_n(int64_t n, const double *x, double *y) { lanes_log_n(n, x, y); }

void lk_sincos_n(int64_t n, const double *x, double *s, double *c) { lanes_sincos_n(n, x, s, c); }

double lk_sin(double x)
{
    double s, c;
    lk_sincos(x, &s, &c);
    return s;
}

double lk_cos(double x)
{
    double s, c;
    lk_sincos(x, &s, &c);
    return c;
}

double lk_pow_int(double b, int64_t e)
{
    double r = 1.0;
    while (e > 0) {
        if (e & 1) r *= b;
        b *= b;
        e >>= 1;
    }
    return r;
}

float lk_expf(float x) { return (float)lk_exp((double)x); }

float lk_logf(float x) { return (float)lk_log((double)x); }

float lk_log1pf(float x)
{
    double d = x;
    if (d != d || d < -1.0) return NAN;
    /* 1 + x is exact in double for a float x of at least 2^-29 in magnitude; below 1e-4 the
     * series to x^6 is within 1e-24 relative */
    if (fabs(d) < 1e-4) {
        double p = -1.0 / 6.0;
        p = p * d + 1.0 / 5.0;
        p = p * d - 1.0 / 4.0;
        p = p * d + 1.0 / 3.0;
        p = p * d - 1.0 / 2.0;
        p = p * d + 1.0;
        return (float)(d * p);
    }
    return (float)lk_log(1.0 + d);
}

float lk_tanhf(float x)
{
    double d = fabs((double)x), t;
    if (x != x) return x;
    if (d > 20.0) {
        t = 1.0;                              /* within 2^-57 of 1: rounds to 1 in float */
    } else if (d < 0x1p-12) {
        t = d - d * d * d / 3.0;              /* the next term is below 2^-48 relative */
    } else {
        double e = lk_exp(2.0 * d);           /* (e - 1) loses at most 2^-11 of e's precision */
        t = (e - 1.0) / (e + 1.0);
    }
    return (float)(x < 0.0f ? -t : t);
}
