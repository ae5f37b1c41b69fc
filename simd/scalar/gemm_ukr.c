/* Scalar GEMM micro-kernel and FMA-peak probe. PLACEHOLDER until the blocked driver lands. */
#include "../kernels.h"

static double fma_peak_scalar(double seconds)
{
    (void)seconds;
    return 0.0;
}

void lk_scalar_fill_gemm(lk_table *t)
{
    t->gemm_ukr = 0;
    t->mr = 4;
    t->nr = 8;
    t->kc = 256;
    t->mc = 64;
    t->nc = 1024;
    t->fma_peak = fma_peak_scalar;
}
