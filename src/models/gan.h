/* What every GAN family shares (internal): the adversarial training step over a generator stack
 * and a discriminator stack, and sampling. The dense GAN and the DCGAN differ only in the layers
 * of their stacks. */
#ifndef LATENT_SRC_MODELS_GAN_H
#define LATENT_SRC_MODELS_GAN_H

#include "model.h"

/* The generator's and the discriminator's stacks (and parameter groups). */
enum { LATENT_GAN_G = 0, LATENT_GAN_D = 1 };

/* How a GAN trains (the model's priv). */
typedef struct latent_gan_train {
    double g_loss;           /* the last generator loss (reported on D-only steps) */
    int d_steps;             /* D updates per G update */
    int reuse_fakes;         /* 1: the G step scores the fakes of the step's D update (one G
                              * forward pass per step, batch statistics computed once);
                              * 0: it draws z of its own */
    float real_target;       /* D's target on real rows: 1, or 1 - one-sided label smoothing */
} latent_gan_train;

/* Sets m's priv for training as above. */
latent_status latent_gan_train_setup(latent_model *m, int d_steps, int reuse_fakes,
                                     float real_target);

/* The step: D's phase every step, G's on every d_steps-th (a family's plan). */
latent_status latent_gan_plan(void *model, latent_batch *b, latent_phase *ph, int *n);

/* (G(z) + 1) / 2 at z drawn at (seed, USER + 1, 0, row) (a family's sample). */
void latent_gan_sample_chunk(latent_model *m, latent_work *w, const float *x, int64_t row0,
                             int64_t rows, void *arg);

#endif
