/* SVE GEMM micro-kernel, vector-length agnostic: 8 rows x NV vectors of columns (NR = NV x the
 * vector length in floats: 3 x 4 = 12 at 128 bits, 3 x 8 = 24 at 256, 3 x 16 = 48 at 512), 8 x NV
 * accumulators, A's 8 values broadcast from two replicated quads by the indexed FMLA. The length
 * is read once at run time (svcntw) and fixes NR for the whole process, so a run's sums keep one
 * order. Also the FMA-peak probe. */
#include <arm_sve.h>
#include <time.h>
#include "../kernels.h"

enum { MR = 8, NR_MAX = 64 };

static inline svfloat32_t act(svbool_t pg, svfloat32_t v, latent_act a, float slope)
{
    svbool_t pos = svcmpgt_n_f32(pg, v, 0.0f);
    switch (a) {
    case LATENT_ACT_RELU: return svsel_f32(pos, v, svdup_n_f32(0.0f));
    case LATENT_ACT_LEAKY_RELU: return svsel_f32(pos, v, svmul_n_f32_x(pg, v, slope));
    default: return v; /* identity; the driver applies the others over the stored tile */
    }
}

/* Row i's accumulators for vectors 0..2 (the unused ones fold away for NV < 3). */
#define ACC_DECL(i) svfloat32_t c##i##0 = z, c##i##1 = z, c##i##2 = z;
#define ACC_ROW(i, av, lane)                                                                  \
    c##i##0 = svmla_lane_f32(c##i##0, b0, av, lane);                                        \
    if (NV > 1) c##i##1 = svmla_lane_f32(c##i##1, b1, av, lane);                            \
    if (NV > 2) c##i##2 = svmla_lane_f32(c##i##2, b2, av, lane);
#define ACC_OUT(i)                                                                            \
    out_vec(pg, c##i##0, c + (i) * ldc, accumulate, ep, bias0);                             \
    if (NV > 1) out_vec(pg, c##i##1, c + (i) * ldc + vl, accumulate, ep, bias1);            \
    if (NV > 2) out_vec(pg, c##i##2, c + (i) * ldc + 2 * vl, accumulate, ep, bias2);

static inline void out_vec(svbool_t pg, svfloat32_t v, float *dst, int accumulate,
                           const lk_epilogue *ep, svfloat32_t bias)
{
    if (accumulate) v = svadd_f32_x(pg, v, svld1_f32(pg, dst));
    if (ep && ep->kind == LK_EPI_BIAS_ACT) {
        if (ep->bias) v = svadd_f32_x(pg, v, bias);
        v = act(pg, v, ep->act, ep->slope);
    }
    svst1_f32(pg, dst, v);
}

static inline __attribute__((always_inline)) void ukr(const int NV, int64_t kc, const float *a,
                                                      const float *b, float *c, int64_t ldc,
                                                      int accumulate, const lk_epilogue *ep)
{
    const int64_t vl = (int64_t)svcntw(), nr = NV * vl;
    const svbool_t pg = svptrue_b32();
    const svfloat32_t z = svdup_n_f32(0.0f);
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5) ACC_DECL(6) ACC_DECL(7)
    for (int64_t p = 0; p < kc; p++) {
        const svfloat32_t a0 = svld1rq_f32(pg, a), a1 = svld1rq_f32(pg, a + 4);
        const svfloat32_t b0 = svld1_f32(pg, b);
        const svfloat32_t b1 = NV > 1 ? svld1_f32(pg, b + vl) : z;
        const svfloat32_t b2 = NV > 2 ? svld1_f32(pg, b + 2 * vl) : z;
        ACC_ROW(0, a0, 0) ACC_ROW(1, a0, 1) ACC_ROW(2, a0, 2) ACC_ROW(3, a0, 3)
        ACC_ROW(4, a1, 0) ACC_ROW(5, a1, 1) ACC_ROW(6, a1, 2) ACC_ROW(7, a1, 3)
        a += MR;
        b += nr;
    }
    svfloat32_t bias0 = z, bias1 = z, bias2 = z;
    if (ep && ep->kind == LK_EPI_BIAS_ACT && ep->bias) {
        bias0 = svld1_f32(pg, ep->bias);
        if (NV > 1) bias1 = svld1_f32(pg, ep->bias + vl);
        if (NV > 2) bias2 = svld1_f32(pg, ep->bias + 2 * vl);
    }
    ACC_OUT(0) ACC_OUT(1) ACC_OUT(2) ACC_OUT(3) ACC_OUT(4) ACC_OUT(5) ACC_OUT(6) ACC_OUT(7)
}

static void ukr_sve_3(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                      int accumulate, const lk_epilogue *ep)
{
    ukr(3, kc, a, b, c, ldc, accumulate, ep);
}
static void ukr_sve_2(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                      int accumulate, const lk_epilogue *ep)
{
    ukr(2, kc, a, b, c, ldc, accumulate, ep);
}
static void ukr_sve_1(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                      int accumulate, const lk_epilogue *ep)
{
    ukr(1, kc, a, b, c, ldc, accumulate, ep);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 16 independent FMA chains (acc = y + acc x, x < 1: finite, and not foldable without
 * fast-math). Rate = 16 chains x lanes x 2 flops per iteration. */
#define CHAIN(i) svfloat32_t s##i = svdup_n_f32((float)(i));
#define STEP(i) s##i = svmla_f32_x(pg, y, s##i, x);
static double fma_peak_sve(double seconds)
{
    volatile float seed = 0.999f;
    const svbool_t pg = svptrue_b32();
    const svfloat32_t x = svdup_n_f32(seed), y = svdup_n_f32(seed * 1e-3f);
    CHAIN(0) CHAIN(1) CHAIN(2) CHAIN(3) CHAIN(4) CHAIN(5) CHAIN(6) CHAIN(7)
    CHAIN(8) CHAIN(9) CHAIN(10) CHAIN(11) CHAIN(12) CHAIN(13) CHAIN(14) CHAIN(15)
    int64_t iters = 0;
    const int64_t chunk = 1 << 16;
    double t0 = now(), t1;
    do {
        for (int64_t r = 0; r < chunk; r++) {
            STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
            STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)
        }
        iters += chunk;
        t1 = now();
    } while (t1 - t0 < seconds);
    svfloat32_t s = svadd_f32_x(pg, svadd_f32_x(pg, svadd_f32_x(pg, s0, s1), svadd_f32_x(pg, s2, s3)),
                                svadd_f32_x(pg, svadd_f32_x(pg, s4, s5), svadd_f32_x(pg, s6, s7)));
    s = svadd_f32_x(pg, s, svadd_f32_x(pg, svadd_f32_x(pg, svadd_f32_x(pg, s8, s9), svadd_f32_x(pg, s10, s11)),
                                       svadd_f32_x(pg, svadd_f32_x(pg, s12, s13), svadd_f32_x(pg, s14, s15))));
    volatile float sink = svaddv_f32(pg, s);
    (void)sink;
    return (double)iters * 16.0 * (double)svcntw() * 2.0 / (t1 - t0) * 1e-9;
}

int lk_sve_fill_gemm(lk_table *t)
{
    const int vl = (int)svcntw();
    /* three vectors of columns where the tile fits the driver's (64 columns), else fewer */
    const int nv = 3 * vl <= NR_MAX ? 3 : 2 * vl <= NR_MAX ? 2 : vl <= NR_MAX ? 1 : 0;
    if (nv == 0) return 0;   /* beyond 2048-bit vectors: the NEON kernel stays */
    t->gemm_ukr = nv == 3 ? ukr_sve_3 : nv == 2 ? ukr_sve_2 : ukr_sve_1;
    t->gemm_ukr_edge = NULL; /* the driver pads edge tiles through its scratch tile */
    t->gemm_ukr_strided = NULL;
    t->gemm_adds_c = 1;
    t->mr = MR;
    t->nr = nv * vl;
    /* the NEON kernel's blocking scaled by the tile's width; refined from the caches */
    t->kc = 256;
    t->mc = 128;
    t->nc = 256 * t->nr;
    t->fma_peak = fma_peak_sve;
    return 1;
}
