/* Test helper for torch_gan_step.py: one DCGAN training step (SGD, so the weights move by the
 * gradient) on the rows of X.npy, for PyTorch to redo from the same weights and noise.
 *   gan_step_tool X.npy PREFIX
 * Writes PREFIX.init.safetensors (the weights before), PREFIX.z.npy (each minibatch row's z of
 * the step) and PREFIX.after.safetensors (weights and running statistics after). */
#include <stdio.h>
#include <stdlib.h>
#include "latent/io.h"
#include "latent/models.h"
#include "latent/rng.h"

static int fail(const char *what)
{
    fprintf(stderr, "gan_step_tool: %s: %s\n", what, latent_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gan_step_tool X.npy PREFIX\n");
        return 2;
    }
    latent_array x;
    if (latent_npy_read(argv[1], &x) || x.dtype != LATENT_F32 || x.ndim != 2 || x.shape[1] != 784)
        return fail("X must be float32 N x 784");
    latent_dcgan_config c;
    latent_dcgan_config_default(&c);
    c.z = 16, c.gen[0] = 32, c.gen[1] = 16, c.gen[2] = 8, c.disc[0] = 8, c.disc[1] = 16;
    c.dropout = 0.0f, c.label_smoothing = 0.1f;
    latent_model *m;
    if (latent_dcgan_create(&c, 3, &m)) return fail("create");
    char path[4096];
    snprintf(path, sizeof path, "%s.init.safetensors", argv[2]);
    if (latent_model_save(m, path, 0)) return fail(path);
    const int64_t n = x.shape[0];
    const uint64_t seed = 5;
    float *z = malloc(sizeof(float) * (size_t)(n * c.z));
    for (int64_t r = 0; r < n; r++) { /* the D step's z of step 0: (seed, LATENT_Z, 0, row) */
        latent_rng g;
        latent_rng_init(&g, seed, LATENT_STREAM_LATENT_Z, 0, (uint32_t)r);
        for (int64_t j = 0; j < c.z; j++) z[r * c.z + j] = latent_rng_normal(&g);
    }
    snprintf(path, sizeof path, "%s.z.npy", argv[2]);
    const int64_t zshape[2] = {n, c.z};
    if (latent_npy_write(path, LATENT_F32, 2, zshape, z)) return fail(path);
    latent_train_options o;
    latent_train_options_default(LATENT_MODEL_GAN, &o);
    o.epochs = 1, o.batch = n, o.seed = seed;
    o.optim.kind = LATENT_OPT_SGD, o.optim.lr = 0.1f, o.optim.momentum = 0.0f;
    if (latent_model_train(m, x.data, n, 784, &o)) return fail("train");
    snprintf(path, sizeof path, "%s.after.safetensors", argv[2]);
    if (latent_model_save(m, path, 0)) return fail(path);
    latent_model_free(m);
    latent_array_free(&x);
    free(z);
    return 0;
}
