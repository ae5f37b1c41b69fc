/* Every kernel of the level named by LATENT_ISA against the scalar reference, one test per
 * kernel (parameterized by index, since Criterion runs each test in a fresh process). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "latent/isa.h"
#include "simd/conformance.h"

ParameterizedTestParameters(conformance, kernel)
{
    int n;
    lk_conformance_kernels(&n);
    static int idx[256];
    for (int i = 0; i < n; i++) idx[i] = i;
    return cr_make_param_array(int, idx, (size_t)n);
}

ParameterizedTest(int *index, conformance, kernel)
{
    if (latent_isa_init_from_env() != LATENT_OK) cr_skip_test("%s", latent_last_error());
    int n;
    const lk_conformance_kernel *k = lk_conformance_kernels(&n);
    const lk_table *ref = lk_table_for(LATENT_ISA_SCALAR), *var = lk_active();
    lk_case_report r = {0};
    k[*index].run(ref, var, &r);
    cr_expect(r.cases > 0, "%s: no cases ran", k[*index].name);
    cr_expect(r.failures == 0,
              "%s at %s: %lld of %lld cases over their bound; worst %s: error %.3g, bound %.3g",
              k[*index].name, latent_isa_name(var->isa), (long long)r.failures,
              (long long)r.cases, r.worst_case, r.worst_err, r.worst_bound);
}

Test(conformance, level_is_known)
{
    if (latent_isa_init_from_env() != LATENT_OK) cr_skip_test("%s", latent_last_error());
    cr_expect(lk_active() != NULL);
    cr_expect(lk_active()->gemm_ukr == NULL || lk_active()->mr > 0);
}
