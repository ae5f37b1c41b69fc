/* The elementwise-kernel benchmark behind `latent bench kernels`: every level's activation, loss,
 * reduction, optimizer and k-means kernels in GB/s at a cache- and a memory-resident size, beside
 * a streaming triad measured the same way, and the fused k-means assignment against the FMA peak. */
#include <omp.h>
#include <string.h>
#include "latent/bench.h"
#include "latent/memory.h"
#include "simd/conformance.h"
#include "simd/gemm.h"
#include "bench_timing.h"

enum { K_ACT_FWD, K_ACT_BWD, K_VEXP, K_VLOG, K_MSE, K_BCE, K_KL, K_SUM, K_COL_SUM, K_AXPY, K_ADAM,
       K_SGD, K_SQNORM, K_KACC, K_PHILOX, K_NORMALS, K_EXPF_N };

static const char *const act_names[2][LATENT_ACT_COUNT] = {
    {"identity_fwd", "relu_fwd", "leaky_relu_fwd", "sigmoid_fwd", "tanh_fwd", "softplus_fwd"},
    {"identity_bwd", "relu_bwd", "leaky_relu_bwd", "sigmoid_bwd", "tanh_bwd", "softplus_bwd"}};
static const char *const other_names[] = {"vexp", "vlog", "mse", "bce_logits", "gauss_kl", "sum",
                                          "col_sum", "axpy", "adam", "sgd", "sqnorm_rows",
                                          "kmeans_accumulate", "philox_x16", "normal_pairs",
                                          "expf_n"};

/* Matrix kernels (col_sum, sqnorm_rows, kmeans_accumulate) see the n floats as n / WIDTH rows of
 * a layer this wide; kmeans_accumulate sums into CLUSTERS clusters. */
#define WIDTH 256
#define CLUSTERS 16

typedef struct kernel_point {
    int kind;
    latent_act act;
    int64_t n;
    const float *x, *pos, *t; /* inputs: uniform in [-1, 1], [0.5, 2], [0, 1] */
    float *o1, *o2, *o3;      /* outputs and optimizer state (start at zero) */
    const int32_t *labels;    /* n / WIDTH cluster labels */
    double *sums, *wsum;      /* CLUSTERS x WIDTH and CLUSTERS */
} kernel_point;

/* Bytes a kernel must read and write per float of n: its operands once each (act_bwd needs dy
 * and one of x, y; identity only dy), the small per-row or per-column outputs added apart. The
 * random kernels: philox_x16 writes n words, normal_pairs turns n words into n / 2 normals;
 * expf_n reads n floats and writes n. */
static double kernel_bytes(const kernel_point *p)
{
    static const double per_float[] = {8, 12, 8, 8, 12, 12, 24, 4, 4, 12, 28, 20, 4, 4, 4, 6, 8};
    double b = per_float[p->kind] * (double)p->n;
    if (p->kind == K_ACT_BWD && p->act == LATENT_ACT_IDENTITY) b = 8.0 * (double)p->n;
    int64_t rows = p->n / WIDTH;
    if (p->kind == K_COL_SUM) b += 4.0 * WIDTH;
    if (p->kind == K_SQNORM) b += 4.0 * (double)rows;
    if (p->kind == K_KACC) b += 4.0 * (double)rows + 2.0 * 8.0 * (CLUSTERS * WIDTH + CLUSTERS);
    return b;
}

static void run_kernel(const lk_table *t, const void *ctx)
{
    const kernel_point *p = ctx;
    static const lk_adam_params adam = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 0.1f, 0.001f, 0};
    static const lk_sgd_params sgd = {1e-3f, 0.9f, 0.0f};
    int64_t n = p->n, rows = n / WIDTH;
    volatile double sink;
    switch (p->kind) {
    case K_ACT_FWD: t->act_fwd[p->act](n, p->x, p->o1, 0.01f); break;
    case K_ACT_BWD: t->act_bwd[p->act](n, p->x, p->o1, p->t, p->o2, 0.01f); break;
    case K_VEXP: t->vexp(n, p->x, p->o1); break;
    case K_VLOG: t->vlog(n, p->pos, p->o1); break;
    case K_MSE: sink = t->mse(n, p->x, p->t, p->o1, 1.0f); break;
    case K_BCE: sink = t->bce_logits(n, p->x, p->t, p->o1, 1.0f); break;
    case K_KL: sink = t->gauss_kl(n, p->x, p->t, p->o1, p->o2, 1.0f); break;
    case K_SUM: sink = t->sum(n, p->x); break;
    case K_COL_SUM: t->col_sum(rows, WIDTH, p->x, WIDTH, p->o1); break;
    case K_AXPY: t->axpy(n, 1e-6f, p->x, p->o1); break;
    case K_ADAM: t->adam(n, p->o1, p->x, p->o2, p->o3, &adam); break;
    case K_SGD: t->sgd(n, p->o1, p->x, p->o2, &sgd); break;
    case K_SQNORM: t->sqnorm_rows(rows, WIDTH, p->x, WIDTH, p->o1); break;
    case K_KACC:
        t->kmeans_accumulate(rows, WIDTH, p->x, WIDTH, p->labels, NULL, p->sums, p->wsum);
        break;
    case K_PHILOX: {
        const uint32_t ctr[4] = {0, 1, 2, 3}, key[2] = {5, 6};
        for (int64_t i = 0; i + 64 <= n; i += 64) t->philox_x16(ctr, key, (uint32_t *)p->o1 + i);
        break;
    }
    case K_NORMALS: /* x's bits as the words; blocks of 64 pairs, as latent_rng_normals draws them */
        for (int64_t i = 0; i + 256 <= n; i += 256)
            t->normal_pairs(64, (const uint32_t *)p->x + i, p->o1 + i / 4, p->o2 + i / 4);
        break;
    case K_EXPF_N: t->expf_n(n, p->x, p->o1); break;
    }
    (void)sink;
}

/* The reference: a = b + s c over n floats, a plain loop (12 bytes per float). */
typedef struct stream_point {
    int64_t n;
    const float *b, *c;
    float *a;
} stream_point;

static void run_triad(const lk_table *t, const void *ctx)
{
    const stream_point *p = ctx;
    (void)t;
    for (int64_t i = 0; i < p->n; i++) p->a[i] = p->b[i] + 0.5f * p->c[i];
}

static void run_copy(const lk_table *t, const void *ctx)
{
    const stream_point *p = ctx;
    (void)t;
    memcpy(p->a, p->b, (size_t)p->n * sizeof(float));
}

typedef struct assign_point {
    int64_t n, d, k;
    const float *x, *centers, *cnorm;
    int32_t *labels;
} assign_point;

static void run_assign(const lk_table *t, const void *ctx)
{
    const assign_point *p = ctx;
    lk_kmeans_assign(t, p->n, p->d, p->x, p->d, p->centers, p->k, p->cnorm, p->labels, NULL);
}

latent_status latent_bench_kernels(const latent_bench_kernels_options *opt,
                                   latent_bench_kernels_result *out)
{
    latent_bench_kernels_options o = opt ? *opt : (latent_bench_kernels_options){0};
    if (o.repetitions < 0 || o.repetitions > 64)
        return latent_fail(LATENT_EINVAL, "bench kernels: repetitions: %d is not in 1..64 (0: 7)",
                           o.repetitions);
    if (!(o.peak_seconds >= 0.0 && o.peak_seconds <= 10.0))
        return latent_fail(LATENT_EINVAL, "bench kernels: peak_seconds: %g is not in 0..10",
                           o.peak_seconds);
    int reps = o.repetitions ? o.repetitions : o.quick ? 3 : 7;
    int big_reps = o.repetitions ? o.repetitions : 3;
    double fill = o.quick ? 0.005 : 0.02;
    double peak_s = o.peak_seconds > 0.0 ? o.peak_seconds : 0.2;

    memset(out, 0, sizeof *out);
    out->small_n = 16384;
    out->large_n = o.quick ? 4 << 20 : 16 << 20;
    out->kmeans_n = o.quick ? 2048 : 16384, out->kmeans_d = 784, out->kmeans_k = 256;
    int64_t big = out->large_n, rows = big / WIDTH;

    const lk_table *lv[LATENT_ISA_COUNT];
    int nlv = 0;
    for (int l = 0; l < LATENT_ISA_COUNT; l++)
        if (lk_table_for((latent_isa)l)) lv[nlv++] = lk_table_for((latent_isa)l);

    latent_status st = LATENT_OK;
    float *x = latent_alloc((size_t)big, sizeof(float), "bench kernels: x");
    float *pos = latent_alloc((size_t)big, sizeof(float), "bench kernels: positive x");
    float *tg = latent_alloc((size_t)big, sizeof(float), "bench kernels: targets");
    float *o1 = latent_calloc((size_t)big, sizeof(float), "bench kernels: output 1");
    float *o2 = latent_calloc((size_t)big, sizeof(float), "bench kernels: output 2");
    float *o3 = latent_calloc((size_t)big, sizeof(float), "bench kernels: output 3");
    int32_t *labels = latent_alloc((size_t)rows, sizeof(int32_t), "bench kernels: labels");
    double *sums = latent_calloc(CLUSTERS * WIDTH + CLUSTERS, sizeof(double), "bench kernels: sums");
    assign_point ap = {out->kmeans_n, out->kmeans_d, out->kmeans_k, x, NULL, NULL, NULL};
    float *centers = latent_alloc((size_t)(ap.k * ap.d), sizeof(float), "bench kernels: centers");
    float *cnorm = latent_alloc((size_t)ap.k, sizeof(float), "bench kernels: center norms");
    int32_t *alabels = latent_alloc((size_t)ap.n, sizeof(int32_t), "bench kernels: assignments");
    if (!x || !pos || !tg || !o1 || !o2 || !o3 || !labels || !sums || !centers || !cnorm ||
        !alabels) {
        st = LATENT_ENOMEM; /* latent_alloc named the buffer */
        goto done;
    }
    lk_fill_uniform(x, big, 1, -1.0f, 1.0f);
    lk_fill_uniform(pos, big, 2, 0.5f, 2.0f);
    lk_fill_uniform(tg, big, 3, 0.0f, 1.0f);
    for (int64_t i = 0; i < rows; i++) labels[i] = (int32_t)((i * 7) % CLUSTERS);
    lk_fill_uniform(centers, ap.k * ap.d, 4, -1.0f, 1.0f);
    lk_table_for(LATENT_ISA_SCALAR)->sqnorm_rows(ap.k, ap.d, centers, ap.d, cnorm);
    ap.centers = centers, ap.cnorm = cnorm, ap.labels = alabels;

    int saved_threads = omp_get_max_threads();
    omp_set_num_threads(1); /* kernels run on the calling thread; lk_kmeans_assign follows suit */
    bench_clock ck = bench_clock_for(o.cpu_time, 1);
    const lk_table *none[1] = {NULL};
    double rate;
    stream_point sp = {big, x, tg, o3};
    bench_measure(&ck, none, 1, run_copy, &sp, 8e-9 * (double)big, reps, fill, &rate);
    out->copy_gbps = rate;
    bench_measure(&ck, none, 1, run_triad, &sp, 12e-9 * (double)big, reps, fill, &rate);
    out->triad_gbps = rate;

    const int per_level = 2 * LATENT_BENCH_KERNELS + 1;
    double rates[LATENT_ISA_COUNT];
    for (int k = 0; k < LATENT_BENCH_KERNELS; k++) {
        kernel_point p = {0};
        p.kind = k < 2 * LATENT_ACT_COUNT ? k / LATENT_ACT_COUNT : K_VEXP + k - 2 * LATENT_ACT_COUNT;
        p.act = (latent_act)(k < 2 * LATENT_ACT_COUNT ? k % LATENT_ACT_COUNT : 0);
        p.x = x, p.pos = pos, p.t = tg, p.o1 = o1, p.o2 = o2, p.o3 = o3;
        p.labels = labels, p.sums = sums, p.wsum = sums + CLUSTERS * WIDTH;
        const char *name = k < 2 * LATENT_ACT_COUNT ? act_names[p.kind][p.act]
                                                    : other_names[k - 2 * LATENT_ACT_COUNT];
        for (int size = 0; size < 2; size++) {
            p.n = size ? big : out->small_n;
            double bytes = kernel_bytes(&p);
            bench_measure(&ck, lv, nlv, run_kernel, &p, 1e-9 * bytes, reps, fill, rates);
            for (int l = 0; l < nlv; l++) {
                latent_bench_kernels_row *r = &out->rows[l * per_level + 2 * k + size];
                r->isa = lv[l]->isa, r->kernel = name, r->n = p.n, r->memory_resident = size;
                r->bytes = bytes, r->gbps = rates[l];
                r->mem_fraction = size ? rates[l] / out->triad_gbps : 0.0;
            }
        }
    }
    bench_measure(&ck, lv, nlv, run_assign, &ap,
                  2e-9 * (double)ap.n * (double)ap.k * (double)ap.d, big_reps, fill, rates);
    for (int l = 0; l < nlv; l++) {
        latent_bench_kernels_row *r = &out->rows[l * per_level + per_level - 1];
        r->isa = lv[l]->isa, r->kernel = "kmeans_assign", r->n = ap.n;
        r->gflops = rates[l];
        r->fma_peak = lv[l]->fma_peak(peak_s);
    }
    out->nrows = nlv * per_level;
    omp_set_num_threads(saved_threads);
done:
    latent_free(x), latent_free(pos), latent_free(tg);
    latent_free(o1), latent_free(o2), latent_free(o3);
    latent_free(labels), latent_free(sums);
    latent_free(centers), latent_free(cnorm), latent_free(alabels);
    return st;
}
