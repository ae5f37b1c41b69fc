/* Runs tests/cluster/sklearn_oracle.py for a case and reads back what scikit-learn wrote. */
#ifndef LATENT_TESTS_CLUSTER_ORACLE_H
#define LATENT_TESTS_CLUSTER_ORACLE_H

#include <stddef.h>

typedef struct oracle {
    char dir[256];
} oracle;

/* Runs the case (extra: more arguments, or ""); 0 on success. */
int oracle_run(oracle *o, const char *cas, const char *extra);
/* The whole file `name` from the case's directory (malloc'd), its size in *bytes; NULL if absent. */
void *oracle_read(const oracle *o, const char *name, size_t *bytes);
/* The number after `key` in meta.txt (NaN when missing). */
double oracle_meta(const oracle *o, const char *key);
/* Removes the case's directory. */
void oracle_done(oracle *o);

#endif
