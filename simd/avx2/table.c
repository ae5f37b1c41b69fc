/* Fills the avx2 level: overrides what this level implements, on top of the level below it. */
#include "../kernels.h"

void lk_avx2_fill_gemm(lk_table *t);
void lk_avx2_fill_activation(lk_table *t);
void lk_avx2_fill_loss(lk_table *t);
void lk_avx2_fill_optim(lk_table *t);
void lk_avx2_fill_rows_dot(lk_table *t);

void lk_fill_avx2(lk_table *t)
{
    lk_avx2_fill_gemm(t);
    lk_avx2_fill_activation(t);
    lk_avx2_fill_loss(t);
    lk_avx2_fill_optim(t);
    lk_avx2_fill_rows_dot(t);
    lk_avx2_fill_random(t);
}
