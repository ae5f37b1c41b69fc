/* avx512 activation kernels. PLACEHOLDER: nothing overridden yet, the level below serves. */
#include "../kernels.h"

void lk_avx512_fill_activation(lk_table *t)
{
    (void)t;
}
