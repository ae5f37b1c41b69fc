/* A caller's strings in a model file: dotted keys, owned values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latent/io.h"

latent_status latent_extra_set(latent_extra *e, const char *key, const char *val)
{
    if (!strchr(key, '.') || strlen(key) >= sizeof e->key[0])
        return latent_fail(LATENT_EINVAL, "model file: extra key \"%s\" must hold a dot and be "
                           "shorter than %zu", key, sizeof e->key[0]);
    int i = 0;
    while (i < e->n && strcmp(e->key[i], key) != 0) i++;
    if (i == e->n) {
        if (e->n == LATENT_EXTRA_MAX)
            return latent_fail(LATENT_EINVAL, "model file: more than %d extra strings", LATENT_EXTRA_MAX);
        snprintf(e->key[i], sizeof e->key[i], "%s", key);
        e->val[i] = NULL;
        e->n++;
    }
    /* val may be the very string being replaced (a value read back and recorded again) */
    if (e->val[i] && strcmp(e->val[i], val ? val : "") == 0) return LATENT_OK;
    char *copy = strdup(val ? val : "");
    if (!copy) return latent_fail(LATENT_ENOMEM, "model file: cannot copy a string");
    free(e->val[i]);
    e->val[i] = copy;
    return LATENT_OK;
}

const char *latent_extra_get(const latent_extra *e, const char *key)
{
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->key[i], key) == 0) return e->val[i];
    return NULL;
}

void latent_extra_free(latent_extra *e)
{
    for (int i = 0; i < e->n; i++) free(e->val[i]);
    e->n = 0;
}
