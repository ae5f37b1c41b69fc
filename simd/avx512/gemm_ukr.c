/* AVX-512 GEMM micro-kernel (12 x 32 tile: 24 accumulators, broadcast-FMAs from packed A) with
 * its fused epilogues, and the AVX-512 FMA-peak probe. */
#include <immintrin.h>
#include <time.h>
#include "../kernels.h"
#include "../ukr_entries.h"

#define MR 12
#define NR 32

static inline __m512 act_cheap(__m512 v, latent_act act, __m512 slope)
{
    if (act == LATENT_ACT_RELU) return _mm512_max_ps(v, _mm512_setzero_ps());
    if (act == LATENT_ACT_LEAKY_RELU) {
        __mmask16 pos = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ);
        return _mm512_mask_blend_ps(pos, _mm512_mul_ps(v, slope), v);
    }
    return v;
}

#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

/* The tile, with A's element (i, p) at a[i * ars + p * aps] and B's (p, j) at b[p * bps + j]:
 * packed panels (ars 1, aps MR; bps NR) or the matrices where they lie, each instance compiled
 * for its strides. */
static inline __attribute__((always_inline)) void tile_12x32(
    int64_t kc, const float *a, int64_t ars, int64_t aps, const float *b, int64_t bps, float *c,
    int64_t ldc, int accumulate, const lk_epilogue *ep)
{
#define DECL(i) __m512 c##i##0, c##i##1;
    ROWS(DECL)
    /* Accumulate from zero and add C at the end, so the C tile (which may come from far away
     * when C is large) arrives through the prefetches while the FMAs run. */
#define ZEROC(i) c##i##0 = _mm512_setzero_ps(); c##i##1 = _mm512_setzero_ps();
    ROWS(ZEROC)
#define PREF(i) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0); \
                _mm_prefetch((const char *)(c + i * ldc + 31), _MM_HINT_T0);
    ROWS(PREF)
    for (int64_t p = 0; p < kc; p++, a += aps, b += bps) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#define STEP(i) { __m512 ai = _mm512_set1_ps(a[i * ars]); \
        c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0); c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1); }
        ROWS(STEP)
    }
    if (accumulate) {
#define ADDC(i) c##i##0 = _mm512_add_ps(c##i##0, _mm512_loadu_ps(c + i * ldc)); \
                c##i##1 = _mm512_add_ps(c##i##1, _mm512_loadu_ps(c + i * ldc + 16));
        ROWS(ADDC)
    }
    if (ep && ep->kind == LK_EPI_BIAS_ACT) {
        __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
        if (ep->bias) bias0 = _mm512_loadu_ps(ep->bias), bias1 = _mm512_loadu_ps(ep->bias + 16);
        __m512 sl = _mm512_set1_ps(ep->slope);
#define EPI(i) c##i##0 = act_cheap(_mm512_add_ps(c##i##0, bias0), ep->act, sl); \
               c##i##1 = act_cheap(_mm512_add_ps(c##i##1, bias1), ep->act, sl);
        ROWS(EPI)
    }
#define STOREC(i) _mm512_storeu_ps(c + i * ldc, c##i##0); _mm512_storeu_ps(c + i * ldc + 16, c##i##1);
    ROWS(STOREC)
}

LK_UKR_ENTRIES(ukr_12x32, ukr_12x32_strided, tile_12x32)

/* An edge tile: R rows (known at compile time) and the columns of masks m[0], m[1], from packed
 * A and B (bps NR) or a row-major op(B) (bps = ldb), written straight into C with masked loads
 * and stores: no scratch tile and no FMAs on rows past the edge. Per element the same FMA chain,
 * C added after and epilogue as the full tile. */
static inline __attribute__((always_inline)) void edge_tile(const int R, const int NV, int64_t kc,
    const float *a, const float *b, int64_t bps, float *c, int64_t ldc, int accumulate,
    const lk_epilogue *ep, const __mmask16 m[2])
{
    __m512 acc[MR][2];
    for (int i = 0; i < R; i++)
        for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
    for (int64_t p = 0; p < kc; p++, a += MR, b += bps) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = NV > 1 ? _mm512_loadu_ps(b + 16) : b0;
        for (int i = 0; i < R; i++) {
            __m512 ai = _mm512_set1_ps(a[i]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            if (NV > 1) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    if (accumulate)
        for (int i = 0; i < R; i++)
            for (int v = 0; v < NV; v++)
                acc[i][v] = _mm512_add_ps(acc[i][v], _mm512_maskz_loadu_ps(m[v], c + i * ldc + 16 * v));
    if (ep && ep->kind == LK_EPI_BIAS_ACT) {
        __m512 sl = _mm512_set1_ps(ep->slope);
        for (int v = 0; v < NV; v++) {
            __m512 bias = ep->bias ? _mm512_maskz_loadu_ps(m[v], ep->bias + 16 * v) : _mm512_setzero_ps();
            for (int i = 0; i < R; i++)
                acc[i][v] = act_cheap(_mm512_add_ps(acc[i][v], bias), ep->act, sl);
        }
    }
    for (int i = 0; i < R; i++)
        for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(c + i * ldc + 16 * v, m[v], acc[i][v]);
}

static void ukr_edge(int rows, int cols, int64_t kc, const float *a, const float *b,
                     int64_t bps, float *c, int64_t ldc, int accumulate, const lk_epilogue *ep)
{
    const __mmask16 m[2] = {(__mmask16)(cols >= 16 ? 0xffffu : (1u << cols) - 1u),
                            (__mmask16)(cols >= 32 ? 0xffffu : cols > 16 ? (1u << (cols - 16)) - 1u : 0u)};
#define EDGE_CASE(r) case r: {                                                                 \
        if (cols > 16) edge_tile(r, 2, kc, a, b, bps, c, ldc, accumulate, ep, m);                  \
        else edge_tile(r, 1, kc, a, b, bps, c, ldc, accumulate, ep, m);                            \
        break;                                                                                \
    }
    switch (rows) {
    EDGE_CASE(1) EDGE_CASE(2) EDGE_CASE(3) EDGE_CASE(4) EDGE_CASE(5) EDGE_CASE(6)
    EDGE_CASE(7) EDGE_CASE(8) EDGE_CASE(9) EDGE_CASE(10) EDGE_CASE(11) EDGE_CASE(12)
    default: break;
    }
}

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
static double fma_peak_avx512(double seconds)
{
    volatile float xs = 0.999f, ys = 1e-3f;
    __m512 x = _mm512_set1_ps(xs), y = _mm512_set1_ps(ys);
#define PEAK_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define PDECL(i) __m512 r##i = _mm512_set1_ps((float)i);
    PEAK_CHAINS(PDECL)
    const int64_t batch = 1 << 14;
    int64_t iters = 0;
    double t0 = now_s(), el;
    do {
        for (int64_t it = 0; it < batch; it++) {
#define PSTEP(i) r##i = _mm512_fmadd_ps(r##i, x, y);
            PEAK_CHAINS(PSTEP)
        }
        iters += batch;
        el = now_s() - t0;
    } while (el < seconds);
    __m512 s = _mm512_setzero_ps();
#define PSUM(i) s = _mm512_add_ps(s, r##i);
    PEAK_CHAINS(PSUM)
    volatile float sink = _mm512_reduce_add_ps(s);
    (void)sink;
    return 2.0 * 16.0 * 12.0 * (double)iters / el * 1e-9;
}

void lk_avx512_fill_gemm(lk_table *t)
{
    t->gemm_ukr = ukr_12x32;
    t->gemm_ukr_strided = ukr_12x32_strided;
    t->gemm_ukr_edge = ukr_edge;
    t->gemm_adds_c = 1;
    t->mr = MR;
    t->nr = NR;
    /* What latent_blocking_for_caches gives a 1 MiB L2: both micro-panels (64 KiB of B at
     * kc = 512, 24 KiB of A) stream from L2, the A block (120 x 512 = 240 KiB) stays there and
     * the B block lives in L3; deep k blocks revisit C least (17% faster at 2048^3 than
     * kc = 192, level at the training shapes). */
    t->kc = 512;
    t->mc = 120;
    t->nc = 8192;
    t->fma_peak = fma_peak_avx512;
}
