/* The random normals' kernels of one level, and the exponential that scales them in a VAE:
 * lanes_math.h compiled with the level's flags (the scalar level's, AVX2's and AVX-512's
 * libraries each build this file, under the fill name LK_RANDOM_FILL; NEON and SVE keep the
 * scalar level's, which aarch64's baseline vectorizes).
 * Philox's 32 x 32 -> 64-bit products do not vectorize from C (gcc keeps them scalar), so the
 * x86 levels write its rounds with the even-lane multiply: integers, the same words. */
#include "kernels.h"
#include "lanes_math.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
/* The high and low words of 16 lanes' products x * m. */
static inline void mul_hi_lo(__m512i x, __m512i m, __m512i *hi, __m512i *lo)
{
    const __m512i even = _mm512_mul_epu32(x, m), odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
    *hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
    *lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
}

/* Sixteen blocks, one per 32-bit lane of each of the four counter words. */
static void philox_x16(const uint32_t ctr[4], const uint32_t key[2], uint32_t *out)
{
    const __m512i m0 = _mm512_set1_epi32((int)LK_PHILOX_M0), m1 = _mm512_set1_epi32((int)LK_PHILOX_M1);
    __m512i c0 = _mm512_add_epi32(_mm512_set1_epi32((int)ctr[0]),
                                  _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    __m512i c1 = _mm512_set1_epi32((int)ctr[1]), c2 = _mm512_set1_epi32((int)ctr[2]),
            c3 = _mm512_set1_epi32((int)ctr[3]);
    uint32_t k0 = key[0], k1 = key[1];
    for (int i = 0; i < 10; i++) {
        __m512i h0, l0, h1, l1;
        mul_hi_lo(c0, m0, &h0, &l0);
        mul_hi_lo(c2, m1, &h1, &l1);
        c0 = _mm512_xor_si512(_mm512_xor_si512(h1, c1), _mm512_set1_epi32((int)k0));
        c2 = _mm512_xor_si512(_mm512_xor_si512(h0, c3), _mm512_set1_epi32((int)k1));
        c1 = l1, c3 = l0;
        k0 += LK_PHILOX_W0, k1 += LK_PHILOX_W1;
    }
    /* the words block by block: a 4 x 4 transpose in each 128-bit lane (blocks j, j+4, j+8,
     * j+12 in r_j), then the lanes in block order */
    const __m512i a = _mm512_unpacklo_epi32(c0, c1), b = _mm512_unpackhi_epi32(c0, c1),
                  c = _mm512_unpacklo_epi32(c2, c3), d = _mm512_unpackhi_epi32(c2, c3);
    const __m512i r0 = _mm512_unpacklo_epi64(a, c), r1 = _mm512_unpackhi_epi64(a, c),
                  r2 = _mm512_unpacklo_epi64(b, d), r3 = _mm512_unpackhi_epi64(b, d);
    const __m512i t0 = _mm512_shuffle_i32x4(r0, r1, 0x44), t1 = _mm512_shuffle_i32x4(r2, r3, 0x44),
                  t2 = _mm512_shuffle_i32x4(r0, r1, 0xEE), t3 = _mm512_shuffle_i32x4(r2, r3, 0xEE);
    _mm512_storeu_si512(out, _mm512_shuffle_i32x4(t0, t1, 0x88));
    _mm512_storeu_si512(out + 16, _mm512_shuffle_i32x4(t0, t1, 0xDD));
    _mm512_storeu_si512(out + 32, _mm512_shuffle_i32x4(t2, t3, 0x88));
    _mm512_storeu_si512(out + 48, _mm512_shuffle_i32x4(t2, t3, 0xDD));
}
#elif defined(__AVX2__)
static inline void mul_hi_lo(__m256i x, __m256i m, __m256i *hi, __m256i *lo)
{
    const __m256i even = _mm256_mul_epu32(x, m), odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

/* Eight blocks at ctr[0] + first, one per 32-bit lane of each counter word. */
static void philox_x8(const uint32_t ctr[4], const uint32_t key[2], uint32_t first, uint32_t *out)
{
    const __m256i m0 = _mm256_set1_epi32((int)LK_PHILOX_M0), m1 = _mm256_set1_epi32((int)LK_PHILOX_M1);
    __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32((int)(ctr[0] + first)),
                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i c1 = _mm256_set1_epi32((int)ctr[1]), c2 = _mm256_set1_epi32((int)ctr[2]),
            c3 = _mm256_set1_epi32((int)ctr[3]);
    uint32_t k0 = key[0], k1 = key[1];
    for (int i = 0; i < 10; i++) {
        __m256i h0, l0, h1, l1;
        mul_hi_lo(c0, m0, &h0, &l0);
        mul_hi_lo(c2, m1, &h1, &l1);
        c0 = _mm256_xor_si256(_mm256_xor_si256(h1, c1), _mm256_set1_epi32((int)k0));
        c2 = _mm256_xor_si256(_mm256_xor_si256(h0, c3), _mm256_set1_epi32((int)k1));
        c1 = l1, c3 = l0;
        k0 += LK_PHILOX_W0, k1 += LK_PHILOX_W1;
    }
    /* a 4 x 4 transpose in each 128-bit lane (blocks j and j+4 in r_j), then the lanes in
     * block order */
    const __m256i a = _mm256_unpacklo_epi32(c0, c1), b = _mm256_unpackhi_epi32(c0, c1),
                  c = _mm256_unpacklo_epi32(c2, c3), d = _mm256_unpackhi_epi32(c2, c3);
    const __m256i r0 = _mm256_unpacklo_epi64(a, c), r1 = _mm256_unpackhi_epi64(a, c),
                  r2 = _mm256_unpacklo_epi64(b, d), r3 = _mm256_unpackhi_epi64(b, d);
    _mm256_storeu_si256((__m256i *)out, _mm256_permute2x128_si256(r0, r1, 0x20));
    _mm256_storeu_si256((__m256i *)(out + 8), _mm256_permute2x128_si256(r2, r3, 0x20));
    _mm256_storeu_si256((__m256i *)(out + 16), _mm256_permute2x128_si256(r0, r1, 0x31));
    _mm256_storeu_si256((__m256i *)(out + 24), _mm256_permute2x128_si256(r2, r3, 0x31));
}

static void philox_x16(const uint32_t ctr[4], const uint32_t key[2], uint32_t *out)
{
    philox_x8(ctr, key, 0, out);
    philox_x8(ctr, key, 8, out + 32);
}
#else
static void philox_x16(const uint32_t ctr[4], const uint32_t key[2], uint32_t *out)
{
    lanes_philox_x16(ctr, key, out);
}
#endif

static void normal_pairs(int64_t pairs, const uint32_t *w, float *first, float *second)
{
    lanes_normal_pairs(pairs, w, first, second);
}

/* In blocks of 64 doubles: the value is read before its result is written, so y may be x. */
static void expf_n(int64_t n, const float *x, float *y)
{
    enum { BLOCK = 64 };
    double d[BLOCK], e[BLOCK];
    for (int64_t i = 0; i < n; i += BLOCK) {
        const int64_t k = n - i < BLOCK ? n - i : BLOCK;
        for (int64_t j = 0; j < k; j++) d[j] = (double)x[i + j];
        lanes_exp_n(k, d, e);
        for (int64_t j = 0; j < k; j++) y[i + j] = (float)e[j];
    }
}

void LK_RANDOM_FILL(lk_table *t)
{
    t->philox_x16 = philox_x16;
    t->normal_pairs = normal_pairs;
    t->expf_n = expf_n;
}
