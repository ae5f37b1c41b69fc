/* Timing shared by the kernel benchmarks: clocks, medians, interleaved repetitions. */
#include <stdlib.h>
#include "bench_timing.h"

bench_clock bench_clock_for(int cpu_time, int threads)
{
    bench_clock ck = {cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC,
                      cpu_time && threads > 1 ? threads : 1};
    return ck;
}

double bench_now(const bench_clock *ck)
{
    struct timespec ts;
    clock_gettime(ck->id, &ts);
    return ((double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec) / ck->div;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double time_calls(const bench_clock *ck, const lk_table *t, bench_work_fn run,
                         const void *ctx, int calls)
{
    double t0 = bench_now(ck);
    for (int i = 0; i < calls; i++) run(t, ctx);
    return (bench_now(ck) - t0) / calls;
}

void bench_measure(const bench_clock *ck, const lk_table *const *lv, int nlv, bench_work_fn run,
                   const void *ctx, double work, int reps, double fill_seconds, double *rates)
{
    int calls[LATENT_ISA_COUNT];
    double secs[LATENT_ISA_COUNT][64];
    if (reps > 64) reps = 64;
    for (int l = 0; l < nlv; l++) {
        double once = time_calls(ck, lv[l], run, ctx, 1); /* warms caches, threads, workspace */
        calls[l] = once > fill_seconds ? 1
                                       : (int)(fill_seconds / (once > 1e-7 ? once : 1e-7)) + 1;
    }
    for (int r = 0; r < reps; r++)
        for (int l = 0; l < nlv; l++) secs[l][r] = time_calls(ck, lv[l], run, ctx, calls[l]);
    for (int l = 0; l < nlv; l++) rates[l] = work / bench_median(secs[l], reps);
}
