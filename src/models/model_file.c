/* Model files: a model's named tensors, its configuration map and a caller's strings, as one
 * safetensors file; and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latent/io.h"
#include "latent/memory.h"
#include "model.h"

#define MAX_FILE_TENSORS 96

latent_status latent_model_save_extra(latent_model *m, const char *path, int with_state,
                                      const latent_extra *extra)
{
    latent_named_tensor *nt = malloc(MAX_FILE_TENSORS * sizeof *nt);
    latent_tensor *t = malloc(MAX_FILE_TENSORS * sizeof *t);
    char (*keys)[32] = malloc(LATENT_CONFIG_MAX * sizeof *keys);
    char (*vals)[96] = malloc(LATENT_CONFIG_MAX * sizeof *vals);
    latent_meta meta[LATENT_CONFIG_MAX + LATENT_EXTRA_MAX];
    latent_status st;
    if (!nt || !t || !keys || !vals) {
        st = latent_fail(LATENT_ENOMEM, "%s: cannot allocate the file's tables", path);
        goto out;
    }
    int n = latent_model_tensors(m, with_state, nt, MAX_FILE_TENSORS);
    if (n < 0 || n > MAX_FILE_TENSORS) {
        st = latent_fail(LATENT_EINVAL, "%s: model has too many tensors (%d)", path, n);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        memset(&t[i], 0, sizeof t[i]);
        int64_t numel = 1;
        t[i].name = nt[i].name;
        t[i].a.dtype = LATENT_F32;
        t[i].a.ndim = nt[i].ndim;
        for (int k = 0; k < nt[i].ndim; k++) t[i].a.shape[k] = nt[i].shape[k], numel *= nt[i].shape[k];
        t[i].a.data = nt[i].data;
        t[i].a.nbytes = (size_t)numel * sizeof(float);
    }
    int nm = latent_model_config(m, keys, vals, LATENT_CONFIG_MAX);
    for (int i = 0; i < nm; i++) meta[i] = (latent_meta){keys[i], vals[i]};
    for (int i = 0; extra && i < extra->n; i++) meta[nm++] = (latent_meta){extra->key[i], extra->val[i]};
    st = latent_safetensors_write(path, t, n, meta, nm);
out:
    free(nt), free(t), free(keys), free(vals);
    return st;
}

latent_status latent_model_save(latent_model *m, const char *path, int with_state)
{
    return latent_model_save_extra(m, path, with_state, NULL);
}

/* Copies the file's tensors into the model's, checking each name, dtype and shape. */
static latent_status fill(latent_model *m, const latent_safetensors *f, const char *path)
{
    latent_named_tensor *nt = malloc(MAX_FILE_TENSORS * sizeof *nt);
    if (!nt) return latent_fail(LATENT_ENOMEM, "%s: cannot allocate the tensor table", path);
    int n = latent_model_tensors(m, 1, nt, MAX_FILE_TENSORS), stateless = 0;
    latent_status st = n > MAX_FILE_TENSORS
                           ? latent_fail(LATENT_EINVAL, "%s: model has too many tensors (%d)", path, n)
                           : LATENT_OK;
    for (int i = 0; i < n && !st; i++) {
        const latent_tensor *t = latent_safetensors_find(f, nt[i].name);
        if (!t && strncmp(nt[i].name, "latent_state.", 13) == 0) {
            stateless = 1; /* saved for use, not for resuming */
            continue;
        }
        if (!t) {
            st = latent_fail(LATENT_EFORMAT, "%s: tensor %s is missing", path, nt[i].name);
            break;
        }
        int same = t->a.dtype == LATENT_F32 && t->a.ndim == nt[i].ndim;
        int64_t numel = 1;
        char shape[96] = "[";
        for (int k = 0; k < nt[i].ndim; k++) {
            same = same && t->a.shape[k] == nt[i].shape[k];
            numel *= nt[i].shape[k];
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", k ? ", " : "",
                     (long long)nt[i].shape[k]);
        }
        if (!same) {
            st = latent_fail(LATENT_EFORMAT, "%s: tensor %s: expected F32 %s] for this "
                             "configuration", path, nt[i].name, shape);
            break;
        }
        memcpy(nt[i].data, t->a.data, (size_t)numel * sizeof(float));
    }
    if (!st && stateless) {
        /* no moments in the file: training would restart its optimizer, so drop the state */
        for (int g = 0; g < m->n_groups; g++) {
            latent_free(m->group[g].m), latent_free(m->group[g].v);
            m->group[g].m = m->group[g].v = NULL;
            m->group[g].t = 0;
        }
        memset(&m->state, 0, sizeof m->state);
    }
    free(nt);
    return st;
}

latent_status latent_model_load_extra(const char *path, latent_model **out, latent_extra *extra)
{
    latent_safetensors f;
    memset(&f, 0, sizeof f);
    latent_status st = latent_safetensors_read(path, &f);
    if (st) return st;
    const char *kind = latent_safetensors_meta(&f, "kind");
    const char **keys = malloc((size_t)(f.n_meta + 1) * sizeof *keys);
    const char **vals = malloc((size_t)(f.n_meta + 1) * sizeof *vals);
    int nc = 0;
    latent_model *m = NULL;
    if (!keys || !vals) {
        st = latent_fail(LATENT_ENOMEM, "%s: cannot allocate the metadata table", path);
        goto done;
    }
    if (!kind) {
        st = latent_fail(LATENT_EFORMAT, "%s: not a latent model file (no \"kind\" in __metadata__)", path);
        goto done;
    }
    if (strcmp(kind, "kmeans") == 0) {
        st = latent_fail(LATENT_EFORMAT, "%s: a k-means model; this needs an ae, vae or gan", path);
        goto done;
    }
    for (int i = 0; i < f.n_meta; i++) {
        if (strchr(f.meta[i].key, '.')) {
            if (extra && (st = latent_extra_set(extra, f.meta[i].key, f.meta[i].value)))
                goto done;
        } else {
            keys[nc] = f.meta[i].key, vals[nc] = f.meta[i].value, nc++;
        }
    }
    if ((st = latent_model_from_config(nc, keys, vals, &m))) {
        latent_fail(st, "%s: __metadata__: %s", path, latent_last_error());
        goto done;
    }
    st = fill(m, &f, path);
done:
    free(keys), free(vals);
    latent_safetensors_free(&f);
    if (st) {
        latent_model_free(m);
        if (extra) latent_extra_free(extra);
        return st;
    }
    *out = m;
    return LATENT_OK;
}

latent_status latent_model_load(const char *path, latent_model **out)
{
    return latent_model_load_extra(path, out, NULL);
}

latent_status latent_model_file_kind(const char *path, char *kind, size_t size)
{
    latent_safetensors f;
    latent_status st = latent_safetensors_read(path, &f);
    if (st) return st;
    const char *k = latent_safetensors_meta(&f, "kind");
    if (!k) st = latent_fail(LATENT_EFORMAT, "%s: not a latent model file (no \"kind\" in __metadata__)", path);
    else snprintf(kind, size, "%s", k);
    latent_safetensors_free(&f);
    return st;
}
