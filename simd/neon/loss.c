/* NEON losses, reductions and k-means sums: float lanes, sums carried in double lanes in a fixed
 * order (two float64x2 accumulators per 4 floats, combined the same way for every n). */
#include <arm_neon.h>
#include "../kernels.h"
#include "vmath.h"

/* acc[0] += low half of v, acc[1] += high half, in double */
static inline void add_f64(float64x2_t acc[2], float32x4_t v)
{
    acc[0] = vaddq_f64(acc[0], vcvt_f64_f32(vget_low_f32(v)));
    acc[1] = vaddq_f64(acc[1], vcvt_high_f64_f32(v));
}
static inline void fma_f64(float64x2_t acc[2], float32x4_t v)
{
    float64x2_t lo = vcvt_f64_f32(vget_low_f32(v)), hi = vcvt_high_f64_f32(v);
    acc[0] = vfmaq_f64(acc[0], lo, lo);
    acc[1] = vfmaq_f64(acc[1], hi, hi);
}
static inline double total(const float64x2_t acc[2])
{
    return vaddvq_f64(vaddq_f64(acc[0], acc[1]));
}

/* Loads the tail [i, n) zero-padded; the padding lanes must not change a sum. */
static inline float32x4_t load_tail(const float *x, int64_t i, int64_t n)
{
    float t[4] = {0};
    for (int64_t k = i; k < n; k++) t[k - i] = x[k];
    return vld1q_f32(t);
}
static inline void store_tail(float *y, int64_t i, int64_t n, float32x4_t v)
{
    float t[4];
    vst1q_f32(t, v);
    for (int64_t k = i; k < n; k++) y[k] = t[k - i];
}
/* 1 for the first n - i lanes, 0 elsewhere */
static inline uint32x4_t tail_mask(int64_t i, int64_t n)
{
    const uint32_t lane[4] = {0, 1, 2, 3};
    return vcltq_u32(vld1q_u32(lane), vdupq_n_u32((uint32_t)(n - i)));
}

static double mse_neon(int64_t n, const float *p, const float *t, float *grad, float gscale)
{
    float64x2_t acc[2] = {vdupq_n_f64(0.0), vdupq_n_f64(0.0)};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t d = vsubq_f32(vld1q_f32(p + i), vld1q_f32(t + i));
        fma_f64(acc, d);
        if (grad) vst1q_f32(grad + i, vmulq_n_f32(d, gscale));
    }
    if (i < n) {
        float32x4_t d = vsubq_f32(load_tail(p, i, n), load_tail(t, i, n));
        fma_f64(acc, d);
        if (grad) store_tail(grad, i, n, vmulq_n_f32(d, gscale));
    }
    return total(acc);
}

/* max(l,0) - l z + log1p(e^-|l|) per lane; *sig = sigmoid(l) from the same exponential */
static inline float32x4_t bce4(float32x4_t l, float32x4_t z, float32x4_t *sig)
{
    float32x4_t e = lk_neon_exp(vnegq_f32(vabsq_f32(l)));
    *sig = lk_neon_sigmoid_from(l, e);
    float32x4_t v = vsubq_f32(vmaxq_f32(l, vdupq_n_f32(0.0f)), vmulq_f32(l, z));
    return vaddq_f32(v, lk_neon_log1p_pos(e));
}

static double bce_logits_neon(int64_t n, const float *l, const float *z, float *grad,
                              float gscale)
{
    float64x2_t acc[2] = {vdupq_n_f64(0.0), vdupq_n_f64(0.0)};
    int64_t i = 0;
    float32x4_t sig;
    for (; i + 4 <= n; i += 4) {
        float32x4_t zv = vld1q_f32(z + i);
        add_f64(acc, bce4(vld1q_f32(l + i), zv, &sig));
        if (grad) vst1q_f32(grad + i, vmulq_n_f32(vsubq_f32(sig, zv), gscale));
    }
    if (i < n) {
        float32x4_t zv = load_tail(z, i, n);
        /* a zero logit gives log 2, not 0: mask the padding lanes out of the sum */
        float32x4_t v = bce4(load_tail(l, i, n), zv, &sig);
        add_f64(acc, vbslq_f32(tail_mask(i, n), v, vdupq_n_f32(0.0f)));
        if (grad) store_tail(grad, i, n, vmulq_n_f32(vsubq_f32(sig, zv), gscale));
    }
    return total(acc);
}

/* -0.5 (1 + lv - mu^2 - e^lv) per lane, in double as the reference takes it; a zero-padded lane
 * (mu = lv = 0, e = 1) adds exactly 0. */
static inline void kl4(float64x2_t acc[2], float32x4_t mu, float32x4_t lv, float32x4_t *e)
{
    *e = lk_neon_exp(lv);
    const float64x2_t one = vdupq_n_f64(1.0), mh = vdupq_n_f64(-0.5);
    for (int h = 0; h < 2; h++) {
        float64x2_t m = vcvt_f64_f32(h ? vget_high_f32(mu) : vget_low_f32(mu));
        float64x2_t v = vaddq_f64(one, vcvt_f64_f32(h ? vget_high_f32(lv) : vget_low_f32(lv)));
        v = vfmsq_f64(v, m, m);
        v = vsubq_f64(v, vcvt_f64_f32(h ? vget_high_f32(*e) : vget_low_f32(*e)));
        acc[h] = vfmaq_f64(acc[h], mh, v);
    }
}

static double gauss_kl_neon(int64_t n, const float *mu, const float *lv, float *dmu, float *dlv,
                            float gscale)
{
    float64x2_t acc[2] = {vdupq_n_f64(0.0), vdupq_n_f64(0.0)};
    const float32x4_t half_g = vdupq_n_f32(gscale * 0.5f), one = vdupq_n_f32(1.0f);
    float32x4_t e;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t m = vld1q_f32(mu + i);
        kl4(acc, m, vld1q_f32(lv + i), &e);
        if (dmu) vst1q_f32(dmu + i, vfmaq_n_f32(vld1q_f32(dmu + i), m, gscale));
        if (dlv) vst1q_f32(dlv + i, vfmaq_f32(vld1q_f32(dlv + i), half_g, vsubq_f32(e, one)));
    }
    if (i < n) {
        float32x4_t m = load_tail(mu, i, n);
        kl4(acc, m, load_tail(lv, i, n), &e);
        if (dmu) store_tail(dmu, i, n, vfmaq_n_f32(load_tail(dmu, i, n), m, gscale));
        if (dlv) store_tail(dlv, i, n, vfmaq_f32(load_tail(dlv, i, n), half_g, vsubq_f32(e, one)));
    }
    return total(acc);
}

static double sum_neon(int64_t n, const float *x)
{
    float64x2_t acc[2] = {vdupq_n_f64(0.0), vdupq_n_f64(0.0)};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) add_f64(acc, vld1q_f32(x + i));
    if (i < n) add_f64(acc, load_tail(x, i, n));
    return total(acc);
}

static void col_sum_neon(int64_t m, int64_t n, const float *x, int64_t ldx, float *out)
{
    /* Each column's rows are added in order, in float, as the reference does: lanes only run
     * different columns side by side, so the bytes equal the scalar level's. */
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
        for (int64_t i = 0; i < m; i++) {
            const float *r = x + i * ldx + j;
            s0 = vaddq_f32(s0, vld1q_f32(r));
            s1 = vaddq_f32(s1, vld1q_f32(r + 4));
            s2 = vaddq_f32(s2, vld1q_f32(r + 8));
            s3 = vaddq_f32(s3, vld1q_f32(r + 12));
        }
        vst1q_f32(out + j, s0);
        vst1q_f32(out + j + 4, s1);
        vst1q_f32(out + j + 8, s2);
        vst1q_f32(out + j + 12, s3);
    }
    for (; j + 4 <= n; j += 4) {
        float32x4_t s = vdupq_n_f32(0.0f);
        for (int64_t i = 0; i < m; i++) s = vaddq_f32(s, vld1q_f32(x + i * ldx + j));
        vst1q_f32(out + j, s);
    }
    for (; j < n; j++) {
        float s = 0.0f;
        for (int64_t i = 0; i < m; i++) s += x[i * ldx + j];
        out[j] = s;
    }
}

static void axpy_neon(int64_t n, float a, const float *x, float *y)
{
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
    for (; i < n; i++) y[i] = __builtin_fmaf(a, x[i], y[i]);
}

static void sqnorm_rows_neon(int64_t n, int64_t d, const float *x, int64_t ldx, float *out)
{
    for (int64_t i = 0; i < n; i++) {
        const float *r = x + i * ldx;
        float64x2_t acc[2] = {vdupq_n_f64(0.0), vdupq_n_f64(0.0)};
        int64_t j = 0;
        for (; j + 4 <= d; j += 4) fma_f64(acc, vld1q_f32(r + j));
        if (j < d) fma_f64(acc, load_tail(r, j, d));
        out[i] = (float)total(acc);
    }
}

static void kmeans_accumulate_neon(int64_t n, int64_t d, const float *x, int64_t ldx,
                                   const int32_t *labels, const float *w, double *sums,
                                   double *wsum)
{
    for (int64_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        float64x2_t wv = vdupq_n_f64(wi);
        double *row = sums + (int64_t)labels[i] * d;
        const float *xr = x + i * ldx;
        int64_t j = 0;
        for (; j + 4 <= d; j += 4) {
            float32x4_t v = vld1q_f32(xr + j);
            vst1q_f64(row + j, vfmaq_f64(vld1q_f64(row + j), wv, vcvt_f64_f32(vget_low_f32(v))));
            vst1q_f64(row + j + 2, vfmaq_f64(vld1q_f64(row + j + 2), wv, vcvt_high_f64_f32(v)));
        }
        for (; j < d; j++) row[j] = __builtin_fma(wi, (double)xr[j], row[j]);
        wsum[labels[i]] += wi;
    }
}

void lk_neon_fill_loss(lk_table *t)
{
    t->mse = mse_neon;
    t->bce_logits = bce_logits_neon;
    t->gauss_kl = gauss_kl_neon;
    t->sum = sum_neon;
    t->col_sum = col_sum_neon;
    t->axpy = axpy_neon;
    t->sqnorm_rows = sqnorm_rows_neon;
    t->kmeans_accumulate = kmeans_accumulate_neon;
}
