/* Level detection and the LATENT_ISA cap. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include "latent/isa.h"

Test(isa, scalar_always_supported)
{
    cr_expect(latent_isa_supported(LATENT_ISA_SCALAR));
    cr_expect_eq(latent_isa_set(LATENT_ISA_SCALAR), LATENT_OK);
    cr_expect_eq(latent_isa_active(), LATENT_ISA_SCALAR);
}

Test(isa, unknown_name_is_an_error)
{
    latent_isa isa;
    cr_expect_eq(latent_isa_parse("sse9", &isa), LATENT_EINVAL);
    setenv("LATENT_ISA", "sse9", 1);
    cr_expect_eq(latent_isa_init_from_env(), LATENT_EINVAL);
}

Test(isa, unsupported_level_is_an_error)
{
#if defined(__x86_64__)
    cr_expect_eq(latent_isa_set(LATENT_ISA_NEON), LATENT_EUNSUPPORTED);
    setenv("LATENT_ISA", "neon", 1);
    cr_expect_eq(latent_isa_init_from_env(), LATENT_EUNSUPPORTED);
#else
    cr_expect_eq(latent_isa_set(LATENT_ISA_AVX2), LATENT_EUNSUPPORTED);
#endif
}

Test(isa, detected_is_supported)
{
    cr_expect(latent_isa_supported(latent_isa_detected()));
}
