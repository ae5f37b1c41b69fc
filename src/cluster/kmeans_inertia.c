/* Inertia as scikit-learn defines it: from direct differences, accumulated in double. */
#include <omp.h>
#include <math.h>
#include <stddef.h>
#include "kmeans_internal.h"
#include "simd/team.h"

double km_inertia(const km_data *D, const float *centers, const int32_t *labels)
{
    const int64_t d = D->d;
    double part[KM_MAX_CHUNKS];
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t c = D->c0; c < D->c1; c++) {
        LK_REGION_ENTERED();
        int64_t r0, r1;
        km_chunk_rows(D, c, &r0, &r1);
        double s = 0.0;
        for (int64_t i = r0; i < r1; i++) {
            double di = D->t->mse(d, D->x + i * d, centers + (int64_t)labels[i] * d, NULL, 0.0f);
            s += D->w ? D->w[i] * di : di;
        }
        part[c] = s;
    }
    double total;
    /* a failed exchange reads as NaN, which the fit reports */
    if (km_fold(D, part + D->c0, 1, &total) != LATENT_OK) total = NAN;
    return total;
}
