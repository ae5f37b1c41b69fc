/* AVX2 losses, reductions and the k-means sums, on vmath.h.
 *
 * Reduction order (all of mse, bce_logits, gauss_kl, sum, sqnorm_rows): the input is cut into
 * blocks of BLOCK elements from the start; inside a block four 8-lane float accumulators take
 * successive vectors round-robin and a masked vector takes the block's tail; each block's lanes
 * are then summed in double in a fixed pattern and the blocks are added to a double total in
 * order. Why: float lanes keep the loop at full vector width (no per-element conversion), each
 * lane sums at most BLOCK/32 = 16 terms so the float error stays near 16 eps of the block's
 * absolute sum, the double total stops that error from growing with n, and the order depends
 * only on n, never on alignment or threads, so a level always gives the same bytes. */
#include "../kernels.h"
#include "vmath.h"

#define BLOCK 512

typedef struct red_args {
    const float *a, *b;   /* the kernel's two inputs (b may be unused) */
    float *g1, *g2;       /* the outputs it writes or accumulates, or NULL */
    __m256 gs;            /* gscale */
} red_args;

/* The terms of 8 elements starting at i (masked-off lanes must come out 0), writing gradients. */
typedef __m256 (*term_op)(const red_args *a, int64_t i, __m256i m, int full);

LK_AVX2_INLINE double reduce(int64_t n, const red_args *a, term_op op)
{
    const __m256i all = _mm256_set1_epi32(-1);
    double total = 0.0;
    for (int64_t b0 = 0; b0 < n; b0 += BLOCK) {
        const int64_t end = n - b0 < BLOCK ? n : b0 + BLOCK;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int64_t i = b0;
        for (; i + 32 <= end; i += 32) {
            acc0 = _mm256_add_ps(acc0, op(a, i, all, 1));
            acc1 = _mm256_add_ps(acc1, op(a, i + 8, all, 1));
            acc2 = _mm256_add_ps(acc2, op(a, i + 16, all, 1));
            acc3 = _mm256_add_ps(acc3, op(a, i + 24, all, 1));
        }
        for (; i + 8 <= end; i += 8) acc0 = _mm256_add_ps(acc0, op(a, i, all, 1));
        if (i < end) acc1 = _mm256_add_ps(acc1, op(a, i, lk_avx2_tail_mask(end - i), 0));
        total += lk_avx2_hsum_pd(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    }
    return total;
}

/* Zeroes the masked-off lanes of a tail's terms (their inputs read as 0, which is not a zero
 * term for every loss). */
LK_AVX2_INLINE __m256 keep(__m256 t, __m256i m, int full)
{
    return full ? t : _mm256_and_ps(t, _mm256_castsi256_ps(m));
}

LK_AVX2_INLINE __m256 term_mse(const red_args *a, int64_t i, __m256i m, int full)
{
    __m256 d = _mm256_sub_ps(lk_avx2_ld(a->a + i, m, full), lk_avx2_ld(a->b + i, m, full));
    if (a->g1) lk_avx2_st(a->g1 + i, _mm256_mul_ps(a->gs, d), m, full);
    return _mm256_mul_ps(d, d);
}

LK_AVX2_INLINE __m256 term_bce(const red_args *a, int64_t i, __m256i m, int full)
{
    __m256 l = lk_avx2_ld(a->a + i, m, full), z = lk_avx2_ld(a->b + i, m, full);
    __m256 e = lk_avx2_exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), lk_avx2_abs_ps(l)));
    if (a->g1)
        lk_avx2_st(a->g1 + i, _mm256_mul_ps(a->gs, _mm256_sub_ps(lk_avx2_sigmoid_from_e(l, e), z)), m, full);
    __m256 t = _mm256_fnmadd_ps(l, z, _mm256_max_ps(l, _mm256_setzero_ps()));
    return keep(_mm256_add_ps(t, lk_avx2_log1p01_ps(e)), m, full);
}

LK_AVX2_INLINE __m256 term_kl(const red_args *a, int64_t i, __m256i m, int full)
{
    __m256 mu = lk_avx2_ld(a->a + i, m, full), lv = lk_avx2_ld(a->b + i, m, full);
    __m256 e = lk_avx2_exp_ps(lv);
    /* the gradients with the scalar reference's operations, in its order */
    if (a->g1)
        lk_avx2_st(a->g1 + i, _mm256_add_ps(lk_avx2_ld(a->g1 + i, m, full), _mm256_mul_ps(a->gs, mu)),
                   m, full);
    if (a->g2) {
        __m256 h = _mm256_mul_ps(a->gs, _mm256_set1_ps(0.5f));
        __m256 d = _mm256_mul_ps(h, _mm256_sub_ps(e, _mm256_set1_ps(1.0f)));
        lk_avx2_st(a->g2 + i, _mm256_add_ps(lk_avx2_ld(a->g2 + i, m, full), d), m, full);
    }
    __m256 t = _mm256_sub_ps(_mm256_add_ps(_mm256_set1_ps(1.0f), lv), _mm256_mul_ps(mu, mu));
    t = _mm256_mul_ps(_mm256_set1_ps(-0.5f), _mm256_sub_ps(t, e));
    return keep(t, m, full);
}

LK_AVX2_INLINE __m256 term_sum(const red_args *a, int64_t i, __m256i m, int full)
{
    return lk_avx2_ld(a->a + i, m, full);
}

LK_AVX2_INLINE __m256 term_sq(const red_args *a, int64_t i, __m256i m, int full)
{
    __m256 x = lk_avx2_ld(a->a + i, m, full);
    return _mm256_mul_ps(x, x);
}

static double mse_avx2(int64_t n, const float *p, const float *t, float *grad, float gscale)
{
    red_args a = {p, t, grad, NULL, _mm256_set1_ps(gscale)};
    return reduce(n, &a, term_mse);
}

static double bce_logits_avx2(int64_t n, const float *l, const float *z, float *grad, float gscale)
{
    red_args a = {l, z, grad, NULL, _mm256_set1_ps(gscale)};
    return reduce(n, &a, term_bce);
}

static double gauss_kl_avx2(int64_t n, const float *mu, const float *lv, float *dmu, float *dlv,
                            float gscale)
{
    red_args a = {mu, lv, dmu, dlv, _mm256_set1_ps(gscale)};
    return reduce(n, &a, term_kl);
}

static double sum_avx2(int64_t n, const float *x)
{
    red_args a = {x, NULL, NULL, NULL, _mm256_setzero_ps()};
    return reduce(n, &a, term_sum);
}

static void sqnorm_rows_avx2(int64_t n, int64_t d, const float *x, int64_t ldx, float *out)
{
    for (int64_t i = 0; i < n; i++) {
        red_args a = {x + i * ldx, NULL, NULL, NULL, _mm256_setzero_ps()};
        out[i] = (float)reduce(d, &a, term_sq);
    }
}

/* Columns in panels of 32 (then 8, then a masked tail), rows in order inside a panel: each
 * column is summed in float in row order, the scalar reference's exact operations. */
LK_AVX2_INLINE void col_panel(int64_t m, const float *x, int64_t ldx, float *out, __m256i mk,
                              int nv, int full)
{
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < m; i++)
        for (int v = 0; v < nv; v++)
            acc[v] = _mm256_add_ps(acc[v], lk_avx2_ld(x + i * ldx + 8 * v, mk, full));
    for (int v = 0; v < nv; v++) lk_avx2_st(out + 8 * v, acc[v], mk, full);
}

static void col_sum_avx2(int64_t m, int64_t n, const float *x, int64_t ldx, float *out)
{
    const __m256i all = _mm256_set1_epi32(-1);
    int64_t j = 0;
    for (; j + 32 <= n; j += 32) col_panel(m, x + j, ldx, out + j, all, 4, 1);
    for (; j + 8 <= n; j += 8) col_panel(m, x + j, ldx, out + j, all, 1, 1);
    if (j < n) col_panel(m, x + j, ldx, out + j, lk_avx2_tail_mask(n - j), 1, 0);
}

/* y += a x with one rounding per element (FMA). */
static void axpy_avx2(int64_t n, float a, const float *x, float *y)
{
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    if (i < n) {
        __m256i m = lk_avx2_tail_mask(n - i);
        lk_avx2_st(y + i, _mm256_fmadd_ps(va, lk_avx2_ld(x + i, m, 0), lk_avx2_ld(y + i, m, 0)), m, 0);
    }
}

/* Rows in order, 4 doubles at a time; w_i x_ij is exact in double, so each FMA rounds once
 * exactly like the scalar reference's multiply-add. */
static void kmeans_accumulate_avx2(int64_t n, int64_t d, const float *x, int64_t ldx,
                                   const int32_t *labels, const float *w, double *sums,
                                   double *wsum)
{
    const int64_t rem = d & 3;
    const __m128i m4 = _mm_cmpgt_epi32(_mm_set1_epi32((int)rem), _mm_setr_epi32(0, 1, 2, 3));
    const __m256i m4d = _mm256_cvtepi32_epi64(m4);
    for (int64_t i = 0; i < n; i++) {
        const double wi = w ? w[i] : 1.0;
        const __m256d vw = _mm256_set1_pd(wi);
        const float *xi = x + i * ldx;
        double *row = sums + (int64_t)labels[i] * d;
        int64_t j = 0;
        for (; j + 8 <= d; j += 8) {
            __m256 v = _mm256_loadu_ps(xi + j);
            __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
            __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
            _mm256_storeu_pd(row + j, _mm256_fmadd_pd(vw, lo, _mm256_loadu_pd(row + j)));
            _mm256_storeu_pd(row + j + 4, _mm256_fmadd_pd(vw, hi, _mm256_loadu_pd(row + j + 4)));
        }
        for (; j + 4 <= d; j += 4) {
            __m256d v = _mm256_cvtps_pd(_mm_loadu_ps(xi + j));
            _mm256_storeu_pd(row + j, _mm256_fmadd_pd(vw, v, _mm256_loadu_pd(row + j)));
        }
        if (rem) {
            __m256d v = _mm256_cvtps_pd(_mm_maskload_ps(xi + j, m4));
            _mm256_maskstore_pd(row + j, m4d, _mm256_fmadd_pd(vw, v, _mm256_maskload_pd(row + j, m4d)));
        }
        wsum[labels[i]] += wi;
    }
}

void lk_avx2_fill_loss(lk_table *t)
{
    t->mse = mse_avx2;
    t->bce_logits = bce_logits_avx2;
    t->gauss_kl = gauss_kl_avx2;
    t->sum = sum_avx2;
    t->col_sum = col_sum_avx2;
    t->axpy = axpy_avx2;
    t->sqnorm_rows = sqnorm_rows_avx2;
    t->kmeans_accumulate = kmeans_accumulate_avx2;
}
