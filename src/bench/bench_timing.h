/* Timing shared by the kernel benchmarks: one clock (wall or CPU time), medians of repetitions,
 * and every ISA level timed at one point, interleaved rep by rep. */
#ifndef LATENT_BENCH_TIMING_H
#define LATENT_BENCH_TIMING_H

#include <time.h>
#include "simd/kernels.h"

/* Seconds on the benchmark's clock: the wall clock, or the process's CPU time shared out over
 * the `div` threads in use. */
typedef struct bench_clock {
    clockid_t id;
    int div;
} bench_clock;

/* The clock for `threads` threads: CPU time / threads when cpu_time is nonzero, else the wall. */
bench_clock bench_clock_for(int cpu_time, int threads);
double bench_now(const bench_clock *ck);

/* Median of v[0..n) (sorts v). */
double bench_median(double *v, int n);

/* One call of the measured work on level t; ctx says what to run. */
typedef void (*bench_work_fn)(const lk_table *t, const void *ctx);

/* Times run(lv[l], ctx) for every level: one warm-up call, then `reps` (at most 64) rounds that
 * each time enough calls to fill about fill_seconds, levels interleaved within a round so a noisy
 * machine hits all alike; rates[l] = work / median seconds per call. lv may hold NULL entries
 * for work that does not depend on the level. */
void bench_measure(const bench_clock *ck, const lk_table *const *lv, int nlv, bench_work_fn run,
                   const void *ctx, double work, int reps, double fill_seconds, double *rates);

#endif
