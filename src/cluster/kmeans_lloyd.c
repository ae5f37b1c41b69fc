/* Lloyd's algorithm with scikit-learn's stopping rules and iteration count. */
#include <omp.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"

latent_status km_run_lloyd(const km_data *D, const latent_kmeans_options *o, int run,
                           float *centers, int32_t *labels, int *n_iter)
{
    const int64_t n = D->n, d = D->d, k = o->k;
    km_acc acc;
    latent_status st = km_acc_init(&acc, D, k);
    if (st != LATENT_OK) return st;
    float *next = latent_alloc((size_t)k, (size_t)d * sizeof(float), "kmeans: centers");
    float *cnorm = latent_alloc((size_t)k, sizeof(float), "kmeans: center norms");
    int32_t *old = latent_alloc((size_t)n, sizeof(int32_t), "kmeans: previous labels");
    if (!next || !cnorm || !old) { st = LATENT_ENOMEM; goto out; }
    for (int64_t i = 0; i < n; i++) old[i] = -1;

    int strict = 0, it = 0;
    for (it = 0; it < o->max_iter; it++) {
        double t0 = omp_get_wtime();
        D->t->sqnorm_rows(k, d, centers, d, cnorm);
        km_assign_pass(D, centers, k, cnorm, labels, &acc);
        double shift, inertia;
        st = km_update_centers(D, &acc, labels, centers, next, NULL, &shift, &inertia);
        if (st != LATENT_OK) goto out;
        memcpy(centers, next, (size_t)(k * d) * sizeof(float));
        if (o->on_iter) o->on_iter(o->user, run, it + 1, omp_get_wtime() - t0, inertia);
        int changed = memcmp(labels, old, (size_t)n * sizeof(int32_t)) != 0;
        changed = km_any(D, changed, &st);
        if (st != LATENT_OK) goto out;
        if (!changed) { strict = 1; break; }
        if (shift <= D->tol) break;
        memcpy(old, labels, (size_t)n * sizeof(int32_t));
    }
    /* Without strict convergence the labels belong to the previous centers: assign once more. */
    if (!strict) {
        D->t->sqnorm_rows(k, d, centers, d, cnorm);
        km_assign_pass(D, centers, k, cnorm, labels, NULL);
    }
    *n_iter = it < o->max_iter ? it + 1 : o->max_iter;
out:
    km_acc_free(&acc);
    latent_free(next);
    latent_free(cnorm);
    latent_free(old);
    return st;
}
