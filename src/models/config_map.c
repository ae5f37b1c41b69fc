/* Configuration maps: printf-formatted keys out, strictly parsed values in. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_map.h"

void latent_kv_put(latent_kv_out *c, const char *key, const char *fmt, ...)
{
    if (c->n >= c->max) return;
    snprintf(c->keys[c->n], 32, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->vals[c->n], 96, fmt, ap);
    va_end(ap);
    c->n++;
}

void latent_kv_put_list(latent_kv_out *c, const char *key, int n, const int64_t *v)
{
    char buf[96] = "";
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, i ? ",%" PRId64 : "%" PRId64, v[i]);
    latent_kv_put(c, key, "%s", buf);
}

const char *latent_kv_get(const latent_kv_in *c, const char *key)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->keys[i], key) == 0) return c->vals[i];
    return NULL;
}

latent_status latent_kv_bad(const char *key, const char *val)
{
    return latent_fail(LATENT_EFORMAT, "checkpoint: metadata: %s: bad value \"%s\"", key, val);
}

latent_status latent_kv_i64(const latent_kv_in *c, const char *key, int64_t *out)
{
    const char *v = latent_kv_get(c, key);
    if (!v) return LATENT_OK;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end) return latent_kv_bad(key, v);
    *out = x;
    return LATENT_OK;
}

latent_status latent_kv_u64(const latent_kv_in *c, const char *key, uint64_t *out)
{
    const char *v = latent_kv_get(c, key);
    if (!v) return LATENT_OK;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end) return latent_kv_bad(key, v);
    *out = x;
    return LATENT_OK;
}

latent_status latent_kv_f(const latent_kv_in *c, const char *key, float *out)
{
    const char *v = latent_kv_get(c, key);
    if (!v) return LATENT_OK;
    char *end;
    float x = strtof(v, &end);
    if (end == v || *end) return latent_kv_bad(key, v);
    *out = x;
    return LATENT_OK;
}

latent_status latent_kv_f2(const latent_kv_in *c, const char *key, float *a, float *b)
{
    const char *v = latent_kv_get(c, key);
    if (!v) return LATENT_OK;
    char *end;
    *a = strtof(v, &end);
    if (end == v || *end != ',') return latent_kv_bad(key, v);
    const char *s = end + 1;
    *b = strtof(s, &end);
    if (end == s || *end) return latent_kv_bad(key, v);
    return LATENT_OK;
}

latent_status latent_kv_list(const latent_kv_in *c, const char *key, int *n, int64_t *out, int max)
{
    const char *v = latent_kv_get(c, key);
    if (!v) return LATENT_OK;
    int k = 0;
    const char *s = v;
    if (!*s) {
        *n = 0;
        return LATENT_OK;
    }
    for (;;) {
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || end == s || k >= max) return latent_kv_bad(key, v);
        out[k++] = x;
        if (*end == 0) break;
        if (*end != ',') return latent_kv_bad(key, v);
        s = end + 1;
    }
    *n = k;
    return LATENT_OK;
}

latent_status latent_kv_act(const latent_kv_in *c, const char *key, latent_act *out)
{
    const char *v = latent_kv_get(c, key);
    if (!v) return LATENT_OK;
    return latent_act_parse(v, out) ? latent_kv_bad(key, v) : LATENT_OK;
}
