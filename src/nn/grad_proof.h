/* Proving a step's weight gradients finite without reading them (internal).
 *
 * Before the optimizer moves a weight, the update checks that the whole minibatch gradient is
 * finite, so a NaN or Inf stops training with every weight as it was. That check reads the
 * gradient once more; at small batches, where the gradient is as large as the weights and the
 * step's arithmetic is small, the pass costs 3-9% of the step on one thread.
 *
 * A dense layer's weight gradient is sum_k dy_k x_k^T over the minibatch rows k, so by
 * Cauchy-Schwarz every element is at most sqrt(sum_k |dy_k|^2) sqrt(sum_k |x_k|^2) in size, and
 * the bias gradient's at most sqrt(rows sum_k |dy_k|^2). The rows' squared norms are cheap (rows
 * x (in + out) floats, in cache as the layer's backward pass uses them); when both sums are
 * finite and the bound is far below FLT_MAX (a margin that covers the rounding of up to 2^20
 * rows' products, however summed), the tensor cannot hold a NaN or Inf, and its check is left
 * out. Whatever the proof cannot show (a NaN in x or dy, huge values, a layer kind that records
 * nothing) is checked as before, so the outcome of every step is the same, byte for byte.
 *
 * Each thread of a step adds its rows' sums to its own row of the group's ledger; thread 0
 * merges them when the phase's slabs are done. A writer of a gradient that is not such a
 * product (the contractive penalty's direct term) marks the tensor unproven. */
#ifndef LATENT_SRC_NN_GRAD_PROOF_H
#define LATENT_SRC_NN_GRAD_PROOF_H

#include <stdint.h>
#include "layer.h"
#include "params.h"

/* Makes room for `threads` threads' sums in p's ledger and clears it (before a step's
 * region; the step's thread tid writes row tid). */
latent_status latent_proof_reserve(latent_params *p, int threads);

/* The ledger row of the calling thread: step thread tid (set as a step's member starts). */
void latent_proof_set_thread(int tid);

/* Adds rows' squared norms to the proof of the tensor at offset `off` of g's group: for a
 * weight (a product sum_k dy_k x_k^T), sq_a = sum |dy_k|^2 and sq_b = sum |x_k|^2; for a bias
 * (a sum of the dy_k), sq_b = rows. Nothing when g has no group or ledger. */
void latent_proof_add(latent_grad g, int64_t off, double sq_a, double sq_b, int64_t rows);

/* The tensor at offset `off` of g's group is not proven this step (its gradient has a term the
 * bound does not cover). */
void latent_proof_void(latent_grad g, int64_t off);

/* Thread 0, once every thread's rows are in: which tensors (proven[]) and which update chunks
 * (chunk_proven[]) of p are proven finite; clears the ledger for the next phase. */
void latent_proof_merge(latent_params *p);

/* The dense layer's share: squared norms of `rows` rows of dy (dy_cols floats, ld apart) and of
 * x (x_cols floats), each in double. */
void latent_proof_row_norms(const lk_table *t, int64_t rows, const float *dy, int64_t dy_cols,
                            const float *x, int64_t x_cols, double *sq_dy, double *sq_x);

#endif
