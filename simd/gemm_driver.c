/* The GEMM and k-means-assignment framework every ISA level shares: packing, the blocked loops
 * around the level's micro-kernel, edge tiles, threads and the fused epilogues. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "gemm.h"
#include "scratch.h"
#include "team.h"
#include "vec4.h"

/* Largest micro-kernel tile the framework accepts (edge scratch and the out-of-memory path are
 * sized for it), and the largest kc block (so the out-of-memory path keeps the same k split and
 * therefore the same bytes). */
#define MR_MAX 16
#define NR_MAX 64
#define KC_MAX 512
/* Up to this many columns of C, A is read where it lies (when the table can): packing A is then
 * a large share of the work; at wider C it is spread over more column panels, while the
 * micro-kernel reading short strided rows of A again for each panel measured slower (N = 784,
 * K = 128: 5% on one thread). */
#define A_IN_PLACE_MAX_N 512
/* Up to this many rows of C (when A is packed), a row-major op(B) is read where it lies: its
 * packing is then spread over few row tiles (256,128,784 NN: 5% of the time). */
#define B_IN_PLACE_MAX_M 512
/* Below this many multiply-adds a second thread costs more than it brings. */
#define PAR_MIN_FMAS (96 * 96 * 96)

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- workspace: the calling thread's packing buffer (scratch.h) ---- */
static float *workspace(size_t floats) { return lk_scratch(LK_SCRATCH_GEMM, floats); }

/* Floats to reserve for a segment so the next one stays 64-byte aligned. */
static size_t seg(int64_t floats) { return (size_t)round_up(floats, 16); }

/* The k split depends on k alone (never on threads): equal blocks of at most kc. */
static int64_t k_block(const lk_table *t, int64_t k)
{
    int64_t kc = t->kc < 1 ? 256 : min64(t->kc, KC_MAX);
    return ceil_div(k, ceil_div(k, kc));
}

/* ---- packing --------------------------------------------------------------------------------
 * Every pack writes w-wide k-major panels: d[p*w + r] for r < w, alpha folded in, lanes past
 * `rows` zero. The source is either k-major already (copy) or row-major in r (transpose); the
 * transpose goes four by four through vec4.h's vector extensions, so the framework stays
 * ISA-neutral and still packs at a few floats per cycle (a strided scalar gather here costs as
 * much as the small training GEMMs). */

/* One source row across whole panels of width w: d[q*w*kb + r] = alpha s[q*w + r]. */
static inline __attribute__((always_inline)) void copy_rows(const float *s, float *d,
                                                            int64_t full, int w, int64_t kb, v4f va)
{
    for (int64_t q0 = 0; q0 < full; q0 += w, s += w, d += w * kb) {
        int r = 0;
        for (; r + 4 <= w; r += 4) store4(d + r, va * load4(s + r));
        for (; r < w; r++) d[r] = va[0] * s[r];
    }
}

/* Panels of `total` lanes (w per panel, panel q at d + q*w*kb): d[q*w*kb + p*w + r] =
 * alpha * s[p*lds + q*w + r]. Row p of the source is walked once across every panel, so the
 * reads stay sequential whatever lds is. */
static void pack_copy(const float *s, int64_t lds, int64_t total, int w, int64_t kb, float alpha,
                      float *d)
{
    const v4f va = {alpha, alpha, alpha, alpha};
    const int64_t full = total - total % w;
    for (int64_t p = 0; p < kb; p++, s += lds) {
        /* whole panels of a width the tiles use, unrolled by the compiler */
        switch (w) {
        case 4: copy_rows(s, d + p * w, full, 4, kb, va); break;
        case 6: copy_rows(s, d + p * w, full, 6, kb, va); break;
        case 8: copy_rows(s, d + p * w, full, 8, kb, va); break;
        case 12: copy_rows(s, d + p * w, full, 12, kb, va); break;
        case 16: copy_rows(s, d + p * w, full, 16, kb, va); break;
        case 32: copy_rows(s, d + p * w, full, 32, kb, va); break;
        default: copy_rows(s, d + p * w, full, w, kb, va); break;
        }
        for (int64_t q0 = full; q0 < total; q0 += w) {
            const float *sp = s + q0;
            float *dp = d + q0 * kb + p * w;
            int64_t rows = min64(w, total - q0), r = 0;
            for (; r + 4 <= rows; r += 4) store4(dp + r, va * load4(sp + r));
            for (; r < rows; r++) dp[r] = alpha * sp[r];
            for (; r < w; r++) dp[r] = 0.0f;
        }
    }
}

/* Four rows by four columns of the source, transposed: col[j][i] = s[i*lds + j] for i, j < 4. */
static inline __attribute__((always_inline)) void transpose4_load(const float *s, int64_t lds,
                                                                  v4f col[4])
{
    v4f r0 = load4(s), r1 = load4(s + lds), r2 = load4(s + 2 * lds), r3 = load4(s + 3 * lds);
    v4f t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);
    v4f t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
    v4f t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
    v4f t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
    col[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
    col[1] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
    col[2] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
    col[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

/* Four rows by four columns of the source into four panel rows: d[j*w + i] = alpha *
 * s[i*lds + j] for i, j < 4. */
static inline __attribute__((always_inline)) void transpose4(const float *s, int64_t lds,
                                                             float *d, int w, v4f va)
{
    v4f col[4];
    transpose4_load(s, lds, col);
    for (int j = 0; j < 4; j++) store4(d + j * w, va * col[j]);
}

/* d[p*w + r] = alpha * s[r*lds + p], rows past `rows` zero. Sixteen source columns (a cache
 * line of each row) at a time across all the panel's rows: every source line is used whole in
 * one visit, whatever lds aliases to, and the panel is written in order, row after whole row
 * (row by row of four columns, the panel's lines were written a quarter at a time and a 784 x
 * 512 weight matrix packed at 20 GB/s; this way at 30-48). */
static void pack_transpose(const float *s, int64_t lds, int64_t rows, int w, int64_t kb,
                           float alpha, float *d)
{
    const v4f va = {alpha, alpha, alpha, alpha};
    const int64_t r4 = rows - rows % 4;
    int64_t p = 0;
    for (; p < kb; p += 16) {
        const int64_t cols = min64(16, kb - p), c4 = cols - cols % 4;
        float *dp = d + p * w;
        for (int64_t r = 0; r < r4; r += 4)
            for (int64_t j = 0; j < c4; j += 4) transpose4(s + r * lds + p + j, lds, dp + j * w + r, w, va);
        for (int64_t j = c4; j < cols; j++)
            for (int64_t r = 0; r < r4; r++) dp[j * w + r] = alpha * s[r * lds + p + j];
        for (int64_t j = 0; j < cols; j++) {
            for (int64_t r = r4; r < rows; r++) dp[j * w + r] = alpha * s[r * lds + p + j];
            for (int64_t r = rows; r < w; r++) dp[j * w + r] = 0.0f;
        }
    }
}

/* op(A) rows [i0, i0+mb) x k [p0, p0+kb) into MR-row panels. op(A) = A (m x k, row-major) or
 * A^T (A is k x m). */
static void pack_a(int mr, int trans, const float *a, int64_t lda, int64_t i0, int64_t mb,
                   int64_t p0, int64_t kb, float alpha, float *dst)
{
    if (trans) {
        pack_copy(a + p0 * lda + i0, lda, mb, mr, kb, alpha, dst);
        return;
    }
    for (int64_t ir = 0; ir < mb; ir += mr)
        pack_transpose(a + (i0 + ir) * lda + p0, lda, min64(mr, mb - ir), mr, kb, alpha,
                       dst + ir * kb);
}

/* op(B) k [p0, p0+kb) x columns [j0, j0+nb) into NR-column panels; only panels [q0, q1).
 * op(B) = B (k x n) or B^T (B is n x k). */
static void pack_b(int nr, int trans, const float *b, int64_t ldb, int64_t p0, int64_t kb,
                   int64_t j0, int64_t nb, int64_t q0, int64_t q1, float *dst)
{
    if (q1 <= q0) return;
    int64_t c0 = q0 * nr, cols = min64(nb, q1 * nr) - c0;
    if (!trans) {
        pack_copy(b + p0 * ldb + j0 + c0, ldb, cols, nr, kb, 1.0f, dst + c0 * kb);
        return;
    }
    for (int64_t q = q0; q < q1; q++)
        pack_transpose(b + (j0 + q * nr) * ldb + p0, ldb, min64(nr, nb - q * nr), nr, kb, 1.0f,
                       dst + q * nr * kb);
}

/* ---- the macro-kernel -----------------------------------------------------------------------
 * Runs the micro-kernel over an mb x nb block of C from packed A (rows) and packed B panels, or
 * from one of them where it lies (ars or bps not 0) through the table's gemm_ukr_strided.
 * first: this is the first k block (C is then overwritten, or scaled by beta and added to);
 * ep: the epilogue template for the last k block (NULL otherwise), whose bias points at the
 * block's first column. */
typedef struct block {
    int64_t kb;
    const float *ap, *bp;
    int64_t ars, aps;     /* A where it lies (ars != 0): element (i, p) at ap[i*ars + p*aps] */
    int64_t bps;          /* B where it lies (bps != 0): element (p, j) at bp[p*bps + j] ... */
    const float *bedge;   /* ... but its last, narrower panel packed here */
    int64_t mb, nb;
    float *c;
    int64_t ldc;
    int first;
    float beta;
    const lk_epilogue *ep;
} block;

static int cheap_act(latent_act act)
{
    return act == LATENT_ACT_IDENTITY || act == LATENT_ACT_RELU || act == LATENT_ACT_LEAKY_RELU;
}

static void macro_kernel(const lk_table *t, const block *bk)
{
    const int mr = t->mr, nr = t->nr;
    float scratch[MR_MAX * NR_MAX] __attribute__((aligned(64)));
    float bias_pad[NR_MAX];
    /* A read in place: a last tile of fewer than mr rows is packed, once for every panel */
    float apart[KC_MAX * MR_MAX] __attribute__((aligned(64)));
    const int64_t mfull = bk->ars ? bk->mb - bk->mb % mr : bk->mb;
    if (mfull < bk->mb && bk->ars == 1)
        pack_copy(bk->ap + mfull, bk->aps, bk->mb - mfull, mr, bk->kb, 1.0f, apart);
    else if (mfull < bk->mb)
        pack_transpose(bk->ap + mfull * bk->ars, bk->ars, bk->mb - mfull, mr, bk->kb, 1.0f, apart);
    for (int64_t jr = 0; jr < bk->nb; jr += nr) {
        int64_t cols = min64(nr, bk->nb - jr);
        const float *bp = bk->bp + jr * bk->kb;
        lk_epilogue e;
        const lk_epilogue *ep = NULL;
        if (bk->ep) {
            e = *bk->ep;
            ep = &e;
            if (e.kind == LK_EPI_BIAS_ACT) {
                if (e.bias && cols < nr) {
                    memcpy(bias_pad, e.bias + jr, (size_t)cols * sizeof(float));
                    for (int64_t j = cols; j < nr; j++) bias_pad[j] = 0.0f;
                    e.bias = bias_pad;
                } else if (e.bias) {
                    e.bias += jr;
                }
                if (!cheap_act(e.act)) e.act = LATENT_ACT_IDENTITY;
            }
        }
        for (int64_t ir = 0; ir < bk->mb; ir += mr) {
            int64_t rows = min64(mr, bk->mb - ir);
            float *ct = bk->c + ir * bk->ldc + jr;
            int acc = !bk->first || bk->beta != 0.0f;
            if (bk->first && bk->beta != 0.0f && bk->beta != 1.0f)
                for (int64_t i = 0; i < rows; i++)
                    for (int64_t j = 0; j < cols; j++) ct[i * bk->ldc + j] *= bk->beta;
            /* A or B read where it lies (never both); packed otherwise */
            const int a_ip = bk->ars != 0 && ir < mfull, b_ip = bk->bps != 0 && cols == nr;
            const float *ap = a_ip ? bk->ap + ir * bk->ars
                              : ir >= mfull ? apart : bk->ap + ir * bk->kb;
            const float *bt = b_ip ? bk->bp + jr : bk->bps ? bk->bedge : bp;
            const int64_t ars = a_ip ? bk->ars : 1, aps = a_ip ? bk->aps : mr;
            const int64_t bps = b_ip ? bk->bps : nr;
            const int strided = a_ip || b_ip;
            if ((rows < mr || cols < nr) && !a_ip && t->gemm_ukr_edge) {
                t->gemm_ukr_edge((int)rows, (int)cols, bk->kb, ap, bt, bps, ct, bk->ldc, acc, ep);
            } else {
                float *cd = ct;
                int64_t ldd = bk->ldc;
                if (rows < mr || cols < nr) {
                    /* an edge tile runs on a full tile of scratch */
                    cd = scratch, ldd = nr;
                    if (acc) {
                        memset(scratch, 0, sizeof scratch);
                        for (int64_t i = 0; i < rows; i++)
                            memcpy(scratch + i * nr, ct + i * bk->ldc, (size_t)cols * sizeof(float));
                    }
                }
                if (strided) t->gemm_ukr_strided(bk->kb, ap, ars, aps, bt, bps, cd, ldd, acc, ep);
                else t->gemm_ukr(bk->kb, ap, bt, cd, ldd, acc, ep);
                if (cd == scratch)
                    for (int64_t i = 0; i < rows; i++)
                        memcpy(ct + i * bk->ldc, scratch + i * nr, (size_t)cols * sizeof(float));
            }
            /* The costly activations run over the finished tile while it is still in L1. */
            if (ep && ep->kind == LK_EPI_BIAS_ACT && !cheap_act(bk->ep->act))
                for (int64_t i = 0; i < rows; i++)
                    t->act_fwd[bk->ep->act](cols, ct + i * bk->ldc, ct + i * bk->ldc,
                                            bk->ep->slope);
        }
    }
}

/* ---- thread grid ----------------------------------------------------------------------------
 * Threads split C's rows tm ways and its column panels tn ways (tm * tn <= nth), picking the
 * grid with the least work on the busiest thread; each thread packs its own rows of A and its
 * own columns of B. Rows are split in whole tiles of MR where that keeps the threads busy, else
 * row by row (a thread's last tile then runs on the edge kernel): a shard's small GEMMs have
 * fewer tiles than a many-core team has threads. Which thread computes an element never changes
 * its arithmetic, so the bytes of C do not depend on the thread count. */
typedef struct grid {
    int tm, tn;
    int64_t ru;          /* rows are split in units of this many (MR or 1) */
} grid;

/* Relative time of a row group of r rows, in rows of whole tiles: a part tile of fewer than a
 * third of MR rows has too few independent FMA chains to hide the FMA latency, and takes about
 * as long as one of MR / 3 rows. */
static double rows_cost(int64_t r, int mr)
{
    const int64_t part = r % mr, floor_rows = (int64_t)(mr / 3 > 1 ? mr / 3 : 1);
    return (double)(r - part) + (part ? (double)(part > floor_rows ? part : floor_rows) : 0.0);
}

/* The busiest thread's time per k step, in full-tile rows x panels: its tiles, and the operands
 * it streams (its rows of A, its panels of B), about eight floats a tile-row's time. */
static double cell_cost(int64_t rows, int64_t panels, int mr, int nr)
{
    return rows_cost(rows, mr) * (double)panels + (double)(rows + panels * nr) / 8.0;
}

static grid pick_grid(int nth, int64_t m, int mr, int nr, int64_t npanels)
{
    grid best = {1, 1, mr};
    double best_cost = -1.0;
    const int64_t units[2] = {mr, 1};
    for (int u = 0; u < 2; u++) {
        const int64_t ru = units[u], nunits = ceil_div(m, ru);
        for (int a = 1; a <= nth; a++)
            for (int b = 1; a * b <= nth; b++) {
                if (a > nunits || b > npanels) continue;
                const int64_t rows = min64(m, ceil_div(nunits, a) * ru);
                const double cost = cell_cost(rows, ceil_div(npanels, b), mr, nr);
                const int used = a * b, best_used = best.tm * best.tn;
                /* ties: more threads (the team waits for its slowest member anyway, and even
                 * shares keep every thread's caches equally busy), then whole tiles, then more
                 * row groups (a row split packs B twice, a column split packs A twice, and B is
                 * the smaller in training) */
                if (best_cost < 0 || cost < best_cost * (1.0 - 1e-9) ||
                    (cost <= best_cost * (1.0 + 1e-9) &&
                     (used > best_used || (used == best_used && ru > best.ru) ||
                      (used == best_used && ru == best.ru && a > best.tm)))) {
                    best_cost = cost;
                    best = (grid){a, b, ru};
                }
            }
    }
    return best;
}

/* Threads a standalone call opens a region for: none inside any region, active or not (a region
 * there would be a nested team), and none for work too small to pay for one. */
static int threads_for(int64_t fmas)
{
    if (omp_get_level() > 0 || fmas < PAR_MIN_FMAS) return 1;
    int n = omp_get_max_threads();
    return n < 1 ? 1 : n;
}

/* Members of a team that take part in one GEMM: the team's threads wait at its barrier anyway,
 * so any share above this many multiply-adds (a microsecond or two of one core) is worth it. */
#define TEAM_MIN_FMAS (16 * 16 * 32)

static int members_for(const lk_team *team, int64_t fmas)
{
    int64_t n = fmas / TEAM_MIN_FMAS;
    return n < 1 ? 1 : n < team->size ? (int)n : team->size;
}

/* Which cell of the grid a member computes: its index turned by an amount every member derives
 * from where C lies, so the GEMMs too small for the whole team fall on different members from
 * layer to layer instead of always on the first ones. */
static int cell_index(const lk_team *team, const float *c)
{
    const uint64_t h = ((uint64_t)(uintptr_t)c >> 6) * 0x9E3779B97F4A7C15ull;
    return (int)((uint64_t)team->id + (h >> 32) % (uint64_t)team->size) % team->size;
}

/* ---- SGEMM ----------------------------------------------------------------------------------- */
typedef struct gemm_job {
    const lk_table *t;
    int trans_a, trans_b;
    int64_t m, n, k, kc;
    float alpha, beta;
    const float *a, *b;
    int64_t lda, ldb, ldc;
    float *c;
    const lk_epilogue *ep; /* bias at column 0, or NULL */
    grid grid;             /* the thread grid */
    int a_in_place;        /* A read where it lies (gemm_ukr_strided), not packed */
    int b_in_place;        /* B read where it lies, all but a last narrower panel */
    const float *b_packed; /* B packed once by lk_sgemm_pack_b (all k blocks, all panels) */
} gemm_job;

/* One thread's cell of the grid: row tiles [row_lo, row_hi) and columns [col_lo, col_hi), walked
 * in blocks of mc rows and nc columns (nc a multiple of NR), packing into `pack` (B's panels,
 * then A's block at bpack_size floats). The blocking changes no sum: the k split is the job's. */
typedef struct gemm_cell {
    int64_t row_lo, row_hi, col_lo, col_hi, mc, nc;
    float *pack;
    size_t bpack_size;
    /* where C's element (i, j) lies: c[(i - c_row0) * ldc + (j - c_col0)] with c and ldc the
     * cell's own (a private tile of the swapped product) or the job's */
    float *c;
    int64_t ldc, c_row0, c_col0;
} gemm_cell;

static gemm_cell cell_of(const gemm_job *g, int id)
{
    const int mr = g->t->mr, nr = g->t->nr;
    const grid *gr = &g->grid;
    const int r = id / gr->tn, s = id % gr->tn;
    const int64_t units = ceil_div(g->m, gr->ru), npan = ceil_div(g->n, nr);
    gemm_cell c = {
        .row_lo = min64(g->m, units * r / gr->tm * gr->ru),
        .row_hi = min64(g->m, units * (r + 1) / gr->tm * gr->ru),
        .col_lo = npan * s / gr->tn * nr,
        .col_hi = min64(g->n, npan * (s + 1) / gr->tn * nr),
    };
    /* a thread's rows in MC chunks, as even as the tile allows; its columns in NC blocks */
    const int64_t mc = g->t->mc < mr ? mr : g->t->mc - g->t->mc % mr;
    const int64_t rows = c.row_hi - c.row_lo;
    c.mc = rows > 0 ? round_up(ceil_div(rows, ceil_div(rows, mc)), mr) : mr;
    c.nc = min64(round_up(g->t->nc < nr ? nr : g->t->nc, nr), round_up(c.col_hi - c.col_lo, nr));
    if (c.nc < nr) c.nc = nr;
    return c;
}

static void gemm_cell_run(const gemm_job *g, const gemm_cell *cl)
{
    const int nr = g->t->nr;
    float *bpack = cl->pack, *apack = bpack + cl->bpack_size;
    for (int64_t jc = cl->col_lo; jc < cl->col_hi; jc += cl->nc) {
        const int64_t nb = min64(cl->nc, cl->col_hi - jc), qn = ceil_div(nb, nr);
        for (int64_t pc = 0; pc < g->k; pc += g->kc) {
            int64_t kb = min64(g->kc, g->k - pc);
            /* Each thread packs the panels of B it uses itself: threads that share columns pack
             * them twice, but no thread ever waits for another (on a busy machine a barrier
             * waits for the slowest thread's next time slice, once per k block). */
            const float *bpk = bpack;
            if (g->b_packed) /* k block pc holds every panel, kb x NR each */
                bpk = g->b_packed + pc * round_up(g->n, nr) + (jc / nr) * kb * nr;
            else if (g->b_in_place && nb % nr)
                pack_b(nr, 0, g->b, g->ldb, pc, kb, jc, nb, qn - 1, qn, bpack);
            else if (!g->b_in_place)
                pack_b(nr, g->trans_b, g->b, g->ldb, pc, kb, jc, nb, 0, qn, bpack);
            lk_epilogue e;
            const lk_epilogue *ep = NULL;
            if (g->ep && pc + kb == g->k) {
                e = *g->ep;
                if (e.bias) e.bias += jc;
                ep = &e;
            }
            for (int64_t ic = cl->row_lo; ic < cl->row_hi; ic += cl->mc) {
                int64_t mb = min64(cl->mc, cl->row_hi - ic);
                block bk = {.kb = kb, .ap = apack, .bp = bpk, .mb = mb, .nb = nb,
                            .c = cl->c + (ic - cl->c_row0) * cl->ldc + (jc - cl->c_col0),
                            .ldc = cl->ldc, .first = pc == 0, .beta = g->beta, .ep = ep};
                if (g->b_in_place) {
                    bk.bp = g->b + pc * g->ldb + jc;
                    bk.bps = g->ldb;
                    bk.bedge = bpack + (qn - 1) * nr * kb;
                }
                if (g->a_in_place && g->trans_a) {
                    bk.ap = g->a + pc * g->lda + ic;
                    bk.ars = 1, bk.aps = g->lda;
                } else if (g->a_in_place) {
                    bk.ap = g->a + ic * g->lda + pc;
                    bk.ars = g->lda, bk.aps = 1;
                } else {
                    pack_a(g->t->mr, g->trans_a, g->a, g->lda, ic, mb, pc, kb, g->alpha, apack);
                }
                macro_kernel(g->t, &bk);
                lk_work_add(mb * nb * kb);
            }
        }
    }
}

/* Out of memory: the cell one tile at a time, packed on the stack (the same k split, so the
 * same bytes). Kept apart so its buffer is on the stack only when it runs. */
static __attribute__((noinline)) void gemm_cell_on_stack(const gemm_job *g, gemm_cell cl)
{
    float stack[KC_MAX * (NR_MAX + MR_MAX)] __attribute__((aligned(64)));
    cl.mc = g->t->mr, cl.nc = g->t->nr;
    cl.pack = stack, cl.bpack_size = KC_MAX * NR_MAX;
    gemm_cell_run(g, &cl);
}

static void gemm_member(const gemm_job *g, int id)
{
    if (id >= g->grid.tm * g->grid.tn) return;
    gemm_cell cl = cell_of(g, id);
    if (cl.row_lo >= cl.row_hi || cl.col_lo >= cl.col_hi) return;
    cl.c = g->c, cl.ldc = g->ldc;
    cl.bpack_size = seg(g->kc * cl.nc);
    cl.pack = workspace(cl.bpack_size + seg(g->kc * cl.mc));
    if (cl.pack) gemm_cell_run(g, &cl);
    else gemm_cell_on_stack(g, cl);
}

/* ---- the swapped product ---------------------------------------------------------------------
 * C = A B^T with few rows in A (a layer's forward pass on one shard: A the shard's rows, B the
 * weights [out, in]) would pack all of B^T for a handful of row tiles. C^T = B A^T instead reads
 * B where it lies and packs only A, and each member writes its cell of C^T back into C
 * transposed, with the bias and activation the epilogue would have applied. Every C element is
 * the same products summed in the same order (the k split is k's alone), and the epilogue's
 * additions and activations are the table's own, so the bytes are those of the direct product. */

/* Cell [r0, r1) x [c0, c1) of C^T (ld floats apart in t) into C's rows [c0, c1), columns
 * [r0, r1), then bias and activation as the epilogue ep (or none) would apply them. The bias
 * (or zero: the epilogue adds it even for identity, which turns -0 into +0) goes in as the
 * transposed values are stored, the same single addition, so C is written once and only a
 * costly activation passes over it again. */
static void store_transposed(const lk_table *t, const float *ct, int64_t ld, int64_t r0,
                             int64_t r1, int64_t c0, int64_t c1, float *c, int64_t ldc,
                             const lk_epilogue *ep)
{
    const int64_t rows = r1 - r0, i4 = c0 + (c1 - c0) / 4 * 4;
    const float *bias = ep && ep->bias ? ep->bias + r0 : NULL;
    const int add = ep != NULL;
    const v4f zero = {0.0f, 0.0f, 0.0f, 0.0f};
    /* sixteen of C's columns at a time (a line of each of its rows), down all the cell's rows
     * in blocks of four: the sixteen rows of C^T they come from stay in L1 meanwhile */
    for (int64_t j0 = 0; j0 < rows; j0 += 16) {
        const int64_t j1 = min64(j0 + 16, rows), j4 = j0 + (j1 - j0) / 4 * 4;
        for (int64_t i = c0; i < i4; i += 4) {
            float *ci = c + i * ldc + r0;
            const float *src = ct + (i - c0);
            v4f col[4];
            for (int64_t j = j0; j < j4; j += 4) {
                transpose4_load(src + j * ld, ld, col);
                if (add) {
                    const v4f b = bias ? load4(bias + j) : zero;
                    for (int q = 0; q < 4; q++) store4(ci + q * ldc + j, col[q] + b);
                } else {
                    for (int q = 0; q < 4; q++) store4(ci + q * ldc + j, col[q]);
                }
            }
            for (int64_t j = j4; j < j1; j++)
                for (int q = 0; q < 4; q++)
                    ci[q * ldc + j] = add ? src[j * ld + q] + (bias ? bias[j] : 0.0f) : src[j * ld + q];
        }
    }
    for (int64_t i = i4; i < c1; i++) {
        float *ci = c + i * ldc + r0;
        const float *src = ct + (i - c0);
        for (int64_t j = 0; j < rows; j++)
            ci[j] = add ? src[j * ld] + (bias ? bias[j] : 0.0f) : src[j * ld];
    }
    if (ep && ep->act != LATENT_ACT_IDENTITY)
        for (int64_t i = c0; i < c1; i++) t->act_fwd[ep->act](rows, c + i * ldc + r0, c + i * ldc + r0, ep->slope);
}

static void swapped_member(const gemm_job *g, int id, const lk_epilogue *ep, float *c,
                           int64_t ldc)
{
    if (id >= g->grid.tm * g->grid.tn) return;
    gemm_cell cl = cell_of(g, id);
    if (cl.row_lo >= cl.row_hi || cl.col_lo >= cl.col_hi) return;
    const int64_t ld = cl.col_hi - cl.col_lo, tile = seg((cl.row_hi - cl.row_lo) * ld);
    cl.bpack_size = seg(g->kc * cl.nc);
    float *w = workspace(tile + cl.bpack_size + seg(g->kc * cl.mc));
    float stack_tile[MR_MAX * NR_MAX];
    if (w) {
        cl.c = w, cl.ldc = ld, cl.c_row0 = cl.row_lo, cl.c_col0 = cl.col_lo;
        cl.pack = w + tile;
        gemm_cell_run(g, &cl);
        store_transposed(g->t, w, ld, cl.row_lo, cl.row_hi, cl.col_lo, cl.col_hi, c, ldc, ep);
        return;
    }
    /* Out of memory: one tile of C^T at a time through the stack. */
    const int mr = g->t->mr, nr = g->t->nr;
    for (int64_t r = cl.row_lo; r < cl.row_hi; r += mr)
        for (int64_t q = cl.col_lo; q < cl.col_hi; q += nr) {
            gemm_cell one = cl;
            one.row_lo = r, one.row_hi = min64(r + mr, cl.row_hi);
            one.col_lo = q, one.col_hi = min64(q + nr, cl.col_hi);
            one.c = stack_tile, one.ldc = nr, one.c_row0 = one.row_lo, one.c_col0 = one.col_lo;
            gemm_cell_on_stack(g, one);
            store_transposed(g->t, stack_tile, nr, one.row_lo, one.row_hi, one.col_lo,
                             one.col_hi, c, ldc, ep);
        }
}

/* C = beta C, then bias and activation, for rows [i0, i1): what a GEMM with k = 0 leaves. */
static void scale_only(const lk_table *t, int64_t i0, int64_t i1, int64_t n, float beta, float *c,
                       int64_t ldc, const float *bias, latent_act act, float slope)
{
    for (int64_t i = i0; i < i1; i++) {
        float *ci = c + i * ldc;
        for (int64_t j = 0; j < n; j++) ci[j] = (beta == 0.0f ? 0.0f : beta * ci[j]) + (bias ? bias[j] : 0.0f);
        t->act_fwd[act](n, ci, ci, slope);
    }
}

/* A grid's cost as pick_grid weighs it: the busiest cell's. */
static double grid_cost(const grid *g, int64_t m, int mr, int nr, int64_t npanels)
{
    const int64_t rows = min64(m, ceil_div(ceil_div(m, g->ru), g->tm) * g->ru);
    return cell_cost(rows, ceil_div(npanels, g->tn), mr, nr);
}

/* Weight rows kept by a member cost at most this much more than the best grid's busiest cell:
 * what the caches save is worth a little imbalance, not a many-core team's thin row slices. */
#define WEIGHT_ROWS_SLACK 1.10

/* The whole team splitting the rows of a product whose C (or C^T) rows are weight rows, member
 * i taking lk_team_split's part i, in place of *g (the best grid for the team), when the work
 * pays for every member and the split costs little more than *g; returns whether it did. */
static int take_weight_rows(const lk_table *t, const lk_team *team, int64_t rows, int64_t fmas,
                            int64_t npanels, grid *g)
{
    if (team->size < 2 || rows < team->size || members_for(team, fmas) < team->size) return 0;
    const grid split = {team->size, 1, 1};
    if (grid_cost(&split, rows, t->mr, t->nr, npanels) >
        WEIGHT_ROWS_SLACK * grid_cost(g, rows, t->mr, t->nr, npanels))
        return 0;
    *g = split;
    return 1;
}

static void k_rows(const lk_team *team, const lk_table *t, int64_t m, int64_t n, int64_t k,
                   const float *a, int64_t lda, const float *b, int64_t ldb, float *c,
                   int64_t ldc, int buffered);

static void sgemm_team(const lk_team *team, const lk_table *t, int trans_a, int trans_b, int64_t m,
                       int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                       const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
                       const float *bias, latent_act act, float slope, int weight_rows)
{
    if (m <= 0 || n <= 0) return;
    /* dY W: B's rows (k) are the weight rows */
    if (weight_rows && !trans_a && !trans_b && alpha == 1.0f && beta == 0.0f && !bias &&
        act == LATENT_ACT_IDENTITY) {
        k_rows(team, t, m, n, k, a, lda, b, ldb, c, ldc, 1);
        return;
    }
    if (k <= 0) {
        int64_t lo, hi;
        lk_team_split(team, m, &lo, &hi);
        scale_only(t, lo, hi, n, beta, c, ldc, bias, act, slope);
        return;
    }
    const int mr = t->mr, nr = t->nr;
    lk_epilogue epi = {.kind = LK_EPI_BIAS_ACT, .bias = bias, .act = act, .slope = slope};
    if (!trans_a && trans_b && alpha == 1.0f && beta == 0.0f && m <= LK_SWAP_MAX_ROWS && n > m &&
        t->gemm_ukr_strided) {
        gemm_job g = {.t = t, .trans_a = 0, .trans_b = 1, .m = n, .n = m, .k = k, .alpha = 1.0f,
                      .beta = 0.0f, .a = b, .lda = ldb, .b = a, .ldb = lda, .a_in_place = 1};
        g.kc = k_block(t, k);
        g.grid = pick_grid(members_for(team, m * n * k), n, mr, nr, ceil_div(m, nr));
        const int owned =
            weight_rows && take_weight_rows(t, team, n, m * n * k, ceil_div(m, nr), &g.grid);
        swapped_member(&g, owned ? team->id : cell_index(team, c),
                       (bias || act != LATENT_ACT_IDENTITY) ? &epi : NULL, c, ldc);
        return;
    }
    gemm_job g = {.t = t, .trans_a = !!trans_a, .trans_b = !!trans_b, .m = m, .n = n, .k = k,
                  .alpha = alpha, .beta = beta, .a = a, .b = b, .lda = lda, .ldb = ldb,
                  .ldc = ldc, .c = c,
                  .ep = (bias || act != LATENT_ACT_IDENTITY) ? &epi : NULL};
    g.kc = k_block(t, k);
    g.a_in_place = alpha == 1.0f && t->gemm_ukr_strided && n <= A_IN_PLACE_MAX_N;
    g.b_in_place = !g.a_in_place && !g.trans_b && t->gemm_ukr_strided && m <= B_IN_PLACE_MAX_M;
    const int64_t ncols = min64(round_up(t->nc < nr ? nr : t->nc, nr), round_up(n, nr));
    g.grid = pick_grid(members_for(team, m * n * k), m, mr, nr, ceil_div(ncols, nr));
    const int owned = weight_rows && trans_a && !trans_b &&
                      take_weight_rows(t, team, m, m * n * k, ceil_div(ncols, nr), &g.grid);
    gemm_member(&g, owned ? team->id : cell_index(team, c));
}

void lk_sgemm_team(const lk_team *team, const lk_table *t, int trans_a, int trans_b, int64_t m,
                   int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                   const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
                   const float *bias, latent_act act, float slope)
{
    sgemm_team(team, t, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, act,
               slope, 0);
}

void lk_sgemm_team_weight_rows(const lk_team *team, const lk_table *t, int trans_a, int trans_b,
                               int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                               int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                               int64_t ldc, const float *bias, latent_act act, float slope)
{
    sgemm_team(team, t, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, act,
               slope, 1);
}

/* ---- the product along the weight rows -------------------------------------------------------
 * C = A B with B a layer's weights (k x n, k its outputs: dX = dY W): split by output columns,
 * every member reads every weight row, half of them from the other core's caches, and takes
 * them back from there again when it updates its own rows. Split along k instead at the members'
 * own weight rows, each reads only its rows; k blocks let that keep the bytes: with
 * gemm_adds_c the product of each k block is summed from zero and then added to C, block after
 * block, so a block's product may be formed anywhere and added later. */

/* Whether member i's weight rows are whole k blocks of kb for every member, each at least one. */
static int rows_are_blocks(int members, int64_t k, int64_t kb)
{
    for (int i = 0; i < members; i++) {
        const lk_team mi = {i, members, NULL};
        int64_t lo, hi;
        lk_team_split(&mi, k, &lo, &hi);
        if (hi <= lo || lo % kb || (hi % kb && hi != k)) return 0;
    }
    return 1;
}

/* C's rows [r0, r1) plus nblocks block products (m x n each, one after another at p), in
 * their order: C = P + C, as the micro-kernel adds C to a block's sum. */
static void add_blocks(const float *p, int64_t nblocks, int64_t m, int64_t n, int64_t r0,
                       int64_t r1, float *c, int64_t ldc)
{
    for (int64_t q = 0; q < nblocks; q++)
        for (int64_t r = r0; r < r1; r++) {
            const float *pr = p + (q * m + r) * n;
            float *cr = c + r * ldc;
            for (int64_t j = 0; j < n; j++) cr[j] = pr[j] + cr[j];
        }
}

int lk_sgemm_k_rows_splits(const lk_table *t, int members, int64_t m, int64_t n, int64_t k)
{
    const lk_team team = {0, members, NULL};
    return m > 0 && n > 0 && k > 0 && members >= 2 && t->gemm_adds_c &&
           members_for(&team, m * n * k) == members && rows_are_blocks(members, k, k_block(t, k));
}

/* C = A B on the team, along k at the members' weight rows when they are whole blocks (each
 * member without its buffer when not `buffered`), else the team product. */
static void k_rows(const lk_team *team, const lk_table *t, int64_t m, int64_t n, int64_t k,
                   const float *a, int64_t lda, const float *b, int64_t ldb, float *c,
                   int64_t ldc, int buffered)
{
    if (!lk_team_can_post(team) || !lk_sgemm_k_rows_splits(t, team->size, m, n, k)) {
        sgemm_team(team, t, 0, 0, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc, NULL,
                   LATENT_ACT_IDENTITY, 0.0f, 0);
        return;
    }
    const lk_team solo = lk_team_solo();
    const int64_t kb = k_block(t, k);
    int64_t lo, hi;
    lk_team_split(team, k, &lo, &hi);
    const int64_t mine = ceil_div(hi - lo, kb);
    /* member 0's blocks go straight into C, in order; the others' into buffers of their own */
    float *p = !team->id  ? c
               : buffered ? lk_scratch(LK_SCRATCH_KBLOCKS, (size_t)(mine * m * n))
                          : NULL;
    for (int64_t q = 0; q < mine && (p || !team->id); q++) {
        const int64_t p0 = lo + q * kb, kk = min64(kb, hi - p0);
        if (team->id)
            sgemm_team(&solo, t, 0, 0, m, n, kk, 1.0f, a + p0, lda, b + p0 * ldb, ldb, 0.0f,
                       p + q * m * n, n, NULL, LATENT_ACT_IDENTITY, 0.0f, 0);
        else
            sgemm_team(&solo, t, 0, 0, m, n, kk, 1.0f, a + p0, lda, b + p0 * ldb, ldb,
                       q ? 1.0f : 0.0f, c, ldc, NULL, LATENT_ACT_IDENTITY, 0.0f, 0);
    }
    lk_team_post(team, p);
    lk_team_sync(team);
    /* The blocks of members 1, 2, ... into C in order, each member its rows of C; a member
     * without a buffer (out of memory) adds its blocks itself, the others waiting. */
    int64_t r0, r1;
    lk_team_split(team, m, &r0, &r1);
    for (int i = 1; i < team->size; i++) {
        const lk_team mi = {i, team->size, NULL};
        int64_t ilo, ihi;
        lk_team_split(&mi, k, &ilo, &ihi);
        const float *pi = lk_team_posted(team, i);
        if (pi) {
            add_blocks(pi, ceil_div(ihi - ilo, kb), m, n, r0, r1, c, ldc);
            continue;
        }
        lk_team_sync(team);
        for (int64_t p0 = ilo; p0 < ihi && team->id == i; p0 += kb)
            sgemm_team(&solo, t, 0, 0, m, n, min64(kb, ihi - p0), 1.0f, a + p0, lda,
                       b + p0 * ldb, ldb, 1.0f, c, ldc, NULL, LATENT_ACT_IDENTITY, 0.0f, 0);
        lk_team_sync(team);
    }
}

void lk_sgemm_team_k_rows_buffered(const lk_team *team, const lk_table *t, int64_t m, int64_t n,
                                   int64_t k, const float *a, int64_t lda, const float *b,
                                   int64_t ldb, float *c, int64_t ldc, int buffered)
{
    k_rows(team, t, m, n, k, a, lda, b, ldb, c, ldc, buffered);
}

/* ---- the weight gradient of several shards, summed by the fixed tree -------------------------
 * C = sum over parts p of A_p^T B_p, where part p is rows [k0[p], k0[p] + klen[p]) of A (k x m)
 * and B (k x n), the parts' products added by the fixed tree of the gradient reduction (the
 * first power-of-two block of parts, then the rest, left + right). Each part's product is the
 * one lk_sgemm(TN) of its rows alone gives (its own k split), tile by tile, so the bytes are
 * those of one GEMM per part into its own buffer and the tree over the buffers afterwards; but
 * the parts' tiles meet in L1, and C is written once instead of once per part and read back. */

/* Scratch tiles of a tile's tree: the edge tile, then one per level (2^20 parts). */
#define TREE_DEPTH 22
/* Floats of packed B a cell keeps per column block (its k rows x nc columns): L2-sized. */
#define TREE_B_FLOATS (128 * 1024)

typedef struct tree_job {
    const lk_table *t;
    const int64_t *k0, *klen;
    int parts;
    const float *a, *b;
    int64_t lda, ldb;
} tree_job;

/* One tile of C and where its operands are: packed for the whole block (part after part, each
 * as its k blocks, kb x mbr floats of A and kb x nbr of B per block), or, with no workspace
 * (apack NULL), packed by each leaf on the stack. */
typedef struct tree_tile {
    const tree_job *j;
    const float *apack, *bpack; /* the block's packed A (mbr rows) and B (nbr columns) */
    int64_t mbr, nbr;           /* the block's rows and columns rounded up to tiles and panels */
    int64_t ir, jr;             /* the tile's first row and column in the block */
    int64_t i0, j0, rows, cols; /* ... and in C, with its size */
} tree_tile;

/* The packed floats before part p in a block of `width` lanes (parts packed one after another,
 * each as its k blocks). */
static int64_t tree_offset(const tree_job *j, int p, int64_t width)
{
    int64_t at = 0;
    for (int q = 0; q < p; q++) at += j->klen[q] * width;
    return at;
}

/* Part p's product for one tile into d (ld floats apart): its k blocks in order, the first
 * overwriting, the rest accumulating, as lk_sgemm's own k loop does. */
static __attribute__((noinline)) void tree_leaf_on_stack(const tree_tile *x, int p, float *d,
                                                         int64_t ld, int add)
{
    const tree_job *j = x->j;
    const int mr = j->t->mr, nr = j->t->nr;
    float ab[KC_MAX * (MR_MAX + NR_MAX)] __attribute__((aligned(64)));
    const int64_t kc = k_block(j->t, j->klen[p]);
    for (int64_t pc = 0; pc < j->klen[p]; pc += kc) {
        const int64_t kb = min64(kc, j->klen[p] - pc);
        pack_a(mr, 1, j->a, j->lda, x->i0, x->rows, j->k0[p] + pc, kb, 1.0f, ab);
        pack_b(nr, 0, j->b, j->ldb, j->k0[p] + pc, kb, x->j0, x->cols, 0, 1, ab + KC_MAX * MR_MAX);
        j->t->gemm_ukr(kb, ab, ab + KC_MAX * MR_MAX, d, ld, add || pc > 0, NULL);
    }
}

/* Part p's product of one tile into d, or, with `add` (one k block, a level that adds C last),
 * d + that product: the same single rounding as the product into a scratch tile added after. */
static void tree_leaf(const tree_tile *x, int p, float *d, int64_t ld, int add)
{
    const tree_job *j = x->j;
    if (!x->apack) {
        tree_leaf_on_stack(x, p, d, ld, add);
        return;
    }
    const int64_t at_a = tree_offset(j, p, x->mbr), at_b = tree_offset(j, p, x->nbr);
    const int64_t kc = k_block(j->t, j->klen[p]);
    for (int64_t pc = 0; pc < j->klen[p]; pc += kc) {
        const int64_t kb = min64(kc, j->klen[p] - pc);
        const float *ap = x->apack + at_a + pc * x->mbr + x->ir * kb;
        const float *bp = x->bpack + at_b + pc * x->nbr + x->jr * kb;
        j->t->gemm_ukr(kb, ap, bp, d, ld, add || pc > 0, NULL);
    }
}

/* Parts [lo, hi) of one tile into d, by the reduction's tree. */
static void tree_tile_sum(const tree_tile *x, int lo, int hi, float *d, int64_t ld,
                          float (*tmp)[MR_MAX * NR_MAX])
{
    const tree_job *j = x->j;
    if (hi - lo == 1) {
        tree_leaf(x, lo, d, ld, 0);
        return;
    }
    int half = 1;
    while (half * 2 < hi - lo) half *= 2;
    const int mr = j->t->mr, nr = j->t->nr;
    tree_tile_sum(x, lo, lo + half, d, ld, tmp + 1);
    const int64_t right = j->klen[lo + half];
    if (hi - lo - half == 1 && j->t->gemm_adds_c && k_block(j->t, right) >= right) {
        /* a right part of one k block adds itself onto the left sum in the micro-kernel */
        tree_leaf(x, lo + half, d, ld, 1);
        return;
    }
    tree_tile_sum(x, lo + half, hi, tmp[0], nr, tmp + 1);
    for (int i = 0; i < mr; i++)
        for (int c = 0; c < nr; c++) d[i * ld + c] = d[i * ld + c] + tmp[0][i * nr + c];
}

/* The tile's sum into C: in place when whole, through a scratch tile at the edges. */
static void tree_tile_store(const tree_tile *x, float *c, int64_t ldc)
{
    float tmp[TREE_DEPTH][MR_MAX * NR_MAX] __attribute__((aligned(64)));
    float *ct = c + x->i0 * ldc + x->j0;
    const int nr = x->j->t->nr;
    if (x->rows == x->j->t->mr && x->cols == nr) {
        tree_tile_sum(x, 0, x->j->parts, ct, ldc, tmp + 1);
        return;
    }
    tree_tile_sum(x, 0, x->j->parts, tmp[0], nr, tmp + 1);
    for (int64_t i = 0; i < x->rows; i++)
        memcpy(ct + i * ldc, tmp[0] + i * nr, (size_t)x->cols * sizeof(float));
}

static void tree_cell(const tree_job *j, const gemm_cell *cl, int64_t ktotal, float *c,
                      int64_t ldc, float *apack, float *bpack, int64_t nc)
{
    const lk_table *t = j->t;
    const int mr = t->mr, nr = t->nr;
    for (int64_t jc = cl->col_lo; jc < cl->col_hi; jc += nc) {
        const int64_t nb = min64(nc, cl->col_hi - jc), qn = ceil_div(nb, nr);
        for (int p = 0; p < j->parts; p++) {
            const int64_t kc = k_block(t, j->klen[p]);
            float *dst = bpack + tree_offset(j, p, qn * nr);
            for (int64_t pc = 0; pc < j->klen[p]; pc += kc) {
                const int64_t kb = min64(kc, j->klen[p] - pc);
                pack_b(nr, 0, j->b, j->ldb, j->k0[p] + pc, kb, jc, nb, 0, qn, dst + pc * qn * nr);
            }
        }
        for (int64_t ic = cl->row_lo; ic < cl->row_hi; ic += cl->mc) {
            const int64_t mb = min64(cl->mc, cl->row_hi - ic), mbr = round_up(mb, mr);
            for (int p = 0; p < j->parts; p++) {
                const int64_t kc = k_block(t, j->klen[p]);
                float *dst = apack + tree_offset(j, p, mbr);
                for (int64_t pc = 0; pc < j->klen[p]; pc += kc) {
                    const int64_t kb = min64(kc, j->klen[p] - pc);
                    pack_a(mr, 1, j->a, j->lda, ic, mb, j->k0[p] + pc, kb, 1.0f, dst + pc * mbr);
                }
            }
            tree_tile x = {j, apack, bpack, mbr, qn * nr, 0, 0, 0, 0, 0, 0};
            for (x.jr = 0; x.jr < nb; x.jr += nr)
                for (x.ir = 0; x.ir < mb; x.ir += mr) {
                    x.i0 = ic + x.ir, x.j0 = jc + x.jr;
                    x.rows = min64(mr, mb - x.ir), x.cols = min64(nr, nb - x.jr);
                    tree_tile_store(&x, c, ldc);
                }
            lk_work_add(mb * nb * ktotal);
        }
    }
}

void lk_sgemm_tn_tree(const lk_team *team, const lk_table *t, int64_t m, int64_t n,
                      const int64_t *k0, const int64_t *klen, int parts, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc)
{
    if (m <= 0 || n <= 0 || parts <= 0) return;
    const int mr = t->mr, nr = t->nr;
    int64_t ktotal = 0;
    for (int p = 0; p < parts; p++) ktotal += klen[p];
    /* columns per block: B's packed block stays about L2-sized */
    int64_t nc = TREE_B_FLOATS / (ktotal > 0 ? ktotal : 1) / nr * nr;
    nc = nc < nr ? nr : min64(nc, round_up(n, nr));
    gemm_job g = {.t = t, .m = m, .n = n, .k = ktotal};
    const int64_t fmas = m * n * (ktotal > 0 ? ktotal : 1);
    g.grid = pick_grid(members_for(team, fmas), m, mr, nr, ceil_div(n, nr));
    const int owned = take_weight_rows(t, team, m, fmas, ceil_div(n, nr), &g.grid);
    const int id = owned ? team->id : cell_index(team, c);
    if (id >= g.grid.tm * g.grid.tn) return;
    gemm_cell cl = cell_of(&g, id);
    if (cl.row_lo >= cl.row_hi || cl.col_lo >= cl.col_hi) return;
    const tree_job j = {t, k0, klen, parts, a, b, lda, ldb};
    const size_t bfloats = seg(ktotal * nc), afloats = seg(ktotal * cl.mc);
    float *w = workspace(bfloats + afloats);
    if (w) {
        tree_cell(&j, &cl, ktotal, c, ldc, w + bfloats, w, nc);
        return;
    }
    /* out of memory: every leaf packs its own tile on the stack (the same sums) */
    tree_tile x = {&j, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0};
    for (x.j0 = cl.col_lo; x.j0 < cl.col_hi; x.j0 += nr)
        for (x.i0 = cl.row_lo; x.i0 < cl.row_hi; x.i0 += mr) {
            x.rows = min64(mr, cl.row_hi - x.i0), x.cols = min64(nr, cl.col_hi - x.j0);
            tree_tile_store(&x, c, ldc);
        }
    lk_work_add((cl.row_hi - cl.row_lo) * (cl.col_hi - cl.col_lo) * ktotal);
}

/* ---- B packed once, for many products ---------------------------------------------------- */

size_t lk_sgemm_packed_floats(const lk_table *t, int64_t k, int64_t n)
{
    return (size_t)(k * round_up(n, t->nr));
}

void lk_sgemm_pack_b(const lk_team *team, const lk_table *t, int trans_b, int64_t k, int64_t n,
                     const float *b, int64_t ldb, float *packed)
{
    const int nr = t->nr;
    const int64_t kc = k_block(t, k), npan = ceil_div(n, nr);
    int64_t q0, q1;
    lk_team_split(team, npan, &q0, &q1);
    for (int64_t pc = 0; pc < k; pc += kc) {
        const int64_t kb = min64(kc, k - pc);
        pack_b(nr, trans_b, b, ldb, pc, kb, 0, n, q0, q1, packed + pc * npan * nr);
    }
}

void lk_sgemm_packed(const lk_table *t, int trans_a, int64_t m, int64_t n, int64_t k,
                     const float *a, int64_t lda, const float *packed, float beta, float *c,
                     int64_t ldc, const float *bias, latent_act act, float slope)
{
    if (m <= 0 || n <= 0 || k <= 0) return;
    lk_epilogue epi = {.kind = LK_EPI_BIAS_ACT, .bias = bias, .act = act, .slope = slope};
    gemm_job g = {.t = t, .trans_a = !!trans_a, .m = m, .n = n, .k = k, .alpha = 1.0f,
                  .beta = beta, .a = a, .lda = lda, .ldc = ldc, .c = c, .b_packed = packed,
                  .ep = (bias || act != LATENT_ACT_IDENTITY) ? &epi : NULL};
    g.kc = k_block(t, k);
    g.a_in_place = t->gemm_ukr_strided && n <= A_IN_PLACE_MAX_N;
    g.grid = (grid){1, 1, t->mr};
    gemm_cell cl = cell_of(&g, 0);
    cl.nc = round_up(n, t->nr); /* the packed B is one block of columns */
    cl.c = c, cl.ldc = ldc;
    cl.bpack_size = 0;
    cl.pack = g.a_in_place ? NULL : workspace(seg(g.kc * cl.mc));
    if (!g.a_in_place && !cl.pack) {
        /* out of memory: A read where it lies after all, when the level can */
        g.a_in_place = t->gemm_ukr_strided != NULL;
        if (!g.a_in_place) return;
    }
    gemm_cell_run(&g, &cl);
}

void lk_sgemm(const lk_table *t, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
              float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
              float *c, int64_t ldc, const float *bias, latent_act act, float slope)
{
    const int nth = threads_for(m * n * (k > 0 ? k : 1));
    if (nth == 1) {
        const lk_team solo = lk_team_solo();
        lk_sgemm_team(&solo, t, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                      bias, act, slope);
        return;
    }
#pragma omp parallel num_threads(nth)
    {
        LK_REGION_ENTERED();
        const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), NULL};
        lk_sgemm_team(&team, t, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                      bias, act, slope);
    }
}

/* ---- k-means assignment ---------------------------------------------------------------------
 * A row's label is the lowest j minimizing cnorm[j] - 2 x.c_j with x.c_j taken from rows_dot
 * (the level's fixed order), and its dist is that minimum: the definition involves rows_dot
 * alone, so every path below gives the same bytes.
 * - Few centers (less than half a micro-kernel tile, where a GEMM tile would be mostly padding)
 *   or few rows (no panels worth packing): rows_dot against every center.
 * - Otherwise screening: an approximate dot product for every (row, center) from a GEMM-blocked
 *   pass, X C^T in float or, where the table has kmeans_dots_bf16, in bfloat16 pairs at twice
 *   the FMA rate; a proven bound then rules out all but typically one or two centers per row,
 *   and only those get rows_dot's exact score. */
#define ASSIGN_ROWS 32
/* Below this many rows, packing the centers costs more than screening saves. */
#define SCREEN_MIN_ROWS 64
/* Screening needs gamma(d) (below) small; beyond this d every center is recomputed. */
#define SCREEN_MAX_D 65536
/* Most candidates a row recomputes one by one (see pick_row). */
#define PICK_MAX_CANDIDATES 64
/* Floats of screened dots a thread keeps for one row block (the block's rows x all centers). */
#define SCREEN_BLOCK_FLOATS 65536

static int assign_by_rows(const lk_table *t, int64_t n, int64_t k, int64_t d)
{
    return 2 * k <= t->nr || n < SCREEN_MIN_ROWS || d > SCREEN_MAX_D;
}

/* The exact score of every center for one row: the definition itself, for few rows, for rows
 * whose screening rules out too little, and with no workspace at all. rows_dot takes the centers
 * a stack-sized group at a time (several independent products in flight); its products do not
 * depend on the grouping. */
#define EXACT_GROUP 64
static void assign_row_exact(const lk_table *t, int64_t d, const float *xi, const float *centers,
                             int64_t k, const float *cnorm, int32_t *label, float *dist)
{
    float dots[EXACT_GROUP], best = INFINITY;
    int32_t idx = 0;
    for (int64_t j0 = 0; j0 < k; j0 += EXACT_GROUP) {
        const int64_t m = min64(EXACT_GROUP, k - j0);
        t->rows_dot(1, m, d, xi, d, centers + j0 * d, d, dots, m);
        for (int64_t j = 0; j < m; j++) {
            float v = cnorm[j0 + j] - 2.0f * dots[j];
            if (v < best) best = v, idx = (int32_t)(j0 + j);
        }
    }
    *label = idx;
    if (dist) *dist = best;
}

/* Rows [b * ASSIGN_ROWS, ...) against every center, all scores of the block at once. */
static void assign_block(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                         const float *centers, int64_t k, const float *cnorm, int32_t *labels,
                         float *dist, int64_t b)
{
    float dots[ASSIGN_ROWS * NR_MAX / 2];
    int64_t i0 = b * ASSIGN_ROWS, rows = min64(ASSIGN_ROWS, n - i0);
    t->rows_dot(rows, k, d, x + i0 * ldx, ldx, centers, d, dots, k);
    for (int64_t i = 0; i < rows; i++) {
        float best = INFINITY;
        int32_t idx = 0;
        for (int64_t j = 0; j < k; j++) {
            float v = cnorm[j] - 2.0f * dots[i * k + j];
            if (v < best) best = v, idx = (int32_t)j;
        }
        labels[i0 + i] = idx;
        if (dist) dist[i0 + i] = best;
    }
}

static void assign_rows(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                        const float *centers, int64_t k, const float *cnorm, int32_t *labels,
                        float *dist)
{
    if (2 * k > t->nr) {
        for (int64_t i = 0; i < n; i++)
            assign_row_exact(t, d, x + i * ldx, centers, k, cnorm, labels + i, dist ? dist + i : NULL);
        return;
    }
    int nth = threads_for(n * k * (d > 0 ? d : 1));
    int64_t nblk = ceil_div(n, ASSIGN_ROWS);
    if (nth > nblk) nth = (int)nblk;
    if (nth == 1) {
        for (int64_t b = 0; b < nblk; b++) assign_block(t, n, d, x, ldx, centers, k, cnorm, labels, dist, b);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(nth)
    for (int64_t b = 0; b < nblk; b++) {
        LK_REGION_ENTERED();
        assign_block(t, n, d, x, ldx, centers, k, cnorm, labels, dist, b);
    }
}

/* The screening bound. S_j = cnorm_j - 2 x.c_j exactly, B_j = ||x|| ||c_j|| >= sum_p |x_p c_jp|.
 * A float sum of d products in any order is within gamma(d + 8) B_j of x.c_j (gamma(n) =
 * n u / (1 - n u), u = 2^-24; the 8 covers a final reduction tree and a separate multiply);
 * bfloat16 rounding of both factors adds 2 ub + ub^2 (ub = 2^-9), and VDPBF16PS's flushing of
 * subnormals at most 2^-126 per element, far inside `absolute`. Each score rounds once more
 * (u |score|, |score| <= cnorm + 2 B_j (1 + err)), and so do the comparisons below.
 * r_j = per_norm B_j + per_cnorm cnorm_j + absolute (1 + ||x|| + ||c_j||) covers the screened
 * and the exact score's error together (with 2% for the float arithmetic of r and of the norms),
 * so the exact winner w has s~_w - r_w <= s_w <= s_l <= s~_l + r_l for every l: w is never
 * ruled out, and a center that is ruled out scores strictly above w. */
typedef struct screen_bound {
    float per_norm, per_cnorm, absolute;
} screen_bound;

static screen_bound screen_bound_for(int64_t d, int bf16)
{
    const double u = 0x1p-24, n = (double)d + 8.0, g = n * u / (1.0 - n * u);
    const double ub = bf16 ? 0x1p-9 : 0.0;
    const double approx = 2.0 * ub + ub * ub + g * (1.0 + ub) * (1.0 + ub), exact = g;
    screen_bound sb = {
        .per_norm = (float)(1.02 * (2.0 * approx + 2.0 * exact + 2.0 * u * (2.0 + approx + exact)) +
                            16.0 * u),
        .per_cnorm = (float)(8.0 * u),
        .absolute = bf16 ? (float)(0x1p-100 * n) : 0.0f,
    };
    return sb;
}

/* Row x_i's label and dist from its screened dots (sd[j] ~ x_i.c_j, j < k; overwritten). With
 * m = min_j s~_j and rmax = max_j r_j, lo = min_j s~_j + r_j <= m + rmax, so every center with
 * s~_j - r_j <= lo has s~_j <= m + 2 rmax: the table's kmeans_screen lists those, and they get
 * rows_dot's exact score, in order of j so ties keep the lowest index. xn = ||x_i||; cmax =
 * max_j ||c_j||, qmax = max_j per_cnorm cnorm_j + absolute ||c_j||. Past k / 8 candidates, or
 * with a score that is not finite, every center's exact score (several independent products at
 * a time) costs less than the candidates one by one (one dependent chain each). */
static void pick_row(const lk_table *t, int64_t d, const float *xi, const float *centers,
                     int64_t k, const float *cnorm, float xn, float cmax, float qmax, float *sd,
                     screen_bound sb, int32_t *label, float *dist)
{
    const float rmax = sb.per_norm * xn * cmax + qmax + sb.absolute * (1.0f + xn + cmax);
    const int64_t cap = k / 8 < PICK_MAX_CANDIDATES ? k / 8 : PICK_MAX_CANDIDATES;
    int32_t cand[PICK_MAX_CANDIDATES];
    /* the sum's own rounding (u |m|) is inside the kernel's 2^-22 |m| */
    const int64_t nc = t->kmeans_screen(k, cnorm, sd, 2.0f * rmax, cap, cand);
    if (nc < 0) {
        assign_row_exact(t, d, xi, centers, k, cnorm, label, dist);
        return;
    }
    if (nc == 1 && !dist) { /* the one center left is the winner: no need of its score */
        *label = cand[0];
        return;
    }
    float best = INFINITY;
    int32_t idx = 0;
    for (int64_t c = 0; c < nc; c++) {
        float dot;
        t->rows_dot(1, 1, d, xi, d, centers + (int64_t)cand[c] * d, d, &dot, 1);
        float v = cnorm[cand[c]] - 2.0f * dot;
        if (v < best) best = v, idx = cand[c];
    }
    *label = idx;
    if (dist) *dist = best;
}

/* What every thread of a screening pass shares. */
typedef struct screen_job {
    const lk_table *t;
    int64_t n, d;
    const float *x;
    int64_t ldx;
    const uint32_t *pairs;
    int64_t ldp;
    const float *sqnorm, *centers;
    int64_t k;
    const float *cnorm;
    int32_t *labels;
    float *dist;
    int bf16;
    int64_t P, kpad, kc, mc, ldw, mtiles;
    float *w;
    size_t packsz, apack, per;
    screen_bound sb;
    float cmax, qmax;
} screen_job;

/* One member's share: its part of the centers' panels, then (after the team's barrier) its
 * row tiles, screened and picked. */
static void screen_member(const screen_job *j, const lk_team *team)
{
    const lk_table *t = j->t;
    const int mr = t->mr, nr = t->nr, id = team->id, nt = team->size;
    const int64_t n = j->n, d = j->d, k = j->k, P = j->P, kpad = j->kpad, kc = j->kc, mc = j->mc;
    const int64_t ldx = j->ldx, ldp = j->ldp, ldw = j->ldw, mtiles = j->mtiles;
    const float *x = j->x, *centers = j->centers, *cnorm = j->cnorm, *sqnorm = j->sqnorm;
    const uint32_t *pairs = j->pairs;
    float *w = j->w, *bpack = j->w, *dist = j->dist;
    int32_t *labels = j->labels;
    const int bf16 = j->bf16;
    const size_t packsz = j->packsz, apack = j->apack, per = j->per;
    const screen_bound sb = j->sb;
    const float cmax = j->cmax, qmax = j->qmax;
    /* every thread packs its share of the centers' panels */
    if (bf16) {
        int64_t npan = kpad / 32, q0 = npan * id / nt, q1 = npan * (id + 1) / nt;
        if (q1 > q0)
            t->kmeans_pack_bf16(min64(k - q0 * 32, (q1 - q0) * 32), d, centers + q0 * 32 * d,
                                d, (uint32_t *)bpack + q0 * 32 * P);
    } else {
        int64_t npan = kpad / nr;
        for (int64_t pc = 0; pc < d; pc += kc) {
            int64_t kb = min64(kc, d - pc);
            pack_b(nr, 1, centers, d, pc, kb, 0, k, npan * id / nt, npan * (id + 1) / nt,
                   bpack + pc * kpad);
        }
    }
    lk_team_sync(team);
    float *ap = w + packsz + seg(k) + (size_t)id * per, *sc = ap + apack;
    int64_t row_lo = mtiles * id / nt * mr, row_hi = min64(n, mtiles * (id + 1) / nt * mr);
    for (int64_t ic = row_lo; ic < row_hi; ic += mc) {
        int64_t mb = min64(mc, row_hi - ic);
        const float *xb = x + ic * ldx;
        if (bf16) {
            const uint32_t *a = pairs ? pairs + ic * ldp : (const uint32_t *)ap;
            if (!pairs) t->kmeans_pairs_bf16(mb, d, xb, ldx, (uint32_t *)ap, ldw);
            t->kmeans_dots_bf16(mb, P, a, pairs ? ldp : ldw, (const uint32_t *)bpack, k, sc,
                                kpad);
        } else {
            for (int64_t pc = 0; pc < d; pc += kc) {
                int64_t kb = min64(kc, d - pc);
                block bk = {.kb = kb, .ap = ap, .bp = bpack + pc * kpad, .mb = mb, .nb = kpad,
                            .c = sc, .ldc = kpad, .first = pc == 0};
                if (t->gemm_ukr_strided) /* the rows where they lie, as in lk_sgemm */
                    bk.ap = xb + pc, bk.ars = ldx, bk.aps = 1;
                else
                    pack_a(mr, 0, xb, ldx, 0, mb, pc, kb, 1.0f, ap);
                macro_kernel(t, &bk);
            }
        }
        const float *xn = sqnorm ? sqnorm + ic : ap;
        if (!sqnorm) /* the packed rows are spent: their space holds the row norms */
            t->sqnorm_rows(mb, d, xb, ldx, ap);
        for (int64_t i = 0; i < mb; i++)
            pick_row(t, d, xb + i * ldx, centers, k, cnorm, sqrtf(xn[i]), cmax, qmax,
                     sc + i * kpad, sb, labels + ic + i, dist ? dist + ic + i : NULL);
    }
}

int64_t lk_kmeans_pairs_ld(const lk_table *t, int64_t d)
{
    return t->kmeans_dots_bf16 && t->kmeans_pack_bf16 && t->kmeans_pairs_bf16 && d > 0
               ? round_up((d + 1) / 2, 16) : 0;
}

void lk_kmeans_pairs(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                     uint32_t *pairs, int64_t ldp)
{
    t->kmeans_pairs_bf16(n, d, x, ldx, pairs, ldp);
}

void lk_kmeans_assign(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                      const float *centers, int64_t k, const float *cnorm, int32_t *labels,
                      float *dist)
{
    lk_kmeans_assign_pairs(t, n, d, x, ldx, NULL, 0, NULL, centers, k, cnorm, labels, dist);
}

void lk_kmeans_assign_pairs(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                            const uint32_t *pairs, int64_t ldp, const float *sqnorm,
                            const float *centers, int64_t k, const float *cnorm, int32_t *labels,
                            float *dist)
{
    if (n <= 0 || k <= 0) return;
    const int64_t ldw = lk_kmeans_pairs_ld(t, d);
    if (!ldw) pairs = NULL;
    /* with the pairs at hand, screening reads half the bytes of the rows even at small k */
    if (d <= 0 || (assign_by_rows(t, n, k, d) && (!pairs || n < SCREEN_MIN_ROWS || d > SCREEN_MAX_D))) {
        assign_rows(t, n, d, x, ldx, centers, k, cnorm, labels, dist);
        return;
    }
    const int bf16 = ldw > 0;
    const int mr = t->mr, nr = t->nr;
    /* fp32 screening packs the centers in the micro-kernel's panels, bf16 in 32-wide pair panels */
    const int64_t P = (d + 1) / 2, kpad = bf16 ? round_up(k, 32) : round_up(k, nr);
    const int64_t kc = ceil_div(d, ceil_div(d, KC_MAX));
    int64_t mc = min64(t->mc < mr ? mr : t->mc - t->mc % mr, round_up(128, mr));
    mc = min64(mc, SCREEN_BLOCK_FLOATS / kpad / mr * mr);
    if (mc < mr) mc = mr;
    int nth = threads_for(n * k * d);
    int64_t mtiles = ceil_div(n, mr);
    if (nth > mtiles) nth = (int)mtiles;

    const size_t packsz = bf16 ? seg(kpad * P) : seg(d * kpad);
    const size_t apack = bf16 ? seg(mc * ldw) : seg(kc * mc);
    const size_t per = apack + seg(mc * kpad);
    float *w = workspace(packsz + seg(k) + (size_t)nth * per);
    if (!w) {
        /* Out of memory: the definition, row by row, with no workspace at all. */
        for (int64_t i = 0; i < n; i++)
            assign_row_exact(t, d, x + i * ldx, centers, k, cnorm, labels + i, dist ? dist + i : NULL);
        return;
    }
    float *cnrm = w + packsz; /* after the centers' panels */
    const screen_bound sb = screen_bound_for(d, bf16);
    /* The bound rests on ||c_j||: taken from the centers themselves, not from the caller's
     * cnorm (k x d once a call, against n x k x d for the screening). */
    t->sqnorm_rows(k, d, centers, d, cnrm);
    float cmax = 0.0f, qmax = 0.0f;
    for (int64_t j = 0; j < k; j++) {
        /* NaN norms or cnorms make these NaN, and then every row takes every center */
        float cj = sqrtf(cnrm[j]), qj = sb.per_cnorm * cnorm[j] + sb.absolute * cj;
        cmax = cj > cmax || cj != cj ? cj : cmax;
        qmax = qj > qmax || qj != qj ? qj : qmax;
    }

    screen_job j = {.t = t, .n = n, .d = d, .x = x, .ldx = ldx, .pairs = pairs, .ldp = ldp,
                    .sqnorm = sqnorm, .centers = centers, .k = k, .cnorm = cnorm, .labels = labels,
                    .dist = dist, .bf16 = bf16, .P = P, .kpad = kpad, .kc = kc, .mc = mc,
                    .ldw = ldw, .mtiles = mtiles, .w = w, .packsz = packsz, .apack = apack,
                    .per = per, .sb = sb, .cmax = cmax, .qmax = qmax};
    if (nth == 1) {
        const lk_team solo = lk_team_solo();
        screen_member(&j, &solo);
        return;
    }
#pragma omp parallel num_threads(nth)
    {
        LK_REGION_ENTERED();
        const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), NULL};
        screen_member(&j, &team);
    }
}
