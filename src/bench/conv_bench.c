/* The convolution benchmark behind `latent bench conv`: each DCGAN layer's forward and backward
 * passes (data and weights) on a batch, laid out in slabs and teams as a training step lays
 * them out, timed on 1 thread and on all cores. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "latent/bench.h"
#include "latent/memory.h"
#include "latent/rng.h"
#include "latent/topology.h"
#include "src/nn/layer_conv.h"
#include "src/nn/loop.h"
#include "src/nn/stack.h"
#include "bench_timing.h"

typedef struct conv_shape {
    const char *name;
    int transposed;
    int64_t h, w, in_c, out_c;
    int k, s;
} conv_shape;

static const conv_shape shapes[LATENT_BENCH_CONV_LAYERS] = {
    {"conv 1->64 5x5 s2 28->14", 0, 28, 28, 1, 64, 5, 2},
    {"conv 64->128 5x5 s2 14->7", 0, 14, 14, 64, 128, 5, 2},
    {"convT 256->128 5x5 s1 7->7", 1, 7, 7, 256, 128, 5, 1},
    {"convT 128->64 5x5 s2 7->14", 1, 7, 7, 128, 64, 5, 2},
    {"convT 64->1 5x5 s2 14->28", 1, 14, 14, 64, 1, 5, 2},
};

typedef struct bench_layer {
    latent_params p;
    latent_stack s;
    int teams, team_size;
    latent_stack_ws *ws;     /* one per team */
    latent_slab *slab;
    latent_slab_seg *segs;
    lk_barrier *bar;
    float *x, *dy;
    int64_t n;
} bench_layer;

/* What one timed pass runs: the forward pass alone, forward and the weight gradients, or all
 * three passes (the data gradient too). The parts' times are the differences of these. */
typedef enum pass_part { PART_FORWARD, PART_WEIGHTS, PART_ALL } pass_part;

static void run_pass(bench_layer *b, int threads, pass_part part)
{
#pragma omp parallel num_threads(threads)
    {
        LK_REGION_ENTERED();
        const int tid = omp_get_thread_num(), g = b->team_size, team_id = tid / g;
        if (team_id < b->teams && omp_get_num_threads() == threads) {
            const lk_team team = {tid % g, g, g > 1 ? &b->bar[team_id] : NULL};
            const latent_slab *sl = &b->slab[team_id];
            const latent_pass ps = {.team = &team, .slab = sl, .train = 1};
            const latent_layer *l = &b->s.layer[0];
            latent_stack_ws *ws = &b->ws[team_id];
            const float *x = b->x + sl->seg[0].row0 * l->in_size;
            latent_stack_forward(&b->s, b->p.w, ws, 0, 1, x, sl->rows, &ps);
            if (part != PART_FORWARD) {
                /* a fresh output gradient each pass (backward turns it into the delta in place) */
                int64_t lo, hi;
                lk_team_split(&team, sl->rows * l->out_size, &lo, &hi);
                memcpy(ws->d[0] + lo, b->dy + lo, (size_t)(hi - lo) * sizeof(float));
                lk_team_sync(&team);
                latent_grad grad = {b->p.shard_g, b->p.n, b->p.g, NULL};
                latent_stack_backward(&b->s, b->p.w, ws, 0, 1, sl->rows, ws->d[0], 0, grad,
                                      part == PART_ALL, &ps);
            }
        }
    }
}

/* The layer laid out for `threads` threads: shards of 64 samples, teams as the loop forms them. */
static latent_status setup(bench_layer *b, const conv_shape *cs, int64_t n, int threads)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    latent_layer l;
    latent_conv_setup(&l, cs->transposed, cs->out_c, cs->k, cs->k, cs->s, cs->s, LATENT_PAD_SAME,
                      LATENT_PAD_SAME, 0, 0, 1, LATENT_ACT_IDENTITY, 0.0f);
    latent_stack_begin(&b->s, (latent_shape){3, {cs->h, cs->w, cs->in_c}}, NULL);
    const int shards = (int)((n + LATENT_SHARD_ROWS - 1) / LATENT_SHARD_ROWS);
    latent_status st = latent_stack_add(&b->s, &b->p, &l, "c");
    if (!st) st = latent_params_alloc(&b->p);
    if (!st) st = latent_params_reserve_shards(&b->p, shards);
    if (st) return st;
    latent_stack_init(&b->s, &b->p, 1, 0);
    b->team_size = latent_team_size_for(shards, threads, 0);
    b->teams = threads / b->team_size;
    b->ws = calloc((size_t)b->teams, sizeof *b->ws);
    b->slab = calloc((size_t)b->teams, sizeof *b->slab);
    b->segs = calloc((size_t)shards, sizeof *b->segs);
    b->bar = calloc((size_t)b->teams, sizeof *b->bar);
    const latent_layer *L = &b->s.layer[0];
    b->x = latent_alloc((size_t)n, (size_t)L->in_size * sizeof(float), "bench inputs");
    b->dy = latent_alloc((size_t)n, (size_t)L->out_size * sizeof(float), "bench gradients");
    if (!b->ws || !b->slab || !b->segs || !b->bar || !b->x || !b->dy) return LATENT_ENOMEM;
    latent_rng r;
    latent_rng_init(&r, 3, LATENT_STREAM_USER + 30, 0, 0);
    for (int64_t i = 0; i < n * L->in_size; i++) b->x[i] = 2 * latent_rng_uniform(&r) - 1;
    for (int64_t i = 0; i < n * L->out_size; i++) b->dy[i] = 2 * latent_rng_uniform(&r) - 1;
    /* team t's shards t, t + teams, ... side by side, as the training loop lays them out (here
     * each slab reads its rows from where its first shard starts: the timing is the same) */
    int at = 0;
    for (int t = 0; t < b->teams; t++) {
        latent_slab *sl = &b->slab[t];
        sl->seg = b->segs + at;
        for (int s = t; s < shards; s += b->teams) {
            const int64_t row0 = (int64_t)s * LATENT_SHARD_ROWS;
            const int64_t rows = n - row0 < LATENT_SHARD_ROWS ? n - row0 : LATENT_SHARD_ROWS;
            b->segs[at + sl->n++] = (latent_slab_seg){s, sl->rows, rows, row0};
            sl->rows += rows;
        }
        /* the slab's rows must be contiguous in x: shards t, t + teams... are not, so each slab
         * reads the rows that start at its first shard (the same amount of work) */
        if (sl->n && b->segs[at].row0 + sl->rows > n) b->segs[at].row0 = n - sl->rows;
        at += sl->n;
        lk_barrier_init(&b->bar[t]);
        if (sl->rows && (st = latent_stack_ws_alloc(&b->s, sl->rows, &b->ws[t]))) return st;
    }
    return LATENT_OK;
}

static void teardown(bench_layer *b)
{
    for (int t = 0; t < b->teams && b->ws; t++) latent_stack_ws_free(&b->ws[t]);
    free(b->ws), free(b->slab), free(b->segs), free(b->bar);
    latent_free(b->x), latent_free(b->dy);
    latent_params_free(&b->p);
}

/* Floats a slab's workspace holds for the layer: outputs, two gradient buffers, scratch. */
static double workspace_mb(const bench_layer *b)
{
    const latent_layer *l = &b->s.layer[0];
    const int64_t rows = b->slab[0].rows, wide = l->in_size > l->out_size ? l->in_size : l->out_size;
    const int64_t floats = rows * l->out_size + 2 * rows * wide + l->ops->scratch_floats(l, rows);
    return (double)floats * sizeof(float) / 1048576.0;
}

latent_status latent_bench_conv(const latent_bench_conv_options *opt, latent_bench_conv_result *out)
{
    latent_bench_conv_options o = opt ? *opt : (latent_bench_conv_options){0};
    const int64_t n = o.batch > 0 ? o.batch : 256;
    const int reps = o.repetitions > 0 ? (o.repetitions < 64 ? o.repetitions : 64) : 5;
    const int maxt = o.max_threads > 0 ? o.max_threads : latent_threads_default();
    memset(out, 0, sizeof *out);
    const int counts[2] = {1, maxt};
    const int saved = latent_threads();
    latent_status st = LATENT_OK;
    for (int li = 0; li < LATENT_BENCH_CONV_LAYERS && !st; li++)
        for (int ti = 0; ti < (maxt > 1 ? 2 : 1) && !st; ti++) {
            if (o.only && !strstr(shapes[li].name, o.only)) continue;
            const int threads = counts[ti];
            if ((st = latent_set_threads(threads))) break;
            bench_layer b;
            st = setup(&b, &shapes[li], n, threads);
            if (!st) {
                double secs[3][64];
                run_pass(&b, threads, PART_ALL); /* warms caches, workspaces and threads */
                /* the three kinds of pass in turn, so a noisy moment touches each alike */
                for (int r = 0; r < reps; r++)
                    for (int part = PART_ALL; part >= PART_FORWARD; part--) {
                        double t0 = omp_get_wtime();
                        run_pass(&b, threads, (pass_part)part);
                        secs[part][r] = omp_get_wtime() - t0;
                    }
                const conv_shape *cs = &shapes[li];
                /* the forward pass's multiply-adds: every input pixel of a transposed conv,
                 * every output pixel of a conv, times in x out channels x taps */
                const double pixels = cs->transposed ? (double)(cs->h * cs->w)
                                                     : (double)(b.s.layer[0].out.dim[0] * b.s.layer[0].out.dim[1]);
                const double fwd = 2.0 * (double)n * pixels * (double)(cs->in_c * cs->out_c) * cs->k * cs->k;
                latent_bench_conv_row *row = &out->rows[out->nrows++];
                row->layer = cs->name;
                row->threads = threads;
                const double fwd_ms = 1e3 * bench_median(secs[PART_FORWARD], reps);
                const double fw_ms = 1e3 * bench_median(secs[PART_WEIGHTS], reps);
                row->ms = 1e3 * bench_median(secs[PART_ALL], reps);
                row->forward_ms = fwd_ms;
                row->weights_ms = fw_ms > fwd_ms ? fw_ms - fwd_ms : 0.0;
                row->data_ms = row->ms > fw_ms ? row->ms - fw_ms : 0.0;
                row->gflops = 3.0 * fwd / (row->ms * 1e-3) / 1e9;
                row->workspace_mb = workspace_mb(&b);
            }
            teardown(&b);
        }
    latent_set_threads(saved);
    return st;
}
