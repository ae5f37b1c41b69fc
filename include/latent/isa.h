/* Instruction-set levels: what the CPU has, what latent uses, and the knob that caps it. */
#ifndef LATENT_ISA_H
#define LATENT_ISA_H

#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel levels, in the order they override each other on one architecture. */
typedef enum latent_isa {
    LATENT_ISA_SCALAR = 0,
    LATENT_ISA_AVX2,    /* AVX2 + FMA */
    LATENT_ISA_AVX512,  /* AVX-512 F/BW/DQ/VL */
    LATENT_ISA_NEON,    /* aarch64 Advanced SIMD */
    LATENT_ISA_SVE,     /* aarch64 SVE, at the machine's vector length (on top of NEON) */
    LATENT_ISA_COUNT
} latent_isa;

/* "scalar", "avx2", "avx512", "neon" or "sve". */
const char *latent_isa_name(latent_isa isa);

/* Parses a level name; LATENT_EINVAL (with a message) for an unknown name. */
latent_status latent_isa_parse(const char *name, latent_isa *out);

/* Nonzero when this build has kernels for `isa` and this CPU (and OS) can run them. */
int latent_isa_supported(latent_isa isa);

/* The best level this CPU supports. */
latent_isa latent_isa_detected(void);

/* The level in use: the detected one, or the cap set by LATENT_ISA or latent_isa_set. */
latent_isa latent_isa_active(void);

/* Nonzero when the level in use screens k-means centers in bfloat16 (AVX512_BF16 CPUs): the
 * assignment's first pass runs at twice the FMA rate; labels and distances are the same bytes. */
int latent_isa_kmeans_bf16(void);

/* Caps the level in use; asking for an unsupported level is LATENT_EUNSUPPORTED. */
latent_status latent_isa_set(latent_isa isa);

/* Applies the LATENT_ISA environment variable, if set; fails for a bad or unsupported value.
 * Called once by every entry point that uses kernels; cheap to call again. */
latent_status latent_isa_init_from_env(void);

#ifdef __cplusplus
}
#endif
#endif
