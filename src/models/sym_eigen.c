/* Symmetric eigen-decomposition by cyclic Jacobi (Golub & Van Loan 8.5) and the matrix square
 * root it gives, in double: small matrices (feature covariances), accuracy over speed. */
#include <math.h>
#include <string.h>
#include "sym_eigen.h"

latent_status latent_sym_eigen(int64_t n, double *a, double *w, double *v)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) v[i * n + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0, diag = 0.0;
        for (int64_t i = 0; i < n; i++) {
            diag += a[i * n + i] * a[i * n + i];
            for (int64_t j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
        }
        if (off <= 1e-30 * diag || off == 0.0) {
            for (int64_t i = 0; i < n; i++) w[i] = a[i * n + i];
            return LATENT_OK;
        }
        for (int64_t p = 0; p < n; p++)
            for (int64_t q = p + 1; q < n; q++) {
                double apq = a[p * n + q];
                if (apq == 0.0) continue;
                /* the rotation that zeroes a[p][q], with the smaller angle (stable form) */
                double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int64_t k = 0; k < n; k++) {
                    double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int64_t k = 0; k < n; k++) {
                    double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for (int64_t k = 0; k < n; k++) {
                    double vkp = v[k * n + p], vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
    }
    return latent_fail(LATENT_EINVAL, "eigen: Jacobi did not converge (n = %lld)", (long long)n);
}

latent_status latent_sym_sqrt(int64_t n, const double *a, double *s, double *work)
{
    double *b = work, *v = work + n * n, *w = work + 2 * n * n;
    memcpy(b, a, sizeof(double) * (size_t)(n * n));
    latent_status st = latent_sym_eigen(n, b, w, v);
    if (st) return st;
    for (int64_t k = 0; k < n; k++) w[k] = w[k] > 0 ? sqrt(w[k]) : 0.0;
    /* s = V diag(sqrt w) V^T */
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double acc = 0.0;
            for (int64_t k = 0; k < n; k++) acc += v[i * n + k] * w[k] * v[j * n + k];
            s[i * n + j] = acc;
        }
    return LATENT_OK;
}
