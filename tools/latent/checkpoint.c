/* Model files: models.h's named tensors and configuration written through io.h's safetensors. */
#include <stdlib.h>
#include <string.h>
#include "checkpoint.h"
#include "latent/io.h"
#include "options.h"

#define CKPT_TENSORS (3 * LATENT_MAX_TENSORS)

void ckpt_extra_set(ckpt_extra *e, const char *key, const char *val)
{
    int i = 0;
    while (i < e->n && strcmp(e->key[i], key) != 0) i++;
    if (i == e->n) {
        if (e->n == CKPT_EXTRA_MAX) return;
        snprintf(e->key[i], sizeof e->key[i], "%s", key);
        e->val[i] = NULL;
        e->n++;
    }
    /* Options taken from a checkpoint point into this map, and are recorded again before the
     * run: an unchanged value keeps its string alive. */
    if (e->val[i] && strcmp(e->val[i], val ? val : "") == 0) return;
    char *copy = strdup(val ? val : ""); /* val may be the string being replaced */
    free(e->val[i]);
    e->val[i] = copy;
}

const char *ckpt_extra_get(const ckpt_extra *e, const char *key)
{
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->key[i], key) == 0) return e->val[i];
    return NULL;
}

void ckpt_extra_free(ckpt_extra *e)
{
    for (int i = 0; i < e->n; i++) free(e->val[i]);
    e->n = 0;
}

int ckpt_save(const char *cmd, const char *path, latent_model *m, int with_state,
              const ckpt_extra *extra)
{
    static latent_named_tensor nt[CKPT_TENSORS];
    static latent_tensor t[CKPT_TENSORS];
    static char keys[LATENT_CONFIG_MAX][32], vals[LATENT_CONFIG_MAX][96];
    static char xkeys[CKPT_EXTRA_MAX][40];
    latent_meta meta[LATENT_CONFIG_MAX + CKPT_EXTRA_MAX];
    int n = latent_model_tensors(m, with_state, nt, CKPT_TENSORS);
    if (n < 0) return cli_error(cmd, EXIT_FAIL, "%s: %s", path, latent_last_error());
    for (int i = 0; i < n; i++) {
        int64_t numel = nt[i].ndim == 2 ? nt[i].shape[0] * nt[i].shape[1] : nt[i].shape[0];
        t[i].name = nt[i].name;
        memset(&t[i].a, 0, sizeof t[i].a);
        t[i].a.dtype = LATENT_F32;
        t[i].a.ndim = nt[i].ndim;
        t[i].a.shape[0] = nt[i].shape[0];
        t[i].a.shape[1] = nt[i].shape[1];
        t[i].a.data = nt[i].data;
        t[i].a.nbytes = (size_t)numel * sizeof(float);
    }
    int nm = latent_model_config(m, keys, vals, LATENT_CONFIG_MAX);
    for (int i = 0; i < nm; i++) meta[i] = (latent_meta){keys[i], vals[i]};
    for (int i = 0; extra && i < extra->n; i++) {
        snprintf(xkeys[i], sizeof xkeys[i], "cli.%s", extra->key[i]);
        meta[nm++] = (latent_meta){xkeys[i], extra->val[i]};
    }
    if (latent_safetensors_write(path, t, n, meta, nm) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    return EXIT_OK;
}

int ckpt_kind(const char *cmd, const char *path, char *kind, size_t size)
{
    latent_safetensors f;
    if (latent_safetensors_read(path, &f) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    const char *k = latent_safetensors_meta(&f, "kind");
    int rc = EXIT_OK;
    if (!k) rc = cli_error(cmd, EXIT_FAIL, "%s: not a latent model file (no \"kind\" in __metadata__)", path);
    else snprintf(kind, size, "%s", k);
    latent_safetensors_free(&f);
    return rc;
}

int ckpt_load(const char *cmd, const char *path, latent_model **out, ckpt_extra *extra)
{
    static latent_named_tensor nt[CKPT_TENSORS];
    latent_safetensors f;
    *out = NULL;
    if (latent_safetensors_read(path, &f) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    const char *kind = latent_safetensors_meta(&f, "kind");
    int rc = EXIT_OK;
    const char *keys[LATENT_CONFIG_MAX + CKPT_EXTRA_MAX], *vals[LATENT_CONFIG_MAX + CKPT_EXTRA_MAX];
    int nk = 0;
    latent_model *m = NULL;
    if (!kind) {
        rc = cli_error(cmd, EXIT_FAIL, "%s: not a latent model file (no \"kind\" in __metadata__)", path);
        goto done;
    }
    if (strcmp(kind, "kmeans") == 0) {
        rc = cli_error(cmd, EXIT_FAIL, "%s: a k-means model; this command needs an ae, vae or gan", path);
        goto done;
    }
    for (int i = 0; i < f.n_meta; i++) {
        if (strncmp(f.meta[i].key, "cli.", 4) == 0) {
            if (extra) ckpt_extra_set(extra, f.meta[i].key + 4, f.meta[i].value);
        } else if (nk < LATENT_CONFIG_MAX + CKPT_EXTRA_MAX) {
            keys[nk] = f.meta[i].key;
            vals[nk++] = f.meta[i].value;
        }
    }
    if (latent_model_from_config(nk, keys, vals, &m) != LATENT_OK) {
        rc = cli_error(cmd, EXIT_FAIL, "%s: __metadata__: %s", path, latent_last_error());
        goto done;
    }
    int n = latent_model_tensors(m, 1, nt, CKPT_TENSORS);
    if (n < 0) {
        rc = cli_error(cmd, EXIT_FAIL, "%s: %s", path, latent_last_error());
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const latent_tensor *t = latent_safetensors_find(&f, nt[i].name);
        if (!t) {
            rc = cli_error(cmd, EXIT_FAIL, "%s: tensor %s is missing", path, nt[i].name);
            goto done;
        }
        int same = t->a.dtype == LATENT_F32 && t->a.ndim == nt[i].ndim &&
                   t->a.shape[0] == nt[i].shape[0] &&
                   (nt[i].ndim == 1 || t->a.shape[1] == nt[i].shape[1]);
        if (!same) {
            rc = cli_error(cmd, EXIT_FAIL, "%s: tensor %s: expected F32 of shape [%lld%s%lld], "
                           "found another dtype or shape", path, nt[i].name,
                           (long long)nt[i].shape[0], nt[i].ndim == 2 ? "," : "",
                           nt[i].ndim == 2 ? (long long)nt[i].shape[1] : 0LL);
            goto done;
        }
        memcpy(nt[i].data, t->a.data, t->a.nbytes);
    }
done:
    if (rc && m) latent_model_free(m);
    else *out = m;
    latent_safetensors_free(&f);
    return rc;
}
