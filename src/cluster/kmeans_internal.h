/* What the k-means algorithms share inside src/cluster: the data with its row norms, the
 * per-chunk accumulators, the center update and the run entry points. */
#ifndef LATENT_SRC_CLUSTER_KMEANS_INTERNAL_H
#define LATENT_SRC_CLUSTER_KMEANS_INTERNAL_H

#include <stdint.h>
#include "latent/kmeans.h"
#include "simd/kernels.h"

/* The rows being clustered, with what every algorithm needs about them. Every sum over rows
 * is taken per fixed chunk of the whole data set's rows and the chunks' partials are added in
 * chunk order: the chunks depend on n_total, k and d alone, so neither the thread count nor
 * the rank count changes a byte. Under MPI each rank holds the rows of a run of whole chunks
 * (km_split); one process holds them all. */
typedef struct km_data {
    const lk_table *t;
    const float *x;      /* n x d, row-major: the caller's rows minus shift */
    const float *shift;  /* d: what was subtracted from every row (initial centers too) */
    const float *w;      /* n weights, or NULL for ones */
    int64_t n, d;        /* rows held here, features */
    float *xnorm;        /* ||x_i||^2 */
    uint32_t *pairs;     /* the rows as the bfloat16 screen reads them (Lloyd), or NULL */
    int64_t ldp;         /* words per pair row */
    double tol;          /* absolute: options' tol times the mean variance of the features */
    int64_t n_total;     /* rows of the whole data set (n on one process) */
    int64_t row0;        /* the whole data set's index of row 0 here */
    int64_t nchunks;     /* fixed chunks of the whole data set's rows */
    int64_t chunk_rows;
    int64_t c0, c1;      /* the chunks held here */
    int dist;            /* the rows are split among ranks: partials go through collectives */
    double wxx;          /* sum w ||x||^2 over every row (Lloyd's inertia from sums) */
} km_data;

/* Most chunks of a fit: what threads and ranks take. */
#define KM_MAX_CHUNKS 16

/* The chunk layout of n_total rows clustered into k centers of d features. */
void km_grid(km_data *D, int64_t n_total, int64_t k);
/* The chunks [c0, c1) and rows [row0, row0 + n) that `rank` of `ranks` holds (D's grid set). */
void km_split(km_data *D, int rank, int ranks);
/* D's grid for rows all held here (n = n_total). */
void km_data_local(km_data *D, int64_t k);
/* Rows [*r0, *r1) of chunk c as indices into the rows held here. */
void km_chunk_rows(const km_data *D, int64_t c, int64_t *r0, int64_t *r1);
/* The rank that holds chunk c, and the one that holds whole-data-set row `row`. */
int km_chunk_owner(const km_data *D, int64_t c);
int km_row_owner(const km_data *D, int64_t row);

/* all (nchunks x len) = every chunk's values, from mine: the (c1 - c0) x len values of the
 * chunks held here (mine may lie at all + c0 * len). */
latent_status km_chunk_values(const km_data *D, const double *mine, int64_t len, double *all);
/* out (len) = the partials of every chunk added in chunk order; mine holds the (c1 - c0) x len
 * partials of the chunks held here. */
latent_status km_fold(const km_data *D, const double *mine, int64_t len, double *out);
/* Every rank's `bytes` at buf + rank * bytes to every rank (one process: nothing to do). */
latent_status km_gather(const km_data *D, void *buf, int64_t bytes);
/* Items each held by one rank: owner[j] has written item j (`bytes`) at buf + j * bytes;
 * afterwards every rank has every item there. buf has room for ranks x m items (scratch). */
latent_status km_share(const km_data *D, void *buf, int64_t m, int64_t bytes, const int *owner);
/* Nonzero on every rank when flag is nonzero on any. */
int km_any(const km_data *D, int flag, latent_status *st);
/* The labels of every row of the whole data set (n_total) from each rank's own (n). */
latent_status km_gather_labels(const km_data *D, const int32_t *mine, int32_t *all);

/* Weighted sums per cluster, kept per fixed chunk of rows so that the reduction order (and so
 * every byte of the result) depends on n, k and d alone, never on the thread count. Once a full
 * pass has added every row, the chunks' sums stay those of the labels as they stand, and a Lloyd
 * pass only moves the rows that change label from one sum to the other. */
typedef struct km_acc {
    int64_t k, d, nchunks, chunk_rows, c0, c1;
    double *sums;        /* nchunks x k x d (those of the chunks held here) */
    double *wsum;        /* nchunks x k */
    double *total;       /* k x d: the chunks' sums added in chunk order, then relocations */
    double *wtotal;      /* k */
    float *block;        /* threads x k x d: float sums of the rows since the last flush */
    int64_t *pending;    /* nchunks: rows added to the chunk since its last flush */
    int64_t flush_rows;  /* rows per flush, from k alone */
    int threads;
    int sums_valid;      /* the chunks' sums are those of the current labels */
} km_acc;

latent_status km_acc_init(km_acc *a, const km_data *D, int64_t k);
void km_acc_free(km_acc *a);
/* total and wtotal: the chunks' sums and weights added in chunk order (on every rank). */
latent_status km_acc_totals(km_acc *a, const km_data *D);
/* Row i of chunk c leaves cluster `from` for cluster `to` in the chunk's sums (unit weight:
 * the cluster weights stay exact counts). */
void km_acc_move(km_acc *a, const km_data *D, int64_t c, int64_t i, int32_t from, int32_t to);
/* Rows [*r0, *r1) of chunk c; zeroes that chunk's sums. Called by the thread that will add the
 * chunk's rows, which then ends the chunk with km_acc_end_chunk. */
void km_acc_begin_chunk(km_acc *a, const km_data *D, int64_t c, int64_t *r0, int64_t *r1);
/* Adds the next nb rows of chunk c (from row r, in row order) under their labels. */
void km_acc_rows(km_acc *a, const km_data *D, int64_t c, int64_t r, int64_t nb,
                 const int32_t *labels);
/* Flushes what chunk c has pending into its double sums. */
void km_acc_end_chunk(km_acc *a, int64_t c);

/* One Lloyd pass: labels[i] = nearest center. With acc NULL, returns sum w (||x||^2 + min_j
 * (||c_j||^2 - 2 x.c_j)), the expanded-form inertia of these labels. With acc, brings its sums
 * to the new labels (adding every row, or once they are valid, moving the rows whose label
 * changed: unweighted rows only, whose cluster weights stay exact counts) and returns 0: the
 * inertia then comes from the sums (km_update_centers). */
double km_assign_pass(const km_data *D, const float *centers, int64_t k, const float *cnorm,
                      int32_t *labels, km_acc *acc);

/* From the accumulated sums to new centers: empty clusters take the farthest rows (from their
 * old centers), clusters with weight become their means; returns sum ||new - old||^2 and, when
 * shift is not NULL, each center's shift ||new_j - old_j||. When inertia is not NULL, it gets
 * sum w ||x - old_label||^2 from the sums: sum w ||x||^2 - 2 sum_j old_j.S_j + sum_j W_j ||old_j||^2
 * in double. The chunks' sums are left as they were. */
latent_status km_update_centers(const km_data *D, km_acc *acc, const int32_t *labels,
                                const float *old_centers, float *new_centers, float *shift,
                                double *shift_total, double *inertia);

/* sum w ||x - c_label||^2 from direct differences, in double, fixed order. */
double km_inertia(const km_data *D, const float *centers, const int32_t *labels);

/* Initial centers for one run: k-means++ or random rows (the array case is the caller's). */
latent_status km_init_plusplus(const km_data *D, int64_t k, int n_local_trials, uint64_t seed,
                               int run, float *centers, int64_t *indices);
latent_status km_init_random(const km_data *D, int64_t k, uint64_t seed, int run, float *centers);

/* One run of each algorithm from the initial centers (overwritten with the final ones). */
latent_status km_run_lloyd(const km_data *D, const latent_kmeans_options *o, int run,
                           float *centers, int32_t *labels, int *n_iter);
latent_status km_run_elkan(const km_data *D, const latent_kmeans_options *o, int run,
                           float *centers, int32_t *labels, int *n_iter);
/* Mini-batch chooses the best of n_init initialisations itself, then runs once. */
latent_status km_run_minibatch(const km_data *D, const latent_kmeans_options *o, int n_init,
                               float *centers, int32_t *labels, int *n_iter, double *init_seconds);

#endif
