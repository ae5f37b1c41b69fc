/* A counter-based random generator (Philox4x32-10): every draw is a pure function of
 * (seed, stream, a, b, position), so results never depend on threads or call order. */
#ifndef LATENT_RNG_H
#define LATENT_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Stream ids keep the uses of one seed apart. */
enum {
    LATENT_STREAM_INIT = 1,    /* weight initialisation: a = layer, b = 0 */
    LATENT_STREAM_SHUFFLE,     /* epoch shuffling: a = epoch */
    LATENT_STREAM_NOISE,       /* VAE eps, denoising masks: a = step, b = sample */
    LATENT_STREAM_LATENT_Z,    /* GAN z: a = step, b = sample */
    LATENT_STREAM_KMEANS,      /* k-means init: a = run (n_init), b = step */
    LATENT_STREAM_DROPOUT,     /* dropout masks: a = step x 256 + layer, b = sample */
    LATENT_STREAM_USER = 64    /* first id free for callers */
};

typedef struct latent_rng {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    int used;                  /* words of buf already handed out */
    int have_spare;            /* Box-Muller makes normals in pairs */
    float spare;
} latent_rng;

/* Starts the stream (seed, stream, a, b) at its first draw. */
void latent_rng_init(latent_rng *r, uint64_t seed, uint32_t stream, uint64_t a, uint32_t b);

/* The next 32 random bits of the stream. */
uint32_t latent_rng_u32(latent_rng *r);

/* The next n words of the stream, the same as n calls of latent_rng_u32, many blocks at once. */
void latent_rng_fill_u32(latent_rng *r, int64_t n, uint32_t *out);

/* Uniform in [0, 1) with 24 random bits: (u32 >> 8) x 2^-24. */
float latent_rng_uniform(latent_rng *r);

/* The next n uniforms, the same as n calls of latent_rng_uniform, many blocks at once. */
void latent_rng_uniforms(latent_rng *r, int64_t n, float *out);

/* Uniform in [0, 1) with 53 random bits. */
double latent_rng_uniform_double(latent_rng *r);

/* Standard normal (Box-Muller). */
float latent_rng_normal(latent_rng *r);

/* The next n standard normals, the same as n calls of latent_rng_normal (the same values and the
 * same state after), with the stream's words drawn many blocks at once. */
void latent_rng_normals(latent_rng *r, int64_t n, float *out);

/* Uniform integer in [0, n), without modulo bias; n >= 1. */
uint64_t latent_rng_below(latent_rng *r, uint64_t n);

/* Fills perm with a uniform random permutation of 0..n-1 (Fisher-Yates). */
void latent_rng_permutation(latent_rng *r, int64_t n, int64_t *perm);

#ifdef __cplusplus
}
#endif
#endif
