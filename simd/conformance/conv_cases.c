/* Conformance cases for the convolution primitives: every level's correlation, transposed
 * correlation and weight gradients against references computed here in double from the
 * definitions (the transposed one as the scatter it is the transpose of), over awkward channel
 * counts, odd images, paddings and strides; and teams of 2 and 3 threads against one, bit for
 * bit. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../conformance.h"
#include "../conv.h"

#define U 0x1p-24

typedef struct conv_case {
    int64_t n, ih, iw, ic, oc;
    int kh, kw, sh, sw, ph, pw;
    int64_t extra;           /* rows and columns of the input space no output pixel needs */
} conv_case;

/* The correlation's output size for a case (PyTorch's floor formula with the padding on both
 * sides; 'same'-style asymmetric padding comes from the layer choosing oh). */
static lk_conv_geom geom_of(const conv_case *c)
{
    lk_conv_geom g = {c->ih, c->iw, c->ic, 0, 0, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw};
    g.oh = (c->ih - c->extra + 2 * c->ph - c->kh) / c->sh + 1;
    g.ow = (c->iw - c->extra + 2 * c->pw - c->kw) / c->sw + 1;
    return g;
}

static double act_of(latent_act a, double v, double slope)
{
    return a == LATENT_ACT_RELU ? (v > 0 ? v : 0) : a == LATENT_ACT_LEAKY_RELU ? (v > 0 ? v : slope * v) : v;
}

/* Runs fn on a team of `size` threads (1: the calling thread). */
typedef struct team_call {
    int which;               /* 0 correlate, 1 transposed, 2 weights */
    const lk_table *t;
    const lk_conv_geom *g;
    const conv_case *c;
    const float *x, *w, *bias, *a;
    float *y, *wbuf;
    latent_act act;
} team_call;

static void call_on(const team_call *k, const lk_team *team)
{
    const conv_case *c = k->c;
    if (k->which == 0)
        lk_conv_correlate(team, k->t, k->g, c->n, k->x, k->w, c->oc, k->bias, k->act, 0.2f, k->y,
                          k->wbuf);
    else if (k->which == 1)
        lk_conv_correlate_transposed(team, k->t, k->g, c->n, k->x, k->w, c->oc, k->bias, k->act,
                                     0.2f, k->y, k->wbuf);
    else
        lk_conv_weights(team, k->t, k->g, c->n, k->x, k->a, c->oc, k->y);
    lk_team_sync(team);
}

static int run_team(const team_call *k, int size)
{
    if (size == 1 || omp_in_parallel()) {
        const lk_team solo = lk_team_solo();
        call_on(k, &solo);
        return 1;
    }
    lk_barrier bar;
    lk_barrier_init(&bar);
    int got = 0;
#pragma omp parallel num_threads(size)
    {
        LK_REGION_ENTERED();
#pragma omp single
        got = omp_get_num_threads();
        const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), &bar};
        call_on(k, &team);
    }
    return got == size;
}

static void run_case(const lk_table *var, const conv_case *c, int which, latent_act act,
                     int with_bias, uint64_t seed, lk_case_report *r)
{
    const lk_conv_geom g = geom_of(c);
    const int64_t in_n = c->n * c->ih * c->iw * c->ic, out_n = c->n * g.oh * g.ow * c->oc;
    const int64_t K = (int64_t)c->kh * c->kw * c->ic, wn = c->oc * K;
    /* correlate: x in, y out; transposed: x on the output grid, y in the input space;
     * weights: x in, a on the output grid, y = c [oc x K] */
    const int64_t xn = which == 1 ? out_n : in_n, yn = which == 0 ? out_n : which == 1 ? in_n : wn;
    float *x = malloc(sizeof(float) * (size_t)(xn + 1)), *w = malloc(sizeof(float) * (size_t)(wn + 1));
    float *bias = malloc(sizeof(float) * (size_t)(c->oc + c->ic + 1));
    float *a = malloc(sizeof(float) * (size_t)(out_n + 1));
    float *y = malloc(sizeof(float) * (size_t)(yn + 1)), *y2 = malloc(sizeof(float) * (size_t)(yn + 1));
    float *wbuf = malloc(sizeof(float) * (lk_conv_wbuf_floats(&g, c->oc) + 1));
    double *ref = calloc((size_t)(yn + 1), sizeof(double)), *mag = calloc((size_t)(yn + 1), sizeof(double));
    char what[128];
    snprintf(what, sizeof what, "%s n%lld %lldx%lldx%lld->%lld k%dx%d s%d,%d p%d,%d%s act=%d",
             which == 0 ? "corr" : which == 1 ? "transposed" : "weights", (long long)c->n,
             (long long)c->ih, (long long)c->iw, (long long)c->ic, (long long)c->oc, c->kh, c->kw,
             c->sh, c->sw, c->ph, c->pw, with_bias ? " bias" : "", (int)act);
    if (!x || !w || !bias || !a || !y || !y2 || !wbuf || !ref || !mag) {
        lk_report_case(r, 1.0, 0.0, "out of memory");
        goto done;
    }
    lk_fill_uniform(x, xn, seed, -1.0f, 1.0f);
    lk_fill_uniform(w, wn, seed + 1, -1.0f, 1.0f);
    lk_fill_uniform(bias, c->oc + c->ic, seed + 2, -0.5f, 0.5f);
    lk_fill_uniform(a, out_n, seed + 3, -1.0f, 1.0f);
    const float *b = with_bias ? bias : NULL;
    /* the definitions, in double: for every output pixel, tap and channel */
    for (int64_t img = 0; img < c->n; img++)
        for (int64_t oh = 0; oh < g.oh; oh++)
            for (int64_t ow = 0; ow < g.ow; ow++)
                for (int kh = 0; kh < c->kh; kh++)
                    for (int kw = 0; kw < c->kw; kw++) {
                        const int64_t ih = oh * c->sh - c->ph + kh, iw = ow * c->sw - c->pw + kw;
                        if (ih < 0 || ih >= c->ih || iw < 0 || iw >= c->iw) continue;
                        const int64_t p = (img * g.oh + oh) * g.ow + ow, q = (img * c->ih + ih) * c->iw + iw;
                        for (int64_t o = 0; o < c->oc; o++)
                            for (int64_t ci = 0; ci < c->ic; ci++) {
                                const double wv = w[(((int64_t)kh * c->kw + kw) * c->ic + ci) * c->oc + o];
                                if (which == 0) {
                                    double v = x[q * c->ic + ci] * wv;
                                    ref[p * c->oc + o] += v, mag[p * c->oc + o] += fabs(v);
                                } else if (which == 1) {
                                    double v = x[p * c->oc + o] * wv;
                                    ref[q * c->ic + ci] += v, mag[q * c->ic + ci] += fabs(v);
                                } else {
                                    const int64_t e = o * K + ((int64_t)kh * c->kw + kw) * c->ic + ci;
                                    double v = (double)a[p * c->oc + o] * x[q * c->ic + ci];
                                    ref[e] += v, mag[e] += fabs(v);
                                }
                            }
                    }
    const int64_t ch = which == 0 ? c->oc : c->ic;
    if (which < 2)
        for (int64_t i = 0; i < yn; i++) {
            if (b) ref[i] += b[i % ch], mag[i] += fabs(b[i % ch]);
            ref[i] = act_of(act, ref[i], 0.2);
        }
    team_call k = {which, var, &g, c, x, w, b, a, y, wbuf, act};
    for (int64_t i = 0; i < yn; i++) y[i] = NAN; /* every output must be written */
    run_team(&k, 1);
    const double terms = which == 2 ? (double)(c->n * g.oh * g.ow) : (double)K;
    double worst = 0.0, werr = 0.0, wbound = 1.0;
    for (int64_t i = 0; i < yn; i++) {
        double bound = (2.0 * terms + 8.0) * U * mag[i] + 1e-30, err = fabs((double)y[i] - ref[i]);
        if (!(err / bound <= worst)) worst = err / bound != err / bound ? INFINITY : err / bound, werr = err, wbound = bound;
    }
    lk_report_case(r, werr, wbound, what);
    /* the same bytes from a team of 2 and of 3 */
    for (int size = 2; size <= 3; size++) {
        k.y = y2;
        for (int64_t i = 0; i < yn; i++) y2[i] = NAN;
        int full = run_team(&k, size);
        int same = full && memcmp(y, y2, sizeof(float) * (size_t)yn) == 0;
        char tw[160];
        snprintf(tw, sizeof tw, "%s: team of %d", what, size);
        lk_report_case(r, same ? 0.0 : 1.0, 0.0, tw);
    }
done:
    free(x), free(w), free(bias), free(a), free(y), free(y2), free(wbuf), free(ref), free(mag);
}

/* Channels 1, 3, 17, 64; images 5x5, 7x7, 13x13 (and 1x1, 2x9); kernels 1 to 5; strides 1-3;
 * paddings none to kernel - 1; spare input rows (a transposed conv's output_padding). */
static const conv_case cases[] = {
    {2, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, 0},    {2, 7, 7, 3, 17, 5, 5, 2, 2, 2, 2, 0},
    {1, 13, 13, 17, 3, 3, 3, 2, 2, 1, 1, 0},  {3, 7, 7, 64, 1, 5, 5, 2, 2, 2, 2, 1},
    {2, 13, 13, 1, 64, 5, 5, 2, 2, 1, 1, 1}, {1, 5, 5, 17, 17, 1, 1, 1, 1, 0, 0, 0},
    {2, 7, 7, 3, 3, 3, 3, 3, 3, 0, 0, 2},    {1, 2, 9, 3, 5, 2, 4, 1, 3, 1, 2, 0},
    {1, 1, 1, 5, 4, 1, 1, 1, 1, 0, 0, 0},    {2, 13, 13, 64, 64, 5, 5, 1, 1, 2, 2, 0},
    {1, 14, 14, 64, 1, 5, 5, 2, 2, 2, 2, 1}, {2, 7, 7, 17, 17, 5, 5, 2, 2, 4, 4, 0},
};

static void run_all(const lk_table *var, int which, lk_case_report *r)
{
    static const latent_act acts[] = {LATENT_ACT_IDENTITY, LATENT_ACT_RELU, LATENT_ACT_LEAKY_RELU};
    for (int i = 0; i < (int)(sizeof cases / sizeof *cases); i++)
        run_case(var, &cases[i], which, which < 2 ? acts[i % 3] : LATENT_ACT_IDENTITY, which < 2 && i % 2,
                 9000 + 31 * (uint64_t)i + 7 * (uint64_t)which, r);
}

static void run_correlate(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_all(var, 0, r);
}
static void run_transposed(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_all(var, 1, r);
}
static void run_weights(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_all(var, 2, r);
}

const lk_conformance_kernel lk_conformance_conv[] = {
    {"conv_correlate", run_correlate},
    {"conv_transposed", run_transposed},
    {"conv_weights", run_weights},
};
const int lk_conformance_conv_count = (int)(sizeof lk_conformance_conv / sizeof lk_conformance_conv[0]);
