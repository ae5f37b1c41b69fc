/* The batch-norm layer kind over the last dimension of its rows: features of [F] rows
 * (BatchNorm1d), channels of [H, W, C] rows (BatchNorm2d), PyTorch's tensors and momentum
 * (internal). */
#ifndef LATENT_SRC_NN_LAYER_BATCHNORM_H
#define LATENT_SRC_NN_LAYER_BATCHNORM_H

#include "layer.h"

typedef struct latent_batchnorm {
    int64_t c, pix;          /* channels (the last dimension); rows of them per example */
    float eps, momentum;     /* PyTorch's: running = (1 - momentum) running + momentum batch */
    int64_t w_off, b_off;    /* gamma and beta (trained) */
    int64_t rm_off, rv_off, nb_off; /* running mean, running variance, batches seen (kept) */
} latent_batchnorm;

extern const latent_layer_ops latent_batchnorm_ops;

/* Makes l a batch norm (eps 1e-5 and momentum 0.1 are PyTorch's defaults; TensorFlow's
 * BatchNormalization is eps 1e-3, momentum 0.01 in these terms). */
void latent_batchnorm_setup(latent_layer *l, float eps, float momentum);

const latent_batchnorm *latent_batchnorm_of(const latent_layer *l);

#endif
