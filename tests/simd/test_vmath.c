/* Error of the level's exp, log, sigmoid, tanh and softplus (and of the BCE loss kernel's own
 * softplus and sigmoid) in ulps against double-precision libm, over a sweep of the whole float
 * range (every STRIDE-th bit pattern, both signs) plus the special values, and for the functions
 * of a logit also densely over [-30, 30], where their error lives; the bounds asserted are the
 * ones written at the top of each vmath.h. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include "latent/isa.h"
#include "simd/conformance.h"

#define STRIDE 101u /* 42M inputs; the bounds in vmath.h were measured at 61 (70M) */
#define CHUNK 4096

typedef double (*ref_fn)(double);
static double ref_exp(double x) { return exp(x); }
static double ref_log(double x) { return log(x); }
static double ref_sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }
static double ref_tanh(double x) { return tanh(x); }
static double ref_softplus(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }
/* reference.md's BCE with logits at z = 0, as written: max(l, 0) - l z + log1p(exp(-|l|)), so an
 * infinite logit gives what the formula gives (NaN: inf times 0) */
static double ref_bce_z0(double x) { return fmax(x, 0.0) - x * 0.0 + log1p(exp(-fabs(x))); }

typedef struct sweep_result { double worst; float at; } sweep_result;

static void check(float *x, int64_t n, float *y, ref_fn ref, sweep_result *r)
{
    for (int64_t i = 0; i < n; i++) {
        double e = lk_ulp_error(y[i], ref((double)x[i]));
        /* a NaN error (NaN against a number) is the worst, and stays so */
        if (!isnan(r->worst) && !(e <= r->worst)) { r->worst = e; r->at = x[i]; }
    }
}

/* Runs fn (a table entry taking (n, x, y)) over the sweep and the edge cases. */
static sweep_result sweep(void (*fn)(int64_t, const float *, float *, const void *), const void *ctx,
                          ref_fn ref)
{
    static float x[CHUNK], y[CHUNK];
    sweep_result r = {0.0, 0.0f};
    int64_t n = 0;
    for (uint64_t b = 0; b <= 0xffffffffull; b += STRIDE) {
        uint32_t u = (uint32_t)b;
        memcpy(&x[n++], &u, sizeof u);
        if (n == CHUNK) { fn(n, x, y, ctx); check(x, n, y, ref, &r); n = 0; }
    }
    const float edges[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, FLT_MIN, FLT_MAX, -FLT_MAX,
                           1.0f, -1.0f, 1e-45f, -1e-45f, 88.72283f, 88.7229f, -87.33654f, -103.9721f,
                           -103.97208f, -104.0f, 89.0f, 0.625f, -0.625f, 0.62499994f, 9.0f, 17.0f,
                           -17.0f, 1.4142135f, 0.70710677f, 1.0000001f, 0.99999994f};
    n = 0;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) x[n++] = edges[i];
    fn(n, x, y, ctx);
    check(x, n, y, ref, &r);
    return r;
}

/* Every `stride`-th float bit pattern of [0, hi], both signs, run like sweep()'s chunks: where
 * a function's error lives in a narrow range that the whole-range sweep visits sparsely. */
static sweep_result sweep_within(void (*fn)(int64_t, const float *, float *, const void *),
                                 const void *ctx, ref_fn ref, float hi, uint32_t stride)
{
    static float x[CHUNK], y[CHUNK];
    sweep_result r = {0.0, 0.0f};
    uint32_t top;
    memcpy(&top, &hi, sizeof top);
    int64_t n = 0;
    for (uint32_t b = 0; b <= top; b += stride)
        for (int sign = 0; sign < 2; sign++) {
            const uint32_t u = b | (uint32_t)sign << 31;
            memcpy(&x[n++], &u, sizeof u);
            if (n == CHUNK) { fn(n, x, y, ctx); check(x, n, y, ref, &r); n = 0; }
        }
    if (n) { fn(n, x, y, ctx); check(x, n, y, ref, &r); }
    return r;
}

static sweep_result worse(sweep_result a, sweep_result b) { return b.worst > a.worst ? b : a; }

static void call_unary(int64_t n, const float *x, float *y, const void *ctx)
{
    (*(const lk_unary_fn *)ctx)(n, x, y);
}
static void call_act(int64_t n, const float *x, float *y, const void *ctx)
{
    (*(const lk_act_fwd_fn *)ctx)(n, x, y, 0.0f);
}

/* The BCE loss of one logit against z = 0 is softplus(l) (for finite l), its gradient (gscale 1)
 * sigmoid(l):
 * the loss kernel's own exp, log1p and sigmoid, element by element. */
static void call_bce_term(int64_t n, const float *x, float *y, const void *ctx)
{
    (void)ctx;
    const float zero = 0.0f;
    for (int64_t i = 0; i < n; i++) y[i] = (float)lk_active()->bce_logits(1, x + i, &zero, NULL, 0.0f);
}
static void call_bce_grad(int64_t n, const float *x, float *y, const void *ctx)
{
    (void)ctx;
    static float zeros[CHUNK];
    lk_active()->bce_logits(n, x, zeros, y, 1.0f);
}

static void expect_bound(const char *what, sweep_result r, double bound)
{
    cr_log_info("%s at %s: max error %.3f ulp (at x = %.9g)", what,
                latent_isa_name(lk_active()->isa), r.worst, (double)r.at);
    cr_expect(r.worst <= bound, "%s at %s: %.3f ulp at x = %.9g, bound %.2f", what,
              latent_isa_name(lk_active()->isa), r.worst, (double)r.at, bound);
}

#define LEVEL_OR_SKIP() \
    do { if (latent_isa_init_from_env() != LATENT_OK) cr_skip_test("%s", latent_last_error()); } while (0)

/* Bounds: the largest measured error over the levels (vmath.h, and glibc for the scalar level:
 * its tanhf measures 2.16 ulp), rounded up. */
Test(vmath, exp) { LEVEL_OR_SKIP(); expect_bound("exp", sweep(call_unary, &lk_active()->vexp, ref_exp), 1.0); }
Test(vmath, log) { LEVEL_OR_SKIP(); expect_bound("log", sweep(call_unary, &lk_active()->vlog, ref_log), 1.0); }
Test(vmath, sigmoid)
{
    LEVEL_OR_SKIP();
    const void *f = &lk_active()->act_fwd[LATENT_ACT_SIGMOID];
    expect_bound("sigmoid", worse(sweep(call_act, f, ref_sigmoid),
                 sweep_within(call_act, f, ref_sigmoid, 30.0f, 211)), 2.5);
}
Test(vmath, tanh)
{
    LEVEL_OR_SKIP();
    const void *f = &lk_active()->act_fwd[LATENT_ACT_TANH];
    expect_bound("tanh", worse(sweep(call_act, f, ref_tanh),
                 sweep_within(call_act, f, ref_tanh, 30.0f, 211)), 2.5);
}
Test(vmath, softplus)
{
    LEVEL_OR_SKIP();
    const void *f = &lk_active()->act_fwd[LATENT_ACT_SOFTPLUS];
    expect_bound("softplus", worse(sweep(call_act, f, ref_softplus),
                 sweep_within(call_act, f, ref_softplus, 30.0f, 211)), 2.5);
}
Test(vmath, bce_logits_term)
{
    LEVEL_OR_SKIP();
    expect_bound("bce_logits term (z = 0)", worse(sweep(call_bce_term, NULL, ref_bce_z0),
                 sweep_within(call_bce_term, NULL, ref_bce_z0, 30.0f, 211)), 2.5);
}
Test(vmath, bce_logits_gradient)
{
    LEVEL_OR_SKIP();
    expect_bound("bce_logits gradient (z = 0)", worse(sweep(call_bce_grad, NULL, ref_sigmoid),
                 sweep_within(call_bce_grad, NULL, ref_sigmoid, 30.0f, 211)), 2.5);
}
