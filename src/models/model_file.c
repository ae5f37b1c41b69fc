/* Checkpoint files: a model's named tensors and configuration map as safetensors. */
#include <stdio.h>
#include <string.h>
#include "latent/io.h"
#include "latent/memory.h"
#include "model.h"

#define MAX_FILE_TENSORS 64

latent_status latent_model_save(latent_model *m, const char *path, int with_state)
{
    latent_named_tensor nt[MAX_FILE_TENSORS];
    int n = latent_model_tensors(m, with_state, nt, MAX_FILE_TENSORS);
    if (n < 0 || n > MAX_FILE_TENSORS)
        return latent_fail(LATENT_EINVAL, "%s: model has too many tensors (%d)", path, n);
    char keys[LATENT_CONFIG_MAX][32], vals[LATENT_CONFIG_MAX][96];
    int nc = latent_model_config(m, keys, vals, LATENT_CONFIG_MAX);
    latent_tensor t[MAX_FILE_TENSORS];
    latent_meta meta[LATENT_CONFIG_MAX];
    for (int i = 0; i < n; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].name = nt[i].name;
        t[i].a.dtype = LATENT_F32;
        t[i].a.ndim = nt[i].ndim;
        t[i].a.shape[0] = nt[i].shape[0];
        t[i].a.shape[1] = nt[i].shape[1];
        t[i].a.data = nt[i].data;
    }
    for (int i = 0; i < nc; i++) meta[i].key = keys[i], meta[i].value = vals[i];
    return latent_safetensors_write(path, t, n, meta, nc);
}

latent_status latent_model_load(const char *path, latent_model **out)
{
    latent_safetensors f;
    memset(&f, 0, sizeof f);
    latent_status st = latent_safetensors_read(path, &f);
    if (st) return st;
    const char *keys[LATENT_CONFIG_MAX], *vals[LATENT_CONFIG_MAX];
    int nc = 0;
    for (int i = 0; i < f.n_meta && nc < LATENT_CONFIG_MAX; i++)
        keys[nc] = f.meta[i].key, vals[nc] = f.meta[i].value, nc++;
    latent_model *m = NULL;
    if ((st = latent_model_from_config(nc, keys, vals, &m))) {
        latent_fail(st, "%s: %s", path, latent_last_error());
        goto done;
    }
    latent_named_tensor nt[MAX_FILE_TENSORS];
    int n = latent_model_tensors(m, 1, nt, MAX_FILE_TENSORS);
    int stateless = 0;
    for (int i = 0; i < n && !st; i++) {
        const latent_tensor *t = latent_safetensors_find(&f, nt[i].name);
        if (!t && strncmp(nt[i].name, "latent_state.", 13) == 0) {
            stateless = 1; /* saved for use, not for resuming */
            continue;
        }
        if (!t) {
            st = latent_fail(LATENT_EFORMAT, "%s: tensor %s is missing", path, nt[i].name);
            break;
        }
        int same = t->a.dtype == LATENT_F32 && t->a.ndim == nt[i].ndim;
        for (int k = 0; same && k < nt[i].ndim; k++) same = t->a.shape[k] == nt[i].shape[k];
        if (!same) {
            char shape[64];
            if (nt[i].ndim == 2) snprintf(shape, sizeof shape, "[%lld, %lld]", (long long)nt[i].shape[0], (long long)nt[i].shape[1]);
            else snprintf(shape, sizeof shape, "[%lld]", (long long)nt[i].shape[0]);
            st = latent_fail(LATENT_EFORMAT, "%s: tensor %s: expected F32 %s for this "
                             "configuration", path, nt[i].name, shape);
            break;
        }
        int64_t numel = nt[i].shape[0] * (nt[i].ndim == 2 ? nt[i].shape[1] : 1);
        memcpy(nt[i].data, t->a.data, (size_t)numel * sizeof(float));
    }
    if (!st && stateless) {
        /* no moments in the file: training would restart its optimizer, so drop the state */
        for (int g = 0; g < m->n_groups; g++) {
            latent_free(m->P[g].m), latent_free(m->P[g].v);
            m->P[g].m = m->P[g].v = NULL;
            m->P[g].t = 0;
        }
        memset(&m->state, 0, sizeof m->state);
    }
done:
    latent_safetensors_free(&f);
    if (st) {
        latent_model_free(m);
        return st;
    }
    *out = m;
    return LATENT_OK;
}
