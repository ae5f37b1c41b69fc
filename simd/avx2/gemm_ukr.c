/* AVX2+FMA GEMM micro-kernel (6 x 16 tile: 12 accumulators) with its fused epilogues, and the
 * AVX2 FMA-peak probe. */
#include <immintrin.h>
#include <time.h>
#include "../kernels.h"
#include "../ukr_entries.h"

#define MR 6
#define NR 16

static inline __m256 act_cheap(__m256 v, latent_act act, __m256 slope)
{
    if (act == LATENT_ACT_RELU) return _mm256_max_ps(v, _mm256_setzero_ps());
    if (act == LATENT_ACT_LEAKY_RELU) {
        __m256 pos = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ);
        return _mm256_blendv_ps(_mm256_mul_ps(v, slope), v, pos);
    }
    return v;
}

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

/* The tile, with A's element (i, p) at a[i * ars + p * aps] and B's (p, j) at b[p * bps + j]:
 * packed panels (ars 1, aps MR; bps NR) or the matrices where they lie, each instance compiled
 * for its strides. */
static inline __attribute__((always_inline)) void tile_6x16(
    int64_t kc, const float *a, int64_t ars, int64_t aps, const float *b, int64_t bps, float *c,
    int64_t ldc, int accumulate, const lk_epilogue *ep)
{
#define DECL(i) __m256 c##i##0, c##i##1;
    ROWS(DECL)
    /* Accumulate from zero and add C at the end, so the C tile (which may come from far away
     * when C is large) arrives through the prefetches while the FMAs run. */
#define ZEROC(i) c##i##0 = _mm256_setzero_ps(); c##i##1 = _mm256_setzero_ps();
    ROWS(ZEROC)
#define PREF(i) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0); \
                _mm_prefetch((const char *)(c + i * ldc + 15), _MM_HINT_T0);
    ROWS(PREF)
    for (int64_t p = 0; p < kc; p++, a += aps, b += bps) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#define STEP(i) { __m256 ai = _mm256_broadcast_ss(a + i * ars); \
        c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0); c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1); }
        ROWS(STEP)
    }
    if (accumulate) {
#define ADDC(i) c##i##0 = _mm256_add_ps(c##i##0, _mm256_loadu_ps(c + i * ldc)); \
                c##i##1 = _mm256_add_ps(c##i##1, _mm256_loadu_ps(c + i * ldc + 8));
        ROWS(ADDC)
    }
    if (ep && ep->kind == LK_EPI_BIAS_ACT) {
        __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
        if (ep->bias) bias0 = _mm256_loadu_ps(ep->bias), bias1 = _mm256_loadu_ps(ep->bias + 8);
        __m256 sl = _mm256_set1_ps(ep->slope);
#define EPI(i) c##i##0 = act_cheap(_mm256_add_ps(c##i##0, bias0), ep->act, sl); \
               c##i##1 = act_cheap(_mm256_add_ps(c##i##1, bias1), ep->act, sl);
        ROWS(EPI)
    }
#define STOREC(i) _mm256_storeu_ps(c + i * ldc, c##i##0); _mm256_storeu_ps(c + i * ldc + 8, c##i##1);
    ROWS(STOREC)
}

LK_UKR_ENTRIES(ukr_6x16, ukr_6x16_strided, tile_6x16)

/* The calling thread's CPU time: on a shared machine, time the scheduler hands to other jobs
 * must not count as time the FMA units were slow. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Twelve independent FMA chains (two FMA pipes x four cycles of latency need eight); the
 * volatile operands keep the compiler from folding the loop. */
static double fma_peak_avx2(double seconds)
{
    volatile float xs = 0.999f, ys = 1e-3f;
    __m256 x = _mm256_set1_ps(xs), y = _mm256_set1_ps(ys);
#define PEAK_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define PDECL(i) __m256 r##i = _mm256_set1_ps((float)i);
    PEAK_CHAINS(PDECL)
    const int64_t batch = 1 << 14;
    int64_t iters = 0;
    double t0 = now_s(), el;
    do {
        for (int64_t it = 0; it < batch; it++) {
#define PSTEP(i) r##i = _mm256_fmadd_ps(r##i, x, y);
            PEAK_CHAINS(PSTEP)
        }
        iters += batch;
        el = now_s() - t0;
    } while (el < seconds);
    __m256 s = _mm256_setzero_ps();
#define PSUM(i) s = _mm256_add_ps(s, r##i);
    PEAK_CHAINS(PSUM)
    float out[8];
    _mm256_storeu_ps(out, s);
    volatile float sink = out[0];
    (void)sink;
    return 2.0 * 8.0 * 12.0 * (double)iters / el * 1e-9;
}

void lk_avx2_fill_gemm(lk_table *t)
{
    t->gemm_ukr = ukr_6x16;
    t->gemm_ukr_strided = ukr_6x16_strided;
    t->gemm_adds_c = 1;
    t->mr = MR;
    t->nr = NR;
    /* B micro-panel kc x 16 (16 KiB at kc = 256) in L1d, A block 192 x 256 in L2, B in L3 */
    t->kc = 256;
    t->mc = 192;
    t->nc = 4096;
    t->fma_peak = fma_peak_avx2;
}
