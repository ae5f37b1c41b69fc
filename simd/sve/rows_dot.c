/* SVE rows_dot, vector-length agnostic: a register tile of up to 4 rows x 4 centers, one
 * accumulator per pair, element p taken into lane p mod VL (the last, partial vector under a
 * predicate), the lanes summed by FADDV (a fixed pairwise tree): the order depends on d and the
 * machine's vector length alone. */
#include <arm_sve.h>
#include "../kernels.h"

#define ACC(r, j) svfloat32_t s##r##j = z;
#define FMA(r, j)                                                                              \
    if (R > r && C > j) s##r##j = svmla_f32_m(pg, s##r##j, x##r, c##j);
#define OUT(r, j)                                                                              \
    if (R > r && C > j) out[r * ldo + j] = svaddv_f32(all, s##r##j);

static inline __attribute__((always_inline)) void tile(const int R, const int C, int64_t d,
                                                       const float *x, int64_t ldx,
                                                       const float *c, int64_t ldc, float *out,
                                                       int64_t ldo)
{
    const svbool_t all = svptrue_b32();
    const svfloat32_t z = svdup_n_f32(0.0f);
    ACC(0, 0) ACC(0, 1) ACC(0, 2) ACC(0, 3) ACC(1, 0) ACC(1, 1) ACC(1, 2) ACC(1, 3)
    ACC(2, 0) ACC(2, 1) ACC(2, 2) ACC(2, 3) ACC(3, 0) ACC(3, 1) ACC(3, 2) ACC(3, 3)
    for (int64_t p = 0; p < d; p += (int64_t)svcntw()) {
        const svbool_t pg = svwhilelt_b32_s64(p, d);
        const svfloat32_t x0 = svld1_f32(pg, x + p);
        const svfloat32_t x1 = R > 1 ? svld1_f32(pg, x + ldx + p) : z;
        const svfloat32_t x2 = R > 2 ? svld1_f32(pg, x + 2 * ldx + p) : z;
        const svfloat32_t x3 = R > 3 ? svld1_f32(pg, x + 3 * ldx + p) : z;
        const svfloat32_t c0 = svld1_f32(pg, c + p);
        const svfloat32_t c1 = C > 1 ? svld1_f32(pg, c + ldc + p) : z;
        const svfloat32_t c2 = C > 2 ? svld1_f32(pg, c + 2 * ldc + p) : z;
        const svfloat32_t c3 = C > 3 ? svld1_f32(pg, c + 3 * ldc + p) : z;
        FMA(0, 0) FMA(0, 1) FMA(0, 2) FMA(0, 3) FMA(1, 0) FMA(1, 1) FMA(1, 2) FMA(1, 3)
        FMA(2, 0) FMA(2, 1) FMA(2, 2) FMA(2, 3) FMA(3, 0) FMA(3, 1) FMA(3, 2) FMA(3, 3)
    }
    OUT(0, 0) OUT(0, 1) OUT(0, 2) OUT(0, 3) OUT(1, 0) OUT(1, 1) OUT(1, 2) OUT(1, 3)
    OUT(2, 0) OUT(2, 1) OUT(2, 2) OUT(2, 3) OUT(3, 0) OUT(3, 1) OUT(3, 2) OUT(3, 3)
}

static inline __attribute__((always_inline)) void row_group(const int R, int64_t m, int64_t d,
                                                            const float *x, int64_t ldx,
                                                            const float *c, int64_t ldc,
                                                            float *out, int64_t ldo)
{
    int64_t j = 0;
    for (; j + 4 <= m; j += 4) tile(R, 4, d, x, ldx, c + j * ldc, ldc, out + j, ldo);
    switch (m - j) {
    case 3: tile(R, 3, d, x, ldx, c + j * ldc, ldc, out + j, ldo); break;
    case 2: tile(R, 2, d, x, ldx, c + j * ldc, ldc, out + j, ldo); break;
    case 1: tile(R, 1, d, x, ldx, c + j * ldc, ldc, out + j, ldo); break;
    default: break;
    }
}

static void rows_dot_sve(int64_t n, int64_t m, int64_t d, const float *x, int64_t ldx,
                         const float *c, int64_t ldc, float *out, int64_t ldo)
{
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) row_group(4, m, d, x + i * ldx, ldx, c, ldc, out + i * ldo, ldo);
    for (; i < n; i++) row_group(1, m, d, x + i * ldx, ldx, c, ldc, out + i * ldo, ldo);
}

void lk_sve_fill_rows_dot(lk_table *t)
{
    t->rows_dot = rows_dot_sve;
}
