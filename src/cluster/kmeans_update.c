/* The center update shared by Lloyd and Elkan: chunk sums reduced in a fixed order, empty
 * clusters relocated to the farthest rows, weighted means, and the shift of every center. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"

typedef struct km_far {
    double dist;
    int64_t row;
} km_far;

/* Largest distance first; equal distances keep the lower row first. */
static int far_cmp(const void *pa, const void *pb)
{
    const km_far *a = pa, *b = pb;
    if (a->dist != b->dist) return a->dist < b->dist ? 1 : -1;
    return (a->row > b->row) - (a->row < b->row);
}

/* scikit-learn's rule: the i-th empty cluster takes the i-th farthest row from its current
 * center; the row's weighted value moves from its own cluster's sum to the empty one. Labels
 * are left as they are: the next assignment settles them. */
static latent_status relocate_empty(const km_data *D, double *sums, double *wsum, int64_t k,
                                    const int32_t *labels, const float *old_centers)
{
    const int64_t n = D->n, d = D->d;
    int64_t n_empty = 0;
    for (int64_t j = 0; j < k; j++) n_empty += wsum[j] == 0.0;
    if (n_empty == 0) return LATENT_OK;
    km_far *far = latent_alloc((size_t)n, sizeof *far, "kmeans: relocation distances");
    if (!far) return LATENT_ENOMEM;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        far[i].dist = D->t->mse(d, D->x + i * d, old_centers + (int64_t)labels[i] * d, NULL, 0.0f);
        far[i].row = i;
    }
    qsort(far, (size_t)n, sizeof *far, far_cmp);
    int64_t e = 0;
    for (int64_t j = 0; j < k && e < n; j++) {
        if (wsum[j] != 0.0) continue;
        int64_t i = far[e++].row;
        int64_t from = labels[i];
        double wi = D->w ? D->w[i] : 1.0;
        const float *xi = D->x + i * d;
        for (int64_t p = 0; p < d; p++) {
            sums[from * d + p] -= wi * xi[p];
            sums[j * d + p] = wi * xi[p];
        }
        wsum[j] = wi;
        wsum[from] -= wi;
    }
    latent_free(far);
    return LATENT_OK;
}

latent_status km_update_centers(const km_data *D, km_acc *acc, const int32_t *labels,
                                const float *old_centers, float *new_centers, float *shift,
                                double *shift_total)
{
    const int64_t k = acc->k, d = acc->d, kd = k * d;
    double *sums = acc->sums, *wsum = acc->wsum;
    /* Chunk 0 receives the others, in chunk order. */
#pragma omp parallel for schedule(static)
    for (int64_t e = 0; e < kd; e++)
        for (int64_t c = 1; c < acc->nchunks; c++) sums[e] += sums[c * kd + e];
    for (int64_t j = 0; j < k; j++)
        for (int64_t c = 1; c < acc->nchunks; c++) wsum[j] += wsum[c * k + j];

    latent_status st = relocate_empty(D, sums, wsum, k, labels, old_centers);
    if (st != LATENT_OK) return st;

    double total = 0.0;
    for (int64_t j = 0; j < k; j++) {
        /* A cluster left without weight keeps its (zero) sum, as scikit-learn does. */
        double inv = wsum[j] > 0.0 ? 1.0 / wsum[j] : 1.0;
        double s2 = 0.0;
        for (int64_t p = 0; p < d; p++) {
            float v = (float)(sums[j * d + p] * inv);
            double diff = (double)v - old_centers[j * d + p];
            s2 += diff * diff;
            new_centers[j * d + p] = v;
        }
        if (shift) shift[j] = (float)sqrt(s2);
        total += s2;
    }
    *shift_total = total;
    return LATENT_OK;
}
