/* Normalized mutual information with the arithmetic-mean normalizer, scikit-learn's default. */
#include <math.h>
#include "contingency.h"
#include "latent/metrics.h"

static double entropy(int64_t m, const int64_t *count, int64_t n)
{
    double h = 0.0;
    for (int64_t i = 0; i < m; i++)
        if (count[i] > 0) {
            double p = (double)count[i] / (double)n;
            h -= p * log(p);
        }
    return h;
}

latent_status latent_metric_nmi(int64_t n, const int32_t *classes, const int32_t *clusters,
                                double *out)
{
    if (!out) return latent_fail(LATENT_EINVAL, "nmi: out: NULL");
    ct_table t;
    latent_status st = ct_build(n, classes, clusters, "nmi", &t);
    if (st != LATENT_OK) return st;
    /* Neither labeling splits the data: the same (trivial) partition. */
    if (t.r == 1 && t.c == 1) { *out = 1.0; ct_free(&t); return LATENT_OK; }
    double mi = 0.0, dn = (double)n;
    for (int64_t i = 0; i < t.r; i++)
        for (int64_t j = 0; j < t.c; j++) {
            int64_t nij = t.count[i * t.c + j];
            if (nij == 0) continue;
            mi += (double)nij / dn * log(dn * (double)nij / ((double)t.rsum[i] * (double)t.csum[j]));
        }
    if (mi < 0.0) mi = 0.0;
    double norm = 0.5 * (entropy(t.r, t.rsum, n) + entropy(t.c, t.csum, n));
    *out = mi == 0.0 ? 0.0 : mi / norm;
    ct_free(&t);
    return LATENT_OK;
}
