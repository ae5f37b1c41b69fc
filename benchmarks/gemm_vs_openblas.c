/* latent's lk_sgemm per level beside OpenBLAS's cblas_sgemm, timed alternately (medians), on 1
 * and 2 threads, at the training shapes and 2048^3; the only program that links a BLAS.
 * Usage: gemm_vs_openblas [repetitions [max threads [wall|cpu]]]   (OPENBLAS_CORETYPE picks
 * OpenBLAS's kernels). `cpu` times by the process's CPU time divided by the thread count: on a
 * machine shared with other jobs it leaves out the time the scheduler gave to others, while a
 * thread spinning at a barrier still counts against the program that made it wait. */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "latent/isa.h"
#include "latent/memory.h"
#include "simd/conformance.h"
#include "simd/gemm.h"

void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);
char *openblas_get_config(void);

static const int64_t shapes[][3] = {{256, 784, 128}, {256, 128, 784}, {128, 784, 256},
                                    {784, 128, 256}, {256, 128, 32},  {2048, 2048, 2048}};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))
static const char *const layouts[] = {"NT", "NN", "TN"};

static clockid_t clock_id = CLOCK_MONOTONIC;
static int clock_div = 1;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct point {
    int ta, tb;
    int64_t m, k, n;
    const float *a, *b;
    float *c;
} point;

/* who < 0: OpenBLAS; otherwise latent's level `who`. */
static void run(int who, const point *p)
{
    int64_t lda = p->ta ? p->m : p->k, ldb = p->tb ? p->k : p->n;
    if (who < 0)
        cblas_sgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans,
                    p->tb ? CblasTrans : CblasNoTrans, (int)p->m, (int)p->n, (int)p->k, 1.0f,
                    p->a, (int)lda, p->b, (int)ldb, 0.0f, p->c, (int)p->n);
    else
        lk_sgemm(lk_table_for((latent_isa)who), p->ta, p->tb, p->m, p->n, p->k, 1.0f, p->a, lda,
                 p->b, ldb, 0.0f, p->c, p->n, NULL, LATENT_ACT_IDENTITY, 0.0f);
}

static double seconds_per_call(int who, const point *p, int calls)
{
    double t0 = now_s();
    for (int i = 0; i < calls; i++) run(who, p);
    return (now_s() - t0) / calls / clock_div;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 9;
    if (reps < 1 || reps > 64) reps = 9;
    int tmax = argc > 2 ? atoi(argv[2]) : 2;
    if (tmax < 1 || tmax > 2) tmax = 2;
    int cpu = argc > 3 && strcmp(argv[3], "cpu") == 0;
    if (cpu) clock_id = CLOCK_PROCESS_CPUTIME_ID;
    if (latent_isa_init_from_env() != LATENT_OK) {
        fprintf(stderr, "gemm_vs_openblas: %s\n", latent_last_error());
        return 1;
    }
    const char *ct = getenv("OPENBLAS_CORETYPE");
    printf("OpenBLAS %s, core %s (OPENBLAS_CORETYPE=%s)\n", openblas_get_config(),
           openblas_get_corename(), ct ? ct : "(unset)");
    int who[LATENT_ISA_COUNT + 1], nwho = 0;
    for (int l = LATENT_ISA_AVX2; l < LATENT_ISA_COUNT; l++)
        if (lk_table_for((latent_isa)l)) who[nwho++] = l;
    who[nwho++] = -1;

    size_t n_max = 2048 * 2048;
    float *a = latent_alloc(n_max, sizeof(float), "A"), *b = latent_alloc(n_max, sizeof(float), "B"),
          *c = latent_alloc(n_max, sizeof(float), "C");
    if (!a || !b || !c) {
        fprintf(stderr, "gemm_vs_openblas: %s\n", latent_last_error());
        return 1;
    }
    lk_fill_uniform(a, (int64_t)n_max, 1, -1.0f, 1.0f);
    lk_fill_uniform(b, (int64_t)n_max, 2, -1.0f, 1.0f);

    printf("%-7s %-6s %-16s", "threads", "layout", "M,K,N");
    for (int w = 0; w < nwho; w++) printf(" %9s", who[w] < 0 ? "openblas" : latent_isa_name((latent_isa)who[w]));
    for (int w = 0; w + 1 < nwho; w++) printf(" %9s", who[w] < 0 ? "" : latent_isa_name((latent_isa)who[w]));
    printf("   (GFLOP/s by %s time, medians of %d; last columns: ratio to openblas)\n",
           cpu ? "CPU" : "wall", reps);
    for (int nt = 1; nt <= tmax; nt++) {
        omp_set_num_threads(nt);
        openblas_set_num_threads(nt);
        clock_div = cpu ? nt : 1;
        for (int s = 0; s < NSHAPES; s++) {
            int big = s == NSHAPES - 1;
            for (int ly = 0; ly < (big ? 1 : 3); ly++) {
                int lay = big ? 1 : ly;
                point p = {lay == 2, lay == 0, shapes[s][0], shapes[s][1], shapes[s][2], a, b, c};
                double flops = 2.0 * (double)(p.m * p.k * p.n);
                int calls[LATENT_ISA_COUNT + 1];
                double sec[LATENT_ISA_COUNT + 1][64];
                for (int w = 0; w < nwho; w++) {
                    double once = seconds_per_call(who[w], &p, 2);
                    calls[w] = once > 0.02 ? 1 : (int)(0.02 / once) + 1;
                }
                for (int r = 0; r < reps; r++)
                    for (int w = 0; w < nwho; w++) sec[w][r] = seconds_per_call(who[w], &p, calls[w]);
                double rate[LATENT_ISA_COUNT + 1];
                char sh[32];
                snprintf(sh, sizeof sh, "%lld,%lld,%lld", (long long)p.m, (long long)p.k, (long long)p.n);
                printf("%-7d %-6s %-16s", nt, layouts[lay], sh);
                for (int w = 0; w < nwho; w++) {
                    qsort(sec[w], (size_t)reps, sizeof(double), cmp_double);
                    rate[w] = flops / sec[w][reps / 2] * 1e-9;
                    printf(" %9.1f", rate[w]);
                }
                for (int w = 0; w + 1 < nwho; w++) printf(" %9.2f", rate[w] / rate[nwho - 1]);
                printf("\n");
                fflush(stdout);
            }
        }
    }
    printf("FMA peak (1 thread):");
    for (int w = 0; w + 1 < nwho; w++)
        printf(" %s %.1f", latent_isa_name((latent_isa)who[w]),
               lk_table_for((latent_isa)who[w])->fma_peak(0.3));
    printf(" GFLOP/s\n");
    latent_free(a), latent_free(b), latent_free(c);
    return 0;
}
