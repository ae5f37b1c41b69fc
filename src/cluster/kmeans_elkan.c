/* Elkan's exact k-means: Lloyd's iterations, with the distances that the triangle inequality
 * rules out (one upper bound per row, one lower bound per row and center) never computed. */
#include <math.h>
#include <omp.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "simd/gemm.h"
#include "simd/team.h"

/* Relative margin on distances: Lloyd's expanded float form and the direct differences used
 * here may rank two centers differently only when their distances agree this closely. Bounds
 * prune only with this margin to spare, and rows whose best two distances fall within it are
 * settled by Lloyd's own kernel, so Elkan's labels are Lloyd's. */
#define ELKAN_TIE 1e-4f

typedef struct elkan_state {
    const km_data *D;
    int64_t k;
    const float *centers;
    float *half;       /* k x k: half the distance between centers */
    float *next;       /* k: half the distance to the nearest other center */
    float *upper;      /* n */
    float *lower;      /* n x k */
    float *cnorm;      /* k: ||c_j||^2 for Lloyd's kernel */
} elkan_state;

static float dist(const elkan_state *s, int64_t i, int64_t j)
{
    const int64_t d = s->D->d;
    return (float)sqrt(s->D->t->mse(d, s->D->x + i * d, s->centers + j * d, NULL, 0.0f));
}

static void center_distances(elkan_state *s)
{
    const int64_t k = s->k, d = s->D->d;
#pragma omp parallel for schedule(static)
    for (int64_t a = 0; a < k; a++) {
        LK_REGION_ENTERED();
        float m = INFINITY;
        for (int64_t b = 0; b < k; b++) {
            float h = a == b ? 0.0f
                : (float)(0.5 * sqrt(s->D->t->mse(d, s->centers + a * d, s->centers + b * d,
                                                  NULL, 0.0f)));
            s->half[a * k + b] = h;
            if (b != a && h < m) m = h;
        }
        s->next[a] = m;
    }
    s->D->t->sqnorm_rows(k, d, s->centers, d, s->cnorm);
}

/* A near tie: the label Lloyd's kernel gives this row, with its exact distance. */
static int32_t settle(const elkan_state *s, int64_t i, float *u)
{
    int32_t label;
    float md;
    lk_kmeans_assign(s->D->t, 1, s->D->d, s->D->x + i * s->D->d, s->D->d, s->centers, s->k,
                     s->cnorm, &label, &md);
    *u = dist(s, i, label);
    s->lower[i * s->k + label] = *u;
    return label;
}

/* The first labels: every center is tried in order unless the current best rules it out. */
static void init_bounds(elkan_state *s, int32_t *labels)
{
    const int64_t k = s->k;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < s->D->n; i++) {
        LK_REGION_ENTERED();
        float *lo = s->lower + i * k;
        int32_t label = 0;
        float u = dist(s, i, 0), second = INFINITY;
        lo[0] = u;
        for (int64_t j = 1; j < k; j++) {
            lo[j] = 0.0f;
            if (u * (1.0f + ELKAN_TIE) > s->half[label * k + j]) {
                float dj = dist(s, i, j);
                lo[j] = dj;
                if (dj < u) { second = u; label = (int32_t)j; u = dj; }
                else if (dj < second) second = dj;
            }
        }
        if (second <= u * (1.0f + ELKAN_TIE)) label = settle(s, i, &u);
        labels[i] = label;
        s->upper[i] = u;
    }
}

static void assign_row(const elkan_state *s, int64_t i, int32_t *labels)
{
    const int64_t k = s->k;
    float *lo = s->lower + i * k;
    int32_t label = labels[i];
    float u = s->upper[i], second = INFINITY;
    const float m = 1.0f + ELKAN_TIE;
    if (s->next[label] < u * m) {
        int tight = 0;
        for (int64_t j = 0; j < k; j++) {
            if (j == label || u * m <= lo[j] || u * m <= s->half[label * k + j]) continue;
            if (!tight) {
                u = dist(s, i, label);
                lo[label] = u;
                tight = 1;
                if (u * m <= lo[j] || u * m <= s->half[label * k + j]) continue;
            }
            float dj = dist(s, i, j);
            lo[j] = dj;
            if (dj < u) { second = u; label = (int32_t)j; u = dj; }
            else if (dj < second) second = dj;
        }
        if (second <= u * m) label = settle(s, i, &u);
    }
    labels[i] = label;
    s->upper[i] = u;
}

latent_status km_run_elkan(const km_data *D, const latent_kmeans_options *o, int run,
                           float *centers, int32_t *labels, int *n_iter)
{
    const int64_t n = D->n, d = D->d, k = o->k;
    km_acc acc;
    latent_status st = km_acc_init(&acc, D, k);
    if (st != LATENT_OK) return st;
    elkan_state s = {D, k, centers, NULL, NULL, NULL, NULL, NULL};
    float *newc = latent_alloc((size_t)k, (size_t)d * sizeof(float), "elkan: centers");
    float *shift = latent_alloc((size_t)k, sizeof(float), "elkan: center shifts");
    int32_t *old = latent_alloc((size_t)n, sizeof(int32_t), "elkan: previous labels");
    s.half = latent_alloc((size_t)k, (size_t)k * sizeof(float), "elkan: center distances");
    s.next = latent_alloc((size_t)k, sizeof(float), "elkan: nearest center distances");
    s.upper = latent_alloc((size_t)n, sizeof(float), "elkan: upper bounds");
    s.lower = latent_alloc((size_t)n, (size_t)k * sizeof(float), "elkan: lower bounds");
    s.cnorm = latent_alloc((size_t)k, sizeof(float), "elkan: center norms");
    if (!newc || !shift || !old || !s.half || !s.next || !s.upper || !s.lower || !s.cnorm) {
        st = LATENT_ENOMEM;
        goto out;
    }
    for (int64_t i = 0; i < n; i++) old[i] = -1;
    center_distances(&s);
    init_bounds(&s, labels);

    int strict = 0, it = 0;
    for (it = 0; it < o->max_iter; it++) {
        double t0 = omp_get_wtime();
        /* after the first pass, unweighted rows that keep their label are not read again */
        const int moves = acc.sums_valid && !D->w;
#pragma omp parallel for schedule(dynamic, 1) num_threads(acc.threads)
        for (int64_t c = D->c0; c < D->c1; c++) {
            LK_REGION_ENTERED();
            int64_t r0, r1;
            if (moves) {
                km_chunk_rows(D, c, &r0, &r1);
                for (int64_t i = r0; i < r1; i++) {
                    int32_t prev = labels[i];
                    assign_row(&s, i, labels);
                    if (labels[i] != prev) km_acc_move(&acc, D, c, i, prev, labels[i]);
                }
                continue;
            }
            km_acc_begin_chunk(&acc, D, c, &r0, &r1);
            for (int64_t i = r0; i < r1; i++) assign_row(&s, i, labels);
            km_acc_rows(&acc, D, c, r0, r1 - r0, labels);
            km_acc_end_chunk(&acc, c);
        }
        acc.sums_valid = 1;
        double total;
        st = km_update_centers(D, &acc, labels, centers, newc, shift, &total, NULL);
        if (st != LATENT_OK) goto out;
        double secs = omp_get_wtime() - t0;
        /* Bounds hold exact distances only where they were tightened: the reported inertia is
         * computed apart, outside the iteration's time. */
        double inertia = o->on_iter ? km_inertia(D, centers, labels) : 0.0;
        t0 = omp_get_wtime();
        memcpy(centers, newc, (size_t)(k * d) * sizeof(float));
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            LK_REGION_ENTERED();
            s.upper[i] += shift[labels[i]];
            float *lo = s.lower + i * k;
            for (int64_t j = 0; j < k; j++) {
                float v = lo[j] - shift[j];
                lo[j] = v > 0.0f ? v : 0.0f;
            }
        }
        center_distances(&s);
        if (o->on_iter) o->on_iter(o->user, run, it + 1, secs + omp_get_wtime() - t0, inertia);
        int changed = memcmp(labels, old, (size_t)n * sizeof(int32_t)) != 0;
        changed = km_any(D, changed, &st);
        if (st != LATENT_OK) goto out;
        if (!changed) { strict = 1; break; }
        if (total <= D->tol) break;
        memcpy(old, labels, (size_t)n * sizeof(int32_t));
    }
    if (!strict) {
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; i++) {
            LK_REGION_ENTERED();
            assign_row(&s, i, labels);
        }
    }
    *n_iter = it < o->max_iter ? it + 1 : o->max_iter;
out:
    km_acc_free(&acc);
    latent_free(newc);
    latent_free(shift);
    latent_free(old);
    latent_free(s.half);
    latent_free(s.next);
    latent_free(s.upper);
    latent_free(s.lower);
    latent_free(s.cnorm);
    return st;
}
