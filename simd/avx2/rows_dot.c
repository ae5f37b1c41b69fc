/* AVX2 rows_dot: a register tile of up to 4 rows x 2 centers (with the row vectors, 13 of the 16
 * registers), one 8-lane float accumulator per pair, elements p taken in order into lane p % 8
 * (a masked vector for the tail), then the lanes summed in a fixed pattern: the order depends
 * on d alone. */
#include <immintrin.h>
#include "../kernels.h"
#include "vmath.h"

#define RT 4
#define CT 2

LK_AVX2_INLINE void tile(const int R, const int C, int64_t d, const float *x, int64_t ldx,
                         const float *c, int64_t ldc, float *out, int64_t ldo, const float *next)
{
    __m256 acc[RT][CT];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < C; j++) acc[r][j] = _mm256_setzero_ps();
    int64_t p = 0;
    for (; p + 8 <= d; p += 8) {
        __m256 xv[RT];
        for (int r = 0; r < R; r++) xv[r] = _mm256_loadu_ps(x + r * ldx + p);
        if (next && (p & 15) == 0)
            for (int r = 0; r < RT; r++)
                _mm_prefetch((const char *)(next + r * ldx + p), _MM_HINT_T0);
        for (int j = 0; j < C; j++) {
            __m256 cv = _mm256_loadu_ps(c + j * ldc + p);
            for (int r = 0; r < R; r++) acc[r][j] = _mm256_fmadd_ps(xv[r], cv, acc[r][j]);
        }
    }
    if (p < d) {
        __m256i mk = lk_avx2_tail_mask(d - p);
        __m256 xv[RT];
        for (int r = 0; r < R; r++) xv[r] = _mm256_maskload_ps(x + r * ldx + p, mk);
        for (int j = 0; j < C; j++) {
            __m256 cv = _mm256_maskload_ps(c + j * ldc + p, mk);
            for (int r = 0; r < R; r++) acc[r][j] = _mm256_fmadd_ps(xv[r], cv, acc[r][j]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int j = 0; j < C; j++) out[r * ldo + j] = lk_avx2_hsum_ps(acc[r][j]);
}

/* As on AVX-512: the first center group's pass fetches the next group's rows (next, NULL for
 * the last), a line every two vectors. */
LK_AVX2_INLINE void row_group(const int R, int64_t m, int64_t d, const float *x, int64_t ldx,
                              const float *c, int64_t ldc, float *out, int64_t ldo,
                              const float *next)
{
    int64_t j = 0;
    for (; j + CT <= m; j += CT, next = NULL)
        tile(R, CT, d, x, ldx, c + j * ldc, ldc, out + j, ldo, next);
    if (j < m) tile(R, 1, d, x, ldx, c + j * ldc, ldc, out + j, ldo, next);
}

static void rows_dot_avx2(int64_t n, int64_t m, int64_t d, const float *x, int64_t ldx,
                          const float *c, int64_t ldc, float *out, int64_t ldo)
{
    int64_t i = 0;
    for (; i + RT <= n; i += RT)
        row_group(RT, m, d, x + i * ldx, ldx, c, ldc, out + i * ldo, ldo,
                  i + 2 * RT <= n ? x + (i + RT) * ldx : NULL);
    for (; i < n; i++) row_group(1, m, d, x + i * ldx, ldx, c, ldc, out + i * ldo, ldo, NULL);
}

void lk_avx2_fill_rows_dot(lk_table *t)
{
    t->rows_dot = rows_dot_avx2;
}
