/* The GEMM and k-means-assignment frameworks: packing and the five loops around a micro-kernel,
 * shared by every ISA level. */
#ifndef LATENT_SIMD_GEMM_H
#define LATENT_SIMD_GEMM_H

#include "kernels.h"
#include "team.h"

#ifdef __cplusplus
extern "C" {
#endif

/* C = alpha * op(A) * op(B) + beta * C, then C = act(C + bias[j]) when bias or act is given.
 * op(A) is m x k (A is k x m when trans_a), op(B) is k x n (B is n x k when trans_b).
 * Training uses NT (X W^T), NN (dY W) and TN (dY^T X). beta == 0 never reads C.
 * Opens a region on the OpenMP threads available when called outside any parallel region and
 * the work is worth it, else runs on the calling thread alone; the bytes of C do not depend on
 * the thread count. */
void lk_sgemm(const lk_table *t, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
              float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
              float *c, int64_t ldc, const float *bias, latent_act act, float slope);

/* lk_sgemm on a team inside a parallel region: every member calls it with the same arguments
 * and computes its cell of the tile grid (members beyond what the work pays for return at once).
 * It does not wait for the others: lk_team_sync before reading C. Same bytes as lk_sgemm. */
void lk_sgemm_team(const lk_team *team, const lk_table *t, int trans_a, int trans_b, int64_t m,
                   int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                   const float *b, int64_t ldb, float beta, float *c, int64_t ldc,
                   const float *bias, latent_act act, float slope);

/* Forward products X W^T of at most this many rows run swapped (C^T = W X^T, W read where it
 * lies); on a team each member then computes its own weight rows. At 128 rows the swap measured
 * the same on one thread as the direct product, and it lets one team of two keep every weight
 * row with one member at batch 128 (ae/vae 784-1024-128: 7-9% faster than two teams of one). */
#define LK_SWAP_MAX_ROWS 128

/* lk_sgemm_team for a dense layer's weights, which then stay with one member from call to
 * call: a member computes the weight rows lk_team_split gives it, the rows of C for the weight
 * gradient dY^T X (trans_a, not trans_b; m = the layer's outputs) and the rows of C^T for the
 * forward X W^T when it runs swapped (few rows; n = the layer's outputs, more than m). The
 * optimizer step then finds a row's gradient in the caches of the member that updates the row
 * (the same lk_team_split), and the next forward pass finds the updated row there.
 * For the input gradient dY W (neither transposed, alpha 1, beta 0, no bias or activation; B's k
 * rows are the weight rows), when each member's rows are whole k blocks of the product and the
 * table's micro-kernels add C after each block (gemm_adds_c), each member multiplies only its
 * own rows, into C (member 0) or a buffer of its own, and the members then add the blocks in
 * their order: W never leaves its member's caches. Then lk_team_sync before calling it again
 * too (the members read each other's buffers until the next barrier).
 * Other products, and work too small for the whole team, run as lk_sgemm_team; same bytes
 * either way. */
void lk_sgemm_team_weight_rows(const lk_team *team, const lk_table *t, int trans_a, int trans_b,
                               int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                               int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                               int64_t ldc, const float *bias, latent_act act, float slope);
/* Whether a team of `members` (with a barrier of its own, up to LK_TEAM_POSTS) runs dY W
 * (m x k times k x n) split along k. */
int lk_sgemm_k_rows_splits(const lk_table *t, int members, int64_t m, int64_t n, int64_t k);
/* That dY W with buffered 0: as when no member but the first gets memory for its buffer (each
 * then adds its blocks to C itself, in turn); for the conformance tests of that path. */
void lk_sgemm_team_k_rows_buffered(const lk_team *team, const lk_table *t, int64_t m, int64_t n,
                                   int64_t k, const float *a, int64_t lda, const float *b,
                                   int64_t ldb, float *c, int64_t ldc, int buffered);

/* The weight gradient of a slab of shards as the gradient reduction would sum it: C (m x n) =
 * the sum over parts p of A_p^T B_p, part p being rows [k0[p], k0[p] + klen[p]) of A (k x m,
 * lda) and of B (k x n, ldb), the parts added by the fixed tree (the first power-of-two block of
 * parts, then the rest; left + right). The bytes are those of lk_sgemm(TN) on each part into a
 * buffer of its own, then that tree over the buffers; C is written once. Team and threads as
 * lk_sgemm_team, the rows of C (weight rows) split among the members as in
 * lk_sgemm_team_weight_rows. */
void lk_sgemm_tn_tree(const lk_team *team, const lk_table *t, int64_t m, int64_t n,
                      const int64_t *k0, const int64_t *klen, int parts, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc);

/* B packed once for many products that share it (a convolution's weights, block after block
 * of gathered rows): lk_sgemm_pack_b lays op(B) (k x n; B is n x k when trans_b) out in
 * lk_sgemm_packed_floats(t, k, n) floats, the team's members splitting its column panels
 * (lk_team_sync before using it); lk_sgemm_packed then computes C = act(op(A) B + beta C + bias)
 * on the calling thread, op(A) = A (m x k, row-major) or A^T (A k x m) when trans_a. The same
 * bytes as lk_sgemm. A B of at most nr columns packs as a row-major k x nr matrix, its columns
 * past n zero: such a B may be written in place of packing (a gather straight into panels). */
size_t lk_sgemm_packed_floats(const lk_table *t, int64_t k, int64_t n);
void lk_sgemm_pack_b(const lk_team *team, const lk_table *t, int trans_b, int64_t k, int64_t n,
                     const float *b, int64_t ldb, float *packed);
void lk_sgemm_packed(const lk_table *t, int trans_a, int64_t m, int64_t n, int64_t k,
                     const float *a, int64_t lda, const float *packed, float beta, float *c,
                     int64_t ldc, const float *bias, latent_act act, float slope);

/* For each row x_i of X (n x d), the nearest of the k centers C (k x d, row-major, ldc = d):
 * labels[i] = the lowest j minimizing cnorm[j] - 2 x_i.c_j, with x_i.c_j as the table's rows_dot
 * computes it, and, when dist is not NULL, dist[i] = that minimum (add ||x_i||^2 for the squared
 * distance). cnorm[j] = ||c_j||^2. Those bytes are the definition whatever path gives them:
 * beyond a few centers a GEMM-blocked pass (in bfloat16 on AVX512_BF16 CPUs) screens the
 * centers with a proven error bound and rows_dot recomputes only the ones the bound keeps; no
 * n x k matrix is formed. Threads as lk_sgemm. */
void lk_kmeans_assign(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                      const float *centers, int64_t k, const float *cnorm, int32_t *labels,
                      float *dist);

/* The rows as the bfloat16 screen reads them, for callers that assign the same rows many times
 * (Lloyd's iterations): half the bytes of the float rows. lk_kmeans_pairs_ld gives the words per
 * pair row, 0 where the table screens in float (then there is nothing to prepare);
 * lk_kmeans_pairs writes n pair rows, ldp (>= that) words apart. */
int64_t lk_kmeans_pairs_ld(const lk_table *t, int64_t d);
void lk_kmeans_pairs(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                     uint32_t *pairs, int64_t ldp);

/* lk_kmeans_assign with what the caller already holds, giving the same bytes: pairs (from
 * lk_kmeans_pairs for these rows, or NULL) and sqnorm (||x_i||^2 from the table's sqnorm_rows,
 * or NULL). With pairs the screen reads them instead of x, at any k; with dist NULL too, x is
 * read only for the rows the screen leaves more than one center. */
void lk_kmeans_assign_pairs(const lk_table *t, int64_t n, int64_t d, const float *x, int64_t ldx,
                            const uint32_t *pairs, int64_t ldp, const float *sqnorm,
                            const float *centers, int64_t k, const float *cnorm, int32_t *labels,
                            float *dist);

#ifdef __cplusplus
}
#endif
#endif
