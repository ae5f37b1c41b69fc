/* Fills the scalar level: every kernel, portable C, the truth the other levels are tested against. */
#include "../kernels.h"

void lk_scalar_fill_activation(lk_table *t);
void lk_scalar_fill_loss(lk_table *t);
void lk_scalar_fill_optim(lk_table *t);
void lk_scalar_fill_rows_dot(lk_table *t);
void lk_scalar_fill_gemm(lk_table *t);
void lk_scalar_fill_kmeans_screen(lk_table *t);

void lk_fill_scalar(lk_table *t)
{
    lk_scalar_fill_activation(t);
    lk_scalar_fill_loss(t);
    lk_scalar_fill_optim(t);
    lk_scalar_fill_rows_dot(t);
    lk_scalar_fill_gemm(t);
    lk_scalar_fill_kmeans_screen(t);
    lk_scalar_fill_random(t);
}
