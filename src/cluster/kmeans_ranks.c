/* The fixed chunks of rows every k-means sum is taken over, how the ranks of an MPI job split
 * them, and the few collectives that make a split fit equal the fit of one process. */
#include <omp.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "src/core/comm.h"
#include "simd/team.h"

/* Chunks are what threads (and ranks) take; their number depends on the problem only. */
#define KM_MIN_CHUNK_ROWS 1024
/* The chunks' k x d double sums together stay within this. */
#define KM_ACC_BUDGET ((int64_t)256 << 20)

void km_grid(km_data *D, int64_t n_total, int64_t k)
{
    const int64_t per = k * D->d * (int64_t)sizeof(double);
    int64_t nc = n_total / KM_MIN_CHUNK_ROWS;
    if (nc > KM_MAX_CHUNKS) nc = KM_MAX_CHUNKS;
    if (per > 0 && nc > KM_ACC_BUDGET / per) nc = KM_ACC_BUDGET / per;
    if (nc < 1) nc = 1;
    D->n_total = n_total;
    D->nchunks = nc;
    D->chunk_rows = (n_total + nc - 1) / nc;
}

/* The chunks of `rank`: a contiguous run, as even as whole chunks allow. */
static void rank_chunks(const km_data *D, int rank, int ranks, int64_t *c0, int64_t *c1)
{
    *c0 = D->nchunks * rank / ranks;
    *c1 = D->nchunks * (rank + 1) / ranks;
}

static int64_t chunk_start(const km_data *D, int64_t c)
{
    int64_t r = c * D->chunk_rows;
    return r < D->n_total ? r : D->n_total;
}

void km_split(km_data *D, int rank, int ranks)
{
    rank_chunks(D, rank, ranks, &D->c0, &D->c1);
    D->row0 = chunk_start(D, D->c0);
    D->n = chunk_start(D, D->c1) - D->row0;
    D->dist = ranks > 1;
}

void km_data_local(km_data *D, int64_t k)
{
    km_grid(D, D->n, k);
    D->row0 = 0;
    D->c0 = 0;
    D->c1 = D->nchunks;
    D->dist = 0;
}

void km_chunk_rows(const km_data *D, int64_t c, int64_t *r0, int64_t *r1)
{
    *r0 = chunk_start(D, c) - D->row0;
    *r1 = chunk_start(D, c + 1) - D->row0;
}

int km_chunk_owner(const km_data *D, int64_t c)
{
    if (!D->dist) return 0;
    const int ranks = latent_comm_size();
    /* the last rank whose first chunk is at or before c */
    int r = (int)((c * ranks) / D->nchunks);
    while (r + 1 < ranks && D->nchunks * (r + 1) / ranks <= c) r++;
    while (r > 0 && D->nchunks * r / ranks > c) r--;
    return r;
}

int km_row_owner(const km_data *D, int64_t row)
{
    return km_chunk_owner(D, row / D->chunk_rows);
}

/* Offsets and byte counts of each rank's part when rank r's part is its chunks' `per` bytes
 * each (at, count: ranks entries each). */
static latent_status chunk_parts(const km_data *D, int64_t per, int64_t **at, int64_t **count)
{
    const int ranks = latent_comm_size();
    *at = latent_alloc((size_t)ranks * 2, sizeof(int64_t), "kmeans: rank parts");
    if (!*at) return LATENT_ENOMEM;
    *count = *at + ranks;
    for (int r = 0; r < ranks; r++) {
        int64_t c0, c1;
        rank_chunks(D, r, ranks, &c0, &c1);
        (*at)[r] = c0 * per;
        (*count)[r] = (c1 - c0) * per;
    }
    return LATENT_OK;
}

latent_status km_chunk_values(const km_data *D, const double *mine, int64_t len, double *all)
{
    memmove(all + D->c0 * len, mine, (size_t)((D->c1 - D->c0) * len) * sizeof(double));
    if (!D->dist) return LATENT_OK;
    int64_t *at = NULL, *count = NULL;
    latent_status st = chunk_parts(D, len * (int64_t)sizeof(double), &at, &count);
    if (st == LATENT_OK) st = latent_comm_allgather(all, at, count);
    latent_free(at);
    return st;
}

/* out[e] = all[e] + all[len + e] + ... over n chunks, in chunk order: the one order every sum
 * over rows takes. Long folds run on the threads (each element's order is the same either way). */
static void fold_chunks(const double *all, int64_t n, int64_t len, double *out)
{
#pragma omp parallel for schedule(static) if (n * len >= 65536)
    for (int64_t e = 0; e < len; e++) {
        LK_REGION_ENTERED();
        double v = all[e];
        for (int64_t c = 1; c < n; c++) v += all[c * len + e];
        out[e] = v;
    }
}

latent_status km_fold(const km_data *D, const double *mine, int64_t len, double *out)
{
    double *all = latent_alloc((size_t)D->nchunks, (size_t)len * sizeof(double), "kmeans: partials");
    if (!all) return LATENT_ENOMEM;
    latent_status st = km_chunk_values(D, mine, len, all);
    if (st == LATENT_OK) fold_chunks(all, D->nchunks, len, out);
    latent_free(all);
    return st;
}

latent_status km_gather(const km_data *D, void *buf, int64_t bytes)
{
    if (!D->dist || bytes == 0) return LATENT_OK;
    const int ranks = latent_comm_size();
    int64_t *at = latent_alloc((size_t)ranks * 2, sizeof(int64_t), "kmeans: rank parts");
    if (!at) return LATENT_ENOMEM;
    for (int r = 0; r < ranks; r++) {
        at[r] = r * bytes;
        at[ranks + r] = bytes;
    }
    latent_status st = latent_comm_allgather(buf, at, at + ranks);
    latent_free(at);
    return st;
}

latent_status km_share(const km_data *D, void *buf, int64_t m, int64_t bytes, const int *owner)
{
    if (!D->dist || m == 0) return LATENT_OK;
    const int rank = latent_comm_rank();
    char *b = buf;
    const int64_t part = m * bytes;
    if (rank > 0) memcpy(b + rank * part, b, (size_t)part);
    latent_status st = km_gather(D, b, part);
    if (st != LATENT_OK) return st;
    for (int64_t j = 0; j < m; j++)
        if (owner[j] > 0) memcpy(b + j * bytes, b + owner[j] * part + j * bytes, (size_t)bytes);
    return LATENT_OK;
}

int km_any(const km_data *D, int flag, latent_status *st)
{
    if (!D->dist) return flag != 0;
    const int ranks = latent_comm_size();
    int32_t *f = latent_alloc((size_t)ranks, sizeof(int32_t), "kmeans: flags");
    if (!f) {
        *st = LATENT_ENOMEM;
        return 1;
    }
    f[latent_comm_rank()] = flag != 0;
    latent_status s = km_gather(D, f, sizeof(int32_t));
    int any = 0;
    for (int r = 0; r < ranks; r++) any |= f[r];
    latent_free(f);
    if (s != LATENT_OK) {
        *st = s;
        return 1;
    }
    return any;
}

latent_status km_gather_labels(const km_data *D, const int32_t *mine, int32_t *all)
{
    if (all + D->row0 != mine) memmove(all + D->row0, mine, (size_t)D->n * sizeof(int32_t));
    if (!D->dist) return LATENT_OK;
    const int ranks = latent_comm_size();
    int64_t *at = latent_alloc((size_t)ranks * 2, sizeof(int64_t), "kmeans: rank parts");
    if (!at) return LATENT_ENOMEM;
    for (int r = 0; r < ranks; r++) {
        int64_t c0, c1;
        rank_chunks(D, r, ranks, &c0, &c1);
        at[r] = chunk_start(D, c0) * (int64_t)sizeof(int32_t);
        at[ranks + r] = (chunk_start(D, c1) - chunk_start(D, c0)) * (int64_t)sizeof(int32_t);
    }
    latent_status st = latent_comm_allgather(all, at, at + ranks);
    latent_free(at);
    return st;
}

/* Elements [e0, e1) of `len` that rank r adds up in the exchange of chunk sums. */
static void slice_of(int64_t len, int r, int ranks, int64_t *e0, int64_t *e1)
{
    *e0 = len * r / ranks;
    *e1 = len * (r + 1) / ranks;
}

/* total = the chunks' sums added in chunk order, with the rows split among ranks: each rank
 * sends every other rank that rank's slice of its own chunks (all-to-all), adds up its slice
 * over all chunks in chunk order, and the slices are gathered. Per rank about (chunks / ranks
 * + 1) x len doubles cross the network instead of every chunk's sums. */
static latent_status fold_sliced(const km_data *D, const double *sums, int64_t len, double *total)
{
    const int ranks = latent_comm_size(), rank = latent_comm_rank();
    const int64_t held = D->c1 - D->c0;
    int64_t s0, s1;
    slice_of(len, rank, ranks, &s0, &s1);
    const int64_t mine = s1 - s0;
    double *send = latent_alloc((size_t)held + 1, (size_t)len * sizeof(double), "kmeans: sum slices");
    double *recv = latent_alloc((size_t)D->nchunks, (size_t)mine * sizeof(double) + 8, "kmeans: sum slices");
    int64_t *cnt = latent_alloc((size_t)ranks, 6 * sizeof(int64_t), "kmeans: rank parts");
    latent_status st = send && recv && cnt ? LATENT_OK : LATENT_ENOMEM;
    if (st == LATENT_OK) {
        int64_t *sat = cnt, *sn = cnt + ranks, *rat = cnt + 2 * ranks, *rn = cnt + 3 * ranks;
        int64_t at = 0, rat_next = 0;
        for (int r = 0; r < ranks; r++) {
            int64_t e0, e1, c0, c1;
            slice_of(len, r, ranks, &e0, &e1);
            sat[r] = at * (int64_t)sizeof(double);
            for (int64_t c = D->c0; c < D->c1; c++, at += e1 - e0)
                memcpy(send + at, sums + c * len + e0, (size_t)(e1 - e0) * sizeof(double));
            sn[r] = held * (e1 - e0) * (int64_t)sizeof(double);
            rank_chunks(D, r, ranks, &c0, &c1);
            rat[r] = rat_next * (int64_t)sizeof(double);
            rn[r] = (c1 - c0) * mine * (int64_t)sizeof(double);
            rat_next += (c1 - c0) * mine;
        }
        st = latent_comm_alltoall(send, sat, sn, recv, rat, rn);
    }
    if (st == LATENT_OK) {
        /* the ranks' parts arrive in rank order, which is chunk order */
        fold_chunks(recv, D->nchunks, mine, total + s0);
        for (int r = 0; r < ranks; r++) {
            int64_t e0, e1;
            slice_of(len, r, ranks, &e0, &e1);
            cnt[r] = e0 * (int64_t)sizeof(double);
            cnt[ranks + r] = (e1 - e0) * (int64_t)sizeof(double);
        }
        st = latent_comm_allgather(total, cnt, cnt + ranks);
    }
    latent_free(send);
    latent_free(recv);
    latent_free(cnt);
    return st;
}

latent_status km_acc_totals(km_acc *a, const km_data *D)
{
    const int64_t k = a->k, kd = k * a->d;
    if (D->dist) {
        latent_status st = fold_sliced(D, a->sums, kd, a->total);
        /* the weights are k per chunk: every chunk's to every rank, added alike */
        if (st == LATENT_OK) st = km_fold(D, a->wsum + D->c0 * k, k, a->wtotal);
        return st;
    }
    fold_chunks(a->sums, a->nchunks, kd, a->total);
    fold_chunks(a->wsum, a->nchunks, k, a->wtotal);
    return LATENT_OK;
}
