/* Element-by-element comparison of two arrays in double, with ULP distances taken on the
 * floats' own bit patterns (ordered so that adjacent floats are one apart across zero). */
#include <math.h>
#include <string.h>
#include "latent/compare.h"

static int is_float(latent_dtype t) { return t == LATENT_F32 || t == LATENT_F64; }

static double value(const latent_array *a, int64_t i)
{
    switch (a->dtype) {
    case LATENT_F32: return ((const float *)a->data)[i];
    case LATENT_F64: return ((const double *)a->data)[i];
    case LATENT_I32: return ((const int32_t *)a->data)[i];
    case LATENT_I64: return (double)((const int64_t *)a->data)[i];
    default: return ((const uint8_t *)a->data)[i];
    }
}

/* The float's place on a line where consecutive floats are consecutive integers. */
static int64_t ordered(const latent_array *a, int64_t i)
{
    if (a->dtype == LATENT_F32) {
        int32_t v;
        memcpy(&v, (const float *)a->data + i, 4);
        return v < 0 ? (int64_t)INT32_MIN - v : v;
    }
    int64_t v;
    memcpy(&v, (const double *)a->data + i, 8);
    return v < 0 ? INT64_MIN - v : v;
}

int latent_ulp_bucket(int64_t ulp)
{
    static const int64_t top[LATENT_ULP_BUCKETS - 1] = {0, 1, 3, 15, 255, 65535};
    for (int b = 0; b < LATENT_ULP_BUCKETS - 1; b++)
        if (ulp <= top[b]) return b;
    return LATENT_ULP_BUCKETS - 1;
}

void latent_compare_arrays(const latent_array *a, const latent_array *b, double rtol, double atol,
                           latent_diff *d)
{
    memset(d, 0, sizeof *d);
    d->first = -1;
    d->same_shape = a->ndim == b->ndim && is_float(a->dtype) == is_float(b->dtype);
    for (int i = 0; d->same_shape && i < a->ndim; i++) d->same_shape = a->shape[i] == b->shape[i];
    if (!d->same_shape) return;
    int64_t n = 1;
    for (int i = 0; i < a->ndim; i++) n *= a->shape[i];
    d->n = n;
    const int ulps = a->dtype == b->dtype && is_float(a->dtype);
    for (int64_t i = 0; i < n; i++) {
        const double x = value(a, i), y = value(b, i);
        const int both_nan = isnan(x) && isnan(y);
        if (both_nan || x == y) {
            /* equal values; -0 against +0 is a difference of bits only */
            if (ulps && !both_nan && ordered(a, i) != ordered(b, i)) d->n_diff++;
            d->ulp_hist[0]++;
            continue;
        }
        d->n_diff++;
        if (d->first < 0) d->first = i, d->first_a = x, d->first_b = y;
        const double ad = fabs(x - y), rd = y != 0 ? ad / fabs(y) : INFINITY;
        if (!(ad <= atol + rtol * fabs(y))) d->n_outside++;
        if (!(ad <= d->max_abs)) d->max_abs = ad;   /* NaN against a number: NaN sticks */
        if (!(rd <= d->max_rel)) d->max_rel = rd;
        int64_t u = INT64_MAX;
        if (ulps && !isnan(x) && !isnan(y)) {
            const int64_t p = ordered(a, i), q = ordered(b, i);
            const uint64_t du = p > q ? (uint64_t)p - (uint64_t)q : (uint64_t)q - (uint64_t)p;
            u = du > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)du;
        } else if (!is_float(a->dtype)) {
            u = (int64_t)ad;
        }
        if (u > d->max_ulp) d->max_ulp = u;
        d->ulp_hist[latent_ulp_bucket(u)]++;
    }
    /* no tolerance: bit-equal (a -0 against a +0 too) */
    d->within = d->n_outside == 0 && (rtol > 0 || atol > 0 || d->n_diff == 0);
}
