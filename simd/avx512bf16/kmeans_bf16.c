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

/* One 12 x 32 tile over P pair steps: A broadcast from 12 row-major pair rows lda words apart
 * (they stay in L1 while the tile's row moves across the panels), B from the packed panel. */
static void ukr_12x32(int64_t P, const uint32_t *a, int64_t lda, const uint32_t *b, float *c,
                      int64_t ldc)
{
#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DECL(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
    ROWS(DECL)
    for (int64_t q = 0; q < P; q++, b += NR) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 16);
#define STEP(i) { __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i * lda + q]); \
        c##i##0 = _mm512_dpbf16_ps(c##i##0, ai, b0); c##i##1 = _mm512_dpbf16_ps(c##i##1, ai, b1); }
        ROWS(STEP)
    }
#define STORE(i) _mm512_storeu_ps(c + i * ldc, c##i##0); _mm512_storeu_ps(c + i * ldc + 16, c##i##1);
    ROWS(STORE)
}

static void dots_bf16(int64_t m, int64_t d, const float *x, int64_t ldx, const uint32_t *cpack,
                      int64_t kpad, float *out, int64_t ldo, uint32_t *work)
{
    const int64_t P = (d + 1) / 2, ldw = (P + 15) / 16 * 16, mpad = (m + MR - 1) / MR * MR;
    for (int64_t i = 0; i < mpad; i++) {
        uint32_t *w = work + i * ldw;
        if (i >= m) {
            memset(w, 0, (size_t)ldw * sizeof *w);
            continue;
        }
        for (int64_t p2 = 0; p2 < ldw; p2 += 16)
            _mm512_storeu_si512(w + p2, p2 < P ? pairs16(x + i * ldx, d, p2) : _mm512_setzero_si512());
    }
    float tile[MR * NR];
    for (int64_t ir = 0; ir < m; ir += MR) {
        int64_t rows = m - ir < MR ? m - ir : MR;
        for (int64_t jr = 0; jr < kpad; jr += NR) {
            const uint32_t *bp = cpack + (jr / NR) * P * NR;
            if (rows == MR) {
                ukr_12x32(P, work + ir * ldw, ldw, bp, out + ir * ldo + jr, ldo);
            } else {
                ukr_12x32(P, work + ir * ldw, ldw, bp, tile, NR);
                for (int64_t i = 0; i < rows; i++)
                    memcpy(out + (ir + i) * ldo + jr, tile + i * NR, NR * sizeof(float));
            }
        }
    }
}

void lk_fill_avx512bf16(lk_table *t)
{
    t->kmeans_pack_bf16 = pack_bf16;
    t->kmeans_dots_bf16 = dots_bf16;
}
