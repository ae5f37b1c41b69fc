/* The convolutional encoder and decoder ends that autoencoders and VAEs put around their dense
 * layers (internal): latent_conv_config's layers, named as nn.Sequential modules. */
#ifndef LATENT_SRC_MODELS_CONV_NET_H
#define LATENT_SRC_MODELS_CONV_NET_H

#include "model.h"

/* Checks c against rows of d features ("ae" / "vae" in messages). */
latent_status latent_conv_check(const latent_conv_config *c, int64_t d, const char *who);

/* Elements of the last convolution's output (what the encoder flattens). */
int64_t latent_conv_flat(const latent_conv_config *c);

/* Adds the convolutions and the Flatten to stack k (whose input is the image), module indices
 * from *idx on. */
latent_status latent_conv_encoder(latent_model *m, int k, const latent_conv_config *c,
                                  latent_act act, float slope, int *idx);

/* Adds Unflatten and the transposed convolutions to stack k (whose output so far is
 * latent_conv_flat(c) wide): the last one's activation is out_act. */
latent_status latent_conv_decoder(latent_model *m, int k, const latent_conv_config *c,
                                  latent_act act, float slope, latent_act out_act, int *idx);

/* Its configuration keys (only when c->n > 0, so dense models' files stay as they were). */
struct latent_kv_out;
struct latent_kv_in;
void latent_conv_config_out(const latent_conv_config *c, struct latent_kv_out *kv);
latent_status latent_conv_config_in(const struct latent_kv_in *kv, latent_conv_config *c);

#endif
