/* A model's configuration as string pairs (its files' __metadata__): writing keys, and reading
 * them back strictly, each bad value named with its key (internal). */
#ifndef LATENT_SRC_MODELS_CONFIG_MAP_H
#define LATENT_SRC_MODELS_CONFIG_MAP_H

#include <stdint.h>
#include "latent/activation.h"
#include "latent/error.h"

typedef struct latent_kv_out {
    char (*keys)[32];
    char (*vals)[96];
    int n, max;
} latent_kv_out;

/* Appends key = printf(fmt, ...) (nothing once the map is full). */
void latent_kv_put(latent_kv_out *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends key = "v0,v1,...". */
void latent_kv_put_list(latent_kv_out *c, const char *key, int n, const int64_t *v);

typedef struct latent_kv_in {
    int n;
    const char *const *keys, *const *vals;
} latent_kv_in;

/* The value of key, or NULL. */
const char *latent_kv_get(const latent_kv_in *c, const char *key);
/* LATENT_EFORMAT: "checkpoint: metadata: KEY: bad value "VAL"". */
latent_status latent_kv_bad(const char *key, const char *val);

/* Each reads key into *out when present (an absent key leaves *out as it was); a value that
 * does not parse whole is latent_kv_bad. */
latent_status latent_kv_i64(const latent_kv_in *c, const char *key, int64_t *out);
latent_status latent_kv_u64(const latent_kv_in *c, const char *key, uint64_t *out);
latent_status latent_kv_f(const latent_kv_in *c, const char *key, float *out);
latent_status latent_kv_f2(const latent_kv_in *c, const char *key, float *a, float *b);
latent_status latent_kv_list(const latent_kv_in *c, const char *key, int *n, int64_t *out, int max);
latent_status latent_kv_act(const latent_kv_in *c, const char *key, latent_act *out);

#endif
