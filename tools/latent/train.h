/* The two ways `latent train` runs: the neural families through models.h, k-means through
 * kmeans.h. Each returns the exit status. */
#ifndef LATENT_CLI_TRAIN_H
#define LATENT_CLI_TRAIN_H

#include "train_args.h"

int train_nn(train_args *a, const cli_command *given);
int train_kmeans(const train_args *a);

#endif
