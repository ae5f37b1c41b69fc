/* Level detection and the level cap, as the kernel layer keeps them (src/core/isa.c wraps them
 * in the public API). */
#ifndef LATENT_SIMD_DISPATCH_H
#define LATENT_SIMD_DISPATCH_H

#include "kernels.h"

int lk_level_supported(latent_isa isa);
latent_isa lk_level_detected(void);
latent_isa lk_level_active(void);
/* 0 on success, -1 when the level is not supported. */
int lk_level_set(latent_isa isa);

#endif
