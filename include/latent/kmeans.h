/* k-means clustering with scikit-learn's KMeans semantics: greedy k-means++, Lloyd, Elkan and
 * mini-batch k-means on float32 rows, deterministic for any thread count. */
#ifndef LATENT_KMEANS_H
#define LATENT_KMEANS_H

#include <stdint.h>
#include "latent/error.h"
#include "latent/io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum latent_kmeans_algorithm {
    LATENT_KMEANS_LLOYD = 0,   /* assign all rows, then take the weighted means */
    LATENT_KMEANS_ELKAN,       /* Lloyd's labels, most distances skipped by triangle bounds */
    LATENT_KMEANS_MINIBATCH    /* Sculley 2010: random batches, per-center rate 1/count */
} latent_kmeans_algorithm;

typedef enum latent_kmeans_init {
    LATENT_KMEANS_INIT_PLUSPLUS = 0, /* greedy k-means++ (2 + floor(ln k) candidates a step) */
    LATENT_KMEANS_INIT_RANDOM,       /* k distinct rows drawn uniformly */
    LATENT_KMEANS_INIT_ARRAY         /* the k x d centers given in init_centers */
} latent_kmeans_init;

/* Called after every iteration (mini-batch: every step) of every run: `run` counts n_init runs
 * from 0, `iter` from 1; `seconds` is that iteration alone; `inertia` is the sum of
 * w ||x - c||^2 of the labels just assigned against the centers they were assigned to
 * (mini-batch: over the batch only). */
typedef void (*latent_kmeans_iter_fn)(void *user, int run, int iter, double seconds,
                                      double inertia);

typedef struct latent_kmeans_options {
    int64_t k;                        /* clusters, 1 <= k <= n */
    latent_kmeans_algorithm algorithm;
    latent_kmeans_init init;
    const float *init_centers;        /* k x d, for LATENT_KMEANS_INIT_ARRAY */
    int n_init;                       /* runs, best inertia kept; 0: 1 (k-means++, array), 10 (random);
                                         mini-batch: initialisations tried on a sample (0: 3) */
    int max_iter;                     /* 300; mini-batch: passes over the data (MiniBatchKMeans: 100) */
    double tol;                       /* 1e-4, relative to the mean variance of the features; compared
                                         with the sum of squared center shifts (MiniBatchKMeans: 0) */
    uint64_t seed;                    /* keys the Philox stream LATENT_STREAM_KMEANS */
    int n_local_trials;               /* k-means++ candidates per step; 0: 2 + floor(ln k) */
    int64_t batch_size;               /* mini-batch rows (1024) */
    int max_no_improvement;           /* mini-batch: steps without a better smoothed inertia (10) */
    latent_kmeans_iter_fn on_iter;    /* may be NULL */
    void *user;                       /* passed to on_iter */
} latent_kmeans_options;

typedef struct latent_kmeans_result {
    int64_t n, d, k;
    float *centers;       /* k x d, owned */
    int32_t *labels;      /* n, owned: the nearest center of each row after the final assignment */
    double inertia;       /* sum w ||x - c_label||^2 from direct differences, in double */
    int n_iter;           /* iterations of the kept run, counted as scikit-learn counts them */
    int best_run;         /* which of the n_init runs was kept */
    double init_seconds;  /* seconds spent choosing initial centers, all runs together */
} latent_kmeans_result;

/* Fills *o with scikit-learn's defaults for k clusters (Lloyd, k-means++, tol 1e-4, ...). */
void latent_kmeans_options_default(latent_kmeans_options *o, int64_t k);

/* Clusters the n x d rows of x (row-major, float32) with optional weights w (n, or NULL for
 * ones). Fills *res (free it with latent_kmeans_result_free); on failure *res is zeroed. */
latent_status latent_kmeans_fit(const float *x, int64_t n, int64_t d, const float *w,
                                const latent_kmeans_options *o, latent_kmeans_result *res);

/* As latent_kmeans_fit, but centers the rows of x in place (x is left holding each row minus
 * the feature means) instead of in a copy: one copy of the data in memory, for callers that own
 * it. The result is the same as latent_kmeans_fit's. */
latent_status latent_kmeans_fit_inplace(float *x, int64_t n, int64_t d, const float *w,
                                        const latent_kmeans_options *o, latent_kmeans_result *res);

/* Across the ranks of an MPI job (latent_comm_start; one process is a job of one rank): the
 * share of an n_total-row data set that this rank holds for latent_kmeans_fit_rows, rows
 * [*row0, *row0 + *rows) (possibly none). The shares are runs of fixed chunks of rows that
 * depend on n_total, k and d alone. */
void latent_kmeans_rank_rows(int64_t n_total, int64_t k, int64_t d, int64_t *row0, int64_t *rows);

/* latent_kmeans_fit_inplace with the rows split among the job's ranks: every rank calls it with
 * the same options and its own share (x: rows x d, centered in place; w: its rows' weights or
 * NULL). Every rank gets the whole result (centers, the labels of all n_total rows, inertia,
 * n_iter), the same bytes as one process fitting every row gives, for any rank and thread
 * count. Lloyd and Elkan; mini-batch draws from every row and needs latent_kmeans_fit. */
latent_status latent_kmeans_fit_rows(float *x, int64_t n_total, int64_t row0, int64_t rows,
                                     int64_t d, const float *w, const latent_kmeans_options *o,
                                     latent_kmeans_result *res);

/* As latent_kmeans_fit for float64 rows and weights: converts them to float32 first (init_centers
 * stay float32). */
latent_status latent_kmeans_fit_f64(const double *x, int64_t n, int64_t d, const double *w,
                                    const latent_kmeans_options *o, latent_kmeans_result *res);

/* Greedy k-means++: writes k x d centers chosen from the rows of x (and their row indices to
 * `indices` when not NULL), drawing from the stream (seed, LATENT_STREAM_KMEANS, run). */
latent_status latent_kmeans_plusplus(const float *x, int64_t n, int64_t d, const float *w,
                                     int64_t k, int n_local_trials, uint64_t seed, int run,
                                     float *centers, int64_t *indices);

/* Labels each of the n rows with its nearest center (ties to the lowest index) and, when
 * inertia is not NULL, returns sum w ||x - c_label||^2 from direct differences in double. */
latent_status latent_kmeans_predict(const float *centers, int64_t k, int64_t d, const float *x,
                                    int64_t n, const float *w, int32_t *labels, double *inertia);

/* Frees what latent_kmeans_fit allocated; safe on a zeroed result. */
void latent_kmeans_result_free(latent_kmeans_result *res);

/* ---- k-means model files ---- */

/* Centers in a file: safetensors with the F32 tensor "cluster_centers_" [k, d] (scikit-learn's
 * attribute name) and __metadata__ kind "kmeans", k and features; extra (NULL: none) adds a
 * caller's strings. Crash-safe. */
latent_status latent_kmeans_save(const char *path, const float *centers, int64_t k, int64_t d,
                                 const latent_extra *extra);

/* The centers of a k-means file. */
typedef struct latent_kmeans_model {
    int64_t k, d;
    float *centers;          /* k x d, owned */
} latent_kmeans_model;

/* Reads a file latent_kmeans_save wrote (or an older one with the same tensor): checks kind,
 * dtype, shape and the k and features keys against the tensor; LATENT_EFORMAT names the file
 * and the fault. extra (NULL: none) receives the file's caller strings. */
latent_status latent_kmeans_load(const char *path, latent_kmeans_model *out, latent_extra *extra);

/* Frees the centers; safe on a zeroed model. */
void latent_kmeans_model_free(latent_kmeans_model *m);

#ifdef __cplusplus
}
#endif
#endif
