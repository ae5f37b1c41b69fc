/* AVX2 optimizer updates (PyTorch's Adam, AdamW and SGD with momentum), elementwise.
 * Written with the scalar reference's operations in its order and no FMA: every operation is
 * correctly rounded (sqrt and division included), so each level updates to the same bytes. */
#include <math.h>
#include "../kernels.h"
#include "vmath.h"

/* The update's constants, made once per call: read through the parameter pointer inside the
 * loop, they would be reloaded (and lr / bc1, sqrt(bc2) recomputed on the divider the update is
 * bound by) every vector, as the stores to w, m and v might change them. */
typedef struct adam_consts {
    __m256 b1, b2, c1, c2, step, sbc2, eps, wd, decay;
} adam_consts;

static adam_consts adam_consts_of(const lk_adam_params *p)
{
    return (adam_consts){
        .b1 = _mm256_set1_ps(p->beta1), .b2 = _mm256_set1_ps(p->beta2),
        .c1 = _mm256_set1_ps(1.0f - p->beta1), .c2 = _mm256_set1_ps(1.0f - p->beta2),
        .step = _mm256_set1_ps(p->lr / p->bc1), .sbc2 = _mm256_set1_ps(sqrtf(p->bc2)),
        .eps = _mm256_set1_ps(p->eps), .wd = _mm256_set1_ps(p->weight_decay),
        .decay = _mm256_set1_ps(1.0f - p->lr * p->weight_decay),
    };
}

LK_AVX2_INLINE __m256 adam_vec(float *w, const float *g, float *m, float *v, const adam_consts *k,
                             int decoupled, __m256i mk, int full)
{
    __m256 wv = lk_avx2_ld(w, mk, full), gv = lk_avx2_ld(g, mk, full);
    if (decoupled) wv = _mm256_mul_ps(wv, k->decay);
    else gv = _mm256_add_ps(gv, _mm256_mul_ps(k->wd, wv));
    __m256 mv = _mm256_add_ps(_mm256_mul_ps(k->b1, lk_avx2_ld(m, mk, full)), _mm256_mul_ps(k->c1, gv));
    __m256 vv = _mm256_add_ps(_mm256_mul_ps(k->b2, lk_avx2_ld(v, mk, full)),
                              _mm256_mul_ps(k->c2, _mm256_mul_ps(gv, gv)));
    __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vv), k->sbc2), k->eps);
    wv = _mm256_sub_ps(wv, _mm256_mul_ps(k->step, _mm256_div_ps(mv, den)));
    lk_avx2_st(m, mv, mk, full);
    lk_avx2_st(v, vv, mk, full);
    lk_avx2_st(w, wv, mk, full);
    return wv;
}

/* check plus 0 x each written weight (0, or NaN for one that is not finite); a tail's unused
 * lanes left out */
LK_AVX2_INLINE __m256 check_add(__m256 check, __m256 wv, __m256i mk, int full)
{
    const __m256 z = _mm256_mul_ps(wv, _mm256_setzero_ps());
    return _mm256_add_ps(check, full ? z : _mm256_and_ps(z, _mm256_castsi256_ps(mk)));
}

/* n weights, with `decoupled` a constant in each instantiation (no branch in the loop) */
LK_AVX2_INLINE float adam_run(int64_t n, float *w, const float *g, float *m, float *v,
                              const adam_consts *k, int decoupled)
{
    const __m256i all = _mm256_set1_epi32(-1);
    __m256 check = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        check = check_add(check, adam_vec(w + i, g + i, m + i, v + i, k, decoupled, all, 1), all, 1);
    if (i < n) {
        const __m256i mk = lk_avx2_tail_mask(n - i);
        check = check_add(check, adam_vec(w + i, g + i, m + i, v + i, k, decoupled, mk, 0), mk, 0);
    }
    return lk_avx2_hsum_ps(check); /* 0, or NaN when any lane is */
}

static float adam_avx2(int64_t n, float *w, const float *g, float *m, float *v,
                       const lk_adam_params *p)
{
    const adam_consts k = adam_consts_of(p);
    return p->decoupled ? adam_run(n, w, g, m, v, &k, 1) : adam_run(n, w, g, m, v, &k, 0);
}

LK_AVX2_INLINE __m256 sgd_vec(float *w, const float *g, float *vel, __m256 lr, __m256 wd, __m256 mom,
                            int momentum, __m256i mk, int full)
{
    __m256 wv = lk_avx2_ld(w, mk, full);
    __m256 gv = _mm256_add_ps(lk_avx2_ld(g, mk, full), _mm256_mul_ps(wd, wv));
    if (momentum) {
        gv = _mm256_add_ps(_mm256_mul_ps(mom, lk_avx2_ld(vel, mk, full)), gv);
        lk_avx2_st(vel, gv, mk, full);
    }
    wv = _mm256_sub_ps(wv, _mm256_mul_ps(lr, gv));
    lk_avx2_st(w, wv, mk, full);
    return wv;
}

LK_AVX2_INLINE float sgd_run(int64_t n, float *w, const float *g, float *vel, const lk_sgd_params *p,
                             int momentum)
{
    const __m256i all = _mm256_set1_epi32(-1);
    const __m256 lr = _mm256_set1_ps(p->lr), wd = _mm256_set1_ps(p->weight_decay), mom = _mm256_set1_ps(p->momentum);
    __m256 check = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        check = check_add(check, sgd_vec(w + i, g + i, vel + i, lr, wd, mom, momentum, all, 1), all, 1);
    if (i < n) {
        const __m256i mk = lk_avx2_tail_mask(n - i);
        check = check_add(check, sgd_vec(w + i, g + i, vel + i, lr, wd, mom, momentum, mk, 0), mk, 0);
    }
    return lk_avx2_hsum_ps(check); /* 0, or NaN when any lane is */
}

static float sgd_avx2(int64_t n, float *w, const float *g, float *vel, const lk_sgd_params *p)
{
    return p->momentum != 0.0f ? sgd_run(n, w, g, vel, p, 1) : sgd_run(n, w, g, vel, p, 0);
}

void lk_avx2_fill_optim(lk_table *t)
{
    t->adam = adam_avx2;
    t->sgd = sgd_avx2;
}
