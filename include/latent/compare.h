/* Comparing arrays from two machines (x86 and ARM, two ISA levels, two builds): how far apart two
 * arrays are, element by element, in absolute and relative terms and in units in the last place
 * (ULPs), and whether they agree within numpy.allclose's tolerance |a - b| <= atol + rtol |b|. */
#ifndef LATENT_COMPARE_H
#define LATENT_COMPARE_H

#include <stdint.h>
#include "latent/error.h"
#include "latent/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ULP histogram buckets: 0, 1, 2-3, 4-15, 16-255, 256-65535, more (or a NaN against a number). */
#define LATENT_ULP_BUCKETS 7

typedef struct latent_diff {
    int same_shape;          /* same dtype class (float or integer) and shape; else nothing below */
    int64_t n;               /* elements */
    int64_t n_diff;          /* elements whose bits (floats: values; NaN equals NaN) differ */
    int64_t n_outside;       /* elements outside the tolerance */
    double max_abs, max_rel; /* over the elements (rel: |a - b| / |b|, 0 where both are 0) */
    int64_t max_ulp;         /* floats: the largest ULP distance (the same dtype only) */
    int64_t ulp_hist[LATENT_ULP_BUCKETS];
    int64_t first;           /* the first differing element's flat index, -1 if none */
    double first_a, first_b;
    int within;              /* 1: every element within tolerance (rtol = atol = 0: the same
                              * bits, NaNs of any payload alike) */
} latent_diff;

/* Compares a with b (b the reference of the relative difference). Arrays of different shapes,
 * or a float against an integer array, are not comparable: same_shape 0, within 0. */
void latent_compare_arrays(const latent_array *a, const latent_array *b, double rtol, double atol,
                           latent_diff *out);

/* The bucket of a ULP distance. */
int latent_ulp_bucket(int64_t ulp);

#ifdef __cplusplus
}
#endif
#endif
