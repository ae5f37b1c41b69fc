/* The center update shared by Lloyd and Elkan: chunk sums reduced in a fixed order, empty
 * clusters relocated to the farthest rows, weighted means, and the shift of every center. */
#include <omp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "simd/team.h"

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
        LK_REGION_ENTERED();
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

/* sum w ||x - c_label||^2 from the cluster sums S_j and weights W_j: sum w ||x||^2 -
 * 2 sum_j c_j.S_j + sum_j W_j ||c_j||^2, in double, in a fixed order. */
static double inertia_from_sums(const km_data *D, const double *sums, const double *wsum,
                                int64_t k, const float *centers)
{
    const int64_t d = D->d;
    double xx = 0.0, cs = 0.0, cc = 0.0;
    for (int64_t i = 0; i < D->n; i++) xx += D->w ? (double)D->w[i] * D->xnorm[i] : D->xnorm[i];
    for (int64_t j = 0; j < k; j++) {
        const float *c = centers + j * d;
        const double *sj = sums + j * d;
        double dot = 0.0, nn = 0.0;
        for (int64_t p = 0; p < d; p++) {
            dot += (double)c[p] * sj[p];
            nn += (double)c[p] * c[p];
        }
        cs += dot;
        cc += wsum[j] * nn;
    }
    double v = xx - 2.0 * cs + cc;
    return v > 0.0 ? v : 0.0;
}

latent_status km_update_centers(const km_data *D, km_acc *acc, const int32_t *labels,
                                const float *old_centers, float *new_centers, float *shift,
                                double *shift_total, double *inertia)
{
    const int64_t k = acc->k, d = acc->d, kd = k * d;
    const double *sums = acc->sums, *wsum = acc->wsum;
    double *tot = acc->total, *wtot = acc->wtotal;
    /* The chunks added in chunk order; they stay as they are for the next pass. */
#pragma omp parallel for schedule(static)
    for (int64_t e = 0; e < kd; e++) {
        LK_REGION_ENTERED();
        double v = sums[e];
        for (int64_t c = 1; c < acc->nchunks; c++) v += sums[c * kd + e];
        tot[e] = v;
    }
    for (int64_t j = 0; j < k; j++) {
        double v = wsum[j];
        for (int64_t c = 1; c < acc->nchunks; c++) v += wsum[c * k + j];
        wtot[j] = v;
    }
    if (inertia) *inertia = inertia_from_sums(D, tot, wtot, k, old_centers);

    latent_status st = relocate_empty(D, tot, wtot, k, labels, old_centers);
    if (st != LATENT_OK) return st;

    double total = 0.0;
    for (int64_t j = 0; j < k; j++) {
        /* A cluster left without weight keeps its (zero) sum, as scikit-learn does. */
        double inv = wtot[j] > 0.0 ? 1.0 / wtot[j] : 1.0;
        double s2 = 0.0;
        for (int64_t p = 0; p < d; p++) {
            float v = (float)(tot[j * d + p] * inv);
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
