/* Kernel benchmarks the `latent bench` command reports: GEMM and fused k-means assignment rates
 * per ISA level and thread count beside the FMA peak, and the elementwise kernels' GB/s beside
 * a memory-bandwidth reference, all measured in the same run. */
#ifndef LATENT_BENCH_H
#define LATENT_BENCH_H

#include <stdint.h>
#include "latent/error.h"
#include "latent/isa.h"
#include "latent/models.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The shapes (M, K, N): five from training a 784-128 autoencoder at batch 256, then 2048^3. */
#define LATENT_BENCH_GEMM_SHAPES 6
/* Layouts measured: NT (X W^T, forward), NN (dY W, input gradient), TN (dY^T X, weight
 * gradient); 2048^3 is measured in NN only (the other entries are 0). */
#define LATENT_BENCH_GEMM_LAYOUTS 3

typedef struct latent_bench_gemm_options {
    int repetitions;     /* timed runs per point, the median is kept; 0: 7 (3 for the big ones) */
    int max_threads;     /* rows for 1 thread and for this many; 0: 2 */
    int quick;           /* nonzero: leave out 2048^3 and the k-means point */
    double peak_seconds; /* length of each FMA-peak measurement; 0: 0.2 */
    int cpu_time;        /* nonzero: time by the process's CPU time / threads instead of the wall
                          * clock, for machines shared with other jobs (the FMA peak is always
                          * timed by its thread's CPU time) */
} latent_bench_gemm_options;

typedef struct latent_bench_gemm_row {
    latent_isa isa;
    int threads;
    double fma_peak;     /* GFLOP/s of independent FMA chains on `threads` threads */
    double gflops[LATENT_BENCH_GEMM_SHAPES][LATENT_BENCH_GEMM_LAYOUTS]; /* 0: not measured */
    double kmeans_gflops;/* fused assign, as 2 n k d flops per second / 1e9; 0: not measured */
} latent_bench_gemm_row;

typedef struct latent_bench_gemm_result {
    int64_t shapes[LATENT_BENCH_GEMM_SHAPES][3];   /* M, K, N */
    const char *layouts[LATENT_BENCH_GEMM_LAYOUTS];/* "NT", "NN", "TN" */
    int64_t kmeans_n, kmeans_d, kmeans_k;          /* 60000, 784, 256 */
    int nrows;
    latent_bench_gemm_row rows[2 * LATENT_ISA_COUNT]; /* level by level, 1 thread then max */
} latent_bench_gemm_result;

/* Measures every level this CPU supports (interleaved, so a noisy machine hits all alike) and
 * fills *out; LATENT_EINVAL for bad options, LATENT_ENOMEM when the buffers cannot be had. */
latent_status latent_bench_gemm(const latent_bench_gemm_options *opt,
                                latent_bench_gemm_result *out);

/* Kernels timed by latent_bench_kernels: act_fwd and act_bwd of every activation, vexp, vlog,
 * mse, bce_logits, gauss_kl, sum, col_sum, axpy, adam, sgd, sqnorm_rows, kmeans_accumulate, the
 * random normals' philox_x16 and normal_pairs, and expf_n (a VAE's standard deviations; the
 * elementwise ones, each at a cache-resident and a memory-resident size); the fused k-means
 * assignment is timed besides. */
#define LATENT_BENCH_KERNELS (2 * 6 + 15)

typedef struct latent_bench_kernels_options {
    int repetitions; /* timed rounds per point, the median is kept; 0: 7 (3 when quick) */
    int quick;       /* nonzero: 3 rounds of ~5 ms, a 4M-float large size (may partly fit in
                      * the last-level cache) and a smaller k-means point */
    double peak_seconds; /* length of each FMA-peak measurement; 0: 0.2 */
    int cpu_time;    /* nonzero: time by the process's CPU time (one thread), for shared machines */
} latent_bench_kernels_options;

typedef struct latent_bench_kernels_row {
    latent_isa isa;
    const char *kernel;  /* "relu_fwd", "adam", ..., "kmeans_assign" */
    int64_t n;           /* floats per operand (kmeans_assign: rows) */
    int memory_resident; /* 1: the large size, whose operands far exceed the caches */
    double bytes;        /* bytes the kernel must read + write per call (0 for kmeans_assign) */
    double gbps;         /* bytes / median seconds / 1e9 (0 for kmeans_assign) */
    double mem_fraction; /* memory-resident rows: gbps / the result's triad_gbps, else 0 */
    double gflops;       /* kmeans_assign: 2 n k d flops / median seconds / 1e9, else 0 */
    double fma_peak;     /* kmeans_assign: this level's one-thread FMA peak in GFLOP/s, else 0 */
} latent_bench_kernels_row;

typedef struct latent_bench_kernels_result {
    int64_t small_n, large_n;          /* the cache- and memory-resident sizes, in floats */
    int64_t kmeans_n, kmeans_d, kmeans_k;
    double copy_gbps;  /* plain copy of large_n floats (8 bytes per float moved) */
    double triad_gbps; /* a = b + s c over large_n floats (12 bytes per float): the reference */
    int nrows;
    latent_bench_kernels_row rows[LATENT_ISA_COUNT * (2 * LATENT_BENCH_KERNELS + 1)];
} latent_bench_kernels_result;

/* Times every kernel of every level this CPU supports on one thread (levels interleaved), and the
 * copy/triad reference, and fills *out; rows go level by level, each kernel small then large.
 * LATENT_EINVAL for bad options, LATENT_ENOMEM when the buffers cannot be had. */
latent_status latent_bench_kernels(const latent_bench_kernels_options *opt,
                                   latent_bench_kernels_result *out);

/* ---- convolution layers: latent bench conv -------------------------------------------------- */

/* The DCGAN layers timed (batch 256): conv 1->64 5x5 s2 28->14, conv 64->128 5x5 s2 14->7,
 * convT 256->128 5x5 s1 7->7, convT 128->64 5x5 s2 7->14, convT 64->1 5x5 s2 14->28. */
#define LATENT_BENCH_CONV_LAYERS 5

typedef struct latent_bench_conv_options {
    int batch;               /* samples per pass; 0: 256 */
    int repetitions;         /* timed passes, the median kept; 0: 5 */
    int max_threads;         /* rows for 1 thread and for this many; 0: the physical cores */
    const char *only;        /* NULL, or only the layers whose name contains this */
} latent_bench_conv_options;

typedef struct latent_bench_conv_row {
    const char *layer;       /* "conv 64->128 5x5 s2 14->7" */
    int threads;
    double ms;               /* median forward + backward (data and weights) of one batch */
    double gflops;           /* 3 x the forward pass's 2 x multiply-adds / ms */
    double forward_ms;       /* median of forward passes alone */
    double weights_ms;       /* the weight gradients' share: median(forward + weights) - forward */
    double data_ms;          /* the data gradient's share: ms - median(forward + weights) */
    double workspace_mb;     /* the layer's workspace per slab: outputs, gradients, scratch */
} latent_bench_conv_row;

typedef struct latent_bench_conv_result {
    int nrows;
    latent_bench_conv_row rows[2 * LATENT_BENCH_CONV_LAYERS];
} latent_bench_conv_result;

/* Times each layer as a training step runs it (slabs of 64-sample shards taken by teams of
 * threads) on 1 thread and on max_threads; fills *out. */
latent_status latent_bench_conv(const latent_bench_conv_options *opt, latent_bench_conv_result *out);

/* ---- training: latent bench train ------------------------------------------------------- */

/* One configuration. widths: the input width, then the layers down to the code: an ae's encoder
 * (the decoder mirrors it); a vae's encoder whose last entry is the latent size; a gan's
 * discriminator hidden layers whose last entry is the noise size z (G mirrors D: z, then D's
 * hidden layers in reverse, then the input width). 784,256,64 is ae 784-256-64-256-784, vae
 * 784-256 with latent 64, gan z 64, G 64-256-784, D 784-256-1. */
typedef struct latent_bench_train_point {
    latent_model_kind family;    /* LATENT_MODEL_AE, _VAE or _GAN */
    int n_widths;                /* 2 to LATENT_MAX_SIZES */
    int64_t widths[8];
    int64_t batch;
    int threads;
} latent_bench_train_point;

typedef struct latent_bench_train_options {
    const float *x;              /* training rows in [0, 1] (n x d, d == widths[0]) */
    int64_t n, d;
    int repetitions;             /* timed epochs, the median kept (0: 1), after one untimed */
    int work_only;               /* nonzero: two minibatches, untimed: only the per-thread work */
    int fixed_threads;           /* nonzero: every step on all the point's threads (as
                                  * latent_train_options.fixed_threads; work_only implies it) */
} latent_bench_train_options;

typedef struct latent_bench_train_result {
    double seconds;              /* median epoch over the n rows (0 when work_only) */
    double model_gflop;          /* the effective count: the model's multiply-adds per
                                  * row x 2 x 3 x n / 1e9 (gan: G's and D's) */
    double gflops;               /* model_gflop / seconds */
    double gemm_gflops;          /* the multiply-adds the GEMMs ran x 2 / seconds / 1e9 */
    int64_t fmas_total;          /* multiply-adds the GEMMs ran, all threads, one epoch */
    double busiest_over_mean;    /* the busiest thread's multiply-adds over the mean (1: even) */
    int threads;
    double threads_used;         /* the median epoch's mean thread count per step (0 when
                                  * work_only): below threads when the loop chose fewer */
} latent_bench_train_result;

/* Trains the configuration on opt->x (one untimed epoch, then the timed ones; with work_only two
 * minibatches) and fills *out. LATENT_EINVAL names a bad field. */
latent_status latent_bench_train(const latent_bench_train_point *p,
                                 const latent_bench_train_options *opt,
                                 latent_bench_train_result *out);

/* The FMA peak of the active level on `threads` threads running at once, GFLOP/s, each probing
 * for about `seconds`. */
double latent_bench_fma_peak(int threads, double seconds);

#ifdef __cplusplus
}
#endif
#endif
