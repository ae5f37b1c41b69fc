/* The one minibatch loop every model trains with: epochs, shuffling, and each minibatch's step
 * in one parallel region: slabs of fixed shards run by teams of threads, the gradient reduced
 * over a fixed tree, the optimizer step, and the divergence checks. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include "latent/memory.h"
#include "src/core/comm.h"
#include "loop.h"
#include "latent/rng.h"
#include "simd/fp_mode.h"
#include "simd/gemm.h"
#include "simd/team.h"
#include "grad_proof.h"
#include "thread_choice.h"
#include "update.h"

int latent_shards_for(int64_t batch)
{
    return (int)((batch + LATENT_SHARD_ROWS - 1) / LATENT_SHARD_ROWS);
}

/* Asks for every cache line of one row of the data set. */
static void prefetch_row(const float *src, int64_t d)
{
    for (int64_t j = 0; j < d; j += 16) __builtin_prefetch(src + j);
    __builtin_prefetch(src + d - 1);
}

/* Rows ahead of the copy whose lines are requested: the shuffled rows lie anywhere in the data
 * set, mostly outside the caches, and a copy that waits on each row's lines in turn runs at the
 * memory's latency instead of its bandwidth. */
#define GATHER_AHEAD 2

void latent_batch_gather(const latent_batch *b, int64_t row0, int64_t rows, float *dst, float a,
                         float c)
{
    for (int64_t i = 0; i < GATHER_AHEAD && i < rows; i++)
        prefetch_row(b->x + b->idx[row0 + i] * b->d, b->d);
    for (int64_t i = 0; i < rows; i++) {
        if (i + GATHER_AHEAD < rows) prefetch_row(b->x + b->idx[row0 + i + GATHER_AHEAD] * b->d, b->d);
        const float *src = b->x + b->idx[row0 + i] * b->d;
        float *o = dst + i * b->d;
        if (a == 1.0f && c == 0.0f) memcpy(o, src, (size_t)b->d * sizeof(float));
        else for (int64_t j = 0; j < b->d; j++) o[j] = a * src[j] + c;
    }
}

void latent_slab_gather(const latent_batch *b, const latent_slab *slab, int64_t lo, int64_t hi,
                        float *dst, float a, float c)
{
    for (int s = 0; s < slab->n; s++) {
        const latent_slab_seg *g = &slab->seg[s];
        const int64_t r0 = g->at > lo ? g->at : lo, r1 = g->at + g->rows < hi ? g->at + g->rows : hi;
        if (r1 > r0) latent_batch_gather(b, g->row0 + (r0 - g->at), r1 - r0, dst + r0 * b->d, a, c);
    }
}

/* Weights (floats of the largest group a step updates) from which a minibatch of one swapped
 * product runs on one team of every thread. Such a team keeps each weight row with one member
 * through the forward pass, dY W and the update, where teams per shard each read all of W and
 * take back the rows the others updated; but it meets at a barrier per layer. At batch 128 on 2
 * threads (Zen 5), one team against two teams of one: ae 784-64-16 (100k) 27% slower, ae/vae
 * 784-256-64 (435k) -1.5% to +1.5%, gan 784-512-256-32 (540k; D sees 256 rows) 7% slower,
 * gan 784-1024-128 (934k) 3% faster, ae/vae 784-512-256-32 (1.08M) 0-3% faster, ae/vae
 * 784-1024-128 (1.87M) 7-9% faster. */
#define WHOLE_TEAM_WEIGHTS (768 * 1024)

int latent_team_size_for(int shards, int threads, int64_t weights)
{
    /* With teams of g threads, threads / g shards run at once: ceil(shards g / threads) rounds
     * of 1/g of a shard's work each. Fewest rounds per thread wins; ties go to the smaller team
     * (fewer barriers inside each shard). */
    if (shards < 1 || threads <= 1) return 1;
    if (weights >= WHOLE_TEAM_WEIGHTS && (int64_t)shards * LATENT_SHARD_ROWS <= LK_SWAP_MAX_ROWS)
        return threads;
    int best = 1;
    int64_t best_rounds = (shards + threads - 1) / threads, best_g = 1; /* rounds / g, as products */
    for (int g = 2; g <= threads; g++) {
        if (threads % g) continue;
        int64_t teams = threads / g, rounds = (shards + teams - 1) / teams;
        if (rounds * best_g < best_rounds * g) best = g, best_rounds = rounds, best_g = g;
    }
    return best;
}

/* ---- one step ------------------------------------------------------------------------------ */

typedef struct step_ctx {
    latent_sync sync;        /* first: the layers' view of sync_all */
    void *model;
    latent_batch *b;
    latent_phase phase[LATENT_MAX_PHASES];
    int n_phases;
    int threads, team_size;
    lk_barrier *barriers;    /* one per team when teams have more than one thread */
    latent_slab *slabs;      /* one per team */
    int n_slabs;
    latent_status status;    /* written by thread 0 only, read by all after a barrier */
    latent_optim_plan plan;  /* the optimizer step under way */
    int swapped;             /* its one shard's gradient became g without a copy */
    int64_t *thread_work;    /* NULL, or each thread's GEMM multiply-adds, added */
    int rank, ranks;         /* this process in the MPI job, and the job's size (1: alone) */
    const int *bound;        /* the reduction tree's nodes, one per rank that has shards ... */
    int n_nodes;             /* ... and their number */
    const int *slab_bound;   /* alone: the slabs' nodes of the tree when b->node ... */
    int n_slab_nodes;        /* ... and their number (one: the slab wrote g itself) */
    int64_t *part_at, *part_bytes; /* 4 x ranks: scratch for one collective's layout */
    char where[96];
} step_ctx;

static void sync_all(const step_ctx *c)
{
    if (c->threads > 1) {
#pragma omp barrier
    }
}

static void sync_wait(const latent_sync *s) { sync_all((const step_ctx *)s); }

/* Thread 0 of the step: per-shard values (shard s's `bytes` at base + s * bytes) of every
 * rank's shards to every rank. */
static latent_status share_shards(step_ctx *c, void *base, int64_t bytes)
{
    for (int r = 0; r < c->ranks; r++) {
        const int has = r < c->n_nodes;
        c->part_at[r] = has ? c->bound[r] * bytes : 0;
        c->part_bytes[r] = has ? (c->bound[r + 1] - c->bound[r]) * bytes : 0;
    }
    return latent_comm_allgather(base, c->part_at, c->part_bytes);
}

static int is_thread0(const step_ctx *c) { return c->threads == 1 || omp_get_thread_num() == 0; }

static void sync_share(const latent_sync *s, void *base, int64_t bytes)
{
    step_ctx *c = (step_ctx *)s;
    sync_all(c);
    if (c->ranks == 1) return;
    if (is_thread0(c)) {
        latent_status st = share_shards(c, base, bytes);
        if (st && !c->status) c->status = st;
    }
    sync_all(c);
}

/* Thread `tid`'s part [*c0, *c1) of a group's chunks. */
static void chunk_range(const step_ctx *c, const latent_params *p, int tid, int64_t *c0, int64_t *c1)
{
    const int64_t n = latent_params_chunks(p);
    *c0 = n * tid / c->threads;
    *c1 = n * (tid + 1) / c->threads;
}

/* Chunk c's sum of the gradient (in double: any NaN or Inf makes it so) into p->chunk_stat, or,
 * when clipping, its squared norm. */
static void chunk_sum(latent_params *p, int squares, int64_t c)
{
    const float *buf = p->g;
    const int64_t o = c * LATENT_UPDATE_CHUNK;
    const int64_t len = p->n - o < LATENT_UPDATE_CHUNK ? p->n - o : LATENT_UPDATE_CHUNK;
    if (squares) {
        double s = 0.0;
        for (int64_t i = 0; i < len; i++) s += (double)buf[o + i] * buf[o + i];
        p->chunk_stat[c] = s;
    } else {
        p->chunk_stat[c] = lk_active()->sum(len, buf + o);
    }
}

/* Thread 0: NaN or Inf anywhere in buf (per the first n check sums in chunk_stat: one per chunk,
 * or one per thread) becomes the error naming the tensor. */
static latent_status check_sums(const step_ctx *c, const latent_params *p, int64_t n,
                                const float *buf, const char *what)
{
    for (int64_t k = 0; k < n; k++)
        if (!isfinite(p->chunk_stat[k])) return latent_params_check_finite(p, buf, what, c->where);
    return LATENT_OK;
}

/* The gradient of a job of several ranks, with the sums of one process in the same order: this
 * rank's node of the tree; each rank's slice of every node to that rank (an all-to-all); the
 * tree above the nodes on this rank's slice; the slices to every rank (an all-gather). Each
 * rank sends and receives about 2 (p - 1) / p of the gradient, as a ring all-reduce does. */
static void reduce_across_ranks(step_ctx *c, latent_params *p, int tid)
{
    const int64_t f = sizeof(float), chunk = LATENT_UPDATE_CHUNK;
    float *mine = p->node_g, *got = p->node_g + p->n;
    int64_t s0, s1, c0, c1;
    const int64_t slice = latent_params_slice(p, c->ranks, c->rank, &s0, &s1);
    chunk_range(c, p, tid, &c0, &c1);
    if (c->rank < c->n_nodes)
        latent_params_reduce_range(p, c->bound[c->rank], c->bound[c->rank + 1], mine, c0, c1);
    sync_all(c);
    int64_t *sa = c->part_at, *sb = sa + c->ranks, *ra = sb + c->ranks, *rb = ra + c->ranks;
    if (tid == 0) {
        for (int r = 0; r < c->ranks; r++) {
            int64_t r0, r1;
            const int64_t len = latent_params_slice(p, c->ranks, r, &r0, &r1);
            sa[r] = r0 * chunk * f;
            sb[r] = c->rank < c->n_nodes ? len * f : 0;
            ra[r] = r * slice * f;
            rb[r] = r < c->n_nodes ? slice * f : 0;
        }
        c->status = latent_comm_alltoall(mine, sa, sb, got, ra, rb);
    }
    sync_all(c);
    if (c->status) return;
    const int64_t k0 = s0 + (s1 - s0) * tid / c->threads, k1 = s0 + (s1 - s0) * (tid + 1) / c->threads;
    latent_params_reduce_nodes(p, c->b->n_shards, c->bound, c->n_nodes, got, slice, s0 * chunk, k0, k1);
    sync_all(c);
    if (tid == 0) {
        for (int r = 0; r < c->ranks; r++) {
            int64_t r0, r1;
            sb[r] = latent_params_slice(p, c->ranks, r, &r0, &r1) * f;
            sa[r] = r0 * chunk * f;
        }
        c->status = latent_comm_allgather(p->g, sa, sb);
    }
    sync_all(c);
}

/* Thread tid's rows of tensor `at` as floats [*o0, *o1): the rows lk_team_split gives it, the
 * ones its GEMMs computed (lk_sgemm_team_weight_rows). */
static void owned_rows(const step_ctx *c, const latent_param_tensor *at, int tid, int64_t *o0,
                       int64_t *o1)
{
    const int64_t rows = at->ndim > 0 && at->shape[0] > 0 ? at->shape[0] : 1, len = at->numel / rows;
    const lk_team member = {tid, c->threads, NULL};
    int64_t r0, r1;
    lk_team_split(&member, rows, &r0, &r1);
    *o0 = at->offset + r0 * len, *o1 = at->offset + r1 * len;
}

/* Whether each thread updates the weight rows it computed: one slab, its team every thread,
 * whose gradient is already summed in g (a lone shard's, or the slab's tree GEMM's). A thread's
 * gradient rows and moments are then in its own caches, not half of them in another core's.
 * Clipping needs the chunks' norms in their fixed order, and the MPI reduction its chunked
 * slices: those take chunks. */
static int update_by_rows(const step_ctx *c, const latent_params *p, const latent_optim_config *cfg)
{
    const int in_place = c->swapped || (c->b->node && c->n_slab_nodes == 1);
    return c->threads > 1 && c->team_size == c->threads && c->ranks == 1 && in_place &&
           !(cfg->clip_norm > 0.0) && latent_params_chunks(p) >= c->threads;
}

/* Whether the step's update checks only what the gradient's proof left unproven. */
static int uses_proof(const step_ctx *c, const latent_optim_config *cfg)
{
    return c->ranks == 1 && !(cfg->clip_norm > 0.0);
}

/* Thread tid's check of its rows (any NaN or Inf makes it non-finite), chunk by chunk, into
 * chunk_stat[tid]: of the gradient (what the proof left unproven), or with `optim` of the weights
 * as each chunk is updated (the update kernel checks what it writes). */
static void rows_pass(const step_ctx *c, latent_params *p, const latent_optim_config *cfg,
                      int optim, int tid)
{
    const lk_table *t = lk_active();
    double s = 0.0;
    for (int i = 0; i < p->n_tensors; i++) {
        int64_t o0, o1;
        owned_rows(c, &p->tensor[i], tid, &o0, &o1);
        /* the gradient pass leaves out what the proof showed finite */
        if (!optim && uses_proof(c, cfg) && p->tensor_proven[i]) continue;
        for (int64_t o = o0; o < o1; o += LATENT_UPDATE_CHUNK) {
            const int64_t e = o1 - o < LATENT_UPDATE_CHUNK ? o1 : o + LATENT_UPDATE_CHUNK;
            s += optim ? latent_optim_range(p, cfg, &c->plan, o, e) : t->sum(e - o, p->g + o);
        }
    }
    p->chunk_stat[tid] = s;
}

/* The update of one group by every thread: reduce the shards' gradients, check them (what the
 * layers' proof of finiteness did not cover, grad_proof.h), clip, step, check the parameters.
 * Chunks (or rows, update_by_rows) split among threads; the decisions are thread 0's. */
static void update(step_ctx *c, latent_params *p, const latent_optim_config *cfg, int tid)
{
    const int by_rows = update_by_rows(c, p, cfg);
    /* clipping needs every chunk's norm, and several ranks' gradients are not what this rank's
     * layers proved */
    const int proven = uses_proof(c, cfg);
    const int64_t n_sums = by_rows ? c->threads : latent_params_chunks(p);
    int64_t c0, c1;
    chunk_range(c, p, tid, &c0, &c1);
    if (by_rows) {
        rows_pass(c, p, cfg, 0, tid);
    } else {
        if (c->ranks > 1) {
            reduce_across_ranks(c, p, tid);
            if (c->status) return;
        }
        /* chunk by chunk, so each is summed while it is still in L1; slabs that were nodes left
         * their sums in their first shards' slots, or, one slab, in g */
        for (int64_t k = c0; k < c1; k++) {
            if (c->ranks == 1 && !c->swapped && !c->b->node)
                latent_params_reduce_chunks(p, c->b->n_shards, k, k + 1);
            else if (c->ranks == 1 && c->b->node && c->n_slab_nodes > 1)
                latent_params_reduce_slot_nodes(p, c->b->n_shards, c->slab_bound, c->n_slab_nodes, k, k + 1);
            if (proven && p->chunk_proven[k]) p->chunk_stat[k] = 0.0;
            else chunk_sum(p, cfg->clip_norm > 0.0, k);
        }
    }
    sync_all(c);
    if (tid == 0) {
        c->status = check_sums(c, p, n_sums, p->g, "gradient of");
        if (!c->status) c->status = latent_params_alloc_state(p);
        if (!c->status) c->plan = latent_optim_begin(p, cfg);
    }
    sync_all(c);
    if (c->status) return;
    if (by_rows) {
        rows_pass(c, p, cfg, 1, tid);
    } else {
        for (int64_t k = c0; k < c1; k++) {
            p->chunk_stat[k] = latent_optim_chunks(p, cfg, &c->plan, k, k + 1);
        }
    }
    sync_all(c);
    if (tid == 0) c->status = check_sums(c, p, n_sums, p->w, "parameter");
    sync_all(c);
}

/* Thread tid's slab: its team's shards (team, team + teams, ...) side by side; or, run by one
 * thread alone, every slab in turn. */
static void run_slab(step_ctx *c, latent_slab_fn fn, int tid)
{
    if (c->threads == 1) {
        const lk_team solo = lk_team_solo();
        for (int i = 0; i < c->n_slabs; i++) fn(c->model, c->b, &c->slabs[i], i, &solo);
        return;
    }
    const int g = c->team_size, teams = c->threads / g, team_id = tid / g;
    if (team_id >= teams) return;
    const lk_team team = {tid % g, g, g > 1 ? &c->barriers[team_id] : NULL};
    fn(c->model, c->b, &c->slabs[team_id], team_id, &team);
}

static void step_phases(step_ctx *c, int tid)
{
    for (int k = 0; k < c->n_phases; k++) {
        const latent_phase *ph = &c->phase[k];
        run_slab(c, ph->run, tid);
        sync_all(c);
        if (tid == 0) {
            for (int i = 0; i < 2 && c->ranks > 1 && !c->status; i++)
                if (ph->share[i].base) c->status = share_shards(c, ph->share[i].base, ph->share[i].bytes);
            if (ph->after && !c->status) c->status = ph->after(c->model, c->b);
            if (ph->update && c->ranks == 1) latent_proof_merge(ph->update);
            c->swapped = ph->update && c->ranks == 1 && !c->b->node &&
                         latent_params_reduce_by_swap(ph->update, c->b->n_shards);
        }
        sync_all(c);
        if (c->status) return;
        if (ph->update) {
            update(c, ph->update, ph->optim, tid);
            if (c->status) return;
        }
    }
}

static void step_member(step_ctx *c, int tid)
{
    const lk_fp_mode fp = lk_fp_flush_denormals();
    const int64_t work0 = lk_work_fmas();
    latent_proof_set_thread(tid);
    step_phases(c, tid);
    if (c->thread_work) c->thread_work[tid] += lk_work_fmas() - work0;
    lk_fp_restore(fp);
}

/* Team t's slab: this process's shards lo + t, lo + t + teams, ... in order, their rows side
 * by side from segs[at]; or, with nodes (n_nodes > 0, bounds relative to lo), node t's shards. */
static void lay_out(latent_batch *b, int teams, latent_slab *slabs, latent_slab_seg *segs,
                    const int *bound, int n_nodes)
{
    int at = 0;
    b->slab_rows = 0;
    for (int t = 0; t < teams; t++) {
        latent_slab *sl = &slabs[t];
        sl->seg = segs + at;
        sl->n = 0;
        sl->rows = 0;
        const int s0 = n_nodes ? (t < n_nodes ? b->shard_lo + bound[t] : b->shard_hi) : b->shard_lo + t;
        const int s1 = n_nodes ? (t < n_nodes ? b->shard_lo + bound[t + 1] : b->shard_hi) : b->shard_hi;
        for (int s = s0; s < s1; s += n_nodes ? 1 : teams) {
            const int64_t row0 = (int64_t)s * LATENT_SHARD_ROWS;
            const int64_t rows = b->rows - row0 < LATENT_SHARD_ROWS ? b->rows - row0 : LATENT_SHARD_ROWS;
            segs[at + sl->n++] = (latent_slab_seg){s, sl->rows, rows, row0};
            sl->rows += rows;
        }
        at += sl->n;
        if (sl->rows > b->slab_rows) b->slab_rows = sl->rows;
    }
    b->n_slabs = teams;
    b->node = n_nodes > 0;
}

/* The teams' nodes of the reduction tree (latent_shard_nodes over this process's shards) when
 * they are as even as taking the shards in turn, so each slab's weight gradients can be summed
 * as its node before the slabs meet; 0 (take them in turn) otherwise, or in an MPI job. */
static int node_layout(const latent_batch *b, int teams, int ranks, int *bound)
{
    const int own = b->shard_hi - b->shard_lo;
    if (ranks > 1 || own < 1) return 0;
    const int n = latent_shard_nodes(own, teams, bound);
    int most = 0;
    for (int i = 0; i < n; i++)
        if (bound[i + 1] - bound[i] > most) most = bound[i + 1] - bound[i];
    return most == (own + teams - 1) / teams ? n : 0;
}

/* The step on `threads` threads (0: as many as OpenMP gives). */
static latent_status step_on(void *model, latent_plan_fn plan, latent_batch *b,
                             int64_t *thread_work, int threads, int64_t *weights)
{
    if (b->n_shards < 1 || b->n_shards > LATENT_MAX_SHARDS)
        return latent_fail(LATENT_EINVAL, "train: a minibatch of %lld rows is %d shards (1 to %d)",
                           (long long)b->rows, b->n_shards, LATENT_MAX_SHARDS);
    step_ctx c = {.sync = {sync_wait, sync_share}, .model = model, .b = b,
                  .thread_work = thread_work};
    snprintf(c.where, sizeof c.where, "epoch %lld, step %lld", (long long)b->epoch + 1,
             (long long)b->step + 1);
    /* Never a region inside another one: called inside a region, the step runs on its thread. */
    c.threads = omp_get_level() > 0 ? 1 : threads > 0 ? threads : omp_get_max_threads();
    if (c.threads < 1) c.threads = 1;
    /* In an MPI job this rank runs one node of the reduction tree (none when shards are fewer
     * than ranks). */
    c.rank = latent_comm_rank(), c.ranks = latent_comm_size();
    enum { STACK_RANKS = 16 };
    int stack_bound[STACK_RANKS + 1];
    int64_t stack_part[4 * STACK_RANKS];
    int *bound = c.ranks > STACK_RANKS ? latent_alloc((size_t)c.ranks + 1, sizeof *bound, "shard nodes") : stack_bound;
    int64_t *part = c.ranks > STACK_RANKS ? latent_alloc(4 * (size_t)c.ranks, sizeof *part, "rank parts") : stack_part;
    if (!bound || !part) {
        if (bound != stack_bound) latent_free(bound);
        if (part != stack_part) latent_free(part);
        return LATENT_ENOMEM;
    }
    c.n_nodes = latent_shard_nodes(b->n_shards, c.ranks, bound);
    c.bound = bound, c.part_at = part, c.part_bytes = part + c.ranks;
    b->shard_lo = c.rank < c.n_nodes ? bound[c.rank] : b->n_shards;
    b->shard_hi = c.rank < c.n_nodes ? bound[c.rank + 1] : b->n_shards;
    const int own = b->shard_hi - b->shard_lo;
    c.team_size = latent_team_size_for(own, c.threads, *weights);
    const int teams = c.threads / c.team_size;
    /* small layouts on the stack, large ones on the heap */
    enum { STACK_TEAMS = 16, STACK_SEGS = 64 };
    lk_barrier stack_barriers[STACK_TEAMS];
    latent_slab stack_slabs[STACK_TEAMS];
    latent_slab_seg stack_segs[STACK_SEGS];
    lk_barrier *barriers = teams > STACK_TEAMS ? latent_alloc((size_t)teams, sizeof *barriers, "team barriers") : stack_barriers;
    latent_slab *slabs = teams > STACK_TEAMS ? latent_alloc((size_t)teams, sizeof *slabs, "slabs") : stack_slabs;
    latent_slab_seg *segs = own > STACK_SEGS ? latent_alloc((size_t)own, sizeof *segs, "slab segments") : stack_segs;
    int stack_slab_bound[STACK_TEAMS + 1];
    int *slab_bound = teams > STACK_TEAMS ? latent_alloc((size_t)teams + 1, sizeof *slab_bound, "slab nodes") : stack_slab_bound;
    latent_status st = LATENT_OK;
    if (!barriers || !slabs || !segs || !slab_bound) {
        st = LATENT_ENOMEM;
        goto out;
    }
    c.n_slab_nodes = node_layout(b, teams, c.ranks, slab_bound);
    c.slab_bound = slab_bound;
    lay_out(b, teams, slabs, segs, slab_bound, c.n_slab_nodes);
    for (int i = 0; i < teams; i++) lk_barrier_init(&barriers[i]);
    c.barriers = barriers, c.slabs = slabs, c.n_slabs = teams;
    /* what whole-minibatch statistics wait at: other slabs, or other ranks */
    b->sync = teams > 1 || c.ranks > 1 ? &c.sync : NULL;
    if ((st = plan(model, b, c.phase, &c.n_phases))) goto out;
    /* what the next step's layout goes by (the model's weights do not change size) */
    *weights = 0;
    for (int k = 0; k < c.n_phases; k++)
        if (c.phase[k].update && c.phase[k].update->n > *weights) *weights = c.phase[k].update->n;
    for (int k = 0; k < c.n_phases && c.ranks > 1; k++)
        if (c.phase[k].update && (st = latent_params_reserve_nodes(c.phase[k].update, c.ranks))) goto out;
    for (int k = 0; k < c.n_phases && c.ranks == 1; k++)
        if (c.phase[k].update && (st = latent_proof_reserve(c.phase[k].update, c.threads))) goto out;
    if (c.threads == 1) {
        step_member(&c, 0);
        st = c.status;
        goto out;
    }
#pragma omp parallel num_threads(c.threads)
    {
        LK_REGION_ENTERED();
        /* The runtime may give fewer threads than asked: then one thread runs the step as one
         * slab (the same bytes: no sum depends on the layout; a slab cannot wait for another that
         * runs after it). */
        if (omp_get_num_threads() == c.threads) {
            step_member(&c, omp_get_thread_num());
        } else {
#pragma omp single
            {
                step_ctx c1 = c;
                c1.threads = c1.team_size = c1.n_slabs = 1;
                c1.n_slab_nodes = node_layout(b, 1, c.ranks, slab_bound);
                lay_out(b, 1, slabs, segs, slab_bound, c1.n_slab_nodes);
                b->sync = c.ranks > 1 ? &c1.sync : NULL;
                c1.status = plan(model, b, c1.phase, &c1.n_phases);
                if (!c1.status) step_member(&c1, 0);
                c.status = c1.status;
            }
        }
    }
    st = c.status;
out:
    if (barriers != stack_barriers) latent_free(barriers);
    if (slabs != stack_slabs) latent_free(slabs);
    if (segs != stack_segs) latent_free(segs);
    if (slab_bound != stack_slab_bound) latent_free(slab_bound);
    if (bound != stack_bound) latent_free(bound);
    if (part != stack_part) latent_free(part);
    return st;
}

latent_status latent_loop_step(void *model, latent_plan_fn plan, latent_batch *b,
                               int64_t *thread_work)
{
    int64_t weights = 0;
    return step_on(model, plan, b, thread_work, 0, &weights);
}

/* ---- epochs -------------------------------------------------------------------------------- */

static double now(void) { return omp_get_wtime(); }

latent_status latent_loop_run(const latent_loop_config *cfg, void *model, latent_plan_fn plan,
                              const float *x, int64_t n, int64_t d, latent_train_state *state)
{
    if (n <= 0 || d <= 0) return latent_fail(LATENT_EINVAL, "train: no data (%lld x %lld)",
                                             (long long)n, (long long)d);
    if (cfg->batch <= 0 || cfg->batch > (int64_t)LATENT_MAX_SHARDS * LATENT_SHARD_ROWS)
        return latent_fail(LATENT_EINVAL, "train: --batch must be in [1, %lld], got %lld",
                           (long long)LATENT_MAX_SHARDS * LATENT_SHARD_ROWS, (long long)cfg->batch);
    int64_t *perm = latent_alloc((size_t)n, sizeof(int64_t), "shuffle permutation");
    if (!perm) return LATENT_ENOMEM;
    latent_status st = LATENT_OK;
    const int64_t nb = (n + cfg->batch - 1) / cfg->batch;
    /* the thread count is chosen step by step unless fixed; never inside a region, nor in an
     * MPI job (a step's time there holds the other ranks' waits) */
    latent_thread_choice choice;
    const int adapt = !cfg->fixed_threads && omp_get_level() == 0 && latent_comm_size() == 1;
    latent_thread_choice_init(&choice, adapt ? omp_get_max_threads() : 1);
    int64_t weights = 0; /* the largest group of weights, known after the first step */
    while (state->epoch < cfg->epochs) {
        latent_rng r;
        latent_rng_init(&r, cfg->seed, LATENT_STREAM_SHUFFLE, (uint64_t)state->epoch, 0);
        latent_rng_permutation(&r, n, perm);
        double t0 = now(), sum[LATENT_LOSS_TERMS] = {0}, rows_done = 0, thread_steps = 0, steps = 0;
        for (int64_t k = state->batch_in_epoch; k < nb; k++) {
            latent_batch b = {0};
            b.x = x, b.d = d;
            b.idx = perm + k * cfg->batch;
            b.rows = n - k * cfg->batch < cfg->batch ? n - k * cfg->batch : cfg->batch;
            b.n_shards = latent_shards_for(b.rows);
            b.epoch = state->epoch, b.step = state->step, b.seed = cfg->seed;
            const int threads = adapt ? latent_thread_choice_next(&choice) : 0;
            const double s0 = now();
            if ((st = step_on(model, plan, &b, cfg->thread_work, threads, &weights))) goto done;
            latent_thread_choice_record(&choice, threads, now() - s0, b.rows == cfg->batch);
            thread_steps += threads > 0 ? threads : omp_get_level() > 0 ? 1 : omp_get_max_threads();
            steps += 1;
            for (int i = 0; i < LATENT_LOSS_TERMS; i++) {
                if (!isfinite(b.loss[i])) {
                    st = latent_fail(LATENT_EDIVERGED, "epoch %lld, step %lld: loss is not finite "
                                     "(%g)", (long long)state->epoch + 1,
                                     (long long)state->step + 1, b.loss[i]);
                    goto done;
                }
                sum[i] += b.loss[i] * (double)b.rows;
            }
            rows_done += (double)b.rows;
            if (cfg->on_step)
                cfg->on_step(cfg->user, state->epoch + 1, (int64_t)rows_done, sum[0] / rows_done);
            state->step++;
            state->batch_in_epoch = k + 1;
            if (cfg->stop && *cfg->stop) goto done; /* resumable from here */
        }
        state->epoch++;
        state->batch_in_epoch = 0;
        latent_epoch_report rep = {state->epoch, state->step, now() - t0, {0},
                                   steps > 0 ? thread_steps / steps : 0.0};
        for (int i = 0; i < LATENT_LOSS_TERMS; i++) rep.loss[i] = rows_done > 0 ? sum[i] / rows_done : 0.0;
        if (cfg->on_epoch && cfg->on_epoch(cfg->user, &rep)) break;
    }
done:
    latent_free(perm);
    return st;
}
