/* avx512 optim kernels. PLACEHOLDER: nothing overridden yet, the level below serves. */
#include "../kernels.h"

void lk_avx512_fill_optim(lk_table *t)
{
    (void)t;
}
