/* The fixed chunks of rows every k-means sum is taken over, how the ranks of an MPI job split
 * them, and the few collectives that make a split fit equal the fit of one process. */
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "src/core/comm.h"

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

latent_status km_fold(const km_data *D, const double *mine, int64_t len, double *out)
{
    double *all = latent_alloc((size_t)D->nchunks, (size_t)len * sizeof(double), "kmeans: partials");
    if (!all) return LATENT_ENOMEM;
    latent_status st = km_chunk_values(D, mine, len, all);
    if (st == LATENT_OK)
        for (int64_t e = 0; e < len; e++) {
            double v = all[e];
            for (int64_t c = 1; c < D->nchunks; c++) v += all[c * len + e];
            out[e] = v;
        }
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
    int64_t *at = latent_alloc((size_t)ranks * 2, sizeof(int64_t), "kmeans: rank parts");
    latent_status s = f && at ? LATENT_OK : LATENT_ENOMEM;
    int any = 1;
    if (s == LATENT_OK) {
        for (int r = 0; r < ranks; r++) {
            at[r] = r * (int64_t)sizeof(int32_t);
            at[ranks + r] = sizeof(int32_t);
        }
        f[latent_comm_rank()] = flag != 0;
        s = latent_comm_allgather(f, at, at + ranks);
        any = 0;
        for (int r = 0; r < ranks; r++) any |= f[r];
    }
    latent_free(f);
    latent_free(at);
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

latent_status km_acc_share(km_acc *a, const km_data *D)
{
    if (!D->dist) return LATENT_OK;
    int64_t *at = NULL, *count = NULL;
    latent_status st = chunk_parts(D, a->k * a->d * (int64_t)sizeof(double), &at, &count);
    if (st == LATENT_OK) st = latent_comm_allgather(a->sums, at, count);
    latent_free(at);
    if (st == LATENT_OK && (st = chunk_parts(D, a->k * (int64_t)sizeof(double), &at, &count)) == LATENT_OK)
        st = latent_comm_allgather(a->wsum, at, count);
    latent_free(at);
    return st;
}
