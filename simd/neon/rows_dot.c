/* NEON rows_dot: a register tile of up to 4 rows x 4 centers, one 4-lane float accumulator per
 * pair, elements p taken in order into lane p % 4, the lanes summed by vaddvq_f32, then the
 * tail's elements added in order: the order depends on d alone. */
#include <arm_neon.h>
#include "../kernels.h"

#define RT 4
#define CT 4

static inline __attribute__((always_inline)) void tile(const int R, const int C, int64_t d,
                                                       const float *x, int64_t ldx,
                                                       const float *c, int64_t ldc, float *out,
                                                       int64_t ldo)
{
    float32x4_t acc[RT][CT];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < C; j++) acc[r][j] = vdupq_n_f32(0.0f);
    int64_t p = 0;
    for (; p + 4 <= d; p += 4) {
        float32x4_t xv[RT];
        for (int r = 0; r < R; r++) xv[r] = vld1q_f32(x + r * ldx + p);
        for (int j = 0; j < C; j++) {
            float32x4_t cv = vld1q_f32(c + j * ldc + p);
            for (int r = 0; r < R; r++) acc[r][j] = vfmaq_f32(acc[r][j], xv[r], cv);
        }
    }
    for (int r = 0; r < R; r++)
        for (int j = 0; j < C; j++) {
            float s = vaddvq_f32(acc[r][j]);
            for (int64_t q = p; q < d; q++) s += x[r * ldx + q] * c[j * ldc + q];
            out[r * ldo + j] = s;
        }
}

static inline __attribute__((always_inline)) void row_group(const int R, int64_t m, int64_t d,
                                                            const float *x, int64_t ldx,
                                                            const float *c, int64_t ldc,
                                                            float *out, int64_t ldo)
{
    int64_t j = 0;
    for (; j + CT <= m; j += CT) tile(R, CT, d, x, ldx, c + j * ldc, ldc, out + j, ldo);
    switch (m - j) {
    case 3: tile(R, 3, d, x, ldx, c + j * ldc, ldc, out + j, ldo); break;
    case 2: tile(R, 2, d, x, ldx, c + j * ldc, ldc, out + j, ldo); break;
    case 1: tile(R, 1, d, x, ldx, c + j * ldc, ldc, out + j, ldo); break;
    default: break;
    }
}

static void rows_dot_neon(int64_t n, int64_t m, int64_t d, const float *x, int64_t ldx,
                          const float *c, int64_t ldc, float *out, int64_t ldo)
{
    int64_t i = 0;
    for (; i + RT <= n; i += RT) row_group(RT, m, d, x + i * ldx, ldx, c, ldc, out + i * ldo, ldo);
    for (; i < n; i++) row_group(1, m, d, x + i * ldx, ldx, c, ldc, out + i * ldo, ldo);
}

void lk_neon_fill_rows_dot(lk_table *t)
{
    t->rows_dot = rows_dot_neon;
}
