/* The Lloyd pass over fixed chunks of rows: fused assignment, then the chunk's weighted sums
 * while its rows are still in cache. */
#include <omp.h>
#include <math.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "simd/gemm.h"
#include "simd/team.h"

/* Rows handed to one assignment call: few enough that the block (784 floats a row: 400 KB at
 * 128 rows) stays in L2 for the accumulation that follows, and at least 8k so the centers the
 * call packs (k rows) stay a small part of what it reads. Depends on k alone (determinism).
 * At k = 10, 128 rows measured about 15% less CPU per iteration than 256 and 2048. */
#define KM_BLOCK_ROWS 2048
#define KM_BLOCK_MIN_ROWS 128

/* 8k rows, kept within [lo, hi]: a row count that grows with k alone (determinism). */
static int64_t rows_for_k(int64_t k, int64_t lo, int64_t hi)
{
    int64_t b = 8 * k;
    return b < lo ? lo : b > hi ? hi : b;
}
/* Rows summed in float before a flush into the chunk's double sums: at least 8k, so the flush
 * (k x d adds) stays a small part of the adds it saves, and at most 2048 per cluster in float
 * (relative error below 2048 * 2^-24 in the worst case, about 45 * 2^-24 typically). Float sums
 * of rows that were just read stay in L1 at small k, where double sums took twice the traffic
 * and about as long as the distances themselves. */
#define KM_FLUSH_MIN_ROWS 256
#define KM_FLUSH_MAX_ROWS 2048

latent_status km_acc_init(km_acc *a, const km_data *D, int64_t k)
{
    memset(a, 0, sizeof *a);
    const int64_t nc = D->nchunks, d = D->d;
    a->nchunks = nc;
    a->chunk_rows = D->chunk_rows;
    a->c0 = D->c0;
    a->c1 = D->c1;
    a->threads = omp_get_max_threads();
    a->k = k;
    a->d = d;
    a->flush_rows = rows_for_k(k, KM_FLUSH_MIN_ROWS, KM_FLUSH_MAX_ROWS);
    a->sums = latent_alloc((size_t)(nc * k), (size_t)d * sizeof(double), "kmeans: cluster sums");
    a->wsum = latent_alloc((size_t)nc, (size_t)k * sizeof(double), "kmeans: cluster weights");
    a->total = latent_alloc((size_t)k, (size_t)d * sizeof(double), "kmeans: cluster sums");
    a->wtotal = latent_alloc((size_t)k, sizeof(double), "kmeans: cluster weights");
    a->block = latent_alloc((size_t)(a->threads * k), (size_t)d * sizeof(float),
                            "kmeans: block sums");
    a->pending = latent_alloc((size_t)nc, sizeof(int64_t), "kmeans: pending rows");
    if (!a->sums || !a->wsum || !a->total || !a->wtotal || !a->block || !a->pending) {
        km_acc_free(a);
        return LATENT_ENOMEM;
    }
    return LATENT_OK;
}

void km_acc_free(km_acc *a)
{
    latent_free(a->sums);
    latent_free(a->wsum);
    latent_free(a->total);
    latent_free(a->wtotal);
    latent_free(a->block);
    latent_free(a->pending);
    memset(a, 0, sizeof *a);
}

/* The calling thread's block sums: a chunk is added and flushed by one thread, so what a chunk
 * sums never depends on which thread that is. The loops over chunks run with at most
 * a->threads threads (num_threads), so every thread has its own block. */
static float *thread_block(km_acc *a)
{
    return a->block + (int64_t)omp_get_thread_num() * a->k * a->d;
}

void km_acc_end_chunk(km_acc *a, int64_t c)
{
    if (a->pending[c] == 0) return;
    const int64_t kd = a->k * a->d;
    float *f = thread_block(a);
    double *s = a->sums + c * kd;
    for (int64_t e = 0; e < kd; e++) s[e] += f[e];
    memset(f, 0, (size_t)kd * sizeof(float));
    a->pending[c] = 0;
}

void km_acc_rows(km_acc *a, const km_data *D, int64_t c, int64_t r, int64_t nb,
                 const int32_t *labels)
{
    const int64_t d = a->d;
    float *f = thread_block(a);
    double *ws = a->wsum + c * a->k;
    for (int64_t i = r; i < r + nb; i++) {
        float wi = D->w ? D->w[i] : 1.0f;
        D->t->axpy(d, wi, D->x + i * d, f + (int64_t)labels[i] * d);
        ws[labels[i]] += wi;
        if (++a->pending[c] == a->flush_rows) km_acc_end_chunk(a, c);
    }
}

void km_acc_begin_chunk(km_acc *a, const km_data *D, int64_t c, int64_t *r0, int64_t *r1)
{
    km_chunk_rows(D, c, r0, r1);
    memset(a->sums + c * a->k * a->d, 0, (size_t)(a->k * a->d) * sizeof(double));
    memset(a->wsum + c * a->k, 0, (size_t)a->k * sizeof(double));
    memset(thread_block(a), 0, (size_t)(a->k * a->d) * sizeof(float));
    a->pending[c] = 0;
}

void km_acc_move(km_acc *a, const km_data *D, int64_t c, int64_t i, int32_t from, int32_t to)
{
    const int64_t d = a->d;
    const float *xi = D->x + i * d;
    double *s = a->sums + c * a->k * d, *sf = s + (int64_t)from * d, *st = s + (int64_t)to * d;
    for (int64_t p = 0; p < d; p++) {
        sf[p] -= xi[p];
        st[p] += xi[p];
    }
    a->wsum[c * a->k + from] -= 1.0;
    a->wsum[c * a->k + to] += 1.0;
}

double km_assign_pass(const km_data *D, const float *centers, int64_t k, const float *cnorm,
                      int32_t *labels, km_acc *acc)
{
    const int64_t d = D->d;
    const int own = acc == NULL; /* assignment only: the chunks still fix the inertia's order */
    /* moving rows keeps the weights exact counts only for unit weights */
    const int moves = !own && acc->sums_valid && !D->w;
    double part[KM_MAX_CHUNKS];
#pragma omp parallel for schedule(dynamic, 1) num_threads(own ? omp_get_max_threads() : acc->threads)
    for (int64_t c = D->c0; c < D->c1; c++) {
        LK_REGION_ENTERED();
        int64_t r0, r1;
        if (!own && !moves) km_acc_begin_chunk(acc, D, c, &r0, &r1);
        else km_chunk_rows(D, c, &r0, &r1);
        float md[KM_BLOCK_ROWS];
        int32_t prev[KM_BLOCK_ROWS];
        /* moving rows adds nothing to keep in cache: large blocks, few packings of the centers */
        const int64_t br = moves ? KM_BLOCK_ROWS : rows_for_k(k, KM_BLOCK_MIN_ROWS, KM_BLOCK_ROWS);
        double s = 0.0;
        for (int64_t b = r0; b < r1; b += br) {
            int64_t nb = r1 - b < br ? r1 - b : br;
            const float *xb = D->x + b * d;
            if (moves) memcpy(prev, labels + b, (size_t)nb * sizeof *prev);
            /* a pass that adds every row reads the float rows anyway: only moves take the pairs */
            lk_kmeans_assign_pairs(D->t, nb, d, xb, d, moves && D->pairs ? D->pairs + b * D->ldp : NULL,
                                   D->ldp, D->xnorm + b, centers, k, cnorm, labels + b,
                                   own ? md : NULL);
            if (moves) {
                for (int64_t i = 0; i < nb; i++)
                    if (labels[b + i] != prev[i]) km_acc_move(acc, D, c, b + i, prev[i], labels[b + i]);
            } else if (!own) {
                km_acc_rows(acc, D, c, b, nb, labels);
            } else {
                for (int64_t i = 0; i < nb; i++) {
                    double di = (double)D->xnorm[b + i] + (double)md[i];
                    if (di < 0.0) di = 0.0;
                    s += D->w ? D->w[b + i] * di : di;
                }
            }
        }
        if (!own && !moves) km_acc_end_chunk(acc, c);
        part[c] = s;
    }
    if (!own) {
        acc->sums_valid = 1;
        return 0.0;
    }
    double total = 0.0;
    /* a failed exchange leaves NaN, which the fit reports */
    if (km_fold(D, part + D->c0, 1, &total) != LATENT_OK) total = NAN;
    return total;
}
