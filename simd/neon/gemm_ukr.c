/* NEON GEMM micro-kernel, 8 x 12: 24 accumulators (8 rows x 3 quads), one A quad pair and three
 * B quads live, vfmaq_laneq_f32 broadcasting A from its lanes; epilogues in registers. Also the
 * FMA-peak probe. */
#include <arm_neon.h>
#include <time.h>
#include "../kernels.h"

enum { MR = 8, NR = 12 };

static inline float32x4_t act4(float32x4_t v, latent_act act, float32x4_t slope)
{
    uint32x4_t pos = vcgtq_f32(v, vdupq_n_f32(0.0f));
    switch (act) {
    case LATENT_ACT_RELU: return vbslq_f32(pos, v, vdupq_n_f32(0.0f));
    case LATENT_ACT_LEAKY_RELU: return vbslq_f32(pos, v, vmulq_f32(v, slope));
    default: return v; /* identity; the driver applies the others over the stored tile */
    }
}

static void gemm_ukr_neon_8x12(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                               int accumulate, const lk_epilogue *ep)
{
    float32x4_t acc[MR][3];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);

    for (int64_t p = 0; p < kc; p++) {
        float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
#define ROW(i, av, lane)                                                                     \
        acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, av, lane);                                \
        acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, av, lane);                                \
        acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, av, lane);
        ROW(0, a0, 0) ROW(1, a0, 1) ROW(2, a0, 2) ROW(3, a0, 3)
        ROW(4, a1, 0) ROW(5, a1, 1) ROW(6, a1, 2) ROW(7, a1, 3)
#undef ROW
        a += MR;
        b += NR;
    }

    if (accumulate)
        for (int i = 0; i < MR; i++)
            for (int v = 0; v < 3; v++)
                acc[i][v] = vaddq_f32(acc[i][v], vld1q_f32(c + i * ldc + 4 * v));

    if (ep && ep->kind == LK_EPI_BIAS_ACT) {
        const float32x4_t slope = vdupq_n_f32(ep->slope);
        float32x4_t bias[3] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
        if (ep->bias)
            for (int v = 0; v < 3; v++) bias[v] = vld1q_f32(ep->bias + 4 * v);
        for (int i = 0; i < MR; i++)
            for (int v = 0; v < 3; v++) {
                float32x4_t x = ep->bias ? vaddq_f32(acc[i][v], bias[v]) : acc[i][v];
                acc[i][v] = act4(x, ep->act, slope);
            }
    }
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < 3; v++) vst1q_f32(c + i * ldc + 4 * v, acc[i][v]);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 16 independent FMA chains cover the latency (4 cycles) of two or four FMA pipes; acc = y +
 * acc x with x < 1 keeps the values finite, and the compiler cannot fold FMA chains without
 * fast-math. Rate = 16 chains x 4 lanes x 2 flops per iteration. */
static double fma_peak_neon(double seconds)
{
    volatile float seed = 0.999f;
    const float32x4_t x = vdupq_n_f32(seed), y = vdupq_n_f32(seed * 1e-3f);
    float32x4_t acc[16];
    for (int i = 0; i < 16; i++) acc[i] = vdupq_n_f32((float)i);
    int64_t iters = 0;
    const int64_t chunk = 1 << 16;
    double t0 = now(), t1;
    do {
        for (int64_t r = 0; r < chunk; r++)
            for (int i = 0; i < 16; i++) acc[i] = vfmaq_f32(y, acc[i], x);
        iters += chunk;
        t1 = now();
    } while (t1 - t0 < seconds);
    float32x4_t s = acc[0];
    for (int i = 1; i < 16; i++) s = vaddq_f32(s, acc[i]);
    volatile float sink = vaddvq_f32(s);
    (void)sink;
    return (double)iters * 16.0 * 4.0 * 2.0 / (t1 - t0) * 1e-9;
}

void lk_neon_fill_gemm(lk_table *t)
{
    t->gemm_ukr = gemm_ukr_neon_8x12;
    t->gemm_adds_c = 1;
    t->mr = MR;
    t->nr = NR;
    /* kc: an 8 x kc A panel and a kc x 12 B panel (20 KiB at 256) stay in a 64 KiB L1d;
     * mc x kc of A (128 KiB) in L2; kc x nc of B (3 MiB) in L3. Refined from hwloc's sizes. */
    t->kc = 256;
    t->mc = 128;
    t->nc = 3072;
    t->fma_peak = fma_peak_neon;
}
