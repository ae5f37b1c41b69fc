/* AVX2 optimizer updates (PyTorch's Adam, AdamW and SGD with momentum), elementwise.
 * Written with the scalar reference's operations in its order and no FMA: every operation is
 * correctly rounded (sqrt and division included), so each level updates to the same bytes. */
#include "../kernels.h"
#include "vmath.h"

LK_AVX2_INLINE void adam_vec(float *w, const float *g, float *m, float *v, const lk_adam_params *p,
                             __m256i mk, int full)
{
    const __m256 b1 = _mm256_set1_ps(p->beta1), b2 = _mm256_set1_ps(p->beta2);
    const __m256 c1 = _mm256_set1_ps(1.0f - p->beta1), c2 = _mm256_set1_ps(1.0f - p->beta2);
    const __m256 step = _mm256_set1_ps(p->lr / p->bc1), sbc2 = _mm256_set1_ps(sqrtf(p->bc2));
    const __m256 eps = _mm256_set1_ps(p->eps), wd = _mm256_set1_ps(p->weight_decay);
    __m256 wv = lk_avx2_ld(w, mk, full), gv = lk_avx2_ld(g, mk, full);
    if (p->decoupled) wv = _mm256_mul_ps(wv, _mm256_set1_ps(1.0f - p->lr * p->weight_decay));
    else gv = _mm256_add_ps(gv, _mm256_mul_ps(wd, wv));
    __m256 mv = _mm256_add_ps(_mm256_mul_ps(b1, lk_avx2_ld(m, mk, full)), _mm256_mul_ps(c1, gv));
    __m256 vv = _mm256_add_ps(_mm256_mul_ps(b2, lk_avx2_ld(v, mk, full)),
                              _mm256_mul_ps(c2, _mm256_mul_ps(gv, gv)));
    __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vv), sbc2), eps);
    wv = _mm256_sub_ps(wv, _mm256_mul_ps(step, _mm256_div_ps(mv, den)));
    lk_avx2_st(m, mv, mk, full);
    lk_avx2_st(v, vv, mk, full);
    lk_avx2_st(w, wv, mk, full);
}

static void adam_avx2(int64_t n, float *w, const float *g, float *m, float *v,
                      const lk_adam_params *p)
{
    const __m256i all = _mm256_set1_epi32(-1);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) adam_vec(w + i, g + i, m + i, v + i, p, all, 1);
    if (i < n) adam_vec(w + i, g + i, m + i, v + i, p, lk_avx2_tail_mask(n - i), 0);
}

LK_AVX2_INLINE void sgd_vec(float *w, const float *g, float *vel, const lk_sgd_params *p,
                            __m256i mk, int full)
{
    __m256 wv = lk_avx2_ld(w, mk, full);
    __m256 gv = _mm256_add_ps(lk_avx2_ld(g, mk, full),
                              _mm256_mul_ps(_mm256_set1_ps(p->weight_decay), wv));
    if (p->momentum != 0.0f) {
        gv = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(p->momentum), lk_avx2_ld(vel, mk, full)), gv);
        lk_avx2_st(vel, gv, mk, full);
    }
    lk_avx2_st(w, _mm256_sub_ps(wv, _mm256_mul_ps(_mm256_set1_ps(p->lr), gv)), mk, full);
}

static void sgd_avx2(int64_t n, float *w, const float *g, float *vel, const lk_sgd_params *p)
{
    const __m256i all = _mm256_set1_epi32(-1);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) sgd_vec(w + i, g + i, vel + i, p, all, 1);
    if (i < n) sgd_vec(w + i, g + i, vel + i, p, lk_avx2_tail_mask(n - i), 0);
}

void lk_avx2_fill_optim(lk_table *t)
{
    t->adam = adam_avx2;
    t->sgd = sgd_avx2;
}
