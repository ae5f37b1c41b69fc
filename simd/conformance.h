/* Conformance cases: every kernel of a level compared with the scalar reference over awkward
 * sizes, unaligned pointers and wide leading dimensions. One list feeds the Criterion suite and
 * `latent selftest` (native and under qemu-aarch64). */
#ifndef LATENT_SIMD_CONFORMANCE_H
#define LATENT_SIMD_CONFORMANCE_H

#include <stdint.h>
#include "kernels.h"

/* What one kernel's run found. A case's error is compared with a bound written beside the case;
 * ratio = error / bound, so the kernel passes when worst_ratio <= 1 and failures == 0. */
typedef struct lk_case_report {
    int64_t cases;       /* cases run */
    int64_t failures;    /* cases over their bound, or an exact check that differed */
    double worst_err;    /* the error of the worst case (relative or absolute, as the case says) */
    double worst_bound;  /* the bound of that case */
    double worst_ratio;  /* max over cases of err / bound */
    char worst_case[128];/* which case that was, e.g. "NT m=17 n=33 k=255 lda=300" */
} lk_case_report;

/* Records one case's error against its bound. */
void lk_report_case(lk_case_report *r, double err, double bound, const char *what);

typedef struct lk_conformance_kernel {
    const char *name;    /* "sgemm_nt", "act_fwd_sigmoid", "kmeans_assign", ... */
    /* Runs every case of this kernel for level `var` against `ref` (the scalar table). */
    void (*run)(const lk_table *ref, const lk_table *var, lk_case_report *r);
} lk_conformance_kernel;

/* Every kernel's cases, in a fixed order. */
const lk_conformance_kernel *lk_conformance_kernels(int *count);

/* Groups that make up the list (one file each). */
extern const lk_conformance_kernel lk_conformance_gemm[];
extern const int lk_conformance_gemm_count;
extern const lk_conformance_kernel lk_conformance_elementwise[];
extern const int lk_conformance_elementwise_count;
extern const lk_conformance_kernel lk_conformance_conv[];
extern const int lk_conformance_conv_count;

/* Deterministic test data: n floats uniform in [lo, hi) from `seed`. */
void lk_fill_uniform(float *x, int64_t n, uint64_t seed, float lo, float hi);

/* |y - exact| in ulps of the exact result (2^-149 where it is below FLT_MIN). Special values must
 * match exactly (0 or +inf): NaN for NaN, and the float `exact` rounds to when that is infinite. */
double lk_ulp_error(float y, double exact);

#endif
