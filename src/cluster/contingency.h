/* The contingency table of two labelings, the input every clustering metric starts from. */
#ifndef LATENT_SRC_CLUSTER_CONTINGENCY_H
#define LATENT_SRC_CLUSTER_CONTINGENCY_H

#include <stdint.h>
#include "latent/error.h"

typedef struct ct_table {
    int64_t n;       /* rows labeled */
    int64_t r, c;    /* distinct values of the first and second labeling */
    int64_t *count;  /* r x c: rows with the i-th smallest first label and j-th second label */
    int64_t *rsum;   /* r */
    int64_t *csum;   /* c */
} ct_table;

/* Builds the table; `who` names the caller in error messages. */
latent_status ct_build(int64_t n, const int32_t *a, const int32_t *b, const char *who, ct_table *t);
void ct_free(ct_table *t);

#endif
