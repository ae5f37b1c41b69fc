/* AVX-512 optimizer updates (PyTorch's Adam, AdamW and SGD with momentum), elementwise.
 * Written with the scalar reference's operations in its order and no FMA: every operation is
 * correctly rounded (sqrt and division included), so each level updates to the same bytes. */
#include <math.h>
#include "../kernels.h"
#include "vmath.h"

/* The update's constants, made once per call: read through the parameter pointer inside the
 * loop, they would be reloaded (and lr / bc1, sqrt(bc2) recomputed on the divider the update is
 * bound by) every vector, as the stores to w, m and v might change them. */
typedef struct adam_consts {
    __m512 b1, b2, c1, c2, step, sbc2, eps, wd, decay;
} adam_consts;

static adam_consts adam_consts_of(const lk_adam_params *p)
{
    return (adam_consts){
        .b1 = _mm512_set1_ps(p->beta1), .b2 = _mm512_set1_ps(p->beta2),
        .c1 = _mm512_set1_ps(1.0f - p->beta1), .c2 = _mm512_set1_ps(1.0f - p->beta2),
        .step = _mm512_set1_ps(p->lr / p->bc1), .sbc2 = _mm512_set1_ps(sqrtf(p->bc2)),
        .eps = _mm512_set1_ps(p->eps), .wd = _mm512_set1_ps(p->weight_decay),
        .decay = _mm512_set1_ps(1.0f - p->lr * p->weight_decay),
    };
}

LK_AVX512_INLINE __m512 adam_vec(float *w, const float *g, float *m, float *v, const adam_consts *k,
                             int decoupled, __mmask16 mk, int full)
{
    __m512 wv = lk_avx512_ld(w, mk, full), gv = lk_avx512_ld(g, mk, full);
    if (decoupled) wv = _mm512_mul_ps(wv, k->decay);
    else gv = _mm512_add_ps(gv, _mm512_mul_ps(k->wd, wv));
    __m512 mv = _mm512_add_ps(_mm512_mul_ps(k->b1, lk_avx512_ld(m, mk, full)), _mm512_mul_ps(k->c1, gv));
    __m512 vv = _mm512_add_ps(_mm512_mul_ps(k->b2, lk_avx512_ld(v, mk, full)),
                              _mm512_mul_ps(k->c2, _mm512_mul_ps(gv, gv)));
    __m512 den = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vv), k->sbc2), k->eps);
    wv = _mm512_sub_ps(wv, _mm512_mul_ps(k->step, _mm512_div_ps(mv, den)));
    lk_avx512_st(m, mv, mk, full);
    lk_avx512_st(v, vv, mk, full);
    lk_avx512_st(w, wv, mk, full);
    return wv;
}

/* check plus 0 x each written weight (0, or NaN for one that is not finite); a tail's unused
 * lanes left out */
LK_AVX512_INLINE __m512 check_add(__m512 check, __m512 wv, __mmask16 mk, int full)
{
    const __m512 z = _mm512_mul_ps(wv, _mm512_setzero_ps());
    return full ? _mm512_add_ps(check, z) : _mm512_mask_add_ps(check, mk, check, z);
}

/* n weights, with `decoupled` a constant in each instantiation (no branch in the loop) */
LK_AVX512_INLINE float adam_run(int64_t n, float *w, const float *g, float *m, float *v,
                                const adam_consts *k, int decoupled)
{
    const __mmask16 all = 0xffff;
    __m512 check = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        check = check_add(check, adam_vec(w + i, g + i, m + i, v + i, k, decoupled, all, 1), all, 1);
    if (i < n) {
        const __mmask16 mk = lk_avx512_tail_mask(n - i);
        check = check_add(check, adam_vec(w + i, g + i, m + i, v + i, k, decoupled, mk, 0), mk, 0);
    }
    return _mm512_reduce_add_ps(check);
}

static float adam_avx512(int64_t n, float *w, const float *g, float *m, float *v,
                         const lk_adam_params *p)
{
    const adam_consts k = adam_consts_of(p);
    return p->decoupled ? adam_run(n, w, g, m, v, &k, 1) : adam_run(n, w, g, m, v, &k, 0);
}

LK_AVX512_INLINE __m512 sgd_vec(float *w, const float *g, float *vel, __m512 lr, __m512 wd, __m512 mom,
                            int momentum, __mmask16 mk, int full)
{
    __m512 wv = lk_avx512_ld(w, mk, full);
    __m512 gv = _mm512_add_ps(lk_avx512_ld(g, mk, full), _mm512_mul_ps(wd, wv));
    if (momentum) {
        gv = _mm512_add_ps(_mm512_mul_ps(mom, lk_avx512_ld(vel, mk, full)), gv);
        lk_avx512_st(vel, gv, mk, full);
    }
    wv = _mm512_sub_ps(wv, _mm512_mul_ps(lr, gv));
    lk_avx512_st(w, wv, mk, full);
    return wv;
}

LK_AVX512_INLINE float sgd_run(int64_t n, float *w, const float *g, float *vel, const lk_sgd_params *p,
                               int momentum)
{
    const __mmask16 all = 0xffff;
    const __m512 lr = _mm512_set1_ps(p->lr), wd = _mm512_set1_ps(p->weight_decay), mom = _mm512_set1_ps(p->momentum);
    __m512 check = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        check = check_add(check, sgd_vec(w + i, g + i, vel + i, lr, wd, mom, momentum, all, 1), all, 1);
    if (i < n) {
        const __mmask16 mk = lk_avx512_tail_mask(n - i);
        check = check_add(check, sgd_vec(w + i, g + i, vel + i, lr, wd, mom, momentum, mk, 0), mk, 0);
    }
    return _mm512_reduce_add_ps(check);
}

static float sgd_avx512(int64_t n, float *w, const float *g, float *vel, const lk_sgd_params *p)
{
    return p->momentum != 0.0f ? sgd_run(n, w, g, vel, p, 1) : sgd_run(n, w, g, vel, p, 0);
}

void lk_avx512_fill_optim(lk_table *t)
{
    t->adam = adam_avx512;
    t->sgd = sgd_avx512;
}
