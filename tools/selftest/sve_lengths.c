/* latent-sve-lengths: the SVE kernels at this machine's vector length against the scalar
 * reference on a few small cases: GEMM in the three layouts with edge tiles, the bias + ReLU
 * epilogue and accumulation, the k-means++ row dots and the k-means assignment. CI runs it under
 * qemu at 256 and 512 bits, where qemu 7.2 emulates SVE arithmetic some 15 times slower than at
 * 128 bits (at which latent-selftest runs every case). Last line: "sve-lengths: N passed, N
 * failed"; exit status 1 on any failure or without SVE. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include "latent/isa.h"
#include "simd/gemm.h"

static int passed, failed;

/* The largest |a - b| (a plain loop: gcc 12's aarch64 vectorizer fails on an fmax reduction). */
static double max_diff(const float *a, const float *b, int64_t n)
{
    double worst = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]);
        if (e > worst) worst = e;
    }
    return worst;
}

static void check(const char *what, double err, double bound)
{
    int ok = err <= bound;
    printf("%-4s %-44s err %.3g bound %.3g\n", ok ? "ok" : "FAIL", what, err, bound);
    ok ? passed++ : failed++;
}

static float *filled(int64_t n, uint32_t seed)
{
    float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 8) / 8388608.0f - 1.0f;
    }
    return p;
}

/* op(A) op(B) (+ beta C) (+ bias, ReLU) at one level against the scalar level: the error
 * against the bound of a float sum of k products, (2k + 8) u sum |a b|. */
static void gemm_case(const lk_table *sve, const lk_table *ref, int ta, int tb, int64_t m,
                      int64_t n, int64_t k, float beta, int bias_relu)
{
    float *a = filled(m * k, 1), *b = filled(k * n, 2), *bias = filled(n, 3);
    float *c = filled(m * n, 4), *r = malloc((size_t)(m * n) * sizeof(float));
    for (int64_t i = 0; i < m * n; i++) r[i] = c[i];
    const int64_t lda = ta ? m : k, ldb = tb ? k : n;
    const latent_act act = bias_relu ? LATENT_ACT_RELU : LATENT_ACT_IDENTITY;
    lk_sgemm(sve, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, n, bias_relu ? bias : NULL, act, 0.0f);
    lk_sgemm(ref, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, r, n, bias_relu ? bias : NULL, act, 0.0f);
    double worst = max_diff(c, r, m * n), bound = (2.0 * (double)k + 8.0) * 0x1p-24 * ((double)k + 3.0);
    char what[96];
    snprintf(what, sizeof what, "sgemm %c%c %lldx%lldx%lld beta %g%s", ta ? 'T' : 'N', tb ? 'T' : 'N',
             (long long)m, (long long)n, (long long)k, (double)beta, bias_relu ? " bias+relu" : "");
    check(what, worst, 2.0 * bound);
    free(a), free(b), free(bias), free(c), free(r);
}

int main(void)
{
    if (!latent_isa_supported(LATENT_ISA_SVE)) {
        printf("FAIL no SVE level on this machine or build\nsve-lengths: 0 passed, 1 failed\n");
        return 1;
    }
    const lk_table *sve = lk_table_for(LATENT_ISA_SVE), *ref = lk_table_for(LATENT_ISA_SCALAR);
    printf("vector length %d bits: GEMM tile %d x %d\n", (prctl(PR_SVE_GET_VL) & PR_SVE_VL_LEN_MASK) * 8,
           sve->mr, sve->nr);
    const int nr = sve->nr;
    /* full tiles, edge tiles on both sides, k below and across a k block */
    const int64_t shapes[][3] = {{8, nr, 16}, {9, nr + 5, 17}, {3, 2, 64}, {17, 2 * nr + 1, 300}};
    for (int s = 0; s < 4; s++)
        for (int lay = 0; lay < 3; lay++)
            gemm_case(sve, ref, lay == 2, lay == 1, shapes[s][0], shapes[s][1], shapes[s][2],
                      s % 2 ? 0.75f : 0.0f, s == 1 || s == 3);

    /* k-means++ row dots: tails of every length mod the vector */
    for (int64_t d = 1; d <= 70; d += 23) {
        const int64_t n = 6, m = 5;
        float *x = filled(n * d, 5), *c = filled(m * d, 6), *o = malloc(n * m * sizeof(float)),
              *q = malloc(n * m * sizeof(float));
        sve->rows_dot(n, m, d, x, d, c, d, o, m);
        ref->rows_dot(n, m, d, x, d, c, d, q, m);
        double worst = max_diff(o, q, n * m);
        char what[64];
        snprintf(what, sizeof what, "rows_dot 6 rows x 5 centers, d %lld", (long long)d);
        check(what, worst, (2.0 * (double)d + 8.0) * 0x1p-24 * (double)d);
        free(x), free(c), free(o), free(q);
    }

    /* k-means assignment: the same labels as the scalar level on well separated centers */
    {
        const int64_t n = 64, d = 19, k = 7;
        float *cen = filled(k * d, 7), *x = malloc(n * d * sizeof(float)), cn[7];
        float *noise = filled(n * d, 8);
        int32_t lv[64], lr[64];
        for (int64_t j = 0; j < k * d; j++) cen[j] *= 10.0f;
        for (int64_t i = 0; i < n; i++)
            for (int64_t p = 0; p < d; p++) x[i * d + p] = cen[(i % k) * d + p] + 0.1f * noise[i * d + p];
        ref->sqnorm_rows(k, d, cen, d, cn);
        lk_kmeans_assign(sve, n, d, x, d, cen, k, cn, lv, NULL);
        lk_kmeans_assign(ref, n, d, x, d, cen, k, cn, lr, NULL);
        int differ = 0;
        for (int64_t i = 0; i < n; i++) differ += lv[i] != lr[i];
        check("kmeans_assign 64 rows, d 19, k 7: labels differing", differ, 0);
        free(cen), free(x), free(noise);
    }
    printf("sve-lengths: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
