/* The GEMM benchmark behind `latent bench gemm`: every level's lk_sgemm at the training shapes
 * and 2048^3, the fused k-means assignment, and the FMA peak, timed side by side. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "latent/bench.h"
#include "latent/memory.h"
#include "simd/conformance.h"
#include "simd/gemm.h"
#include "simd/team.h"
#include "bench_timing.h"

static const int64_t shapes[LATENT_BENCH_GEMM_SHAPES][3] = {
    {256, 784, 128}, {256, 128, 784}, {128, 784, 256}, {784, 128, 256}, {256, 128, 32},
    {2048, 2048, 2048}};
static const char *const layout_names[LATENT_BENCH_GEMM_LAYOUTS] = {"NT", "NN", "TN"};

typedef struct gemm_point {
    int ta, tb;
    int64_t m, k, n;
    const float *a, *b;
    float *c;
} gemm_point;

static void run_gemm(const lk_table *t, const void *ctx)
{
    const gemm_point *p = ctx;
    lk_sgemm(t, p->ta, p->tb, p->m, p->n, p->k, 1.0f, p->a, p->ta ? p->m : p->k, p->b,
             p->tb ? p->k : p->n, 0.0f, p->c, p->n, NULL, LATENT_ACT_IDENTITY, 0.0f);
}

typedef struct kmeans_point {
    int64_t n, d, k;
    const float *x, *centers, *cnorm;
    int32_t *labels;
} kmeans_point;

static void run_kmeans(const lk_table *t, const void *ctx)
{
    const kmeans_point *p = ctx;
    lk_kmeans_assign(t, p->n, p->d, p->x, p->d, p->centers, p->k, p->cnorm, p->labels, NULL);
}

static double peak_on(const lk_table *t, int threads, double seconds)
{
    double sum = 0.0;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
    {
        LK_REGION_ENTERED();
        sum += t->fma_peak(seconds);
    }
    return sum;
}

latent_status latent_bench_gemm(const latent_bench_gemm_options *opt,
                                latent_bench_gemm_result *out)
{
    latent_bench_gemm_options o = opt ? *opt : (latent_bench_gemm_options){0};
    if (o.repetitions < 0 || o.repetitions > 64)
        return latent_fail(LATENT_EINVAL, "bench gemm: repetitions: %d is not in 1..64 (0: 7)",
                           o.repetitions);
    if (o.max_threads < 0 || o.max_threads > 1024)
        return latent_fail(LATENT_EINVAL, "bench gemm: max_threads: %d is not in 1..1024 (0: 2)",
                           o.max_threads);
    if (!(o.peak_seconds >= 0.0 && o.peak_seconds <= 10.0))
        return latent_fail(LATENT_EINVAL, "bench gemm: peak_seconds: %g is not in 0..10",
                           o.peak_seconds);
    int reps = o.repetitions ? o.repetitions : 7;
    int big_reps = o.repetitions ? o.repetitions : 3;
    int max_threads = o.max_threads ? o.max_threads : 2;
    double peak_s = o.peak_seconds > 0.0 ? o.peak_seconds : 0.2;

    memset(out, 0, sizeof *out);
    memcpy(out->shapes, shapes, sizeof shapes);
    for (int l = 0; l < LATENT_BENCH_GEMM_LAYOUTS; l++) out->layouts[l] = layout_names[l];
    out->kmeans_n = 60000, out->kmeans_d = 784, out->kmeans_k = 256;

    const lk_table *lv[LATENT_ISA_COUNT];
    int nlv = 0;
    for (int l = 0; l < LATENT_ISA_COUNT; l++)
        if (lk_table_for((latent_isa)l)) lv[nlv++] = lk_table_for((latent_isa)l);

    /* buffers for the largest point; operands filled once */
    int64_t nsh = o.quick ? LATENT_BENCH_GEMM_SHAPES - 1 : LATENT_BENCH_GEMM_SHAPES;
    size_t amax = 0, bmax = 0, cmax = 0;
    for (int s = 0; s < nsh; s++) {
        size_t ma = (size_t)(shapes[s][0] * shapes[s][1]), mb = (size_t)(shapes[s][1] * shapes[s][2]),
               mcn = (size_t)(shapes[s][0] * shapes[s][2]);
        if (ma > amax) amax = ma;
        if (mb > bmax) bmax = mb;
        if (mcn > cmax) cmax = mcn;
    }
    kmeans_point km = {out->kmeans_n, out->kmeans_d, out->kmeans_k, NULL, NULL, NULL, NULL};
    float *a = latent_alloc(amax, sizeof(float), "bench gemm: A");
    float *b = latent_alloc(bmax, sizeof(float), "bench gemm: B");
    float *c = latent_alloc(cmax, sizeof(float), "bench gemm: C");
    float *kx = NULL, *kc = NULL, *kn = NULL;
    int32_t *kl = NULL;
    latent_status st = LATENT_OK;
    if (!o.quick) {
        kx = latent_alloc((size_t)(km.n * km.d), sizeof(float), "bench gemm: k-means rows");
        kc = latent_alloc((size_t)(km.k * km.d), sizeof(float), "bench gemm: k-means centers");
        kn = latent_alloc((size_t)km.k, sizeof(float), "bench gemm: k-means center norms");
        kl = latent_alloc((size_t)km.n, sizeof(int32_t), "bench gemm: k-means labels");
    }
    if (!a || !b || !c || (!o.quick && (!kx || !kc || !kn || !kl))) {
        st = LATENT_ENOMEM; /* latent_alloc named the buffer */
        goto done;
    }
    lk_fill_uniform(a, (int64_t)amax, 1, -1.0f, 1.0f);
    lk_fill_uniform(b, (int64_t)bmax, 2, -1.0f, 1.0f);
    if (!o.quick) {
        lk_fill_uniform(kx, km.n * km.d, 3, 0.0f, 1.0f);
        lk_fill_uniform(kc, km.k * km.d, 4, 0.0f, 1.0f);
        lk_table_for(LATENT_ISA_SCALAR)->sqnorm_rows(km.k, km.d, kc, km.d, kn);
        km.x = kx, km.centers = kc, km.cnorm = kn, km.labels = kl;
    }

    int saved_threads = omp_get_max_threads();
    int tcounts[2] = {1, max_threads}, ntc = max_threads > 1 ? 2 : 1;
    for (int ti = 0; ti < ntc; ti++) {
        int nt = tcounts[ti];
        omp_set_num_threads(nt);
        bench_clock ck = bench_clock_for(o.cpu_time, nt);
        latent_bench_gemm_row *rows = out->rows + out->nrows;
        for (int l = 0; l < nlv; l++) {
            rows[l].isa = lv[l]->isa;
            rows[l].threads = nt;
            rows[l].fma_peak = peak_on(lv[l], nt, peak_s);
        }
        double rates[LATENT_ISA_COUNT];
        for (int s = 0; s < nsh; s++) {
            int big = shapes[s][0] * shapes[s][1] * shapes[s][2] > 1000000000;
            for (int ly = 0; ly < (big ? 1 : LATENT_BENCH_GEMM_LAYOUTS); ly++) {
                int lay = big ? 1 : ly; /* 2048^3: NN only */
                gemm_point g = {lay == 2, lay == 0, shapes[s][0], shapes[s][1], shapes[s][2],
                                a, b, c};
                bench_measure(&ck, lv, nlv, run_gemm, &g, 2e-9 * (double)(g.m * g.k * g.n),
                              big ? big_reps : reps, 0.02, rates);
                for (int l = 0; l < nlv; l++) rows[l].gflops[s][lay] = rates[l];
            }
        }
        if (!o.quick) {
            bench_measure(&ck, lv, nlv, run_kmeans, &km, 2e-9 * (double)(km.n * km.k * km.d),
                          big_reps, 0.02, rates);
            for (int l = 0; l < nlv; l++) rows[l].kmeans_gflops = rates[l];
        }
        out->nrows += nlv;
    }
    omp_set_num_threads(saved_threads);
done:
    latent_free(a), latent_free(b), latent_free(c);
    latent_free(kx), latent_free(kc), latent_free(kn), latent_free(kl);
    return st;
}
