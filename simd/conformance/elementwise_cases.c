/* Conformance cases for activations, exp/log, losses, reductions, optimizers and the k-means
 * sums: each level's kernel against a reference computed here in double (not against another
 * table), over awkward sizes, pointers one float off alignment, in-place calls, inputs where naive
 * forms overflow, and guards around every output that must stay untouched. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../conformance.h"

static const int64_t sizes[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 255, 1000, 4097};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))
#define EPS ((double)FLT_EPSILON)
#define GUARD 2
static const float sentinel = -12345.5f;

/* A float buffer of n elements starting `off` floats past a malloc'd base, with GUARD sentinel
 * floats on both sides to catch a store outside [0, n). */
typedef struct buf {
    float *base, *p;
    int64_t n;
} buf;

static buf buf_new(int64_t n, int off)
{
    buf b;
    b.n = n;
    b.base = malloc((size_t)(n + 2 * GUARD + 1) * sizeof(float));
    if (!b.base) abort();
    for (int64_t i = 0; i < n + 2 * GUARD + 1; i++) b.base[i] = sentinel;
    b.p = b.base + GUARD + off;
    return b;
}

static int buf_guards_intact(const buf *b)
{
    int64_t lo = b->p - b->base;
    for (int64_t i = 0; i < b->n + 2 * GUARD + 1; i++)
        if ((i < lo || i >= lo + b->n) && memcmp(&b->base[i], &sentinel, sizeof sentinel) != 0)
            return 0;
    return 1;
}

static void report_guards(lk_case_report *r, const buf *b, const char *what)
{
    char s[128];
    snprintf(s, sizeof s, "%s: store outside the output", what);
    lk_report_case(r, buf_guards_intact(b) ? 0.0 : 1.0, 0.0, s);
}

static void fill(buf *b, uint64_t seed, float lo, float hi) { lk_fill_uniform(b->p, b->n, seed, lo, hi); }

/* A reduction's bound, in eps times the sum of the terms' magnitudes: a fixed blocked order
 * (lanes accumulating a block in float, blocks summed in double) stays near a constant times eps;
 * sqrt(n) leaves room for a level that accumulates longer runs in float. */
static double reduction_bound(int64_t n) { return EPS * (32.0 + sqrt((double)n)); }

/* ---- activations -------------------------------------------------------------------------- */

/* The kernel layer builds without src/ (the ARM selftest), so it names activations itself. */
static const char *act_names[LATENT_ACT_COUNT] = {"identity", "relu", "leaky_relu", "sigmoid",
                                                  "tanh", "softplus"};

static double act_ref(latent_act a, double x, double s)
{
    switch (a) {
    case LATENT_ACT_IDENTITY: return x;
    case LATENT_ACT_RELU: return x > 0 ? x : 0.0;
    case LATENT_ACT_LEAKY_RELU: return x > 0 ? x : s * x;
    case LATENT_ACT_SIGMOID: return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
    case LATENT_ACT_TANH: return tanh(x);
    case LATENT_ACT_SOFTPLUS: return isnan(x) ? x : fmax(x, 0.0) + log1p(exp(-fabs(x)));
    default: return NAN;
    }
}

static double act_deriv_ref(latent_act a, double x, double s)
{
    switch (a) {
    case LATENT_ACT_IDENTITY: return 1.0;
    case LATENT_ACT_RELU: return x > 0 ? 1.0 : 0.0;
    case LATENT_ACT_LEAKY_RELU: return x > 0 ? 1.0 : s;
    case LATENT_ACT_SIGMOID: { double y = act_ref(a, x, s); return y * (1.0 - y); }
    case LATENT_ACT_TANH: { double y = tanh(x); return 1.0 - y * y; }
    case LATENT_ACT_SOFTPLUS: return act_ref(LATENT_ACT_SIGMOID, x, s);
    default: return NAN;
    }
}

/* Forward bounds in ulps of the exact result: identity and relu exact, leaky one rounding,
 * the transcendental ones what vmath.h measures (sigmoid 2.33, softplus 2.01; glibc's tanhf 2.16)
 * plus room. */
static const double fwd_ulps[LATENT_ACT_COUNT] = {0.0, 0.0, 0.5, 2.5, 2.5, 2.5};
/* Inputs: |x| up to 120 where e^|x| overflows a float (sigmoid, softplus), 30 elsewhere. */
static const float fwd_range[LATENT_ACT_COUNT] = {30.0f, 30.0f, 30.0f, 120.0f, 30.0f, 120.0f};
/* Backward bounds in eps * |dy|: relu exact, leaky one rounding; sigmoid y(1-y) and tanh 1-y^2
 * from the rounded y lose up to about one eps absolutely (the derivative is near 0 where y
 * saturates, so the error is absolute), plus their roundings; softplus is dy sigmoid(x). */
static const double bwd_eps[LATENT_ACT_COUNT] = {0.0, 0.0, 0.5, 2.0, 3.0, 3.0};

/* Plants infinities and a NaN at the first, middle and last element (full-vector and tail paths). */
static void plant(float *x, int64_t n, float a, float b, float c)
{
    if (n < 3) return;
    x[0] = a;
    x[n / 2] = b;
    x[n - 1] = c;
}

static void run_act_fwd(latent_act act, const lk_table *var, lk_case_report *r)
{
    const float slope = 0.2f;
    char what[128];
    for (int si = 0; si < NSIZES; si++) {
        const int64_t n = sizes[si];
        for (int mode = 0; mode < 3; mode++) { /* aligned, unaligned, unaligned in place */
            const int off = mode > 0;
            buf x = buf_new(n, off), y = buf_new(n, off);
            fill(&x, 100 + (uint64_t)si, -fwd_range[act], fwd_range[act]);
            plant(x.p, n, -INFINITY, NAN, INFINITY);
            float *in = x.p, *out = mode == 2 ? x.p : y.p;
            float *xc = malloc((size_t)n * sizeof(float));
            memcpy(xc, x.p, (size_t)n * sizeof(float));
            var->act_fwd[act](n, in, out, slope);
            double worst = 0.0;
            for (int64_t i = 0; i < n; i++) {
                double e = lk_ulp_error(out[i], act_ref(act, xc[i], slope));
                if (!(e <= worst)) worst = e;
            }
            snprintf(what, sizeof what, "%s n=%lld off=%d%s", act_names[act], (long long)n, off,
                     mode == 2 ? " in place" : "");
            lk_report_case(r, worst, fwd_ulps[act], what);
            report_guards(r, mode == 2 ? &x : &y, what);
            free(xc), free(x.base), free(y.base);
        }
    }
}

static void run_act_bwd(latent_act act, const lk_table *var, lk_case_report *r)
{
    const float slope = 0.2f;
    char what[128];
    for (int si = 0; si < NSIZES; si++) {
        const int64_t n = sizes[si];
        for (int mode = 0; mode < 3; mode++) { /* aligned, unaligned, unaligned with dx = dy */
            const int off = mode > 0;
            buf x = buf_new(n, off), y = buf_new(n, off), dy = buf_new(n, off), dx = buf_new(n, off);
            fill(&x, 200 + (uint64_t)si, -fwd_range[act], fwd_range[act]);
            fill(&dy, 300 + (uint64_t)si, -2.0f, 2.0f);
            /* y is the correctly rounded forward output, as the forward pass would give it */
            for (int64_t i = 0; i < n; i++) y.p[i] = (float)act_ref(act, x.p[i], slope);
            float *dyc = malloc((size_t)n * sizeof(float));
            memcpy(dyc, dy.p, (size_t)n * sizeof(float));
            float *out = mode == 2 ? dy.p : dx.p;
            var->act_bwd[act](n, x.p, y.p, dy.p, out, slope);
            double worst = 0.0;
            for (int64_t i = 0; i < n; i++) {
                double ref = dyc[i] * act_deriv_ref(act, x.p[i], slope);
                double e = fabs(out[i] - ref) / (EPS * fabs(dyc[i]) + DBL_MIN);
                if (!(e <= worst)) worst = e;
            }
            snprintf(what, sizeof what, "%s' n=%lld off=%d%s", act_names[act], (long long)n, off,
                     mode == 2 ? " in place" : "");
            lk_report_case(r, worst, bwd_eps[act], what);
            report_guards(r, mode == 2 ? &dy : &dx, what);
            free(dyc), free(x.base), free(y.base), free(dy.base), free(dx.base);
        }
    }
}

#define ACT_CASES(name, act)                                                                   \
    static void fwd_##name(const lk_table *ref, const lk_table *var, lk_case_report *r)         \
    {                                                                                          \
        (void)ref;                                                                             \
        run_act_fwd(act, var, r);                                                              \
    }                                                                                          \
    static void bwd_##name(const lk_table *ref, const lk_table *var, lk_case_report *r)         \
    {                                                                                          \
        (void)ref;                                                                             \
        run_act_bwd(act, var, r);                                                              \
    }
ACT_CASES(identity, LATENT_ACT_IDENTITY)
ACT_CASES(relu, LATENT_ACT_RELU)
ACT_CASES(leaky_relu, LATENT_ACT_LEAKY_RELU)
ACT_CASES(sigmoid, LATENT_ACT_SIGMOID)
ACT_CASES(tanh, LATENT_ACT_TANH)
ACT_CASES(softplus, LATENT_ACT_SOFTPLUS)

/* ---- exp, log ----------------------------------------------------------------------------- */

/* exp over [-110, 95] (overflow to inf above 88.72, gradual underflow below -87.3) with -inf,
 * NaN, +inf planted; log over [1e-45, 3e38] (subnormals included, spread in log scale) with 0,
 * a negative and +inf planted. Bound: 1.5 ulp (vmath.h measures 0.93 / 0.95). */
static void run_unary(int is_log, const lk_table *var, lk_case_report *r)
{
    char what[128];
    for (int si = 0; si < NSIZES; si++) {
        const int64_t n = sizes[si];
        for (int mode = 0; mode < 3; mode++) {
            const int off = mode > 0;
            buf x = buf_new(n, off), y = buf_new(n, off);
            if (is_log) {
                fill(&x, 400 + (uint64_t)si, -103.0f, 88.0f);
                for (int64_t i = 0; i < n; i++) x.p[i] = (float)exp(x.p[i]);
                plant(x.p, n, 0.0f, -1.0f, INFINITY);
            } else {
                fill(&x, 500 + (uint64_t)si, -110.0f, 95.0f);
                plant(x.p, n, -INFINITY, NAN, INFINITY);
            }
            float *xc = malloc((size_t)n * sizeof(float));
            memcpy(xc, x.p, (size_t)n * sizeof(float));
            float *out = mode == 2 ? x.p : y.p;
            (is_log ? var->vlog : var->vexp)(n, x.p, out);
            double worst = 0.0;
            for (int64_t i = 0; i < n; i++) {
                double e = lk_ulp_error(out[i], is_log ? log(xc[i]) : exp(xc[i]));
                if (!(e <= worst)) worst = e;
            }
            snprintf(what, sizeof what, "%s n=%lld off=%d%s", is_log ? "log" : "exp", (long long)n, off,
                     mode == 2 ? " in place" : "");
            lk_report_case(r, worst, 1.5, what);
            report_guards(r, mode == 2 ? &x : &y, what);
            free(xc), free(x.base), free(y.base);
        }
    }
}

static void case_exp(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_unary(0, var, r);
}
static void case_log(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_unary(1, var, r);
}

/* ---- losses and sums ---------------------------------------------------------------------- */

typedef enum loss_kind { LOSS_MSE, LOSS_BCE, LOSS_KL, LOSS_SUM } loss_kind;

static const char *loss_names[] = {"mse", "bce_logits", "gauss_kl", "sum"};

/* One loss over every size, with and without gradient outputs. The loss value's error is measured
 * against sum |term| (relative error of the sum of magnitudes), bound reduction_bound(n); for
 * gauss_kl against the sum of the magnitudes of the term's parts 0.5 (1 + |lv| + mu^2 + e^lv),
 * since float's 1 + lv - mu^2 - e^lv cancels. Gradients: mse 2 ulps (the float difference, then
 * the scale); bce 4 eps * |gscale| absolute (sigmoid's 2.3 ulps, then the difference with z);
 * gauss_kl's accumulations 1.5 eps of their parts' magnitudes, dlv 3 (e^lv - 1 cancels). */
static void run_loss(loss_kind kind, const lk_table *var, lk_case_report *r)
{
    const float gscale = 0.37f;
    char what[128];
    for (int si = 0; si < NSIZES; si++) {
        const int64_t n = sizes[si];
        for (int mode = 0; mode < 3; mode++) { /* aligned with grads, unaligned with, unaligned without */
            const int off = mode > 0, grads = mode < 2 && kind != LOSS_SUM;
            buf a = buf_new(n, off), b = buf_new(n, off), g1 = buf_new(n, off), g2 = buf_new(n, off);
            switch (kind) {
            case LOSS_MSE: fill(&a, 600 + (uint64_t)si, -2.0f, 2.0f); fill(&b, 700 + (uint64_t)si, -2.0f, 2.0f); break;
            case LOSS_BCE:
                fill(&a, 800 + (uint64_t)si, -6.0f, 6.0f);
                for (int64_t i = 0; i < n; i += 7) a.p[i] *= 20.0f; /* |l| to 120: e^|l| overflows */
                fill(&b, 900 + (uint64_t)si, 0.0f, 1.0f);
                break;
            case LOSS_KL: fill(&a, 1000 + (uint64_t)si, -3.0f, 3.0f); fill(&b, 1100 + (uint64_t)si, -6.0f, 3.0f); break;
            case LOSS_SUM: fill(&a, 1200 + (uint64_t)si, -1.0f, 1.0f); break;
            }
            if (kind == LOSS_KL) { fill(&g1, 1300 + (uint64_t)si, -1.0f, 1.0f); fill(&g2, 1400 + (uint64_t)si, -1.0f, 1.0f); }
            float *g1c = malloc((size_t)n * sizeof(float)), *g2c = malloc((size_t)n * sizeof(float));
            memcpy(g1c, g1.p, (size_t)n * sizeof(float));
            memcpy(g2c, g2.p, (size_t)n * sizeof(float));
            double got = 0.0;
            switch (kind) {
            case LOSS_MSE: got = var->mse(n, a.p, b.p, grads ? g1.p : NULL, gscale); break;
            case LOSS_BCE: got = var->bce_logits(n, a.p, b.p, grads ? g1.p : NULL, gscale); break;
            case LOSS_KL: got = var->gauss_kl(n, a.p, b.p, grads ? g1.p : NULL, grads ? g2.p : NULL, gscale); break;
            case LOSS_SUM: got = var->sum(n, a.p); break;
            }
            double want = 0.0, mag = 0.0, gw1 = 0.0, gw2 = 0.0;
            for (int64_t i = 0; i < n; i++) {
                const double x = a.p[i], z = b.p[i];
                double t = 0.0, ref1 = 0.0, ref2 = 0.0, e1 = 0.0, e2 = 0.0;
                switch (kind) {
                case LOSS_MSE:
                    t = (x - z) * (x - z);
                    mag += t;
                    ref1 = gscale * (x - z);
                    e1 = lk_ulp_error(g1.p[i], ref1) / 2.0;
                    break;
                case LOSS_BCE: {
                    t = fmax(x, 0.0) - x * z + log1p(exp(-fabs(x)));
                    mag += fabs(t);
                    double sig = x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
                    ref1 = gscale * (sig - z);
                    e1 = fabs(g1.p[i] - ref1) / (4.0 * EPS * gscale);
                    break;
                }
                case LOSS_KL: {
                    const double e = exp(z);
                    t = -0.5 * (1.0 + z - x * x - e);
                    mag += 0.5 * (1.0 + fabs(z) + x * x + e);
                    ref1 = g1c[i] + gscale * x;
                    e1 = fabs(g1.p[i] - ref1) / (1.5 * EPS * (fabs(g1c[i]) + fabs(gscale * x)) + DBL_MIN);
                    ref2 = g2c[i] + gscale * 0.5 * (e - 1.0);
                    e2 = fabs(g2.p[i] - ref2) / (3.0 * EPS * (fabs(g2c[i]) + gscale * 0.5 * (e + 1.0)));
                    break;
                }
                case LOSS_SUM: t = x; mag += fabs(x); break;
                }
                want += t;
                if (!(e1 <= gw1)) gw1 = e1;
                if (!(e2 <= gw2)) gw2 = e2;
            }
            snprintf(what, sizeof what, "%s n=%lld off=%d%s", loss_names[kind], (long long)n, off,
                     grads ? " grads" : "");
            lk_report_case(r, fabs(got - want) / (mag > 0 ? mag : 1.0), reduction_bound(n), what);
            if (grads) {
                /* gw1, gw2 are already in units of their bounds */
                snprintf(what, sizeof what, "%s grad n=%lld off=%d", loss_names[kind], (long long)n, off);
                lk_report_case(r, gw1, 1.0, what);
                if (kind == LOSS_KL) {
                    snprintf(what, sizeof what, "%s dlogvar n=%lld off=%d", loss_names[kind], (long long)n, off);
                    lk_report_case(r, gw2, 1.0, what);
                }
                report_guards(r, &g1, what);
                report_guards(r, &g2, what);
            } else {
                /* without gradient pointers nothing may be written: the buffers keep their values */
                snprintf(what, sizeof what, "%s n=%lld off=%d no grads", loss_names[kind], (long long)n, off);
                lk_report_case(r, memcmp(g1c, g1.p, (size_t)n * sizeof(float)) ||
                                  memcmp(g2c, g2.p, (size_t)n * sizeof(float)), 0.0, what);
            }
            free(g1c), free(g2c), free(a.base), free(b.base), free(g1.base), free(g2.base);
        }
    }
}

#define LOSS_CASE(name, kind)                                                                  \
    static void case_##name(const lk_table *ref, const lk_table *var, lk_case_report *r)        \
    {                                                                                          \
        (void)ref;                                                                             \
        run_loss(kind, var, r);                                                                \
    }
LOSS_CASE(mse, LOSS_MSE)
LOSS_CASE(bce, LOSS_BCE)
LOSS_CASE(kl, LOSS_KL)
LOSS_CASE(sum, LOSS_SUM)

/* col_sum over m rows with ldx wider than the row: each column's error in eps * sum_i |x_ij|,
 * bound m (rows are added in order in float, one rounding each). */
static void case_col_sum(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const int64_t rows[] = {1, 3, 17, 64};
    char what[128];
    for (int mi = 0; mi < 4; mi++)
        for (int si = 0; si < NSIZES; si++) {
            const int64_t m = rows[mi], n = sizes[si], ldx = n + 3;
            buf x = buf_new(m * ldx, 1), out = buf_new(n, 1);
            fill(&x, 1500 + (uint64_t)(si * 7 + mi), -1.0f, 1.0f);
            var->col_sum(m, n, x.p, ldx, out.p);
            double worst = 0.0;
            for (int64_t j = 0; j < n; j++) {
                double s = 0.0, a = 0.0;
                for (int64_t i = 0; i < m; i++) s += x.p[i * ldx + j], a += fabs(x.p[i * ldx + j]);
                double e = fabs(out.p[j] - s) / (EPS * a + DBL_MIN);
                if (!(e <= worst)) worst = e;
            }
            snprintf(what, sizeof what, "col_sum m=%lld n=%lld ldx=%lld off=1", (long long)m, (long long)n,
                     (long long)ldx);
            lk_report_case(r, worst, (double)m, what);
            report_guards(r, &out, what);
            free(x.base), free(out.base);
        }
}

/* y += a x: error in eps * (|y| + |a x|), bound 1 (one rounding with FMA, two without). */
static void case_axpy(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    const float a = -0.731f;
    char what[128];
    for (int si = 0; si < NSIZES; si++)
        for (int off = 0; off < 2; off++) {
            const int64_t n = sizes[si];
            buf x = buf_new(n, off), y = buf_new(n, off);
            fill(&x, 1600 + (uint64_t)si, -1.0f, 1.0f);
            fill(&y, 1700 + (uint64_t)si, -1.0f, 1.0f);
            float *y0 = malloc((size_t)n * sizeof(float));
            memcpy(y0, y.p, (size_t)n * sizeof(float));
            var->axpy(n, a, x.p, y.p);
            double worst = 0.0;
            for (int64_t i = 0; i < n; i++) {
                double want = y0[i] + (double)a * x.p[i];
                double e = fabs(y.p[i] - want) / (EPS * (fabs(y0[i]) + fabs((double)a * x.p[i])) + DBL_MIN);
                if (!(e <= worst)) worst = e;
            }
            snprintf(what, sizeof what, "axpy n=%lld off=%d", (long long)n, off);
            lk_report_case(r, worst, 1.0, what);
            report_guards(r, &y, what);
            free(y0), free(x.base), free(y.base);
        }
}

/* ---- optimizers --------------------------------------------------------------------------- */

/* Adam / AdamW at step 3 against the update computed in double from the same float inputs.
 * m, v: error in eps times the sum of their two parts' magnitudes, bound 2 (two products and a
 * sum); w: in eps * (|w| + |the step|), bound 4 (the step's quotient carries m's and v's errors
 * and sqrt(bc2) is rounded to float). */
static void run_adam(int decoupled, const lk_table *var, lk_case_report *r)
{
    const float b1 = decoupled ? 0.5f : 0.9f, b2 = 0.999f;
    lk_adam_params p = {decoupled ? 2e-4f : 1e-3f, b1, b2, 1e-8f, 0.01f,
                        (float)(1.0 - pow(b1, 3)), (float)(1.0 - pow(b2, 3)), decoupled};
    char what[128];
    for (int si = 0; si < NSIZES; si++)
        for (int off = 0; off < 2; off++) {
            const int64_t n = sizes[si];
            buf w = buf_new(n, off), g = buf_new(n, off), m = buf_new(n, off), v = buf_new(n, off);
            fill(&w, 1800 + (uint64_t)si, -1.0f, 1.0f);
            fill(&g, 1900 + (uint64_t)si, -1.0f, 1.0f);
            fill(&m, 2000 + (uint64_t)si, -0.1f, 0.1f);
            fill(&v, 2100 + (uint64_t)si, 0.0f, 0.01f);
            size_t bytes = (size_t)n * sizeof(float);
            float *w0 = malloc(bytes), *m0 = malloc(bytes), *v0 = malloc(bytes);
            memcpy(w0, w.p, bytes), memcpy(m0, m.p, bytes), memcpy(v0, v.p, bytes);
            var->adam(n, w.p, g.p, m.p, v.p, &p);
            double wm = 0.0, wv = 0.0, ww = 0.0;
            for (int64_t i = 0; i < n; i++) {
                double wi = w0[i], gi = g.p[i];
                if (decoupled) wi *= 1.0 - (double)p.lr * p.weight_decay;
                else gi += (double)p.weight_decay * wi;
                double mi = b1 * (double)m0[i] + (1.0 - b1) * gi;
                double vi = b2 * (double)v0[i] + (1.0 - b2) * gi * gi;
                double st = (double)p.lr / p.bc1 * (mi / (sqrt(vi) / sqrt((double)p.bc2) + p.eps));
                double e;
                e = fabs(m.p[i] - mi) / (2.0 * EPS * (fabs(b1 * (double)m0[i]) + fabs((1.0 - b1) * gi)) + DBL_MIN);
                if (!(e <= wm)) wm = e;
                e = fabs(v.p[i] - vi) / (2.0 * EPS * (b2 * (double)v0[i] + (1.0 - b2) * gi * gi) + DBL_MIN);
                if (!(e <= wv)) wv = e;
                e = fabs(w.p[i] - (wi - st)) / (4.0 * EPS * (fabs(wi) + fabs(st)) + DBL_MIN);
                if (!(e <= ww)) ww = e;
            }
            const char *name = decoupled ? "adamw" : "adam";
            snprintf(what, sizeof what, "%s m n=%lld off=%d", name, (long long)n, off);
            lk_report_case(r, wm, 1.0, what);
            snprintf(what, sizeof what, "%s v n=%lld off=%d", name, (long long)n, off);
            lk_report_case(r, wv, 1.0, what);
            snprintf(what, sizeof what, "%s w n=%lld off=%d", name, (long long)n, off);
            lk_report_case(r, ww, 1.0, what);
            report_guards(r, &w, what);
            report_guards(r, &m, what);
            report_guards(r, &v, what);
            free(w0), free(m0), free(v0), free(w.base), free(g.base), free(m.base), free(v.base);
        }
}

static void case_adam(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_adam(0, var, r);
}
static void case_adamw(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_adam(1, var, r);
}

/* SGD with momentum 0.9 and with momentum 0 (vel is then NULL: never touched). Error in eps
 * times the magnitudes of each result's parts, bound 3 (g + wd w, then momentum, then the step). */
static void case_sgd(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    char what[128];
    for (int mom = 0; mom < 2; mom++)
        for (int si = 0; si < NSIZES; si++)
            for (int off = 0; off < 2; off++) {
                const int64_t n = sizes[si];
                lk_sgd_params p = {0.01f, mom ? 0.9f : 0.0f, 1e-4f};
                buf w = buf_new(n, off), g = buf_new(n, off), vel = buf_new(n, off);
                fill(&w, 2200 + (uint64_t)si, -1.0f, 1.0f);
                fill(&g, 2300 + (uint64_t)si, -1.0f, 1.0f);
                fill(&vel, 2400 + (uint64_t)si, -1.0f, 1.0f);
                size_t bytes = (size_t)n * sizeof(float);
                float *w0 = malloc(bytes), *vel0 = malloc(bytes);
                memcpy(w0, w.p, bytes), memcpy(vel0, vel.p, bytes);
                var->sgd(n, w.p, g.p, mom ? vel.p : NULL, &p);
                double worst = 0.0;
                for (int64_t i = 0; i < n; i++) {
                    double gi = g.p[i] + (double)p.weight_decay * w0[i];
                    double mag = fabs(g.p[i]) + fabs((double)p.weight_decay * w0[i]);
                    if (mom) {
                        mag += fabs((double)p.momentum * vel0[i]);
                        gi = (double)p.momentum * vel0[i] + gi;
                        double e = fabs(vel.p[i] - gi) / (3.0 * EPS * mag);
                        if (!(e <= worst)) worst = e;
                    }
                    double want = w0[i] - (double)p.lr * gi;
                    double e = fabs(w.p[i] - want) / (3.0 * EPS * (fabs(w0[i]) + p.lr * mag));
                    if (!(e <= worst)) worst = e;
                }
                snprintf(what, sizeof what, "sgd momentum=%s n=%lld off=%d", mom ? "0.9" : "0",
                         (long long)n, off);
                lk_report_case(r, worst, 1.0, what);
                report_guards(r, &w, what);
                if (!mom) lk_report_case(r, memcmp(vel0, vel.p, bytes) != 0, 0.0, what);
                else report_guards(r, &vel, what);
                free(w0), free(vel0), free(w.base), free(g.base), free(vel.base);
            }
}

/* ---- k-means sums ------------------------------------------------------------------------- */

/* ||x_i||^2 for rows of every size with ldx wider than the row: error in eps * ||x_i||^2, bound
 * reduction_bound(d) / eps + 0.5 (the blocked sum, then the rounding to float). */
static void case_sqnorm_rows(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const int64_t rows[] = {1, 3, 17};
    char what[128];
    for (int ri = 0; ri < 3; ri++)
        for (int si = 0; si < NSIZES; si++) {
            const int64_t n = rows[ri], d = sizes[si], ldx = d + 5;
            buf x = buf_new(n * ldx, 1), out = buf_new(n, 1);
            fill(&x, 2500 + (uint64_t)(si * 3 + ri), -1.0f, 1.0f);
            var->sqnorm_rows(n, d, x.p, ldx, out.p);
            double worst = 0.0;
            for (int64_t i = 0; i < n; i++) {
                double s = 0.0;
                for (int64_t j = 0; j < d; j++) s += (double)x.p[i * ldx + j] * x.p[i * ldx + j];
                double e = fabs(out.p[i] - s) / (EPS * s + DBL_MIN);
                if (!(e <= worst)) worst = e;
            }
            snprintf(what, sizeof what, "sqnorm_rows n=%lld d=%lld ldx=%lld off=1", (long long)n,
                     (long long)d, (long long)ldx);
            lk_report_case(r, worst, reduction_bound(d) / EPS + 0.5, what);
            report_guards(r, &out, what);
            free(x.base), free(out.base);
        }
}

/* Per-cluster weighted sums in double, rows in order: w x is exact in double, so each element
 * takes one rounding per row; error in DBL_EPSILON * (|initial| + sum |w x|), bound rows + 1.
 * With and without weights, ldx wider than the row. */
static void case_kmeans_accumulate(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    const int64_t n = 37, k = 5;
    char what[128];
    for (int weighted = 0; weighted < 2; weighted++)
        for (int si = 0; si < NSIZES; si++) {
            const int64_t d = sizes[si], ldx = d + 1;
            buf x = buf_new(n * ldx, 1), w = buf_new(n, 1);
            fill(&x, 2600 + (uint64_t)si, -1.0f, 1.0f);
            fill(&w, 2700 + (uint64_t)si, 0.5f, 2.0f);
            int32_t labels[37];
            for (int64_t i = 0; i < n; i++) labels[i] = (int32_t)((i * 7 + 3) % k);
            double *sums = malloc((size_t)(k * d + 1) * sizeof(double)), wsum[6];
            double *want = malloc((size_t)(k * d) * sizeof(double)), *mag = malloc((size_t)(k * d) * sizeof(double));
            double wwant[5], wmag[5];
            for (int64_t j = 0; j < k * d; j++) {
                sums[j] = want[j] = 0.25 * (double)(j % 11) - 1.0;
                mag[j] = fabs(want[j]);
            }
            sums[k * d] = -7.0; /* guard after the last cluster */
            for (int64_t c = 0; c < k; c++) wsum[c] = wwant[c] = wmag[c] = (double)c;
            wsum[k] = -7.0;
            var->kmeans_accumulate(n, d, x.p, ldx, labels, weighted ? w.p : NULL, sums, wsum);
            for (int64_t i = 0; i < n; i++) {
                double wi = weighted ? w.p[i] : 1.0;
                for (int64_t j = 0; j < d; j++) {
                    want[labels[i] * d + j] += wi * x.p[i * ldx + j];
                    mag[labels[i] * d + j] += fabs(wi * x.p[i * ldx + j]);
                }
                wwant[labels[i]] += wi;
                wmag[labels[i]] += wi;
            }
            double worst = 0.0;
            for (int64_t j = 0; j < k * d; j++) {
                double e = fabs(sums[j] - want[j]) / (DBL_EPSILON * mag[j] + DBL_MIN);
                if (!(e <= worst)) worst = e;
            }
            for (int64_t c = 0; c < k; c++) {
                double e = fabs(wsum[c] - wwant[c]) / (DBL_EPSILON * wmag[c] + DBL_MIN);
                if (!(e <= worst)) worst = e;
            }
            snprintf(what, sizeof what, "kmeans_accumulate n=%lld d=%lld ldx=%lld%s", (long long)n,
                     (long long)d, (long long)ldx, weighted ? " weighted" : "");
            lk_report_case(r, worst, (double)(n + 1), what);
            lk_report_case(r, sums[k * d] != -7.0 || wsum[k] != -7.0, 0.0, what);
            free(sums), free(want), free(mag), free(x.base), free(w.base);
        }
}

const lk_conformance_kernel lk_conformance_elementwise[] = {
    {"act_fwd_identity", fwd_identity},   {"act_bwd_identity", bwd_identity},
    {"act_fwd_relu", fwd_relu},           {"act_bwd_relu", bwd_relu},
    {"act_fwd_leaky_relu", fwd_leaky_relu}, {"act_bwd_leaky_relu", bwd_leaky_relu},
    {"act_fwd_sigmoid", fwd_sigmoid},     {"act_bwd_sigmoid", bwd_sigmoid},
    {"act_fwd_tanh", fwd_tanh},           {"act_bwd_tanh", bwd_tanh},
    {"act_fwd_softplus", fwd_softplus},   {"act_bwd_softplus", bwd_softplus},
    {"exp", case_exp},                    {"log", case_log},
    {"mse", case_mse},                    {"bce_logits", case_bce},
    {"gauss_kl", case_kl},                {"sum", case_sum},
    {"col_sum", case_col_sum},            {"axpy", case_axpy},
    {"adam", case_adam},                  {"adamw", case_adamw},
    {"sgd", case_sgd},                    {"sqnorm_rows", case_sqnorm_rows},
    {"kmeans_accumulate", case_kmeans_accumulate},
};
const int lk_conformance_elementwise_count =
    (int)(sizeof lk_conformance_elementwise / sizeof lk_conformance_elementwise[0]);
