/* The Lloyd pass over fixed chunks of rows: fused assignment, then the chunk's weighted sums
 * while its rows are still in cache. */
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "simd/gemm.h"

/* Rows handed to one assignment call: few enough that the block (784 floats a row: 400 KB at
 * 128 rows) stays in L2 for the accumulation that follows, and at least 8k so the centers the
 * call packs (k rows) stay a small part of what it reads. Depends on k alone (determinism).
 * At k = 10, 128 rows measured about 15% less CPU per iteration than 256 and 2048. */
#define KM_BLOCK_ROWS 2048
#define KM_BLOCK_MIN_ROWS 128

static int64_t block_rows(int64_t k)
{
    int64_t b = 8 * k;
    return b < KM_BLOCK_MIN_ROWS ? KM_BLOCK_MIN_ROWS : b > KM_BLOCK_ROWS ? KM_BLOCK_ROWS : b;
}
/* Chunks are what threads take; their number depends on the problem only (determinism). */
#define KM_MAX_CHUNKS 16
#define KM_MIN_CHUNK_ROWS 1024
#define KM_ACC_BUDGET ((int64_t)256 << 20)

latent_status km_acc_init(km_acc *a, int64_t n, int64_t k, int64_t d)
{
    memset(a, 0, sizeof *a);
    int64_t per = k * d * (int64_t)sizeof(double);
    int64_t nc = n / KM_MIN_CHUNK_ROWS;
    if (nc > KM_MAX_CHUNKS) nc = KM_MAX_CHUNKS;
    if (per > 0 && nc > KM_ACC_BUDGET / per) nc = KM_ACC_BUDGET / per;
    if (nc < 1) nc = 1;
    a->k = k;
    a->d = d;
    a->nchunks = nc;
    a->chunk_rows = (n + nc - 1) / nc;
    a->sums = latent_alloc((size_t)(nc * k), (size_t)d * sizeof(double), "kmeans: cluster sums");
    a->wsum = latent_alloc((size_t)nc, (size_t)k * sizeof(double), "kmeans: cluster weights");
    a->part = latent_alloc((size_t)nc, sizeof(double), "kmeans: partial sums");
    if (!a->sums || !a->wsum || !a->part) {
        km_acc_free(a);
        return LATENT_ENOMEM;
    }
    return LATENT_OK;
}

void km_acc_free(km_acc *a)
{
    latent_free(a->sums);
    latent_free(a->wsum);
    latent_free(a->part);
    memset(a, 0, sizeof *a);
}

void km_acc_begin_chunk(km_acc *a, int64_t n, int64_t c, int64_t *r0, int64_t *r1)
{
    *r0 = c * a->chunk_rows;
    *r1 = *r0 + a->chunk_rows < n ? *r0 + a->chunk_rows : n;
    if (*r0 > n) *r0 = n;
    memset(a->sums + c * a->k * a->d, 0, (size_t)(a->k * a->d) * sizeof(double));
    memset(a->wsum + c * a->k, 0, (size_t)a->k * sizeof(double));
    a->part[c] = 0.0;
}

double km_assign_pass(const km_data *D, const float *centers, int64_t k, const float *cnorm,
                      int32_t *labels, km_acc *acc)
{
    const int64_t n = D->n, d = D->d;
    km_acc local;
    int own = acc == NULL;
    if (own) {
        /* Assignment only: the chunk layout still fixes the inertia's summation order. */
        memset(&local, 0, sizeof local);
        int64_t nc = n / KM_MIN_CHUNK_ROWS;
        if (nc > KM_MAX_CHUNKS) nc = KM_MAX_CHUNKS;
        if (nc < 1) nc = 1;
        local.nchunks = nc;
        local.chunk_rows = (n + nc - 1) / nc;
        acc = &local;
    }
    double part[KM_MAX_CHUNKS];
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t c = 0; c < acc->nchunks; c++) {
        int64_t r0 = c * acc->chunk_rows, r1 = r0 + acc->chunk_rows;
        if (r1 > n) r1 = n;
        if (r0 > n) r0 = n;
        if (!own) km_acc_begin_chunk(acc, n, c, &r0, &r1);
        float md[KM_BLOCK_ROWS];
        const int64_t br = block_rows(k);
        double s = 0.0;
        for (int64_t b = r0; b < r1; b += br) {
            int64_t nb = r1 - b < br ? r1 - b : br;
            const float *xb = D->x + b * d;
            lk_kmeans_assign(D->t, nb, d, xb, d, centers, k, cnorm, labels + b, md);
            if (!own)
                D->t->kmeans_accumulate(nb, d, xb, d, labels + b, D->w ? D->w + b : NULL,
                                        acc->sums + c * k * d, acc->wsum + c * k);
            for (int64_t i = 0; i < nb; i++) {
                double di = (double)D->xnorm[b + i] + (double)md[i];
                if (di < 0.0) di = 0.0;
                s += D->w ? D->w[b + i] * di : di;
            }
        }
        part[c] = s;
    }
    double total = 0.0;
    for (int64_t c = 0; c < acc->nchunks; c++) total += part[c];
    return total;
}
