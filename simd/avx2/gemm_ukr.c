/* avx2 gemm kernels. PLACEHOLDER: nothing overridden yet, the level below serves. */
#include "../kernels.h"

void lk_avx2_fill_gemm(lk_table *t)
{
    (void)t;
}
