/* The list of conformance kernels, and the bookkeeping every case shares. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "conformance.h"

void lk_report_case(lk_case_report *r, double err, double bound, const char *what)
{
    r->cases++;
    /* A NaN error is a failure, whatever the bound. */
    double ratio = bound > 0.0 ? err / bound : (err == 0.0 ? 0.0 : 1e300);
    if (!(ratio <= 1.0)) r->failures++;
    if (r->cases == 1 || !(ratio <= r->worst_ratio)) {
        r->worst_ratio = ratio != ratio ? 1e300 : ratio;
        r->worst_err = err;
        r->worst_bound = bound;
        snprintf(r->worst_case, sizeof r->worst_case, "%s", what);
    }
}

const lk_conformance_kernel *lk_conformance_kernels(int *count)
{
    static lk_conformance_kernel all[256];
    static int n = -1;
    if (n < 0) {
        int k = 0;
        for (int i = 0; i < lk_conformance_gemm_count && k < 256; i++)
            all[k++] = lk_conformance_gemm[i];
        for (int i = 0; i < lk_conformance_elementwise_count && k < 256; i++)
            all[k++] = lk_conformance_elementwise[i];
        for (int i = 0; i < lk_conformance_conv_count && k < 256; i++)
            all[k++] = lk_conformance_conv[i];
        n = k;
    }
    *count = n;
    return all;
}

void lk_fill_uniform(float *x, int64_t n, uint64_t seed, float lo, float hi)
{
    /* splitmix64: enough for test data, and identical on every architecture */
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int64_t i = 0; i < n; i++) {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        x[i] = lo + (hi - lo) * (float)((z >> 40) * (1.0 / 16777216.0));
    }
}

double lk_ulp_error(float y, double exact)
{
    if (isnan(exact)) return isnan(y) ? 0.0 : INFINITY;
    if (isinf((float)exact) || isinf(y)) return (float)exact == y ? 0.0 : INFINITY;
    double a = fabs(exact);
    double ulp = a < FLT_MIN ? ldexp(1.0, -149) : ldexp(1.0, ilogb(a) - 23);
    return fabs((double)y - exact) / ulp;
}
