/* Sampling from a trained generative model: the VAE prior through the decoder, or the GAN's G. */
#include <string.h>
#include "latent/rng.h"
#include "model.h"

typedef struct sample_arg {
    uint64_t seed;
    float *out;
} sample_arg;

static void sample_chunk(latent_model *m, latent_shard *sh, const float *x, int64_t row0,
                         int64_t rows, void *argv)
{
    (void)x;
    sample_arg *a = argv;
    const int64_t D = m->d, L = m->code;
    if (m->kind == LATENT_MODEL_GAN) {
        const float *g = latent_gan_generate(m, sh, rows, a->seed, LATENT_STREAM_USER + 1, 0, row0, NULL);
        for (int64_t i = 0; i < rows * D; i++) a->out[row0 * D + i] = 0.5f * (g[i] + 1.0f);
        return;
    }
    for (int64_t i = 0; i < rows; i++) {
        latent_rng r;
        latent_rng_init(&r, a->seed, LATENT_STREAM_USER + 1, 0, (uint32_t)(row0 + i));
        for (int64_t j = 0; j < L; j++) sh->z[i * L + j] = latent_rng_normal(&r);
    }
    latent_net *dec = &m->net[1];
    latent_net_forward(dec, &m->P[0], &sh->ws[1], 0, dec->n_layers, sh->z, rows, NULL);
    const float *o = sh->ws[1].out[dec->n_layers - 1];
    if (m->vae.gaussian) memcpy(a->out + row0 * D, o, (size_t)(rows * D) * sizeof(float));
    else lk_active()->act_fwd[LATENT_ACT_SIGMOID](rows * D, o, a->out + row0 * D, 0.0f);
}

latent_status latent_model_sample(latent_model *m, int64_t n, uint64_t seed, float *out)
{
    if (m->kind == LATENT_MODEL_AE)
        return latent_fail(LATENT_EINVAL, "sample: an autoencoder has no prior (use vae or gan)");
    if (n <= 0) return latent_fail(LATENT_EINVAL, "sample: --n must be > 0, got %lld", (long long)n);
    sample_arg a = {seed, out};
    /* the chunk runner walks rows by the input width; no input is read */
    return latent_model_chunks(m, NULL, n, m->d, sample_chunk, &a);
}
