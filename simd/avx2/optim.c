/* avx2 optim kernels. PLACEHOLDER: nothing overridden yet, the level below serves. */
#include "../kernels.h"

void lk_avx2_fill_optim(lk_table *t)
{
    (void)t;
}
