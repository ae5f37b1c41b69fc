/* Clustering quality against known classes: accuracy under the best matching, NMI and ARI, as
 * scikit-learn computes them. Labels are any int32 values; only equality matters. */
#ifndef LATENT_METRICS_H
#define LATENT_METRICS_H

#include <stdint.h>
#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fraction of the n rows whose cluster is matched to their class by the one-to-one matching of
 * clusters to classes that maximises it (Hungarian algorithm on the contingency table). */
latent_status latent_metric_accuracy(int64_t n, const int32_t *classes, const int32_t *clusters,
                                     double *out);

/* Normalized mutual information, normalized by the arithmetic mean of the two entropies
 * (scikit-learn's default): 1 for identical partitions, 0 for independent ones. */
latent_status latent_metric_nmi(int64_t n, const int32_t *classes, const int32_t *clusters,
                                double *out);

/* Adjusted Rand index: pair agreement corrected for chance (1 identical, about 0 at random). */
latent_status latent_metric_ari(int64_t n, const int32_t *classes, const int32_t *clusters,
                                double *out);

/* Minimum-cost assignment of the rows of an r x c cost matrix (row-major, r <= c) to distinct
 * columns, in O(r^2 c): assignment[i] is the column of row i; *total (if not NULL) its cost. */
latent_status latent_hungarian(int64_t r, int64_t c, const double *cost, int64_t *assignment,
                               double *total);

#ifdef __cplusplus
}
#endif
#endif
