/* The dense layer kind: y = act(x W^T + b), W stored [out, in] as nn.Linear keeps it (internal). */
#ifndef LATENT_SRC_NN_LAYER_DENSE_H
#define LATENT_SRC_NN_LAYER_DENSE_H

#include "layer.h"

typedef struct latent_dense {
    int64_t in, out;
    latent_act act;
    float slope;             /* leaky ReLU slope */
    int64_t w_off, b_off;    /* offsets of W and b in the group (b_off -1: no bias) */
    int no_bias;
    int glorot;              /* 1: Glorot-uniform whatever the activation (Keras's default) */
    /* files: 0, or 2 to show the rows as two modules of out / 2 rows each (the VAE's fc_mu and
     * fc_logvar, which train as one layer) */
    int split;
    char split_name[2][24];
} latent_dense;

extern const latent_layer_ops latent_dense_ops;

/* Makes l a dense layer of `out` features with a fused activation (named and built by the stack). */
void latent_dense_setup(latent_layer *l, int64_t out, latent_act act, float slope);

/* Initial weights Glorot-uniform even before a ReLU (as Keras draws them), not He-uniform. */
void latent_dense_glorot(latent_layer *l);

/* Without a bias (nn.Linear(bias=False)). */
void latent_dense_no_bias(latent_layer *l);

/* Files show its rows as two modules, `first` and `second` (out must be even). */
void latent_dense_split(latent_layer *l, const char *first, const char *second);

/* The dense settings of a dense layer. */
const latent_dense *latent_dense_of(const latent_layer *l);

#endif
