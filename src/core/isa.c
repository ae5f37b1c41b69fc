/* The public face of kernel dispatch: level names, detection and the LATENT_ISA cap. */
#include <stdlib.h>
#include <string.h>
#include "latent/isa.h"
#include "simd/dispatch.h"

static const char *const names[LATENT_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon", "sve"};

const char *latent_isa_name(latent_isa isa)
{
    return (unsigned)isa < LATENT_ISA_COUNT ? names[isa] : "unknown";
}

latent_status latent_isa_parse(const char *name, latent_isa *out)
{
    for (int i = 0; i < LATENT_ISA_COUNT; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = (latent_isa)i;
            return LATENT_OK;
        }
    return latent_fail(LATENT_EINVAL,
                       "unknown instruction-set level '%s' (expected scalar, avx2, avx512, neon or sve)",
                       name ? name : "");
}

int latent_isa_supported(latent_isa isa) { return lk_level_supported(isa); }
latent_isa latent_isa_detected(void) { return lk_level_detected(); }
latent_isa latent_isa_active(void) { return lk_level_active(); }

int latent_isa_kmeans_bf16(void) { return lk_active()->kmeans_dots_bf16 != NULL; }

latent_status latent_isa_set(latent_isa isa)
{
    if (lk_level_set(isa) != 0)
        return latent_fail(LATENT_EUNSUPPORTED,
                           "instruction-set level '%s' is not supported by this CPU or build "
                           "(best available: %s)",
                           latent_isa_name(isa), latent_isa_name(lk_level_detected()));
    return LATENT_OK;
}

latent_status latent_isa_init_from_env(void)
{
    const char *env = getenv("LATENT_ISA");
    if (!env || !*env) return LATENT_OK;
    latent_isa isa = LATENT_ISA_SCALAR; /* set by the parse; initialized for gcc -Wmaybe-uninitialized */
    if (latent_isa_parse(env, &isa) != LATENT_OK)
        return latent_fail(LATENT_EINVAL,
                           "LATENT_ISA: unknown level '%s' (expected scalar, avx2, avx512, neon or sve)",
                           env);
    latent_status st = latent_isa_set(isa);
    if (st != LATENT_OK)
        return latent_fail(st, "LATENT_ISA=%s: this CPU or build does not support it (best: %s)",
                           env, latent_isa_name(lk_level_detected()));
    return LATENT_OK;
}
