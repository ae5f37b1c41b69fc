/* Scalar losses and reductions, summed in double: the reference for the vector levels. */
#include <math.h>
#include "../kernels.h"
#include "../portable_math.h"

static double mse_scalar(int64_t n, const float *p, const float *t, float *grad, float gscale)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        float d = p[i] - t[i];
        s += (double)d * (double)d;
        if (grad) grad[i] = gscale * d;
    }
    return s;
}

static double bce_logits_scalar(int64_t n, const float *l, const float *z, float *grad,
                                float gscale)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        float a = fabsf(l[i]);
        float e = lk_expf(-a);
        s += (double)(fmaxf(l[i], 0.0f) - l[i] * z[i] + lk_log1pf(e));
        if (grad) {
            /* sigmoid(l) from the same e = exp(-|l|), without overflow */
            float sig = l[i] >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
            grad[i] = gscale * (sig - z[i]);
        }
    }
    return s;
}

static double gauss_kl_scalar(int64_t n, const float *mu, const float *lv, float *dmu,
                              float *dlv, float gscale)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        float e = lk_expf(lv[i]);
        s += -0.5 * ((double)1.0f + lv[i] - (double)mu[i] * mu[i] - e);
        if (dmu) dmu[i] += gscale * mu[i];
        if (dlv) dlv[i] += gscale * 0.5f * (e - 1.0f);
    }
    return s;
}

static double sum_scalar(int64_t n, const float *x)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) s += x[i];
    return s;
}

static void col_sum_scalar(int64_t m, int64_t n, const float *x, int64_t ldx, float *out)
{
    for (int64_t j = 0; j < n; j++) out[j] = 0.0f;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) out[j] += x[i * ldx + j];
}

static void axpy_scalar(int64_t n, float a, const float *x, float *y)
{
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

static void sqnorm_rows_scalar(int64_t n, int64_t d, const float *x, int64_t ldx, float *out)
{
    for (int64_t i = 0; i < n; i++) {
        double s = 0.0;
        for (int64_t j = 0; j < d; j++) s += (double)x[i * ldx + j] * x[i * ldx + j];
        out[i] = (float)s;
    }
}

static void kmeans_accumulate_scalar(int64_t n, int64_t d, const float *x, int64_t ldx,
                                     const int32_t *labels, const float *w, double *sums,
                                     double *wsum)
{
    for (int64_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        double *row = sums + (int64_t)labels[i] * d;
        for (int64_t j = 0; j < d; j++) row[j] += wi * x[i * ldx + j];
        wsum[labels[i]] += wi;
    }
}

void lk_scalar_fill_loss(lk_table *t)
{
    t->mse = mse_scalar;
    t->bce_logits = bce_logits_scalar;
    t->gauss_kl = gauss_kl_scalar;
    t->sum = sum_scalar;
    t->col_sum = col_sum_scalar;
    t->axpy = axpy_scalar;
    t->sqnorm_rows = sqnorm_rows_scalar;
    t->kmeans_accumulate = kmeans_accumulate_scalar;
}
