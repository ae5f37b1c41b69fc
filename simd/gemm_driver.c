/* GEMM framework. PLACEHOLDER: a straightforward loop nest until the packed, blocked driver
 * lands; it honours the full contract of gemm.h so the layers above can be built on it. */
#include <math.h>
#include <stdlib.h>
#include "gemm.h"

void lk_sgemm(const lk_table *t, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
              float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
              float *c, int64_t ldc, const float *bias, latent_act act, float slope)
{
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            float s = 0.0f;
            for (int64_t p = 0; p < k; p++) {
                float av = trans_a ? a[p * lda + i] : a[i * lda + p];
                float bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
                s += av * bv;
            }
            float r = alpha * s;
            if (beta != 0.0f) r += beta * c[i * ldc + j];
            if (bias) r += bias[j];
            c[i * ldc + j] = r;
        }
        if (act != LATENT_ACT_IDENTITY || bias) t->act_fwd[act](n, c + i * ldc, c + i * ldc, slope);
    }
}

void lk_kmeans_assign(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                      const float *centers, int64_t k, const float *cnorm, int32_t *labels,
                      float *dist)
{
    (void)t;
    for (int64_t i = 0; i < n; i++) {
        float best = INFINITY;
        int32_t bi = 0;
        for (int64_t j = 0; j < k; j++) {
            float s = 0.0f;
            for (int64_t p = 0; p < d; p++) s += x[i * ldx + p] * centers[j * d + p];
            float v = cnorm[j] - 2.0f * s;
            if (v < best) best = v, bi = (int32_t)j;
        }
        labels[i] = bi;
        if (dist) dist[i] = best;
    }
}
