/* Initial centers: greedy k-means++ (scikit-learn's variant) and k distinct random rows. */
#include <omp.h>
#include <math.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "latent/rng.h"
#include "src/core/comm.h"
#include "simd/team.h"

/* Row blocks for the candidate distances: X streams once per step through rows_dot, and the
 * block's n x trials products stay in cache while they are folded into the potentials. Fixed,
 * so sums do not depend on threads. */
#define KM_PP_BLOCK 2048
#define KM_PP_MAX_TRIALS 64

/* The first row whose cumulative weighted distance reaches target (the last row if rounding
 * leaves target above the total), by binary search over the prefix sums. */
static int64_t draw_row(const double *cum, int64_t n, double target)
{
    int64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (cum[mid] >= target) hi = mid; else lo = mid + 1;
    }
    return lo;
}

/* What k-means++ keeps about the rows: the distances, the prefix sums of w d2 within each chunk
 * (restarting at every chunk, so a rank needs no other rank's rows to form its own), and every
 * chunk's total. */
typedef struct pp_state {
    const km_data *D;
    int T;
    float *d2;           /* n */
    double *cum;         /* n */
    double *ctot;        /* nchunks: every chunk's total, its prefix in chunk order in pre */
    double *pre;         /* nchunks */
    double total;
    float *dots;         /* n x T */
    double *parts;       /* units x T */
    double *cpart;       /* (c1 - c0) x T */
    int64_t units;       /* blocks of at most KM_PP_BLOCK rows, never across chunks */
    char *rec;           /* ranks x T records: a row index and its features */
    int *owner;          /* T */
} pp_state;

/* Unit u's chunk and rows: the held chunks' blocks in order. */
static void unit_rows(const pp_state *s, int64_t u, int64_t *r0, int64_t *nb)
{
    for (int64_t c = s->D->c0; c < s->D->c1; c++) {
        int64_t a, b;
        km_chunk_rows(s->D, c, &a, &b);
        int64_t blocks = (b - a + KM_PP_BLOCK - 1) / KM_PP_BLOCK;
        if (u < blocks) {
            *r0 = a + u * KM_PP_BLOCK;
            *nb = b - *r0 < KM_PP_BLOCK ? b - *r0 : KM_PP_BLOCK;
            return;
        }
        u -= blocks;
    }
    *r0 = *nb = 0;
}

/* The chunk totals of the rows here shared with every rank, and their prefixes. */
static latent_status share_totals(pp_state *s, const double *mine)
{
    latent_status st = km_chunk_values(s->D, mine, 1, s->ctot);
    double v = 0.0;
    for (int64_t c = 0; c < s->D->nchunks; c++) {
        v = c == 0 ? s->ctot[0] : v + s->ctot[c];
        s->pre[c] = v;
    }
    s->total = v;
    return st;
}

/* d2 = 1 (weighted first draw) or min(d2, distance to candidate `best` of the last pass), the
 * per-chunk prefix sums of w d2 and the chunk totals, in one serial sweep per chunk: a parallel
 * loop would cost a fork and join per step for a few hundred microseconds of work. */
static latent_status lower_distances(pp_state *s, int best, const float *cn)
{
    const km_data *D = s->D;
    double mine[KM_MAX_CHUNKS];
    for (int64_t c = D->c0; c < D->c1; c++) {
        int64_t r0, r1;
        km_chunk_rows(D, c, &r0, &r1);
        double v = 0.0;
        for (int64_t i = r0; i < r1; i++) {
            if (best < 0) {
                s->d2[i] = 1.0f;
            } else {
                float e = D->xnorm[i] + cn[best] - 2.0f * s->dots[i * s->T + best];
                if (e < 0.0f) e = 0.0f;
                if (e < s->d2[i]) s->d2[i] = e;
            }
            v += D->w ? (double)D->w[i] * s->d2[i] : (double)s->d2[i];
            s->cum[i] = v;
        }
        mine[c - D->c0] = v;
    }
    return share_totals(s, mine);
}

/* The chunk a weighted draw of `target` lands in, and the target within that chunk. */
static int64_t draw_chunk(const pp_state *s, double target, double *local)
{
    int64_t c = 0;
    while (c + 1 < s->D->nchunks && s->pre[c] < target) c++;
    *local = c == 0 ? target : target - s->pre[c - 1];
    return c;
}

/* Candidate j is row `row` of the whole data set when known to all (row >= 0), or the row a
 * draw of `target` picks, which the rank holding that chunk works out. Its holder writes the
 * record; pp_exchange then hands every record to every rank. */
static void pp_pick(pp_state *s, int j, int64_t row, double target)
{
    const km_data *D = s->D;
    const int64_t rec = (int64_t)sizeof(int64_t) + D->d * (int64_t)sizeof(float);
    int64_t c = row >= 0 ? row / D->chunk_rows : 0;
    double local = 0.0;
    if (row < 0) c = draw_chunk(s, target, &local);
    s->owner[j] = km_chunk_owner(D, c);
    if (c < D->c0 || c >= D->c1) return;
    if (row < 0) {
        int64_t r0, r1;
        km_chunk_rows(D, c, &r0, &r1);
        row = D->row0 + r0 + draw_row(s->cum + r0, r1 - r0, local);
    }
    char *r = s->rec + j * rec;
    memcpy(r, &row, sizeof row);
    memcpy(r + sizeof row, D->x + (row - D->row0) * D->d, (size_t)D->d * sizeof(float));
}

/* Every candidate's row index and features to every rank: into cand and cx. */
static latent_status pp_exchange(pp_state *s, int m, int64_t *cand, float *cx)
{
    const int64_t d = s->D->d, rec = (int64_t)sizeof(int64_t) + d * (int64_t)sizeof(float);
    latent_status st = km_share(s->D, s->rec, m, rec, s->owner);
    for (int j = 0; st == LATENT_OK && j < m; j++) {
        memcpy(&cand[j], s->rec + j * rec, sizeof *cand);
        memcpy(cx + j * d, s->rec + j * rec + sizeof *cand, (size_t)d * sizeof(float));
    }
    return st;
}

/* The potential sum w min(d2, ||x - cand_j||^2) each of the T candidates cx would leave, over
 * every row of the data set; the products x.cand_j stay in dots (n x T) for lower_distances. */
static latent_status candidate_pass(pp_state *s, int T, const float *cx, const float *cn,
                                    double *pot)
{
    const km_data *D = s->D;
    const int64_t d = D->d;
    s->T = T;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t u = 0; u < s->units; u++) {
        LK_REGION_ENTERED();
        int64_t r0, nb;
        unit_rows(s, u, &r0, &nb);
        float *dt = s->dots + r0 * T;
        D->t->rows_dot(nb, T, d, D->x + r0 * d, d, cx, d, dt, T);
        double *p = s->parts + u * T;
        for (int j = 0; j < T; j++) p[j] = 0.0;
        for (int64_t i = 0; i < nb; i++) {
            float cur = s->d2[r0 + i];
            double wi = D->w ? D->w[r0 + i] : 1.0;
            for (int j = 0; j < T; j++) {
                float v = D->xnorm[r0 + i] + cn[j] - 2.0f * dt[i * T + j];
                if (v < 0.0f) v = 0.0f;
                p[j] += wi * (v < cur ? v : cur);
            }
        }
    }
    /* the blocks of each chunk in order, then the chunks in order */
    int64_t u = 0;
    for (int64_t c = D->c0; c < D->c1; c++) {
        int64_t a, b;
        km_chunk_rows(D, c, &a, &b);
        int64_t blocks = (b - a + KM_PP_BLOCK - 1) / KM_PP_BLOCK;
        double *cp = s->cpart + (c - D->c0) * T;
        for (int j = 0; j < T; j++) {
            double v = s->parts[u * T + j];
            for (int64_t q = 1; q < blocks; q++) v += s->parts[(u + q) * T + j];
            cp[j] = v;
        }
        u += blocks;
    }
    return km_fold(D, s->cpart, T, pot);
}

latent_status km_init_plusplus(const km_data *D, int64_t k, int n_local_trials, uint64_t seed,
                               int run, float *centers, int64_t *indices)
{
    const int64_t n = D->n, d = D->d, nt = D->n_total;
    int T = n_local_trials > 0 ? n_local_trials : 2 + (int)floor(log((double)k));
    if (T > KM_PP_MAX_TRIALS) T = KM_PP_MAX_TRIALS;
    const int ranks = D->dist ? latent_comm_size() : 1;
    pp_state s = {.D = D, .T = T};
    for (int64_t c = D->c0; c < D->c1; c++) {
        int64_t a, b;
        km_chunk_rows(D, c, &a, &b);
        s.units += (b - a + KM_PP_BLOCK - 1) / KM_PP_BLOCK;
    }
    const size_t rows = n ? (size_t)n : 1, held = (size_t)(D->c1 - D->c0) + 1;
    s.d2 = latent_alloc(rows, sizeof(float), "kmeans++: distances");
    s.cum = latent_alloc(rows, sizeof(double), "kmeans++: cumulative potential");
    s.ctot = latent_alloc((size_t)D->nchunks, sizeof(double), "kmeans++: chunk potentials");
    s.pre = latent_alloc((size_t)D->nchunks, sizeof(double), "kmeans++: chunk potentials");
    s.dots = latent_alloc(rows, (size_t)T * sizeof(float), "kmeans++: products");
    s.parts = latent_alloc((size_t)s.units + 1, (size_t)T * sizeof(double), "kmeans++: partials");
    s.cpart = latent_alloc(held, (size_t)T * sizeof(double), "kmeans++: partials");
    s.rec = latent_alloc((size_t)(ranks * T), sizeof(int64_t) + (size_t)d * sizeof(float),
                         "kmeans++: candidates");
    s.owner = latent_alloc((size_t)T, sizeof(int), "kmeans++: candidates");
    float *cx = latent_alloc((size_t)T, (size_t)d * sizeof(float), "kmeans++: candidates");
    latent_status st = LATENT_OK;
    if (!s.d2 || !s.cum || !s.ctot || !s.pre || !s.dots || !s.parts || !s.cpart || !s.rec ||
        !s.owner || !cx) {
        st = LATENT_ENOMEM;
        goto out;
    }

    latent_rng r;
    latent_rng_init(&r, seed, LATENT_STREAM_KMEANS, (uint64_t)run, 0);
    float cn[KM_PP_MAX_TRIALS];
    int64_t cand[KM_PP_MAX_TRIALS];
    double pot[KM_PP_MAX_TRIALS];
    if (D->w) {
        if ((st = lower_distances(&s, -1, cn)) != LATENT_OK) goto out;
        pp_pick(&s, 0, -1, latent_rng_uniform_double(&r) * s.total);
    } else {
        pp_pick(&s, 0, (int64_t)latent_rng_below(&r, (uint64_t)nt), 0.0);
    }
    if ((st = pp_exchange(&s, 1, cand, cx)) != LATENT_OK) goto out;
    memcpy(centers, cx, (size_t)d * sizeof(float));
    if (indices) indices[0] = cand[0];
    for (int64_t i = 0; i < n; i++) s.d2[i] = INFINITY;
    D->t->sqnorm_rows(1, d, cx, d, cn);
    if ((st = candidate_pass(&s, 1, cx, cn, pot)) != LATENT_OK) goto out;
    if ((st = lower_distances(&s, 0, cn)) != LATENT_OK) goto out;

    for (int64_t c = 1; c < k; c++) {
        const double total = s.total;
        latent_rng_init(&r, seed, LATENT_STREAM_KMEANS, (uint64_t)run, (uint32_t)c);
        for (int j = 0; j < T; j++) {
            /* All-zero potential (fewer distinct rows than k): any row is as good as another. */
            if (total > 0.0) pp_pick(&s, j, -1, latent_rng_uniform_double(&r) * total);
            else pp_pick(&s, j, (int64_t)latent_rng_below(&r, (uint64_t)nt), 0.0);
        }
        if ((st = pp_exchange(&s, T, cand, cx)) != LATENT_OK) goto out;
        D->t->sqnorm_rows(T, d, cx, d, cn);
        if ((st = candidate_pass(&s, T, cx, cn, pot)) != LATENT_OK) goto out;
        int best = 0;
        for (int j = 1; j < T; j++) if (pot[j] < pot[best]) best = j;
        if ((st = lower_distances(&s, best, cn)) != LATENT_OK) goto out;
        memcpy(centers + c * d, cx + best * d, (size_t)d * sizeof(float));
        if (indices) indices[c] = cand[best];
    }
out:
    latent_free(s.d2);
    latent_free(s.cum);
    latent_free(s.ctot);
    latent_free(s.pre);
    latent_free(s.dots);
    latent_free(s.parts);
    latent_free(s.cpart);
    latent_free(s.rec);
    latent_free(s.owner);
    latent_free(cx);
    return st;
}

latent_status km_init_random(const km_data *D, int64_t k, uint64_t seed, int run, float *centers)
{
    const int64_t nt = D->n_total, d = D->d;
    const int ranks = D->dist ? latent_comm_size() : 1;
    int64_t *idx = latent_alloc((size_t)nt, sizeof(int64_t), "kmeans: random init rows");
    int *owner = latent_alloc((size_t)k, sizeof(int), "kmeans: random init rows");
    float *buf = latent_alloc((size_t)(ranks * k), (size_t)d * sizeof(float), "kmeans: random init rows");
    latent_status st = idx && owner && buf ? LATENT_OK : LATENT_ENOMEM;
    if (st == LATENT_OK) {
        for (int64_t i = 0; i < nt; i++) idx[i] = i;
        latent_rng r;
        latent_rng_init(&r, seed, LATENT_STREAM_KMEANS, (uint64_t)run, 0);
        /* The first k steps of a Fisher-Yates shuffle: k distinct rows, uniformly. */
        for (int64_t c = 0; c < k; c++) {
            int64_t j = c + (int64_t)latent_rng_below(&r, (uint64_t)(nt - c));
            int64_t tmp = idx[c]; idx[c] = idx[j]; idx[j] = tmp;
            owner[c] = km_row_owner(D, idx[c]);
            int64_t i = idx[c] - D->row0;
            if (i >= 0 && i < D->n) memcpy(buf + c * d, D->x + i * d, (size_t)d * sizeof(float));
        }
        st = km_share(D, buf, k, d * (int64_t)sizeof(float), owner);
    }
    if (st == LATENT_OK) memcpy(centers, buf, (size_t)(k * d) * sizeof(float));
    latent_free(idx);
    latent_free(owner);
    latent_free(buf);
    return st;
}
