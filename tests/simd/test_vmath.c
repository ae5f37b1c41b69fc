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

typedef void (*batch_fn)(int64_t n, const float *x, float *y, const void *ctx);

/* Inputs gathered CHUNK at a time, each chunk run through fn and checked against ref. */
typedef struct runner {
    batch_fn fn;
    const void *ctx;
    ref_fn ref;
    int64_t n;
    sweep_result r;
    float x[CHUNK], y[CHUNK];
} runner;

static void flush(runner *u)
{
    if (u->n) { u->fn(u->n, u->x, u->y, u->ctx); check(u->x, u->n, u->y, u->ref, &u->r); u->n = 0; }
}

static void feed(runner *u, float v)
{
    u->x[u->n++] = v;
    if (u->n == CHUNK) flush(u);
}

static void feed_bits(runner *u, uint32_t bits)
{
    float v;
    memcpy(&v, &bits, sizeof v);
    feed(u, v);
}

/* The functions of a logit (sigmoid, tanh, softplus, the BCE loss) have their error in [-30, 30],
 * which the whole-range sweep passes only sparsely: they also take every 211th float there. */
#define LOGITS 30.0f
#define LOGIT_STRIDE 211u

/* Runs fn (a table entry taking (n, x, y)) over the sweep and the edge cases, and with dense_hi > 0
 * also over every LOGIT_STRIDE-th float bit pattern of [0, dense_hi], both signs. */
static sweep_result sweep(batch_fn fn, const void *ctx, ref_fn ref, float dense_hi)
{
    static runner u;
    u = (runner){.fn = fn, .ctx = ctx, .ref = ref};
    for (uint64_t b = 0; b <= 0xffffffffull; b += STRIDE) feed_bits(&u, (uint32_t)b);
    uint32_t top = 0;
    if (dense_hi > 0.0f) memcpy(&top, &dense_hi, sizeof top);
    for (uint32_t b = 0; top && b <= top; b += LOGIT_STRIDE) {
        feed_bits(&u, b);
        feed_bits(&u, b | 0x80000000u);
    }
    const float edges[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, FLT_MIN, FLT_MAX, -FLT_MAX,
                           1.0f, -1.0f, 1e-45f, -1e-45f, 88.72283f, 88.7229f, -87.33654f, -103.9721f,
                           -103.97208f, -104.0f, 89.0f, 0.625f, -0.625f, 0.62499994f, 9.0f, 17.0f,
                           -17.0f, 1.4142135f, 0.70710677f, 1.0000001f, 0.99999994f};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) feed(&u, edges[i]);
    flush(&u);
    return u.r;
}

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
Test(vmath, exp) { LEVEL_OR_SKIP(); expect_bound("exp", sweep(call_unary, &lk_active()->vexp, ref_exp, 0.0f), 1.0); }
Test(vmath, log) { LEVEL_OR_SKIP(); expect_bound("log", sweep(call_unary, &lk_active()->vlog, ref_log, 0.0f), 1.0); }
Test(vmath, sigmoid)
{
    LEVEL_OR_SKIP();
    expect_bound("sigmoid", sweep(call_act, &lk_active()->act_fwd[LATENT_ACT_SIGMOID], ref_sigmoid, LOGITS), 2.5);
}
Test(vmath, tanh)
{
    LEVEL_OR_SKIP();
    expect_bound("tanh", sweep(call_act, &lk_active()->act_fwd[LATENT_ACT_TANH], ref_tanh, LOGITS), 2.5);
}
Test(vmath, softplus)
{
    LEVEL_OR_SKIP();
    expect_bound("softplus", sweep(call_act, &lk_active()->act_fwd[LATENT_ACT_SOFTPLUS], ref_softplus, LOGITS), 2.5);
}
Test(vmath, bce_logits_term)
{
    LEVEL_OR_SKIP();
    expect_bound("bce_logits term (z = 0)", sweep(call_bce_term, NULL, ref_bce_z0, LOGITS), 2.5);
}
Test(vmath, bce_logits_gradient)
{
    LEVEL_OR_SKIP();
    expect_bound("bce_logits gradient (z = 0)", sweep(call_bce_grad, NULL, ref_sigmoid, LOGITS), 2.5);
}
