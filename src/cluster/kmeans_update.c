/* The center update shared by Lloyd and Elkan: chunk sums reduced in a fixed order, empty
 * clusters relocated to the farthest rows, weighted means, and the shift of every center. */
#include <omp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "src/core/comm.h"
#include "simd/team.h"

/* A row far from its center: a candidate for an empty cluster, with what the cluster takes
 * (its features follow it in the exchange). */
typedef struct km_far {
    double dist;
    int64_t row;         /* in the whole data set */
    int32_t label;
    float w;
} km_far;

/* A candidate and where its record lies in the exchange; far_cmp reads the km_far first. */
typedef struct km_slot {
    km_far f;
    int64_t slot;
} km_slot;

/* Largest distance first; equal distances keep the lower row first. */
static int far_cmp(const void *pa, const void *pb)
{
    const km_far *a = pa, *b = pb;
    if (a->dist != b->dist) return a->dist < b->dist ? 1 : -1;
    return (a->row > b->row) - (a->row < b->row);
}

/* The m rows of the whole data set farthest from their centers, each record a km_far and the
 * row's d features, into out (ranks x m records of `rec` bytes; the first m are the answer).
 * Each rank's m farthest rows, gathered and ranked again, are the m farthest of all. */
static latent_status farthest_rows(const km_data *D, const int32_t *labels,
                                   const float *old_centers, int64_t m, char *out, int64_t rec)
{
    const int64_t n = D->n, d = D->d;
    const int ranks = D->dist ? latent_comm_size() : 1, rank = D->dist ? latent_comm_rank() : 0;
    km_far *far = latent_alloc(n > m ? (size_t)n : (size_t)m, sizeof *far, "kmeans: relocation distances");
    if (!far) return LATENT_ENOMEM;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) {
        LK_REGION_ENTERED();
        far[i].dist = D->t->mse(d, D->x + i * d, old_centers + (int64_t)labels[i] * d, NULL, 0.0f);
        far[i].row = D->row0 + i;
        far[i].label = labels[i];
        far[i].w = D->w ? D->w[i] : 1.0f;
    }
    qsort(far, (size_t)n, sizeof *far, far_cmp);
    for (int64_t j = 0; j < m; j++) {
        char *r = out + (rank * m + j) * rec;
        km_far f = {-1.0, INT64_MAX, 0, 0.0f}; /* a rank with fewer rows pads with rows ranked last */
        if (j < n) f = far[j];
        memcpy(r, &f, sizeof f);
        if (j < n) memcpy(r + sizeof f, D->x + (f.row - D->row0) * d, (size_t)d * sizeof(float));
        else memset(r + sizeof f, 0, (size_t)d * sizeof(float));
    }
    latent_free(far);
    latent_status st = km_gather(D, out + 0, m * rec);
    if (st != LATENT_OK || ranks == 1) return st;
    /* rank the ranks x m candidates by their headers, then move the first m records up front
     * (row numbers are unique, so the order is total) */
    km_slot *top = latent_alloc((size_t)(ranks * m), sizeof *top, "kmeans: farthest rows");
    char *tmp = latent_alloc((size_t)m, (size_t)rec, "kmeans: farthest rows");
    if (top && tmp) {
        for (int64_t j = 0; j < ranks * m; j++) {
            memcpy(&top[j].f, out + j * rec, sizeof top[j].f);
            top[j].slot = j;
        }
        qsort(top, (size_t)(ranks * m), sizeof *top, far_cmp);
        for (int64_t j = 0; j < m; j++) memcpy(tmp + j * rec, out + top[j].slot * rec, (size_t)rec);
        memcpy(out, tmp, (size_t)(m * rec));
    } else {
        st = LATENT_ENOMEM;
    }
    latent_free(top);
    latent_free(tmp);
    return st;
}

/* scikit-learn's rule: the i-th empty cluster takes the i-th farthest row from its current
 * center; the row's weighted value moves from its own cluster's sum to the empty one. Labels
 * are left as they are: the next assignment settles them. */
static latent_status relocate_empty(const km_data *D, double *sums, double *wsum, int64_t k,
                                    const int32_t *labels, const float *old_centers)
{
    const int64_t d = D->d;
    int64_t n_empty = 0;
    for (int64_t j = 0; j < k; j++) n_empty += wsum[j] == 0.0;
    if (n_empty == 0) return LATENT_OK;
    const int ranks = D->dist ? latent_comm_size() : 1;
    const int64_t rec = (int64_t)(sizeof(km_far) + (size_t)d * sizeof(float));
    char *far = latent_alloc((size_t)(ranks * n_empty), (size_t)rec, "kmeans: farthest rows");
    if (!far) return LATENT_ENOMEM;
    latent_status st = farthest_rows(D, labels, old_centers, n_empty, far, rec);
    int64_t e = 0;
    for (int64_t j = 0; st == LATENT_OK && j < k && e < n_empty; j++) {
        if (wsum[j] != 0.0) continue;
        km_far f;
        memcpy(&f, far + e * rec, sizeof f);
        const float *xi = (const float *)(far + e * rec + sizeof f);
        e++;
        if (f.dist < 0.0) break;         /* fewer rows than empty clusters: nothing to move */
        int64_t from = f.label;
        double wi = f.w;
        for (int64_t p = 0; p < d; p++) {
            sums[from * d + p] -= wi * xi[p];
            sums[j * d + p] = wi * xi[p];
        }
        wsum[j] = wi;
        wsum[from] -= wi;
    }
    latent_free(far);
    return st;
}

/* sum w ||x - c_label||^2 from the cluster sums S_j and weights W_j: sum w ||x||^2 -
 * 2 sum_j c_j.S_j + sum_j W_j ||c_j||^2, in double, in a fixed order. */
static double inertia_from_sums(const km_data *D, const double *sums, const double *wsum,
                                int64_t k, const float *centers)
{
    const int64_t d = D->d;
    double cs = 0.0, cc = 0.0;
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
    double v = D->wxx - 2.0 * cs + cc;
    return v > 0.0 ? v : 0.0;
}

latent_status km_update_centers(const km_data *D, km_acc *acc, const int32_t *labels,
                                const float *old_centers, float *new_centers, float *shift,
                                double *shift_total, double *inertia)
{
    const int64_t k = acc->k, d = acc->d;
    double *tot = acc->total, *wtot = acc->wtotal;
    /* The chunks added in chunk order; they stay as they are for the next pass. */
    latent_status st = km_acc_totals(acc, D);
    if (st != LATENT_OK) return st;
    if (inertia) *inertia = inertia_from_sums(D, tot, wtot, k, old_centers);

    if ((st = relocate_empty(D, tot, wtot, k, labels, old_centers)) != LATENT_OK) return st;

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
