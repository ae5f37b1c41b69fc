/* k-means model files: the centers as "cluster_centers_" in safetensors, kind "kmeans". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latent/kmeans.h"
#include "latent/memory.h"

latent_status latent_kmeans_save(const char *path, const float *centers, int64_t k, int64_t d,
                                 const latent_extra *extra)
{
    if (k < 1 || d < 1)
        return latent_fail(LATENT_EINVAL, "%s: %lld centers of %lld features", path, (long long)k,
                           (long long)d);
    char kbuf[32], dbuf[32];
    snprintf(kbuf, sizeof kbuf, "%lld", (long long)k);
    snprintf(dbuf, sizeof dbuf, "%lld", (long long)d);
    latent_meta meta[3 + LATENT_EXTRA_MAX] = {{"kind", "kmeans"}, {"k", kbuf}, {"features", dbuf}};
    int nm = 3;
    for (int i = 0; extra && i < extra->n; i++) meta[nm++] = (latent_meta){extra->key[i], extra->val[i]};
    latent_tensor t = {"cluster_centers_", {LATENT_F32, 2, {k, d}, (void *)centers,
                                            (size_t)(k * d) * sizeof(float)}};
    return latent_safetensors_write(path, &t, 1, meta, nm);
}

/* The value of a count key, which must equal the tensor's (absent: nothing to check). */
static latent_status check_count(const char *path, const latent_safetensors *f, const char *key,
                                 int64_t want)
{
    const char *v = latent_safetensors_meta(f, key);
    if (!v) return LATENT_OK;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x != want)
        return latent_fail(LATENT_EFORMAT, "%s: __metadata__ %s is \"%s\" but cluster_centers_ "
                           "has %lld", path, key, v, (long long)want);
    return LATENT_OK;
}

latent_status latent_kmeans_load(const char *path, latent_kmeans_model *out, latent_extra *extra)
{
    memset(out, 0, sizeof *out);
    latent_safetensors f;
    latent_status st = latent_safetensors_read(path, &f);
    if (st) return st;
    const char *kind = latent_safetensors_meta(&f, "kind");
    const latent_tensor *t = latent_safetensors_find(&f, "cluster_centers_");
    if (!kind || strcmp(kind, "kmeans") != 0)
        st = latent_fail(LATENT_EFORMAT, "%s: not a k-means file (kind \"%s\")", path, kind ? kind : "");
    else if (!t || t->a.dtype != LATENT_F32 || t->a.ndim != 2 || t->a.shape[0] < 1 || t->a.shape[1] < 1)
        st = latent_fail(LATENT_EFORMAT, "%s: no F32 2-D tensor cluster_centers_", path);
    if (!st) st = check_count(path, &f, "k", t->a.shape[0]);
    if (!st) st = check_count(path, &f, "features", t->a.shape[1]);
    for (int i = 0; !st && extra && i < f.n_meta; i++)
        if (strchr(f.meta[i].key, '.')) st = latent_extra_set(extra, f.meta[i].key, f.meta[i].value);
    if (!st) {
        out->k = t->a.shape[0], out->d = t->a.shape[1];
        out->centers = latent_alloc((size_t)out->k, (size_t)out->d * sizeof(float), "centers");
        if (!out->centers) st = LATENT_ENOMEM;
        else memcpy(out->centers, t->a.data, t->a.nbytes);
    }
    latent_safetensors_free(&f);
    if (st) {
        if (extra) latent_extra_free(extra);
        latent_kmeans_model_free(out);
    }
    return st;
}

void latent_kmeans_model_free(latent_kmeans_model *m)
{
    latent_free(m->centers);
    memset(m, 0, sizeof *m);
}
