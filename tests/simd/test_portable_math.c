/* The portable elementary functions against glibc's double ones (the reference here, not the
 * thing replaced): relative error of the doubles, ulps of the floats, special values. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "simd/portable_math.h"

/* Distance of a from ref in ulps of the float nearest ref. */
static double ulps(float a, double ref)
{
    float r = (float)ref;
    if (a == r) return 0.0;
    float up = nextafterf(fabsf(r), INFINITY);
    return fabs((double)a - ref) / ((double)up - fabsf(r));
}

/* A fixed sequence of uniforms in [0, 1) (no dependence on the C library's rand). */
static double uniform(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s / 4294967296.0;
}

Test(portable_math, doubles_within_5e16)
{
    uint32_t s = 7;
    double e_exp = 0, e_log = 0, e_sin = 0, e_cos = 0;
    for (int i = 0; i < 2000000; i++) {
        double u = uniform(&s), x = (u - 0.5) * 1400.0, want = exp(x);
        if (want > 1e-300 && isfinite(want)) e_exp = fmax(e_exp, fabs(lk_exp(x) - want) / want);
        double y = exp((u - 0.5) * 1400.0), l = log(y);
        if (fabs(l) > 1e-3) e_log = fmax(e_log, fabs(lk_log(y) - l) / fabs(l));
        double t = u * 6.283185307179586;
        e_sin = fmax(e_sin, fabs(lk_sin(t) - sin(t)));
        e_cos = fmax(e_cos, fabs(lk_cos(t) - cos(t)));
    }
    cr_expect(e_exp < 5e-16, "exp: relative error %g", e_exp);
    cr_expect(e_log < 5e-16, "log: relative error %g", e_log);
    cr_expect(e_sin < 2.5e-16, "sin: absolute error %g on [0, 2 pi)", e_sin);
    cr_expect(e_cos < 2.5e-16, "cos: absolute error %g on [0, 2 pi)", e_cos);
}

Test(portable_math, floats_within_one_ulp)
{
    uint32_t s = 11;
    double m_exp = 0, m_log = 0, m_log1p = 0, m_tanh = 0;
    for (int i = 0; i < 2000000; i++) {
        double u = uniform(&s);
        float x = (float)((u - 0.5) * 200.0);
        double e = exp((double)x);
        if (e > 1e-37 && e < 3e38) m_exp = fmax(m_exp, ulps(lk_expf(x), e));
        float p = (float)(u * 1e4);
        if (p > 0.0f) m_log = fmax(m_log, ulps(lk_logf(p), log((double)p)));
        float q = (float)(exp((u - 0.9) * 40.0) - 0.99999);
        if (q > -1.0f && q != 0.0f) m_log1p = fmax(m_log1p, ulps(lk_log1pf(q), log1p((double)q)));
        float t = (float)((u - 0.5) * (i % 2 ? 0.01 : 30.0));
        if (t != 0.0f) m_tanh = fmax(m_tanh, ulps(lk_tanhf(t), tanh((double)t)));
    }
    cr_expect(m_exp <= 1.0, "expf: %g ulp", m_exp);
    cr_expect(m_log <= 1.0, "logf: %g ulp", m_log);
    cr_expect(m_log1p <= 1.0, "log1pf: %g ulp", m_log1p);
    cr_expect(m_tanh <= 1.0, "tanhf: %g ulp", m_tanh);
}

Test(portable_math, special_values_and_powers)
{
    cr_expect(isinf(lk_exp(1000.0)) && lk_exp(1000.0) > 0);
    cr_expect_eq(lk_exp(-1000.0), 0.0);
    cr_expect_eq(lk_exp(0.0), 1.0);
    cr_expect(isnan(lk_exp(NAN)));
    cr_expect(isinf(lk_log(0.0)) && lk_log(0.0) < 0);
    cr_expect(isnan(lk_log(-1.0)));
    cr_expect_eq(lk_log(1.0), 0.0);
    cr_expect(isinf(lk_log(INFINITY)));
    cr_expect_eq(lk_log1pf(0.0f), 0.0f);
    cr_expect(isinf(lk_log1pf(-1.0f)));
    cr_expect(isnan(lk_log1pf(-2.0f)));
    cr_expect_eq(lk_tanhf(100.0f), 1.0f);
    cr_expect_eq(lk_tanhf(-100.0f), -1.0f);
    cr_expect_eq(lk_tanhf(0.0f), 0.0f);
    cr_expect(isnan(lk_tanhf(NAN)));
    cr_expect_eq(lk_expf(-200.0f), 0.0f);
    cr_expect(isinf(lk_expf(100.0f)));
    /* the subnormal range rounds once, as IEEE says */
    cr_expect(fabs(lk_exp(-740.0) - exp(-740.0)) <= 4.9e-324);
    cr_expect_eq(lk_pow_int(0.9, 0), 1.0);
    cr_expect_eq(lk_pow_int(2.0, 10), 1024.0);
    /* each squaring doubles the relative error: about e x 2^-53 in all, far below float's */
    cr_expect(fabs(lk_pow_int(0.999, 1000) / pow(0.999, 1000.0) - 1.0) < 1000 * 0x1p-53);
}

/* FNV-1a over a double's bytes. */
static uint64_t hash_double(uint64_t h, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++) h = (h ^ ((u >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    return h;
}

/* The functions' bits, frozen: hashes of a million values each over their whole ranges (exp up
 * to overflow and through the subnormal results, log from subnormal inputs up), taken from the
 * versions every checkpoint so far was trained with. A faster formulation must give the same
 * bits, on x86-64 and aarch64 alike. */
Test(portable_math, bits_frozen)
{
    uint64_t he = 0xcbf29ce484222325ull, hl = he, hs = he, hc = he, hf = he;
    uint32_t s = 3;
    for (int i = 0; i < 1000000; i++) {
        const double u = uniform(&s);
        he = hash_double(he, lk_exp((u - 0.5) * 1460.0));
        he = hash_double(he, lk_exp(-708.5 + u * 2.0)); /* around the smallest normal result */
        he = hash_double(he, lk_exp(708.5 + u * 1.5));  /* around the largest finite one */
        hl = hash_double(hl, lk_log(ldexp(0.5 + u * 0.5, (int)(u * 2098.0) - 1074)));
        hl = hash_double(hl, lk_log(0.5 + u));
        const double t = (u - 0.5) * 2000.0;
        double sv, cv;
        lk_sincos(t, &sv, &cv);
        cr_assert(memcmp(&sv, &(double){lk_sin(t)}, 8) == 0 && memcmp(&cv, &(double){lk_cos(t)}, 8) == 0,
                  "sincos(%a) is not sin and cos", t);
        hs = hash_double(hs, sv);
        hc = hash_double(hc, cv);
        hf = hash_double(hf, (double)lk_expf((float)((u - 0.5) * 200.0)));
        hf = hash_double(hf, (double)lk_tanhf((float)((u - 0.5) * 30.0)));
        hf = hash_double(hf, (double)lk_log1pf((float)(u * 10.0 - 0.999)));
    }
    cr_expect_eq(he, 0x9ac18479e0f50804ull, "exp: %016llx", (unsigned long long)he);
    cr_expect_eq(hl, 0x17c090a553a0eaeeull, "log: %016llx", (unsigned long long)hl);
    cr_expect_eq(hs, 0xd90a454473599b7cull, "sin: %016llx", (unsigned long long)hs);
    cr_expect_eq(hc, 0xb6b1003c1dcd00cbull, "cos: %016llx", (unsigned long long)hc);
    cr_expect_eq(hf, 0x968b98f988da4f2full, "expf, tanhf, log1pf: %016llx", (unsigned long long)hf);
}

/* lk_log_n and lk_sincos_n give each value the bits of one call: over the ranges above, the
 * special values mixed in at every position of a block, and every length up to a few blocks. */
Test(portable_math, batched_equal_one_by_one)
{
    enum { N = 4099 };
    static double x[N], t[N], y[N], s[N], c[N];
    const double special[] = {0.0, -0.0, -1.0, INFINITY, -INFINITY, NAN, 0x1p-1074, 0x1p-1022,
                              0x1.fffffffffffffp-1023, 1.0, 0x1.fffffffffffffp1023, 1e300};
    uint32_t st = 11;
    for (int i = 0; i < N; i++) {
        const double u = uniform(&st);
        x[i] = i % 3 ? ldexp(0.5 + u * 0.5, (int)(u * 2098.0) - 1074) : 0.5 + u;
        t[i] = i % 2 ? (u - 0.5) * 2000.0 : 6.283185307179586 * u;
        if (i % 37 == 5) x[i] = t[i] = special[(i / 37) % (sizeof special / sizeof *special)];
    }
    for (int n = 0; n <= N; n += n < 40 ? 1 : 1021) {
        lk_log_n(n, x, y);
        lk_sincos_n(n, t, s, c);
        for (int i = 0; i < n; i++) {
            double sv, cv, lv = lk_log(x[i]);
            lk_sincos(t[i], &sv, &cv);
            cr_assert(memcmp(&y[i], &lv, 8) == 0, "log(%a): %a one by one, %a batched (n %d)",
                      x[i], lv, y[i], n);
            cr_assert(memcmp(&s[i], &sv, 8) == 0 && memcmp(&c[i], &cv, 8) == 0,
                      "sincos(%a): %a %a one by one, %a %a batched (n %d)", t[i], sv, cv, s[i],
                      c[i], n);
        }
    }
}
