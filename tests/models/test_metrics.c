/* The Jacobi eigen-decomposition and the Fréchet distance against closed forms. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include "latent/models.h"
#include "latent/rng.h"
#include "src/models/sym_eigen.h"

Test(eigen, reconstructs_a_symmetric_matrix)
{
    enum { N = 9 };
    double a[N * N], b[N * N], w[N], v[N * N];
    latent_rng r;
    latent_rng_init(&r, 1, LATENT_STREAM_USER, 0, 0);
    for (int i = 0; i < N; i++)
        for (int j = 0; j <= i; j++) a[i * N + j] = a[j * N + i] = latent_rng_normal(&r);
    for (int i = 0; i < N * N; i++) b[i] = a[i];
    cr_assert_eq(latent_sym_eigen(N, b, w, v), LATENT_OK);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            double av = 0, vv = 0;
            for (int j = 0; j < N; j++) av += a[i * N + j] * v[j * N + k], vv += v[j * N + i] * v[j * N + k];
            cr_expect(fabs(av - w[k] * v[i * N + k]) < 1e-10, "A v != w v at %d,%d", i, k);
            cr_expect(fabs(vv - (i == k)) < 1e-12, "V not orthonormal at %d,%d", i, k);
        }
}

/* b = sqrt(c) a + shift has covariance c S_a, so the distance is
 * |shift + (sqrt c - 1) mu_a|^2 + tr(S_a)(1 - sqrt c)^2. */
Test(frechet, scaled_and_shifted_copy)
{
    enum { N = 500, K = 6 };
    float *a = malloc(sizeof(float) * N * K), *b = malloc(sizeof(float) * N * K);
    latent_rng r;
    latent_rng_init(&r, 2, LATENT_STREAM_USER, 0, 0);
    const double c = 2.25, shift[K] = {0.5, -1, 0, 2, 0.25, -0.75};
    for (int i = 0; i < N; i++) {
        float z0 = latent_rng_normal(&r), z1 = latent_rng_normal(&r);
        for (int j = 0; j < K; j++) {
            /* correlated features, so the covariance is far from diagonal */
            a[i * K + j] = z0 * (float)(j + 1) * 0.5f + z1 * (j % 2 ? 1.0f : -0.3f) +
                           0.2f * latent_rng_normal(&r);
            b[i * K + j] = (float)(sqrt(c) * a[i * K + j] + shift[j]);
        }
    }
    double tr = 0, mu[K] = {0}, expect = 0, fd;
    for (int j = 0; j < K; j++) {
        for (int i = 0; i < N; i++) mu[j] += a[i * K + j];
        mu[j] /= N;
        double s = 0;
        for (int i = 0; i < N; i++) s += (a[i * K + j] - mu[j]) * (a[i * K + j] - mu[j]);
        tr += s / (N - 1);
        double dm = shift[j] + (sqrt(c) - 1) * mu[j]; /* mean of b minus mean of a */
        expect += dm * dm;
    }
    expect += tr * (1 - sqrt(c)) * (1 - sqrt(c));
    cr_assert_eq(latent_frechet_distance(a, N, b, N, K, &fd), LATENT_OK);
    cr_expect(fabs(fd - expect) < 1e-4 * expect, "distance %.10g, closed form %.10g", fd, expect);
    cr_assert_eq(latent_frechet_distance(a, N, a, N, K, &fd), LATENT_OK);
    cr_expect(fabs(fd) < 1e-6, "distance to itself %.3g", fd);
    free(a), free(b);
}
