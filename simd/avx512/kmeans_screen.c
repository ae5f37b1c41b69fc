/* AVX-512 k-means screening pass over one row's scores: sixteen centers per instruction. */
#include <immintrin.h>
#include "../kernels.h"
#include "vmath.h"

static int64_t kmeans_screen_avx512(int64_t k, const float *cnorm, float *sd, float margin,
                                    int64_t cap, int32_t *cand)
{
    __m512 mn = _mm512_set1_ps(INFINITY), bad = _mm512_setzero_ps();
    for (int64_t j = 0; j < k; j += 16) {
        __mmask16 mk = k - j >= 16 ? (__mmask16)0xffff : lk_avx512_tail_mask(k - j);
        /* fma(sd, -2, cnorm) rounds once, as cnorm - 2 sd does (2 sd is exact) */
        __m512 s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, sd + j), _mm512_set1_ps(-2.0f),
                                   _mm512_maskz_loadu_ps(mk, cnorm + j));
        _mm512_mask_storeu_ps(sd + j, mk, s);
        mn = _mm512_mask_min_ps(mn, mk, mn, s);
        bad = _mm512_mask_add_ps(bad, mk, bad, _mm512_sub_ps(s, s)); /* NaN once any is not finite */
    }
    const float m = _mm512_reduce_min_ps(mn), top = m + (margin + 0x1p-22f * fabsf(m));
    if (!(_mm512_reduce_add_ps(bad) == 0.0f) || !(top < INFINITY)) return -1;
    const __m512 vt = _mm512_set1_ps(top);
    int64_t n = 0;
    for (int64_t j = 0; j < k; j += 16) {
        __mmask16 mk = k - j >= 16 ? (__mmask16)0xffff : lk_avx512_tail_mask(k - j);
        unsigned in = _mm512_mask_cmp_ps_mask(mk, _mm512_maskz_loadu_ps(mk, sd + j), vt, _CMP_LE_OQ);
        while (in) {
            if (n == cap) return -1;
            cand[n++] = (int32_t)(j + __builtin_ctz(in));
            in &= in - 1;
        }
    }
    return n;
}

void lk_avx512_fill_kmeans_screen(lk_table *t)
{
    t->kmeans_screen = kmeans_screen_avx512;
}
