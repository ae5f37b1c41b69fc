/* Four floats through GCC / clang vector extensions, for the ISA-neutral code of the kernel
 * layer: they compile to SSE on x86-64 and to NEON on aarch64, with no intrinsics. */
#ifndef LATENT_SIMD_VEC4_H
#define LATENT_SIMD_VEC4_H

#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

/* Unaligned load and store (memcpy compiles to one vector move). */
static inline v4f load4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, v4f v) { memcpy(p, &v, sizeof v); }

static inline v4f splat4(float v) { return (v4f){v, v, v, v}; }

#endif
