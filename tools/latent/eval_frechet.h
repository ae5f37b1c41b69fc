/* latent eval of generated images: the Fréchet distance between the features of samples and of
 * real images in the feature space of a Fashion-MNIST classifier latent trains itself. */
#ifndef LATENT_CLI_EVAL_FRECHET_H
#define LATENT_CLI_EVAL_FRECHET_H

#include <stdint.h>
#include "latent/models.h"

/* Scores `n` samples of `gan` (seed 0), or, with gan NULL, the rows of the .npy file `samples`,
 * against the images of `data` (default fashion-mnist:test). Prints the distance, the floor (the
 * distance of as many training images) and the classifier's test accuracy. */
int eval_frechet(latent_model *gan, const char *kind, const char *samples, const char *data,
                 int64_t n, int json);

#endif
