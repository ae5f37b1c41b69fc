/* One dense layer's forward and backward passes (internal to the dense stack). */
#ifndef LATENT_SRC_NN_DENSE_H
#define LATENT_SRC_NN_DENSE_H

#include "latent/nn.h"
#include "simd/gemm.h"

/* Nonzero when the activation's derivative needs the pre-activation (the fused GEMM epilogue
 * keeps only the output; ReLU, leaky ReLU, sigmoid and tanh derive from the output alone). */
int latent_dense_needs_pre(latent_act act);

/* The three passes of a dense layer. Every member of the team calls each with the same
 * arguments and does its share (GEMM tiles, rows or columns); none waits for the others at the
 * end: lk_team_sync before reading the results. */

/* y = act(x W^T + b) for `rows` rows; pre receives x W^T + b when needed (else NULL). */
void latent_dense_forward(const lk_team *team, const lk_table *t, const latent_dense *l,
                          const float *w, const float *x, int64_t rows, float *pre, float *y);

/* delta (may alias dy) = dy * act'(.) from the layer's output y and pre-activation pre. */
void latent_dense_delta(const lk_team *team, const lk_table *t, const latent_dense *l,
                        int64_t rows, const float *pre, const float *y, const float *dy,
                        float *delta);

/* From delta at the pre-activation: gW (+)= delta^T x, gb (+)= colsum(delta) when grad is not
 * NULL; dx = delta W when dx is not NULL. */
void latent_dense_backprop(const lk_team *team, const lk_table *t, const latent_dense *l,
                           const float *w, const float *x, int64_t rows, const float *delta,
                           float *grad, int accumulate, float *dx);
#endif
