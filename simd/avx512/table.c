/* Fills the avx512 level: overrides what this level implements, on top of the level below it. */
#include "../kernels.h"

void lk_avx512_fill_gemm(lk_table *t);
void lk_avx512_fill_activation(lk_table *t);
void lk_avx512_fill_loss(lk_table *t);
void lk_avx512_fill_optim(lk_table *t);
void lk_avx512_fill_rows_dot(lk_table *t);
void lk_avx512_fill_kmeans_screen(lk_table *t);

void lk_fill_avx512(lk_table *t)
{
    lk_avx512_fill_gemm(t);
    lk_avx512_fill_activation(t);
    lk_avx512_fill_loss(t);
    lk_avx512_fill_optim(t);
    lk_avx512_fill_rows_dot(t);
    lk_avx512_fill_kmeans_screen(t);
    lk_avx512_fill_random(t);
}
