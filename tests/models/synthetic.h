/* Synthetic image-like data for training tests: rows near one of a few smooth prototypes. */
#ifndef LATENT_TESTS_MODELS_SYNTHETIC_H
#define LATENT_TESTS_MODELS_SYNTHETIC_H

#include <math.h>
#include <stdlib.h>
#include "latent/rng.h"

/* labels (optional) receive each row's prototype. */
static float *synthetic_labeled(int64_t n, int64_t d, uint64_t seed, int32_t *labels)
{
    float *x = malloc(sizeof(float) * (size_t)(n * d));
    latent_rng r;
    latent_rng_init(&r, seed, LATENT_STREAM_USER + 11, 0, 0);
    for (int64_t i = 0; i < n; i++) {
        int c = (int)latent_rng_below(&r, 5);
        if (labels) labels[i] = c;
        float amp = 0.6f + 0.4f * latent_rng_uniform(&r);
        for (int64_t j = 0; j < d; j++) {
            float v = amp * 0.5f * (1.0f + sinf((float)(c + 1) * 0.37f * (float)j + (float)c)) +
                      0.05f * latent_rng_normal(&r);
            x[i * d + j] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
    }
    return x;
}
static float *synthetic(int64_t n, int64_t d, uint64_t seed)
{
    return synthetic_labeled(n, d, seed, NULL);
}
#endif
