/* Initial centers: greedy k-means++ (scikit-learn's variant) and k distinct random rows. */
#include <omp.h>
#include <math.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "latent/rng.h"
#include "simd/team.h"

/* Row blocks for the candidate distances: X streams once per step through rows_dot, and the
 * block's n x trials products stay in cache while they are folded into the potentials. Fixed,
 * so sums do not depend on threads. */
#define KM_PP_BLOCK 2048
#define KM_PP_MAX_TRIALS 64

/* The first row whose cumulative weighted distance reaches target (the last row if rounding
 * leaves target above the total), by binary search over the prefix sums. */
static int64_t draw_row(const double *cum, int64_t n, double target)
{
    int64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (cum[mid] >= target) hi = mid; else lo = mid + 1;
    }
    return lo;
}

static void prefix_sums(const km_data *D, const float *d2, double *cum)
{
    double s = 0.0;
    for (int64_t i = 0; i < D->n; i++) {
        s += D->w ? (double)D->w[i] * d2[i] : (double)d2[i];
        cum[i] = s;
    }
}

/* The potential sum w min(d2, ||x - cand_j||^2) each of the T candidates cx would leave; the
 * products x.cand_j stay in dots (n x T) for lower_distances. */
static void candidate_pass(const km_data *D, int T, const float *cx, const float *cn,
                           const float *d2, double *pot, float *dots, double *parts,
                           int64_t nblocks)
{
    const int64_t n = D->n, d = D->d;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t b = 0; b < nblocks; b++) {
        LK_REGION_ENTERED();
        int64_t r0 = b * KM_PP_BLOCK, nb = n - r0 < KM_PP_BLOCK ? n - r0 : KM_PP_BLOCK;
        float *dt = dots + r0 * T;
        D->t->rows_dot(nb, T, d, D->x + r0 * d, d, cx, d, dt, T);
        double *p = parts + b * T;
        for (int j = 0; j < T; j++) p[j] = 0.0;
        for (int64_t i = 0; i < nb; i++) {
            float cur = d2[r0 + i];
            double wi = D->w ? D->w[r0 + i] : 1.0;
            for (int j = 0; j < T; j++) {
                float v = D->xnorm[r0 + i] + cn[j] - 2.0f * dt[i * T + j];
                if (v < 0.0f) v = 0.0f;
                p[j] += wi * (v < cur ? v : cur);
            }
        }
    }
    for (int j = 0; j < T; j++) {
        double s = 0.0;
        for (int64_t b = 0; b < nblocks; b++) s += parts[b * T + j];
        pot[j] = s;
    }
}

/* d2 = min(d2, distance to candidate `best`), from the products candidate_pass left, and the
 * prefix sums of w d2 for the next draw, in one serial sweep: a parallel loop here would cost a
 * second fork and join per step for a few hundred microseconds of work. */
static void lower_distances(const km_data *D, int T, int best, const float *cn,
                            const float *dots, float *d2, double *cum)
{
    double s = 0.0;
    for (int64_t i = 0; i < D->n; i++) {
        float v = D->xnorm[i] + cn[best] - 2.0f * dots[i * T + best];
        if (v < 0.0f) v = 0.0f;
        if (v < d2[i]) d2[i] = v;
        s += D->w ? (double)D->w[i] * d2[i] : (double)d2[i];
        cum[i] = s;
    }
}

latent_status km_init_plusplus(const km_data *D, int64_t k, int n_local_trials, uint64_t seed,
                               int run, float *centers, int64_t *indices)
{
    const int64_t n = D->n, d = D->d;
    int T = n_local_trials > 0 ? n_local_trials : 2 + (int)floor(log((double)k));
    if (T > KM_PP_MAX_TRIALS) T = KM_PP_MAX_TRIALS;
    int64_t nblocks = (n + KM_PP_BLOCK - 1) / KM_PP_BLOCK;
    float *d2 = latent_alloc((size_t)n, sizeof(float), "kmeans++: distances");
    double *cum = latent_alloc((size_t)n, sizeof(double), "kmeans++: cumulative potential");
    float *dots = latent_alloc((size_t)n, (size_t)T * sizeof(float), "kmeans++: products");
    float *cx = latent_alloc((size_t)T, (size_t)d * sizeof(float), "kmeans++: candidates");
    double *parts = latent_alloc((size_t)nblocks, (size_t)T * sizeof(double), "kmeans++: partials");
    latent_status st = LATENT_OK;
    if (!d2 || !cum || !dots || !cx || !parts) { st = LATENT_ENOMEM; goto out; }

    latent_rng r;
    latent_rng_init(&r, seed, LATENT_STREAM_KMEANS, (uint64_t)run, 0);
    int64_t first;
    if (D->w) {
        for (int64_t i = 0; i < n; i++) d2[i] = 1.0f;
        prefix_sums(D, d2, cum);
        first = draw_row(cum, n, latent_rng_uniform_double(&r) * cum[n - 1]);
    } else {
        first = (int64_t)latent_rng_below(&r, (uint64_t)n);
    }
    memcpy(centers, D->x + first * d, (size_t)d * sizeof(float));
    if (indices) indices[0] = first;
    for (int64_t i = 0; i < n; i++) d2[i] = INFINITY;
    float cn[KM_PP_MAX_TRIALS];
    int64_t cand[KM_PP_MAX_TRIALS];
    double pot[KM_PP_MAX_TRIALS];
    memcpy(cx, centers, (size_t)d * sizeof(float));
    D->t->sqnorm_rows(1, d, cx, d, cn);
    candidate_pass(D, 1, cx, cn, d2, pot, dots, parts, nblocks);
    lower_distances(D, 1, 0, cn, dots, d2, cum);

    for (int64_t c = 1; c < k; c++) {
        double total = cum[n - 1];
        latent_rng_init(&r, seed, LATENT_STREAM_KMEANS, (uint64_t)run, (uint32_t)c);
        for (int j = 0; j < T; j++) {
            /* All-zero potential (fewer distinct rows than k): any row is as good as another. */
            cand[j] = total > 0.0 ? draw_row(cum, n, latent_rng_uniform_double(&r) * total)
                                  : (int64_t)latent_rng_below(&r, (uint64_t)n);
            memcpy(cx + j * d, D->x + cand[j] * d, (size_t)d * sizeof(float));
        }
        D->t->sqnorm_rows(T, d, cx, d, cn);
        candidate_pass(D, T, cx, cn, d2, pot, dots, parts, nblocks);
        int best = 0;
        for (int j = 1; j < T; j++) if (pot[j] < pot[best]) best = j;
        lower_distances(D, T, best, cn, dots, d2, cum);
        memcpy(centers + c * d, cx + best * d, (size_t)d * sizeof(float));
        if (indices) indices[c] = cand[best];
    }
out:
    latent_free(d2);
    latent_free(cum);
    latent_free(dots);
    latent_free(cx);
    latent_free(parts);
    return st;
}

latent_status km_init_random(const km_data *D, int64_t k, uint64_t seed, int run, float *centers)
{
    const int64_t n = D->n, d = D->d;
    int64_t *idx = latent_alloc((size_t)n, sizeof(int64_t), "kmeans: random init rows");
    if (!idx) return LATENT_ENOMEM;
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    latent_rng r;
    latent_rng_init(&r, seed, LATENT_STREAM_KMEANS, (uint64_t)run, 0);
    /* The first k steps of a Fisher-Yates shuffle: k distinct rows, uniformly. */
    for (int64_t c = 0; c < k; c++) {
        int64_t j = c + (int64_t)latent_rng_below(&r, (uint64_t)(n - c));
        int64_t tmp = idx[c]; idx[c] = idx[j]; idx[j] = tmp;
        memcpy(centers + c * d, D->x + idx[c] * d, (size_t)d * sizeof(float));
    }
    latent_free(idx);
    return LATENT_OK;
}
