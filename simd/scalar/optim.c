/* Scalar optimizer updates (PyTorch's Adam, AdamW and SGD with momentum). */
#include <math.h>
#include "../kernels.h"

static float adam_scalar(int64_t n, float *w, const float *g, float *m, float *v,
                         const lk_adam_params *p)
{
    float check = 0.0f;
    const float step = p->lr / p->bc1, sbc2 = sqrtf(p->bc2);
    const float decay = 1.0f - p->lr * p->weight_decay;
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i];
        if (p->decoupled) w[i] *= decay;
        else gi += p->weight_decay * w[i];
        m[i] = p->beta1 * m[i] + (1.0f - p->beta1) * gi;
        v[i] = p->beta2 * v[i] + (1.0f - p->beta2) * (gi * gi);
        w[i] -= step * (m[i] / (sqrtf(v[i]) / sbc2 + p->eps));
        check += w[i] * 0.0f;
    }
    return check;
}

static float sgd_scalar(int64_t n, float *w, const float *g, float *vel, const lk_sgd_params *p)
{
    float check = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + p->weight_decay * w[i];
        if (p->momentum != 0.0f) {
            vel[i] = p->momentum * vel[i] + gi;
            gi = vel[i];
        }
        w[i] -= p->lr * gi;
        check += w[i] * 0.0f;
    }
    return check;
}

void lk_scalar_fill_optim(lk_table *t)
{
    t->adam = adam_scalar;
    t->sgd = sgd_scalar;
}
