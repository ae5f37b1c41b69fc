/* Teams inside a parallel region: their barrier, the split of independent items, the per-thread
 * work counters and the nested-region counter. */
#include "team.h"
#include <omp.h>
#include <sched.h>

void lk_barrier_init(lk_barrier *b)
{
    atomic_init(&b->arrived, 0);
    atomic_init(&b->generation, 0);
    for (int i = 0; i < LK_TEAM_POSTS; i++) b->post[i] = NULL;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Spins this many times before yielding: long enough for a partner on its own core to finish
 * a tile (a few microseconds), short enough that a team sharing cores does not burn its time
 * slice waiting. */
#define SPINS 1000

void lk_team_sync(const lk_team *t)
{
    if (t->size <= 1) return;
    if (!t->barrier) {
#pragma omp barrier
        return;
    }
    lk_barrier *b = t->barrier;
    const unsigned gen = atomic_load_explicit(&b->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) == (unsigned)t->size - 1) {
        atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->generation, 1, memory_order_release);
        return;
    }
    for (int spin = 0; atomic_load_explicit(&b->generation, memory_order_acquire) == gen; spin++) {
        if (spin < SPINS) cpu_relax();
        else sched_yield();
    }
}

void lk_team_split(const lk_team *t, int64_t n, int64_t *lo, int64_t *hi)
{
    *lo = n * t->id / t->size;
    *hi = n * (t->id + 1) / t->size;
}

static _Thread_local int64_t work_fmas;

void lk_work_add(int64_t fmas) { work_fmas += fmas; }
int64_t lk_work_fmas(void) { return work_fmas; }
void lk_work_reset(void) { work_fmas = 0; }

static atomic_llong nested;

void lk_region_entered(int level)
{
    if (level > 1) atomic_fetch_add_explicit(&nested, 1, memory_order_relaxed);
}

int64_t lk_nested_regions(void) { return atomic_load_explicit(&nested, memory_order_relaxed); }
