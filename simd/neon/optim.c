/* NEON optimizer updates (PyTorch's Adam, AdamW and SGD with momentum), four weights at a time. */
#include <arm_neon.h>
#include <math.h>
#include "../kernels.h"

static float adam_neon(int64_t n, float *w, const float *g, float *m, float *v,
                       const lk_adam_params *p)
{
    float32x4_t check = vdupq_n_f32(0.0f);
    float tail = 0.0f;
    const float step = p->lr / p->bc1, sbc2 = sqrtf(p->bc2);
    const float decay = 1.0f - p->lr * p->weight_decay;
    const float32x4_t b1 = vdupq_n_f32(p->beta1), b2 = vdupq_n_f32(p->beta2);
    const float32x4_t c1 = vdupq_n_f32(1.0f - p->beta1), c2 = vdupq_n_f32(1.0f - p->beta2);
    const float32x4_t eps = vdupq_n_f32(p->eps), vsbc2 = vdupq_n_f32(sbc2);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t wi = vld1q_f32(w + i), gi = vld1q_f32(g + i);
        if (p->decoupled) wi = vmulq_n_f32(wi, decay);
        else gi = vfmaq_n_f32(gi, wi, p->weight_decay);
        float32x4_t mi = vfmaq_f32(vmulq_f32(b1, vld1q_f32(m + i)), c1, gi);
        float32x4_t vi = vfmaq_f32(vmulq_f32(b2, vld1q_f32(v + i)), c2, vmulq_f32(gi, gi));
        float32x4_t den = vaddq_f32(vdivq_f32(vsqrtq_f32(vi), vsbc2), eps);
        wi = vfmsq_n_f32(wi, vdivq_f32(mi, den), step);
        vst1q_f32(m + i, mi);
        vst1q_f32(v + i, vi);
        vst1q_f32(w + i, wi);
        check = vaddq_f32(check, vmulq_n_f32(wi, 0.0f));
    }
    for (; i < n; i++) {
        float gi = g[i];
        if (p->decoupled) w[i] *= decay;
        else gi = fmaf(p->weight_decay, w[i], gi);
        m[i] = fmaf(1.0f - p->beta1, gi, p->beta1 * m[i]);
        v[i] = fmaf(1.0f - p->beta2, gi * gi, p->beta2 * v[i]);
        w[i] = fmaf(-step, m[i] / (sqrtf(v[i]) / sbc2 + p->eps), w[i]);
        tail += w[i] * 0.0f;
    }
    return vaddvq_f32(check) + tail;
}

static float sgd_neon(int64_t n, float *w, const float *g, float *vel, const lk_sgd_params *p)
{
    const int mom = p->momentum != 0.0f;
    float32x4_t check = vdupq_n_f32(0.0f);
    float tail = 0.0f;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t wi = vld1q_f32(w + i);
        float32x4_t gi = vfmaq_n_f32(vld1q_f32(g + i), wi, p->weight_decay);
        if (mom) {
            gi = vfmaq_n_f32(gi, vld1q_f32(vel + i), p->momentum);
            vst1q_f32(vel + i, gi);
        }
        wi = vfmsq_n_f32(wi, gi, p->lr);
        vst1q_f32(w + i, wi);
        check = vaddq_f32(check, vmulq_n_f32(wi, 0.0f));
    }
    for (; i < n; i++) {
        float gi = fmaf(p->weight_decay, w[i], g[i]);
        if (mom) gi = vel[i] = fmaf(p->momentum, vel[i], gi);
        w[i] = fmaf(-p->lr, gi, w[i]);
        tail += w[i] * 0.0f;
    }
    return vaddvq_f32(check) + tail;
}

void lk_neon_fill_optim(lk_table *t)
{
    t->adam = adam_neon;
    t->sgd = sgd_neon;
}
