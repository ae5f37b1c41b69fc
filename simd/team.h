/* Teams: the threads of one OpenMP region that cooperate on one piece of work (a shard's GEMMs
 * and elementwise passes), with their own barrier, so a region can run several teams side by
 * side and no kernel ever opens a parallel region inside another. */
#ifndef LATENT_SIMD_TEAM_H
#define LATENT_SIMD_TEAM_H

#include <stdatomic.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Members of a team that can post a buffer to the others (lk_team_post). */
#define LK_TEAM_POSTS 8

/* The barrier a team shares. Sense by generation: the last thread to arrive starts the next
 * generation. Waiters spin briefly, then yield the core (teams may outnumber the cores). */
typedef struct lk_barrier {
    _Alignas(64) atomic_uint arrived;
    _Alignas(64) atomic_uint generation;
    /* a buffer each of the first LK_TEAM_POSTS members shows the others: written before a
     * barrier, read after it (lk_team_post) */
    _Alignas(64) void *post[LK_TEAM_POSTS];
} lk_barrier;

/* One member's view of its team: its index, the team's size and the shared barrier. A team of
 * one needs no barrier (NULL). barrier == NULL with size > 1 means the team is the whole
 * enclosing OpenMP team, which synchronizes with `omp barrier`. */
typedef struct lk_team {
    int id, size;
    lk_barrier *barrier;
} lk_team;

/* The team of the calling thread alone. */
static inline lk_team lk_team_solo(void)
{
    lk_team t = {0, 1, 0};
    return t;
}

void lk_barrier_init(lk_barrier *b);

/* Waits until every member of the team has called it (a no-op for a team of one); what one
 * member wrote before it, every member sees after it. */
void lk_team_sync(const lk_team *t);

/* Shows p to the team: after the next lk_team_sync, lk_team_posted(t, i) is member i's latest
 * post. Only teams with a barrier of their own and members below LK_TEAM_POSTS can post
 * (lk_team_can_post). */
static inline int lk_team_can_post(const lk_team *t)
{
    return t->barrier && t->size <= LK_TEAM_POSTS;
}
static inline void lk_team_post(const lk_team *t, void *p) { t->barrier->post[t->id] = p; }
static inline void *lk_team_posted(const lk_team *t, int i) { return t->barrier->post[i]; }

/* Member t->id's part [*lo, *hi) of n items cut into contiguous, near-equal parts. Which
 * member handles an item never changes the item's result: callers split only work whose items
 * are independent. */
void lk_team_split(const lk_team *t, int64_t n, int64_t *lo, int64_t *hi);

/* ---- accounting ------------------------------------------------------------------------
 * Multiply-adds each thread's GEMM tiles performed, counted per thread (for `latent bench
 * train`'s per-thread work: how evenly a schedule spreads the work, measured without timing). */
void lk_work_add(int64_t fmas);
/* The calling thread's count since its last reset. */
int64_t lk_work_fmas(void);
void lk_work_reset(void);

/* ---- nesting --------------------------------------------------------------------------
 * Every parallel region in latent starts its body with LK_REGION_ENTERED(): a region opened
 * inside another one (active or not: libgomp then starts a separate team while the outer
 * pool spins, and 2 threads ran 10-30x slower than 1) is counted, and tests require the count
 * to stay 0. */
void lk_region_entered(int level);
#define LK_REGION_ENTERED() lk_region_entered(omp_get_level())
/* Regions that were opened inside another region, since the process started. */
int64_t lk_nested_regions(void);

#ifdef __cplusplus
}
#endif
#endif
