/* Philox4x32-10 (Salmon et al. 2011): counter-based, so a draw depends only on its coordinates. */
#include <math.h>
#include <string.h>
#include "latent/rng.h"
#include "simd/kernels.h"
#include "simd/lanes_math.h"

void latent_rng_init(latent_rng *r, uint64_t seed, uint32_t stream, uint64_t a, uint32_t b)
{
    /* The key carries the seed; the counter carries (position, stream^b-mix, a). */
    r->key[0] = (uint32_t)seed;
    r->key[1] = (uint32_t)(seed >> 32);
    r->ctr[0] = 0; /* block position within the stream */
    r->ctr[1] = b;
    r->ctr[2] = (uint32_t)a;
    r->ctr[3] = (uint32_t)(a >> 32) ^ (stream << 24);
    r->used = 4;
    r->have_spare = 0;
    r->spare = 0.0f;
}

uint32_t latent_rng_u32(latent_rng *r)
{
    if (r->used == 4) {
        lk_philox10(r->ctr, r->key, r->buf);
        r->ctr[0]++;
        r->used = 0;
    }
    return r->buf[r->used++];
}

void latent_rng_fill_u32(latent_rng *r, int64_t n, uint32_t *out)
{
    int64_t i = 0;
    while (i < n && r->used < 4) out[i++] = r->buf[r->used++];
    for (; n - i >= 64; i += 64) { /* whole groups of 16 blocks */
        lk_active()->philox_x16(r->ctr, r->key, out + i);
        r->ctr[0] += 16;
    }
    if (n - i > 8) { /* a short tail (a row's few normals): one group, the blocks past it unused */
        uint32_t group[64];
        lk_active()->philox_x16(r->ctr, r->key, group);
        const int64_t k = n - i, blocks = (k + 3) / 4;
        memcpy(out + i, group, (size_t)k * sizeof *out);
        /* the state block by block drawing would leave: the last block, used up to k */
        memcpy(r->buf, group + 4 * (blocks - 1), sizeof r->buf);
        r->ctr[0] += (uint32_t)blocks;
        r->used = (int)(k - 4 * (blocks - 1));
        return;
    }
    while (i < n) out[i++] = latent_rng_u32(r);
}

static float uniform_of(uint32_t w) { return (float)(w >> 8) * 0x1p-24f; }

float latent_rng_uniform(latent_rng *r) { return uniform_of(latent_rng_u32(r)); }

void latent_rng_uniforms(latent_rng *r, int64_t n, float *out)
{
    enum { WORDS = 256 };
    uint32_t w[WORDS];
    for (int64_t i = 0; i < n; i += WORDS) {
        const int64_t k = n - i < WORDS ? n - i : WORDS;
        latent_rng_fill_u32(r, k, w);
        for (int64_t j = 0; j < k; j++) out[i + j] = uniform_of(w[j]);
    }
}

double latent_rng_uniform_double(latent_rng *r)
{
    uint32_t w0 = latent_rng_u32(r);
    return lk_uniform_double_of(w0, latent_rng_u32(r));
}

float latent_rng_normal(latent_rng *r)
{
    float v;
    latent_rng_normals(r, 1, &v);
    return v;
}

void latent_rng_normals(latent_rng *r, int64_t n, float *out)
{
    int64_t i = 0;
    if (n > 0 && r->have_spare) {
        r->have_spare = 0;
        out[i++] = r->spare;
    }
    /* the words of up to 64 pairs at a time (whole groups of 16 blocks after the first) */
    enum { PAIRS = LK_NORMAL_PAIRS };
    uint32_t w[4 * PAIRS];
    float first[PAIRS], second[PAIRS];
    const lk_table *t = lk_active();
    while (i < n) {
        const int64_t pairs = (n - i + 1) / 2 < PAIRS ? (n - i + 1) / 2 : PAIRS;
        latent_rng_fill_u32(r, 4 * pairs, w);
        t->normal_pairs(pairs, w, first, second);
        for (int64_t p = 0; p < pairs; p++) {
            out[i++] = first[p];
            if (i < n) {
                out[i++] = second[p];
            } else {
                r->spare = second[p];
                r->have_spare = 1;
            }
        }
    }
}

uint64_t latent_rng_below(latent_rng *r, uint64_t n)
{
    if (n <= 1) return 0;
    uint64_t x, lim = UINT64_MAX - UINT64_MAX % n;
    do {
        x = ((uint64_t)latent_rng_u32(r) << 32) | latent_rng_u32(r);
    } while (x >= lim);
    return x % n;
}

void latent_rng_permutation(latent_rng *r, int64_t n, int64_t *perm)
{
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)latent_rng_below(r, (uint64_t)i + 1);
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}
