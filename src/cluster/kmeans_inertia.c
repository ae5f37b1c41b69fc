/* Inertia as scikit-learn defines it: from direct differences, accumulated in double. */
#include <omp.h>
#include <stddef.h>
#include "kmeans_internal.h"
#include "simd/team.h"

#define KM_INERTIA_CHUNKS 64

double km_inertia(const km_data *D, const float *centers, const int32_t *labels)
{
    const int64_t n = D->n, d = D->d;
    int64_t rows = (n + KM_INERTIA_CHUNKS - 1) / KM_INERTIA_CHUNKS;
    double part[KM_INERTIA_CHUNKS];
#pragma omp parallel for schedule(static)
    for (int c = 0; c < KM_INERTIA_CHUNKS; c++) {
        LK_REGION_ENTERED();
        double s = 0.0;
        int64_t r1 = (c + 1) * rows < n ? (c + 1) * rows : n;
        for (int64_t i = c * rows; i < r1; i++) {
            double di = D->t->mse(d, D->x + i * d, centers + (int64_t)labels[i] * d, NULL, 0.0f);
            s += D->w ? D->w[i] * di : di;
        }
        part[c] = s;
    }
    double total = 0.0;
    for (int c = 0; c < KM_INERTIA_CHUNKS; c++) total += part[c];
    return total;
}
