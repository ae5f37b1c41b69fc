/* AVX-512 optimizer updates (PyTorch's Adam, AdamW and SGD with momentum), elementwise.
 * Written with the scalar reference's operations in its order and no FMA: every operation is
 * correctly rounded (sqrt and division included), so each level updates to the same bytes. */
#include "../kernels.h"
#include "vmath.h"

LK_AVX512_INLINE void adam_vec(float *w, const float *g, float *m, float *v, const lk_adam_params *p,
                             __mmask16 mk, int full)
{
    const __m512 b1 = _mm512_set1_ps(p->beta1), b2 = _mm512_set1_ps(p->beta2);
    const __m512 c1 = _mm512_set1_ps(1.0f - p->beta1), c2 = _mm512_set1_ps(1.0f - p->beta2);
    const __m512 step = _mm512_set1_ps(p->lr / p->bc1), sbc2 = _mm512_set1_ps(sqrtf(p->bc2));
    const __m512 eps = _mm512_set1_ps(p->eps), wd = _mm512_set1_ps(p->weight_decay);
    __m512 wv = lk_avx512_ld(w, mk, full), gv = lk_avx512_ld(g, mk, full);
    if (p->decoupled) wv = _mm512_mul_ps(wv, _mm512_set1_ps(1.0f - p->lr * p->weight_decay));
    else gv = _mm512_add_ps(gv, _mm512_mul_ps(wd, wv));
    __m512 mv = _mm512_add_ps(_mm512_mul_ps(b1, lk_avx512_ld(m, mk, full)), _mm512_mul_ps(c1, gv));
    __m512 vv = _mm512_add_ps(_mm512_mul_ps(b2, lk_avx512_ld(v, mk, full)),
                              _mm512_mul_ps(c2, _mm512_mul_ps(gv, gv)));
    __m512 den = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vv), sbc2), eps);
    wv = _mm512_sub_ps(wv, _mm512_mul_ps(step, _mm512_div_ps(mv, den)));
    lk_avx512_st(m, mv, mk, full);
    lk_avx512_st(v, vv, mk, full);
    lk_avx512_st(w, wv, mk, full);
}

static void adam_avx512(int64_t n, float *w, const float *g, float *m, float *v,
                      const lk_adam_params *p)
{
    const __mmask16 all = 0xffff;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) adam_vec(w + i, g + i, m + i, v + i, p, all, 1);
    if (i < n) adam_vec(w + i, g + i, m + i, v + i, p, lk_avx512_tail_mask(n - i), 0);
}

LK_AVX512_INLINE void sgd_vec(float *w, const float *g, float *vel, const lk_sgd_params *p,
                            __mmask16 mk, int full)
{
    __m512 wv = lk_avx512_ld(w, mk, full);
    __m512 gv = _mm512_add_ps(lk_avx512_ld(g, mk, full),
                              _mm512_mul_ps(_mm512_set1_ps(p->weight_decay), wv));
    if (p->momentum != 0.0f) {
        gv = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(p->momentum), lk_avx512_ld(vel, mk, full)), gv);
        lk_avx512_st(vel, gv, mk, full);
    }
    lk_avx512_st(w, _mm512_sub_ps(wv, _mm512_mul_ps(_mm512_set1_ps(p->lr), gv)), mk, full);
}

static void sgd_avx512(int64_t n, float *w, const float *g, float *vel, const lk_sgd_params *p)
{
    const __mmask16 all = 0xffff;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) sgd_vec(w + i, g + i, vel + i, p, all, 1);
    if (i < n) sgd_vec(w + i, g + i, vel + i, p, lk_avx512_tail_mask(n - i), 0);
}

void lk_avx512_fill_optim(lk_table *t)
{
    t->adam = adam_avx512;
    t->sgd = sgd_avx512;
}
