/* Scalar rows_dot: each product summed in float, elements in order. */
#include "../kernels.h"

static void rows_dot_scalar(int64_t n, int64_t m, int64_t d, const float *x, int64_t ldx,
                            const float *c, int64_t ldc, float *out, int64_t ldo)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++) {
            const float *xi = x + i * ldx, *cj = c + j * ldc;
            float s = 0.0f;
            for (int64_t p = 0; p < d; p++) s += xi[p] * cj[p];
            out[i * ldo + j] = s;
        }
}

void lk_scalar_fill_rows_dot(lk_table *t)
{
    t->rows_dot = rows_dot_scalar;
}
