/* Opening a trained model and the data to run it on, for eval/sample/reconstruct/encode/... */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data.h"
#include "model_use.h"
#include "options.h"

static const char *kind_name(latent_model_kind k)
{
    return k == LATENT_MODEL_AE ? "ae" : k == LATENT_MODEL_VAE ? "vae" : k == LATENT_MODEL_GAN ? "gan" : "other";
}

int use_open(const char *cmd, const char *path, const char *need, model_use *u)
{
    memset(u, 0, sizeof *u);
    if (ckpt_load(cmd, path, &u->m, &u->extra)) return EXIT_FAIL;
    const char *k = kind_name(latent_model_kind_of(u->m));
    size_t kl = strlen(k);
    for (const char *p = need; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == kl && strncmp(p, k, n) == 0) return EXIT_OK;
        if (!bar) break;
        p = bar + 1;
    }
    char keys[LATENT_CONFIG_MAX][32], vals[LATENT_CONFIG_MAX][96];
    const int nc = latent_model_config(u->m, keys, vals, LATENT_CONFIG_MAX);
    for (int i = 0; i < nc; i++) /* the file's own kind: dcgan rather than gan */
        if (strcmp(keys[i], "kind") == 0) k = vals[i];
    const int rc = cli_error(cmd, EXIT_FAIL, "%s: a%s %s model; this command needs %s", path,
                             k[0] == 'a' ? "n" : "", k, need);
    use_close(u);
    return rc;
}

/* The data the command runs on: --data, or the data the model was trained on (its test split
 * when prefer_test and it has one), or Fashion-MNIST's test split. */
static const char *data_spec(model_use *u, const char *data, int prefer_test)
{
    static char buf[600];
    const char *spec = data;
    if (!spec) {
        const char *trained = ckpt_extra_get(&u->extra, "data");
        if (trained && prefer_test && latent_dataset_test_spec(trained, buf, sizeof buf))
            spec = buf;
        else if (trained && *trained)
            spec = trained;
        else
            spec = "fashion-mnist:test";
    }
    return u->spec = spec;
}

static int check_features(const char *cmd, const model_use *u, const char *spec)
{
    if (u->ds.d != latent_model_input_dim(u->m))
        return cli_error(cmd, EXIT_FAIL, "%s: %lld features, the model takes %lld", spec,
                         (long long)u->ds.d, (long long)latent_model_input_dim(u->m));
    return EXIT_OK;
}

int use_data(const char *cmd, model_use *u, const char *data, const char *labels, int64_t limit,
             int prefer_test)
{
    const char *spec = data_spec(u, data, prefer_test);
    if (cli_data_load(cmd, spec, labels, limit, &u->ds)) return EXIT_FAIL;
    return check_features(cmd, u, spec);
}

int use_data_share(const char *cmd, model_use *u, const char *data, const char *labels,
                   int64_t limit, int64_t k)
{
    const char *spec = data_spec(u, data, 0);
    if (cli_data_load_share(cmd, spec, labels, limit, k, latent_model_code_dim(u->m), &u->ds))
        return EXIT_FAIL;
    return check_features(cmd, u, spec);
}

void use_image_shape(const model_use *u, int64_t d, int64_t *h, int64_t *w)
{
    const char *sh = ckpt_extra_get(&u->extra, "image_height");
    const char *sw = ckpt_extra_get(&u->extra, "image_width");
    if (u->ds.height > 0 && u->ds.height * u->ds.width == d) {
        *h = u->ds.height, *w = u->ds.width;
        return;
    }
    if (sh && sw) {
        long long a = atoll(sh), b = atoll(sw);
        if (a > 0 && b > 0 && a * b == d) {
            *h = a, *w = b;
            return;
        }
    }
    int64_t r = (int64_t)llround(sqrt((double)d));
    if (r * r == d) *h = r, *w = r;
    else *h = 1, *w = d;   /* not a picture: one strip per row */
}

void use_close(model_use *u)
{
    latent_model_free(u->m);
    latent_dataset_free(&u->ds);
    ckpt_extra_free(&u->extra);
    memset(u, 0, sizeof *u);
}
