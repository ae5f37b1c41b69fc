/* ACC (Hungarian), NMI and ARI against scikit-learn and scipy, and their known values. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include "latent/metrics.h"
#include "oracle.h"

Test(metrics, against_sklearn)
{
    oracle o;
    cr_assert_eq(oracle_run(&o, "metrics", ""), 0);
    int64_t n = (int64_t)oracle_meta(&o, "n");
    int32_t *a = oracle_read(&o, "a.i32", NULL), *b = oracle_read(&o, "b.i32", NULL);
    cr_assert(a && b);
    double acc, nmi, ari;
    cr_assert_eq(latent_metric_accuracy(n, a, b, &acc), LATENT_OK);
    cr_assert_eq(latent_metric_nmi(n, a, b, &nmi), LATENT_OK);
    cr_assert_eq(latent_metric_ari(n, a, b, &ari), LATENT_OK);
    cr_expect(fabs(acc - oracle_meta(&o, "acc")) < 1e-12, "acc %.15g vs %.15g", acc, oracle_meta(&o, "acc"));
    cr_expect(fabs(nmi - oracle_meta(&o, "nmi")) < 1e-12, "nmi %.15g vs %.15g", nmi, oracle_meta(&o, "nmi"));
    cr_expect(fabs(ari - oracle_meta(&o, "ari")) < 1e-12, "ari %.15g vs %.15g", ari, oracle_meta(&o, "ari"));
    free(a);
    free(b);
    oracle_done(&o);
}

Test(metrics, identical_and_relabeled_partitions)
{
    int32_t a[8] = {0, 0, 1, 1, 2, 2, 3, 3}, b[8] = {7, 7, -1, -1, 4, 4, 9, 9};
    double v;
    cr_assert_eq(latent_metric_accuracy(8, a, b, &v), LATENT_OK);
    cr_expect_eq(v, 1.0);
    cr_assert_eq(latent_metric_nmi(8, a, b, &v), LATENT_OK);
    cr_expect(fabs(v - 1.0) < 1e-15);
    cr_assert_eq(latent_metric_ari(8, a, b, &v), LATENT_OK);
    cr_expect_eq(v, 1.0);
    int32_t one[8] = {0};
    cr_assert_eq(latent_metric_nmi(8, one, one, &v), LATENT_OK);
    cr_expect_eq(v, 1.0);
    cr_assert_eq(latent_metric_nmi(8, a, one, &v), LATENT_OK);
    cr_expect_eq(v, 0.0);
}

/* More clusters than classes: each class takes its best cluster, the rest count as errors. */
Test(metrics, accuracy_with_unequal_counts)
{
    int32_t cls[6] = {0, 0, 0, 1, 1, 1}, clu[6] = {0, 0, 1, 2, 2, 3};
    double v;
    cr_assert_eq(latent_metric_accuracy(6, cls, clu, &v), LATENT_OK);
    cr_expect(fabs(v - 4.0 / 6.0) < 1e-15, "%g", v);
    cr_assert_eq(latent_metric_accuracy(6, clu, cls, &v), LATENT_OK);
    cr_expect(fabs(v - 4.0 / 6.0) < 1e-15, "%g", v);
}

/* The Hungarian algorithm against every permutation of a 6 x 6 matrix, and a rectangular case. */
static double best_perm(const double *c, int n, int row, int used)
{
    if (row == n) return 0.0;
    double best = INFINITY;
    for (int j = 0; j < n; j++)
        if (!(used & (1 << j))) {
            double v = c[row * n + j] + best_perm(c, n, row + 1, used | (1 << j));
            if (v < best) best = v;
        }
    return best;
}

Test(metrics, hungarian_is_optimal)
{
    srand(3);
    for (int rep = 0; rep < 20; rep++) {
        double c[36];
        for (int i = 0; i < 36; i++) c[i] = (rand() % 100) - 30;
        int64_t as[6];
        double total;
        cr_assert_eq(latent_hungarian(6, 6, c, as, &total), LATENT_OK);
        cr_expect_eq(total, best_perm(c, 6, 0, 0));
        int seen = 0;
        for (int i = 0; i < 6; i++) seen |= 1 << as[i];
        cr_expect_eq(seen, 63);
    }
    double r[6] = {5, 1, 9, 2, 8, 0};  /* 2 x 3: best is 1 + 0 */
    int64_t as[2];
    double total;
    cr_assert_eq(latent_hungarian(2, 3, r, as, &total), LATENT_OK);
    cr_expect_eq(total, 1.0);
    cr_expect_eq(as[0], 1);
    cr_expect_eq(as[1], 2);
    cr_expect_eq(latent_hungarian(3, 2, r, as, &total), LATENT_EINVAL);
}

Test(metrics, bad_input)
{
    double v;
    int32_t a[1] = {0};
    cr_expect_eq(latent_metric_ari(0, a, a, &v), LATENT_EINVAL);
    cr_expect_eq(latent_metric_nmi(1, NULL, a, &v), LATENT_EINVAL);
}
