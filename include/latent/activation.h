/* The activation functions every dense layer can use. */
#ifndef LATENT_ACTIVATION_H
#define LATENT_ACTIVATION_H

#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum latent_act {
    LATENT_ACT_IDENTITY = 0,
    LATENT_ACT_RELU,
    LATENT_ACT_LEAKY_RELU, /* slope given separately (0.01 default, 0.2 in a GAN's D) */
    LATENT_ACT_SIGMOID,
    LATENT_ACT_TANH,
    LATENT_ACT_SOFTPLUS,   /* log(1 + e^x), computed stably */
    LATENT_ACT_COUNT
} latent_act;

/* "identity", "relu", "leaky_relu", "sigmoid", "tanh", "softplus". */
const char *latent_act_name(latent_act act);

/* Parses an activation name; LATENT_EINVAL (with a message) for an unknown one. */
latent_status latent_act_parse(const char *name, latent_act *out);

#ifdef __cplusplus
}
#endif
#endif
