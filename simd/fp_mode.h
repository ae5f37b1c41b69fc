/* The floating-point mode of training: denormals flushed to zero on the calling thread. A
 * denormal operand or result costs up to a hundred cycles on many x86 cores (Adam's first moment
 * of a weight whose gradient stays zero decays into denormals within a thousand steps; training
 * then ran at half speed), so training and evaluation flush them, as TensorFlow does on CPUs. */
#ifndef LATENT_SIMD_FP_MODE_H
#define LATENT_SIMD_FP_MODE_H

#include <stdint.h>

/* The caller's mode, to give back to lk_fp_restore. */
typedef struct lk_fp_mode {
    uint64_t saved;
} lk_fp_mode;

/* Flushes denormal inputs and results to zero on the calling thread (x86: MXCSR FTZ and DAZ;
 * aarch64: FPCR.FZ) and returns the mode it replaced. */
lk_fp_mode lk_fp_flush_denormals(void);

/* Puts back a mode lk_fp_flush_denormals returned, on the same thread. */
void lk_fp_restore(lk_fp_mode mode);

#endif
