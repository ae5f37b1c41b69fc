/* The Fréchet distance between two sets of feature vectors, each summarised by a Gaussian:
 * |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), in double. */
#include <omp.h>
#include <math.h>
#include <string.h>
#include "latent/memory.h"
#include "latent/models.h"
#include "sym_eigen.h"
#include "simd/team.h"

/* Mean and unbiased covariance (n - 1) of n rows of width k, in double, rows in order. */
static void moments(const float *x, int64_t n, int64_t k, double *mu, double *cov)
{
    memset(mu, 0, sizeof(double) * (size_t)k);
    memset(cov, 0, sizeof(double) * (size_t)(k * k));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < k; j++) mu[j] += x[i * k + j];
    for (int64_t j = 0; j < k; j++) mu[j] /= (double)n;
#pragma omp parallel for schedule(dynamic, 4)
    for (int64_t a = 0; a < k; a++) {
        LK_REGION_ENTERED();
        for (int64_t i = 0; i < n; i++) {
            double da = x[i * k + a] - mu[a];
            for (int64_t b = a; b < k; b++) cov[a * k + b] += da * (x[i * k + b] - mu[b]);
        }
    }
    for (int64_t a = 0; a < k; a++)
        for (int64_t b = a; b < k; b++) cov[b * k + a] = cov[a * k + b] /= (double)(n - 1);
}

latent_status latent_frechet_distance(const float *a, int64_t na, const float *b, int64_t nb,
                                      int64_t k, double *out)
{
    if (na < 2 || nb < 2 || k < 1 || k > 4096)
        return latent_fail(LATENT_EINVAL, "frechet: need 2+ rows per set and 1 to 4096 features "
                           "(got %lld, %lld rows, %lld features)", (long long)na, (long long)nb,
                           (long long)k);
    const size_t kk = (size_t)(k * k);
    double *buf = latent_alloc(7 * kk + 3 * (size_t)k, sizeof(double), "frechet matrices");
    if (!buf) return LATENT_ENOMEM;
    double *s1 = buf, *s2 = s1 + kk, *r1 = s2 + kk, *m = r1 + kk, *work = m + kk;
    double *mu1 = work + 3 * kk + k, *mu2 = mu1 + k;
    moments(a, na, k, mu1, s1);
    moments(b, nb, k, mu2, s2);
    latent_status st = latent_sym_sqrt(k, s1, r1, work);
    if (!st) {
        /* m = r1 s2 r1 is symmetric PSD and tr sqrt(m) = tr sqrt(S1 S2) */
        double tr1 = 0.0, tr2 = 0.0;
        for (int64_t i = 0; i < k; i++) tr1 += s1[i * k + i], tr2 += s2[i * k + i];
        double *tmp = work;
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j < k; j++) {
                double acc = 0.0;
                for (int64_t l = 0; l < k; l++) acc += r1[i * k + l] * s2[l * k + j];
                tmp[i * k + j] = acc;
            }
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j < k; j++) {
                double acc = 0.0;
                for (int64_t l = 0; l < k; l++) acc += tmp[i * k + l] * r1[l * k + j];
                m[i * k + j] = acc;
            }
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = i + 1; j < k; j++) m[i * k + j] = m[j * k + i] = 0.5 * (m[i * k + j] + m[j * k + i]);
        double *w = work + 2 * kk, *v = work;
        st = latent_sym_eigen(k, m, w, v);
        if (!st) {
            double trs = 0.0, dmu = 0.0;
            for (int64_t i = 0; i < k; i++) trs += w[i] > 0 ? sqrt(w[i]) : 0.0;
            for (int64_t i = 0; i < k; i++) dmu += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
            *out = dmu + tr1 + tr2 - 2.0 * trs;
        }
    }
    latent_free(buf);
    return st;
}
