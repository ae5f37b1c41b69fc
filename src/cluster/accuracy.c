/* Clustering accuracy: the share of rows whose cluster maps to their class under the best
 * one-to-one matching of clusters to classes. */
#include "contingency.h"
#include "latent/memory.h"
#include "latent/metrics.h"

latent_status latent_metric_accuracy(int64_t n, const int32_t *classes, const int32_t *clusters,
                                     double *out)
{
    if (!out) return latent_fail(LATENT_EINVAL, "accuracy: out: NULL");
    ct_table t;
    latent_status st = ct_build(n, classes, clusters, "accuracy", &t);
    if (st != LATENT_OK) return st;
    /* The matching runs from the smaller side; costs are negated counts. */
    int flip = t.r > t.c;
    int64_t rows = flip ? t.c : t.r, cols = flip ? t.r : t.c;
    double *cost = latent_alloc((size_t)rows, (size_t)cols * sizeof(double), "accuracy: costs");
    int64_t *match = latent_alloc((size_t)rows, sizeof(int64_t), "accuracy: matching");
    if (!cost || !match) { st = LATENT_ENOMEM; goto out; }
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            cost[i * cols + j] = -(double)(flip ? t.count[j * t.c + i] : t.count[i * t.c + j]);
    double total;
    st = latent_hungarian(rows, cols, cost, match, &total);
    if (st == LATENT_OK) *out = -total / (double)n;
out:
    latent_free(cost);
    latent_free(match);
    ct_free(&t);
    return st;
}
