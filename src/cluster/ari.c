/* Adjusted Rand index from the pair confusion counts, in exact integer arithmetic until the
 * final ratio (products of pair counts exceed 64 bits, hence long double). */
#include "contingency.h"
#include "latent/metrics.h"

latent_status latent_metric_ari(int64_t n, const int32_t *classes, const int32_t *clusters,
                                double *out)
{
    if (!out) return latent_fail(LATENT_EINVAL, "ari: out: NULL");
    ct_table t;
    latent_status st = ct_build(n, classes, clusters, "ari", &t);
    if (st != LATENT_OK) return st;
    /* Ordered pairs (i != j): together in both, in the classes only, in the clusters only. */
    long double sq = 0, sr = 0, sc = 0, N = (long double)n;
    for (int64_t e = 0; e < t.r * t.c; e++) sq += (long double)t.count[e] * t.count[e];
    for (int64_t i = 0; i < t.r; i++) sr += (long double)t.rsum[i] * t.rsum[i];
    for (int64_t j = 0; j < t.c; j++) sc += (long double)t.csum[j] * t.csum[j];
    long double tp = sq - N, fn = sr - sq, fp = sc - sq, tn = N * N - fp - fn - sq;
    if (fn == 0 && fp == 0) *out = 1.0;
    else *out = (double)(2.0L * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)));
    ct_free(&t);
    return LATENT_OK;
}
