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
    if (ep && ep->kind == LK_EPI_ARGMIN) {
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) {
                /* 2 c is exact, so this is the one rounding of cnorm - 2 c, as in the FMA levels */
                float v = ep->cnorm[j] - 2.0f * acc[i][j];
                if (v < ep->best[i]) {
                    ep->best[i] = v;
                    ep->best_idx[i] = (int32_t)(ep->col0 + j);
                }
            }
        return;
    }
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

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Eight independent multiply-add chains (a multiply and an add: the scalar level is built for
 * the x86-64 / aarch64 baseline, where fmaf may be a library call); the volatile seed keeps the
 * compiler from evaluating the loop ahead of time. */
static double fma_peak_scalar(double seconds)
{
    volatile float seed = 0.999f;
    float x = seed, y = 1e-3f * seed;
    float r0 = 0, r1 = 1, r2 = 2, r3 = 3, r4 = 4, r5 = 5, r6 = 6, r7 = 7;
    const int64_t batch = 1 << 16;
    int64_t iters = 0;
    double t0 = now_s(), el;
    do {
        for (int64_t i = 0; i < batch; i++) {
            r0 = r0 * x + y; r1 = r1 * x + y; r2 = r2 * x + y; r3 = r3 * x + y;
            r4 = r4 * x + y; r5 = r5 * x + y; r6 = r6 * x + y; r7 = r7 * x + y;
        }
        iters += batch;
        el = now_s() - t0;
    } while (el < seconds);
    volatile float sink = r0 + r1 + r2 + r3 + r4 + r5 + r6 + r7;
    (void)sink;
    return 2.0 * 8.0 * (double)iters / el * 1e-9;
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
