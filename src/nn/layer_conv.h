/* The convolution layer kinds: conv2d and conv_transpose2d on NHWC rows, PyTorch's weight
 * layouts ([out, in, kh, kw] and [in, out, kh, kw]), both on the three primitives of
 * simd/conv.h (internal). */
#ifndef LATENT_SRC_NN_LAYER_CONV_H
#define LATENT_SRC_NN_LAYER_CONV_H

#include "layer.h"
#include "simd/conv.h"

/* Padding that TensorFlow calls 'same': the output is ceil(input / stride) (conv2d) or input x
 * stride (conv_transpose2d), the odd pixel of padding (or cropping) after, not before. */
#define LATENT_PAD_SAME (-1)

typedef struct latent_conv {
    int transposed;
    int64_t in_c, out_c;
    int kh, kw, sh, sw;
    /* conv2d: zero padding before (top, left) and after (bottom, right); conv_transpose2d: rows
     * and columns cropped from the full output before and after (PyTorch's padding p and
     * output_padding op: before = p, after = p - op). LATENT_PAD_SAME in pad_h: 'same'. */
    int pad_h, pad_w, pad_h2, pad_w2;
    int bias;
    latent_act act;
    float slope;
    int glorot;              /* 1: Glorot-uniform whatever the activation (Keras's default) */
    int64_t w_off, b_off;    /* the weight, and the bias (-1: none) */
    lk_conv_geom geo;        /* the correlation: conv2d from x to y, conv_transpose2d from y to x */
} latent_conv;

extern const latent_layer_ops latent_conv_ops;

/* Makes l a conv2d (transposed 0) or conv_transpose2d (1) with `out_c` output channels, a kh x kw
 * kernel, stride sh x sw and the padding above (pad_h == LATENT_PAD_SAME: 'same'), a bias or
 * not, and a fused activation. Its input must be [height, width, channels]. */
void latent_conv_setup(latent_layer *l, int transposed, int64_t out_c, int kh, int kw, int sh,
                       int sw, int pad_h, int pad_w, int pad_h2, int pad_w2, int bias,
                       latent_act act, float slope);

/* Initial weights Glorot-uniform even before a ReLU (as Keras draws them), not He-uniform. */
void latent_conv_glorot(latent_layer *l);

/* The convolution settings of a conv layer. */
const latent_conv *latent_conv_of(const latent_layer *l);

#endif
