/* The layer kinds that hold no weights (internal): an activation of its own, dropout (masks from
 * the counter RNG, keyed by step, layer and example, never by thread), and a reshape of the
 * same elements. */
#ifndef LATENT_SRC_NN_LAYER_SIMPLE_H
#define LATENT_SRC_NN_LAYER_SIMPLE_H

#include "layer.h"

extern const latent_layer_ops latent_act_ops, latent_dropout_ops, latent_reshape_ops;

/* y = act(x) (leaky ReLU with `slope`). */
void latent_act_setup(latent_layer *l, latent_act act, float slope);

/* In training, each element dropped with probability p and the rest scaled by 1 / (1 - p)
 * (PyTorch's and TensorFlow's dropout); in evaluation, y = x. */
void latent_dropout_setup(latent_layer *l, float p);

/* The same elements as rows of `shape`. channels_first 0: in memory order (a flat [H*W*C] row is
 * [H, W, C], as TensorFlow's Reshape and Flatten read channels-last data); 1: the flat side of a
 * [F] <-> [H, W, C] reshape is in [C, H, W] order, as PyTorch's Unflatten and Flatten see it, so
 * the dense layer next to it has PyTorch's weights. */
void latent_reshape_setup(latent_layer *l, latent_shape shape, int channels_first);

#endif
