/* Convolutions on the GEMM micro-kernels, NHWC with the batch folded into the GEMM's rows: the
 * three primitives every convolution layer's six passes are made of (ISA-neutral, like gemm.h).
 *
 * A correlation maps an input [IH, IW, IC] (per sample) to an output grid [OH, OW] through a
 * KH x KW kernel, stride (SH, SW) and padding before (PH, PW): output pixel (oh, ow) reads input
 * (oh*SH - PH + kh, ow*SW - PW + kw), zero outside. Its weights g are [(kh*KW + kw)*IC + c][OC]
 * (the kernel's taps in row order, channels innermost, so a tap's channels are contiguous in
 * NHWC; output channels last, so the GEMM's B is read row by row). A conv2d's forward pass is a correlation; its backward-data pass the transposed
 * correlation with the same g; a transposed conv2d is the reverse pair; both layers' weight
 * gradients are lk_conv_weights.
 *
 * Every function here is called by every member of a team with the same arguments; each member
 * does its share and none waits for the others at the end (lk_team_sync before reading). No
 * result depends on the team: pixels are split, never sums. Kernels up to 64 x 64, strides up
 * to 16. Should a thread's gather buffer not be had (out of memory), its outputs are NaN, which
 * training's finite checks stop on. */
#ifndef LATENT_SIMD_CONV_H
#define LATENT_SIMD_CONV_H

#include "kernels.h"
#include "team.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lk_conv_geom {
    int64_t ih, iw, ic;      /* input, per sample */
    int64_t oh, ow;          /* output grid */
    int kh, kw, sh, sw, ph, pw;
} lk_conv_geom;

/* y[n][oh][ow][o] = act(bias[o] + sum_{kh,kw,c} x[n][ih][iw][c] g[(kh*KW + kw)*IC + c][o]) for
 * n samples and o < oc; y rows are OH*OW*oc floats per sample. bias may be NULL. */
void lk_conv_correlate(const lk_team *team, const lk_table *t, const lk_conv_geom *geo,
                       int64_t n, const float *x, const float *g, int64_t oc, const float *bias,
                       latent_act act, float slope, float *y, float *wbuf);

/* Both correlations first lay g out for the micro-kernels in wbuf (shared by the team, at least
 * lk_conv_wbuf_floats(geo, oc) floats), every member waiting for the others once or twice. */
size_t lk_conv_wbuf_floats(const lk_conv_geom *geo, int64_t oc);

/* The transpose: from x on the output grid ([OH][OW][oc] per sample) to y in the input space
 * ([IH][IW][IC]): y[n][ih][iw][c] = act(bias[c] + sum over every (oh, ow, kh, kw) that reads
 * (ih, iw) of x[n][oh][ow][o] g[(kh*KW + kw)*IC + c][o]). Computed as SH x SW gathers, one per
 * residue class of output pixels (no zero insertion, no scattered sums across threads); to at
 * most 4 channels, one GEMM per image and a sum of its taps in place. bias may be NULL. */
void lk_conv_correlate_transposed(const lk_team *team, const lk_table *t,
                                  const lk_conv_geom *geo, int64_t n, const float *x,
                                  const float *g, int64_t oc, const float *bias, latent_act act,
                                  float slope, float *y, float *wbuf);

/* Weight gradients: c[r][(kh*KW + kw)*IC + k] = sum over every output pixel p of n samples of
 * a[p][r] times the input value pixel p reads at tap (kh, kw), channel k; a is [n*OH*OW][ra]
 * (row stride ra, r < ra), c is [ra][KH*KW*IC], overwritten. Pixels are summed in order. */
void lk_conv_weights(const lk_team *team, const lk_table *t, const lk_conv_geom *geo, int64_t n,
                     const float *x, const float *a, int64_t ra, float *c);

/* g[(kh*KW + kw)*B + b][a] = w[a][b][kh][kw] (A values of a): PyTorch's [out, in, kh, kw]
 * (Conv2d) or [in, out, kh, kw] (ConvTranspose2d) as the correlations take it, for a in
 * [a0, a1). Weight gradients come in rows c[a][(kh*KW + kw)*B + b] (lk_conv_weights);
 * lk_conv_unreorder puts rows [a0, a1) of those into w's layout. */
void lk_conv_reorder(const float *w, int64_t A, int64_t B, int kh, int kw, int64_t a0, int64_t a1,
                     float *g);
void lk_conv_unreorder(const float *g, int64_t B, int kh, int kw, int64_t a0, int64_t a1,
                       float *w);

#ifdef __cplusplus
}
#endif
#endif
