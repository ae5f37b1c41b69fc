/* The kernel table: one function-pointer type per kernel, and the GEMM blocking that goes with it.
 *
 * Conventions shared by every kernel:
 * - float32 data, row-major, int64_t sizes and leading dimensions (in elements).
 * - No alignment is assumed of any pointer.
 * - Reductions return double and are summed in a fixed order that depends only on n and on the
 *   ISA level, so one level always gives the same bytes (thread counts never enter a kernel).
 * - Nothing here allocates, prints or fails.
 */
#ifndef LATENT_SIMD_KERNELS_H
#define LATENT_SIMD_KERNELS_H

#include <stdint.h>
#include "latent/activation.h"
#include "latent/isa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- GEMM micro-kernel -------------------------------------------------------------------
 * The framework (simd/gemm_driver.c) packs op(A) into MR x kc panels stored k-major
 * (a[p*MR + i]) and op(B) into kc x NR panels (b[p*NR + j]), and calls the micro-kernel per tile:
 *     C[0:MR, 0:NR] = (accumulate ? C : 0) + A_panel * B_panel
 * then, when ep != NULL (the last kc block of a tile), applies the epilogue before storing.
 * alpha is folded into the packed A panel. Edge tiles are run on a full MR x NR scratch tile. */

typedef enum lk_epilogue_kind {
    LK_EPI_NONE = 0,
    LK_EPI_BIAS_ACT    /* c = act(c + bias[j]); bias may be NULL */
} lk_epilogue_kind;

typedef struct lk_epilogue {
    lk_epilogue_kind kind;
    /* LK_EPI_BIAS_ACT: bias for this tile's NR columns (or NULL), activation and leaky slope.
     * The micro-kernel applies the cheap activations (identity, relu, leaky relu) in registers;
     * for the others the driver runs the table's act_fwd over the tile while it is in L1. */
    const float *bias;
    latent_act act;
    float slope;
} lk_epilogue;

typedef void (*lk_gemm_ukr_fn)(int64_t kc, const float *a, const float *b, float *c,
                               int64_t ldc, int accumulate, const lk_epilogue *ep);
/* The same tile with one operand read where it lies, the same arithmetic in the same order:
 * A's element (i, p) at a[i*ars + p*aps], B's (p, j) at b[p*bps + j]; either A is packed
 * (ars 1, aps MR) and B is a row-major op(B) (bps = ldb), or B is packed (bps NR) and A is
 * row-major (aps 1) or A^T (ars 1). Small GEMMs skip packing that operand, which otherwise
 * costs up to a fifth of their time. Optional (NULL: the framework packs both). */
typedef void (*lk_gemm_ukr_strided_fn)(int64_t kc, const float *a, int64_t ars, int64_t aps,
                                       const float *b, int64_t bps, float *c, int64_t ldc,
                                       int accumulate, const lk_epilogue *ep);

/* An edge tile of rows <= MR and cols <= NR (at least one of them short) from packed A and B
 * (bps = NR) or a row-major op(B) where it lies (bps = ldb; then cols == NR), computed and
 * stored for those rows and columns only, the same bytes as the full tile on a scratch tile
 * would give. Optional (NULL: the framework runs the full tile on scratch). */
typedef void (*lk_gemm_ukr_edge_fn)(int rows, int cols, int64_t kc, const float *a,
                                    const float *b, int64_t bps, float *c, int64_t ldc,
                                    int accumulate, const lk_epilogue *ep);

/* ---- activations ------------------------------------------------------------------------
 * Forward: y = act(x) elementwise (y may alias x). Backward: dx = dy * act'(x), given the
 * pre-activation x and the output y (kernels use whichever is cheaper; dx may alias dy). */
typedef void (*lk_act_fwd_fn)(int64_t n, const float *x, float *y, float slope);
typedef void (*lk_act_bwd_fn)(int64_t n, const float *x, const float *y, const float *dy,
                              float *dx, float slope);
/* y = f(x) elementwise (exp, log); y may alias x. */
typedef void (*lk_unary_fn)(int64_t n, const float *x, float *y);

/* ---- losses and reductions ---------------------------------------------------------------
 * mse:        returns sum (p - t)^2;                   grad (if not NULL) = gscale * (p - t)
 * bce_logits: returns sum of max(l,0) - l z + log1p(exp(-|l|)); grad = gscale * (sigmoid(l) - z)
 * gauss_kl:   returns sum of -0.5 (1 + lv - mu^2 - e^lv);
 *             dmu += gscale * mu, dlv += gscale * 0.5 (e^lv - 1)   (when not NULL)
 * sum:        returns sum x */
typedef double (*lk_loss_fn)(int64_t n, const float *pred, const float *target, float *grad,
                             float gscale);
typedef double (*lk_kl_fn)(int64_t n, const float *mu, const float *logvar, float *dmu,
                           float *dlogvar, float gscale);
typedef double (*lk_sum_fn)(int64_t n, const float *x);
/* out[j] = sum over rows i of x[i*ldx + j], rows taken in order (bias gradients). */
typedef void (*lk_col_sum_fn)(int64_t m, int64_t n, const float *x, int64_t ldx, float *out);
/* y += a * x (shard gradient reduction). */
typedef void (*lk_axpy_fn)(int64_t n, float a, const float *x, float *y);

/* ---- optimizers (PyTorch's update rules) -------------------------------------------------
 * Adam:  g' = g + wd w (decoupled = 0) | w *= 1 - lr wd (decoupled = 1, AdamW)
 *        m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2
 *        w -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),  bc = 1 - beta^step
 * SGD:   g' = g + wd w;  vel = momentum vel + g';  w -= lr vel   (vel unused if momentum == 0) */
typedef struct lk_adam_params {
    float lr, beta1, beta2, eps, weight_decay;
    float bc1, bc2;
    int decoupled;
} lk_adam_params;
typedef struct lk_sgd_params {
    float lr, momentum, weight_decay;
} lk_sgd_params;
/* Both return the updated weights' check: the sum of 0 x each, 0 when every one is finite and
 * NaN when one is not (the update's finiteness check, made while the weights are in registers). */
typedef float (*lk_adam_fn)(int64_t n, float *w, const float *g, float *m, float *v,
                            const lk_adam_params *p);
typedef float (*lk_sgd_fn)(int64_t n, float *w, const float *g, float *vel,
                           const lk_sgd_params *p);

/* ---- k-means ----------------------------------------------------------------------------
 * sqnorm_rows: out[i] = ||x_i||^2 (summed in the kernel's fixed order).
 * kmeans_accumulate: for each row i, sums[l*d + :] += w_i x_i and wsum[l] += w_i with
 *   l = labels[i], w_i = w ? w[i] : 1; accumulated in double, rows in order. */
typedef void (*lk_sqnorm_rows_fn)(int64_t n, int64_t d, const float *x, int64_t ldx, float *out);
typedef void (*lk_kmeans_accumulate_fn)(int64_t n, int64_t d, const float *x, int64_t ldx,
                                        const int32_t *labels, const float *w, double *sums,
                                        double *wsum);
/* rows_dot: out[i*ldo + j] = x_i . c_j for n rows x_i (ldx apart) and m rows c_j (ldc apart),
 *   each product summed in the level's fixed order, which depends on d alone (never on n, m or
 *   where a pair falls in the kernel's register tile). For a few c_j against many rows (the
 *   k-means++ candidates, small-k assignment): X streams once, the c_j stay in L1. */
typedef void (*lk_rows_dot_fn)(int64_t n, int64_t m, int64_t d, const float *x, int64_t ldx,
                               const float *c, int64_t ldc, float *out, int64_t ldo);

/* kmeans_screen: one row's screened scores. On entry sd[j] (j < k) is an approximate x.c_j; on
 *   return the score cnorm[j] - 2 sd[j] (one rounding). With m the least score, writes to cand,
 *   in increasing j, every j whose score is at most m + (margin + 2^-22 |m|) and returns how many;
 *   returns -1 when there are more than cap, or when a score or that bound is not finite. */
typedef int64_t (*lk_kmeans_screen_fn)(int64_t k, const float *cnorm, float *sd, float margin,
                                       int64_t cap, int32_t *cand);

/* ---- k-means screening in bfloat16 (AVX512_BF16 CPUs; NULL elsewhere) ----------------------
 * P = (d + 1) / 2 pairs: pair p2 of a row is the bfloat16 roundings of its elements 2p2 and
 * 2p2 + 1 (zero past d) in one 32-bit word, low half first.
 * kmeans_pack_bf16: the k centers (ldc apart) into panels of 32: dst[(j/32)*P*32 + p2*32 + j%32]
 *   is pair p2 of center j, zero for j >= k; round_up(k, 32) * P words.
 * kmeans_pairs_bf16: rows x_i (i < m, ldx apart) as pair rows: dst[i*ldp + p2] is pair p2 of
 *   x_i for p2 < P and zero for P <= p2 < ldp (ldp >= P).
 * kmeans_dots_bf16: out[i*ldo + j] = the float-accumulated dot product of pair row a_i (lda
 *   words apart; only rows i < m and words p2 < P are read) and center j, for i < m and j < k,
 *   from the packed centers; columns from k up to round_up(k, 32) may be written too. Each
 *   product is exact in float and every sum is rounded to float, so the error is bounded as the
 *   driver assumes (gemm_driver.c). */
typedef void (*lk_pack_bf16_fn)(int64_t k, int64_t d, const float *c, int64_t ldc, uint32_t *dst);
typedef void (*lk_pairs_bf16_fn)(int64_t m, int64_t d, const float *x, int64_t ldx, uint32_t *dst,
                                 int64_t ldp);
typedef void (*lk_dots_bf16_fn)(int64_t m, int64_t P, const uint32_t *a, int64_t lda,
                                const uint32_t *cpack, int64_t k, float *out, int64_t ldo);

/* Measures this level's peak FMA rate on the calling thread for about `seconds`: GFLOP/s
 * (2 flops per lane per FMA). */
typedef double (*lk_fma_peak_fn)(double seconds);

typedef struct lk_table {
    latent_isa isa;
    /* GEMM: the micro-kernel, its tile and the cache blocking around it */
    lk_gemm_ukr_fn gemm_ukr;
    lk_gemm_ukr_strided_fn gemm_ukr_strided;
    lk_gemm_ukr_edge_fn gemm_ukr_edge;
    int mr, nr;          /* tile of the micro-kernel */
    int64_t kc, mc, nc;  /* blocking; defaults per level, refined from hwloc's cache sizes */
    /* 1: told to accumulate, the micro-kernels sum their products from zero and add C once at
     * the end (C + sum); 0: they start their sums from C (the scalar level) */
    int gemm_adds_c;
    /* activations */
    lk_act_fwd_fn act_fwd[LATENT_ACT_COUNT];
    lk_act_bwd_fn act_bwd[LATENT_ACT_COUNT];
    lk_unary_fn vexp, vlog;
    /* losses and reductions */
    lk_loss_fn mse, bce_logits;
    lk_kl_fn gauss_kl;
    lk_sum_fn sum;
    lk_col_sum_fn col_sum;
    lk_axpy_fn axpy;
    /* optimizers */
    lk_adam_fn adam;
    lk_sgd_fn sgd;
    /* k-means */
    lk_sqnorm_rows_fn sqnorm_rows;
    lk_kmeans_accumulate_fn kmeans_accumulate;
    lk_rows_dot_fn rows_dot;
    lk_kmeans_screen_fn kmeans_screen;
    lk_pack_bf16_fn kmeans_pack_bf16;
    lk_pairs_bf16_fn kmeans_pairs_bf16;
    lk_dots_bf16_fn kmeans_dots_bf16;
    /* the random normals (src/core/rng.c), the same bits at every level (lanes_math.h):
     * philox_x16 writes blocks ctr .. ctr + 15 (first word counting) of Philox4x32-10 under key,
     * four words each in block order; normal_pairs turns `pairs` (at most 64) groups of four
     * words into Box-Muller pairs, the cosine normals in first, the sine ones in second */
    void (*philox_x16)(const uint32_t ctr[4], const uint32_t key[2], uint32_t *out);
    void (*normal_pairs)(int64_t pairs, const uint32_t *w, float *first, float *second);
    /* lk_expf of n values side by side, y may be x (the VAE's standard deviations exp(lv / 2),
     * which scale the normals) */
    void (*expf_n)(int64_t n, const float *x, float *y);
    /* benchmark support */
    lk_fma_peak_fn fma_peak;
} lk_table;

/* The table in use (the detected level, capped by LATENT_ISA / latent_isa_set). */
const lk_table *lk_active(void);

/* The table of one level, or NULL when this build or CPU cannot run it. Tests and the selftest
 * walk these to compare every level with LATENT_ISA_SCALAR. */
const lk_table *lk_table_for(latent_isa isa);

/* Replaces the cache blocking of every table (from hwloc's cache sizes); 0 keeps a value. */
void lk_set_blocking(int64_t kc, int64_t mc, int64_t nc);

/* Per-level fill functions, each overriding what its level implements (dispatch.c calls them). */
void lk_fill_scalar(lk_table *t);
void lk_fill_avx2(lk_table *t);
void lk_fill_avx512(lk_table *t);
void lk_fill_neon(lk_table *t);
int lk_fill_sve(lk_table *t);         /* on top of neon; 0 when the vector length is beyond its tile */
void lk_fill_avx512bf16(lk_table *t); /* on top of avx512, where the CPU has AVX512_BF16 */
/* random_lanes.c as each level's library compiles it */
void lk_scalar_fill_random(lk_table *t);
void lk_avx2_fill_random(lk_table *t);
void lk_avx512_fill_random(lk_table *t);

#ifdef __cplusplus
}
#endif
#endif
