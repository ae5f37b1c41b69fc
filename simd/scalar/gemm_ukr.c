/* Scalar GEMM micro-kernel (4 x 8 tile, plain C) with its fused epilogues, and the scalar
 * FMA-peak probe. */
#include <math.h>
#include <time.h>
#include "../kernels.h"

#define MR 4
#define NR 8

static void ukr_4x8(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                    int accumulate, const lk_epilogue *ep)
{
    float acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = accumulate ? c[i * ldc + j] : 0.0f;
    for (int64_t p = 0; p < kc; p++, a += MR, b += NR)
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
    if (ep && ep->kind == LK_EPI_BIAS_ACT) {
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) {
                float v = acc[i][j] + (ep->bias ? ep->bias[j] : 0.0f);
                if (ep->act == LATENT_ACT_RELU) v = v > 0.0f ? v : 0.0f;
                else if (ep->act == LATENT_ACT_LEAKY_RELU) v = v > 0.0f ? v : ep->slope * v;
                acc[i][j] = v;
            }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) c[i * ldc + j] = acc[i][j];
}

/* The calling thread's CPU time: on a shared machine, time the scheduler hands to other jobs
 * must not count as time the FMA units were slow. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 64 independent multiply-add chains, a multiply and an add each (the scalar level is built for
 * the x86-64 / aarch64 baseline, where fmaf may be a library call): written as plain C over an
 * array, so the compiler vectorizes them just as it vectorizes the 4 x 8 tile above, and the
 * figure is the rate this level's code can reach. The volatile seed keeps the compiler from
 * evaluating the loop ahead of time. */
#define PEAK_LANES 64
static double fma_peak_scalar(double seconds)
{
    volatile float seed = 0.999f;
    float x = seed, y = 1e-3f * seed, r[PEAK_LANES];
    for (int j = 0; j < PEAK_LANES; j++) r[j] = (float)j;
    const int64_t batch = 1 << 14;
    int64_t iters = 0;
    double t0 = now_s(), el;
    do {
        for (int64_t i = 0; i < batch; i++)
            for (int j = 0; j < PEAK_LANES; j++) r[j] = r[j] * x + y;
        iters += batch;
        el = now_s() - t0;
    } while (el < seconds);
    float sum = 0.0f;
    for (int j = 0; j < PEAK_LANES; j++) sum += r[j];
    volatile float sink = sum;
    (void)sink;
    return 2.0 * PEAK_LANES * (double)iters / el * 1e-9;
}

void lk_scalar_fill_gemm(lk_table *t)
{
    t->gemm_ukr = ukr_4x8;
    t->mr = MR;
    t->nr = NR;
    /* B panel kc x 8 = 8 KiB in L1; A block 128 x 256 in L2; B block in L3 */
    t->kc = 256;
    t->mc = 128;
    t->nc = 2048;
    t->fma_peak = fma_peak_scalar;
}
