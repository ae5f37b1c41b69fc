/* AVX-512 rows_dot: a register tile of up to 4 rows x 6 centers, one 16-lane float accumulator
 * per pair, elements p taken in order into lane p % 16 (a masked vector for the tail), then the
 * lanes summed by _mm512_reduce_add_ps: the order depends on d alone. */
#include <immintrin.h>
#include "../kernels.h"
#include "vmath.h"

#define RT 4
#define CT 6

LK_AVX512_INLINE void tile(const int R, const int C, int64_t d, const float *x, int64_t ldx,
                           const float *c, int64_t ldc, float *out, int64_t ldo, const float *next)
{
    __m512 acc[RT][CT];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < C; j++) acc[r][j] = _mm512_setzero_ps();
    int64_t p = 0;
    for (; p + 16 <= d; p += 16) {
        __m512 xv[RT];
        for (int r = 0; r < R; r++) xv[r] = _mm512_loadu_ps(x + r * ldx + p);
        if (next)
            for (int r = 0; r < RT; r++)
                _mm_prefetch((const char *)(next + r * ldx + p), _MM_HINT_T0);
        for (int j = 0; j < C; j++) {
            __m512 cv = _mm512_loadu_ps(c + j * ldc + p);
            for (int r = 0; r < R; r++) acc[r][j] = _mm512_fmadd_ps(xv[r], cv, acc[r][j]);
        }
    }
    if (p < d) {
        __mmask16 mk = lk_avx512_tail_mask(d - p);
        __m512 xv[RT];
        for (int r = 0; r < R; r++) xv[r] = _mm512_maskz_loadu_ps(mk, x + r * ldx + p);
        for (int j = 0; j < C; j++) {
            __m512 cv = _mm512_maskz_loadu_ps(mk, c + j * ldc + p);
            for (int r = 0; r < R; r++) acc[r][j] = _mm512_fmadd_ps(xv[r], cv, acc[r][j]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int j = 0; j < C; j++) out[r * ldo + j] = _mm512_reduce_add_ps(acc[r][j]);
}

/* The rows' group against every center group; C is the group's width, known at compile time.
 * X streams from memory once: the first center group's pass fetches the next group's rows
 * (next, NULL for the last) a line per line consumed, which the hardware prefetcher alone did
 * not do early enough (the X loads were most of the kernel's time). */
LK_AVX512_INLINE void row_group(const int R, int64_t m, int64_t d, const float *x, int64_t ldx,
                                const float *c, int64_t ldc, float *out, int64_t ldo,
                                const float *next)
{
    int64_t j = 0;
    for (; j + CT <= m; j += CT, next = NULL)
        tile(R, CT, d, x, ldx, c + j * ldc, ldc, out + j, ldo, next);
    switch (m - j) {
    case 5: tile(R, 5, d, x, ldx, c + j * ldc, ldc, out + j, ldo, next); break;
    case 4: tile(R, 4, d, x, ldx, c + j * ldc, ldc, out + j, ldo, next); break;
    case 3: tile(R, 3, d, x, ldx, c + j * ldc, ldc, out + j, ldo, next); break;
    case 2: tile(R, 2, d, x, ldx, c + j * ldc, ldc, out + j, ldo, next); break;
    case 1: tile(R, 1, d, x, ldx, c + j * ldc, ldc, out + j, ldo, next); break;
    default: break;
    }
}

static void rows_dot_avx512(int64_t n, int64_t m, int64_t d, const float *x, int64_t ldx,
                            const float *c, int64_t ldc, float *out, int64_t ldo)
{
    int64_t i = 0;
    for (; i + RT <= n; i += RT)
        row_group(RT, m, d, x + i * ldx, ldx, c, ldc, out + i * ldo, ldo,
                  i + 2 * RT <= n ? x + (i + RT) * ldx : NULL);
    for (; i < n; i++) row_group(1, m, d, x + i * ldx, ldx, c, ldc, out + i * ldo, ldo, NULL);
}

void lk_avx512_fill_rows_dot(lk_table *t)
{
    t->rows_dot = rows_dot_avx512;
}
