/* Fills the sve level on top of neon: the GEMM micro-kernel (the dense and convolution layers
 * and the k-means distances) and the k-means++ row dots, at the machine's vector length. */
#include "../kernels.h"

int lk_sve_fill_gemm(lk_table *t);
void lk_sve_fill_rows_dot(lk_table *t);

int lk_fill_sve(lk_table *t)
{
    if (!lk_sve_fill_gemm(t)) return 0;
    lk_sve_fill_rows_dot(t);
    return 1;
}
