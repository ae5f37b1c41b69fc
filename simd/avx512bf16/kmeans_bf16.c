/* AVX512_BF16 k-means screening: bfloat16 pairs of X rows against 32-center panels, accumulated
 * in float by VDPBF16PS (two products per lane per instruction: twice the FMA rate). The scores
 * are approximate; gemm_driver.c bounds their error and recomputes what the bound cannot settle. */
#include <immintrin.h>
#include <string.h>
#include "../kernels.h"

#define MR 12
#define NR 32

/* Float elements [2p2, 2p2+32) of a row of d as 16 bfloat16 pairs (zero past d). */
static inline __m512i pairs16(const float *row, int64_t d, int64_t p2)
{
    int64_t p = 2 * p2, rem = d - p;
    __m512 lo, hi;
    if (rem >= 32) {
        lo = _mm512_loadu_ps(row + p);
        hi = _mm512_loadu_ps(row + p + 16);
    } else {
        __mmask16 mlo = (__mmask16)(rem >= 16 ? 0xffffu : (1u << rem) - 1u);
        __mmask16 mhi = (__mmask16)(rem > 16 ? (1u << (rem - 16)) - 1u : 0u);
        lo = _mm512_maskz_loadu_ps(mlo, row + p);
        hi = _mm512_maskz_loadu_ps(mhi, row + p + 16);
    }
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

static void pack_bf16(int64_t k, int64_t d, const float *c, int64_t ldc, uint32_t *dst)
{
    const int64_t P = (d + 1) / 2, kpad = (k + NR - 1) / NR * NR;
    const __m512i stride = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7,
                                                               6, 5, 4, 3, 2, 1, 0),
                                              _mm512_set1_epi32(NR));
    for (int64_t j = 0; j < kpad; j++) {
        uint32_t *panel = dst + (j / NR) * P * NR + j % NR;
        for (int64_t p2 = 0; p2 < P; p2 += 16) {
            __mmask16 m = (__mmask16)(P - p2 >= 16 ? 0xffffu : (1u << (P - p2)) - 1u);
            __m512i w = j < k ? pairs16(c + j * ldc, d, p2) : _mm512_setzero_si512();
            _mm512_mask_i32scatter_epi32(panel + p2 * NR, m, stride, w, 4);
        }
    }
}

/* Rows as pair rows, ldp words apart; the words from P to ldp are zero. */
static void pairs_bf16(int64_t m, int64_t d, const float *x, int64_t ldx, uint32_t *dst,
                       int64_t ldp)
{
    const int64_t P = (d + 1) / 2;
    for (int64_t i = 0; i < m; i++) {
        uint32_t *w = dst + i * ldp;
        int64_t p2 = 0;
        for (; p2 + 16 <= P; p2 += 16) _mm512_storeu_si512(w + p2, pairs16(x + i * ldx, d, p2));
        if (p2 < P)
            _mm512_mask_storeu_epi32(w + p2, (__mmask16)((1u << (P - p2)) - 1u),
                                     pairs16(x + i * ldx, d, p2));
        if (ldp > P) memset(w + P, 0, (size_t)(ldp - P) * sizeof *w);
    }
}

/* An R x 16W tile over P pair steps (R <= 12 rows, W = 1 or 2 halves of a 32-center panel): A
 * broadcast from R pair rows lda words apart (they stay in L1 while the tile's row moves across
 * the panels), B from the packed panel. R and W are constants in every instance, so the loops
 * unroll and the accumulators live in registers. */
static inline __attribute__((always_inline)) void tile(int R, int W, int64_t P, const uint32_t *a,
                                                       int64_t lda, const uint32_t *b, float *c,
                                                       int64_t ldc)
{
    __m512 acc[MR][2];
#pragma GCC unroll 12
    for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    /* Pair rows are contiguous, and R interleaved streams from memory defeat the hardware
     * prefetcher: each step fetches a line of the tile after next (measured: 7.7 ms for a k = 10
     * pass over Fashion-MNIST's pairs without, 4.0 with the next tile, 3.6 with this one). */
    const char *next = (const char *)(a + 2 * R * lda);
    const int64_t lines = R * lda * (int64_t)sizeof *a / 64;
    for (int64_t q = 0; q < P; q++, b += NR) {
        if (q < lines) _mm_prefetch(next + 64 * q, _MM_HINT_T0);
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(b);
        __m512bh b1 = W == 2 ? (__m512bh)_mm512_loadu_si512(b + 16) : b0;
#pragma GCC unroll 12
        for (int i = 0; i < R; i++) {
            __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i * lda + q]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
            if (W == 2) acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < R; i++) {
        _mm512_storeu_ps(c + i * ldc, acc[i][0]);
        if (W == 2) _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
    }
}

typedef void (*tile_fn)(int64_t P, const uint32_t *a, int64_t lda, const uint32_t *b, float *c,
                        int64_t ldc);
#define TILE(R, W)                                                                              \
    static void tile_##R##x##W(int64_t P, const uint32_t *a, int64_t lda, const uint32_t *b,   \
                               float *c, int64_t ldc) { tile(R, W, P, a, lda, b, c, ldc); }
#define TILES(R) TILE(R, 1) TILE(R, 2)
TILES(1) TILES(2) TILES(3) TILES(4) TILES(5) TILES(6)
TILES(7) TILES(8) TILES(9) TILES(10) TILES(11) TILES(12)
#define ROW(R) {tile_##R##x1, tile_##R##x2},
static const tile_fn tiles[MR + 1][2] = {{NULL, NULL}, ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6)
                                         ROW(7) ROW(8) ROW(9) ROW(10) ROW(11) ROW(12)};

/* Columns past k within a panel's upper half are padding: a panel whose centers all sit in its
 * lower half (k <= 16 at the last one) runs half as many products. */
static void dots_bf16(int64_t m, int64_t P, const uint32_t *a, int64_t lda, const uint32_t *cpack,
                      int64_t k, float *out, int64_t ldo)
{
    for (int64_t ir = 0; ir < m; ir += MR) {
        int64_t rows = m - ir < MR ? m - ir : MR;
        for (int64_t jr = 0; jr < k; jr += NR)
            tiles[rows][k - jr > 16](P, a + ir * lda, lda, cpack + (jr / NR) * P * NR,
                                     out + ir * ldo + jr, ldo);
    }
}

void lk_fill_avx512bf16(lk_table *t)
{
    t->kmeans_pack_bf16 = pack_bf16;
    t->kmeans_pairs_bf16 = pairs_bf16;
    t->kmeans_dots_bf16 = dots_bf16;
}
