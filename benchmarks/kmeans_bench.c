/* k-means timings on Fashion-MNIST for benchmarks/kmeans_vs_sklearn.py: one JSON line per
 * Lloyd/Elkan iteration and one for the k-means++ init, each with wall and process CPU seconds
 * (CPU time is what a machine shared with other jobs still measures fairly).
 * Usage: kmeans_bench K ITERS [lloyd|elkan] [SEED] */
#include <omp.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "latent/dataset.h"
#include "latent/kmeans.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_mark;

static void on_iter(void *user, int run, int iter, double seconds, double inertia)
{
    (void)user;
    double now = cpu_now();
    printf("{\"event\":\"iter\",\"run\":%d,\"iter\":%d,\"seconds\":%.6f,\"cpu\":%.6f,"
           "\"inertia\":%.9g}\n", run, iter, seconds, now - cpu_mark, inertia);
    cpu_mark = now;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: kmeans_bench K ITERS [lloyd|elkan] [SEED]\n");
        return 2;
    }
    int64_t k = atoll(argv[1]);
    int iters = atoi(argv[2]);
    int elkan = argc > 3 && strcmp(argv[3], "elkan") == 0;
    uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
    latent_dataset ds;
    if (latent_dataset_load("fashion-mnist", &ds) != LATENT_OK) {
        fprintf(stderr, "kmeans_bench: %s\n", latent_last_error());
        return 1;
    }
    float *init = malloc((size_t)(k * ds.d) * sizeof(float));
    double w0 = omp_get_wtime(), c0 = cpu_now();
    if (!init || latent_kmeans_plusplus(ds.x, ds.n, ds.d, NULL, k, 0, seed, 0, init, NULL) != LATENT_OK) {
        fprintf(stderr, "kmeans_bench: k-means++: %s\n", latent_last_error());
        return 1;
    }
    printf("{\"event\":\"init\",\"seconds\":%.6f,\"cpu\":%.6f}\n", omp_get_wtime() - w0,
           cpu_now() - c0);
    latent_kmeans_options o;
    latent_kmeans_options_default(&o, k);
    o.init = LATENT_KMEANS_INIT_ARRAY;
    o.init_centers = init;
    o.algorithm = elkan ? LATENT_KMEANS_ELKAN : LATENT_KMEANS_LLOYD;
    o.max_iter = iters;
    o.tol = 0.0;
    o.seed = seed;
    o.on_iter = on_iter;
    latent_kmeans_result r;
    cpu_mark = cpu_now();
    if (latent_kmeans_fit(ds.x, ds.n, ds.d, NULL, &o, &r) != LATENT_OK) {
        fprintf(stderr, "kmeans_bench: %s\n", latent_last_error());
        latent_dataset_free(&ds);
        return 1;
    }
    printf("{\"event\":\"done\",\"n\":%lld,\"d\":%lld,\"k\":%lld,\"init_seconds\":%.6f,"
           "\"n_iter\":%d,\"inertia\":%.9g}\n", (long long)ds.n, (long long)ds.d, (long long)k,
           r.init_seconds, r.n_iter, r.inertia);
    latent_kmeans_result_free(&r);
    latent_dataset_free(&ds);
    free(init);
    return 0;
}
