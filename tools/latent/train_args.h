/* The options of `latent train FAMILY`, as parsed from the command line. */
#ifndef LATENT_CLI_TRAIN_ARGS_H
#define LATENT_CLI_TRAIN_ARGS_H

#include <stdint.h>
#include "options.h"

/* The most options one family adds to the common ones. */
#define TRAIN_FAMILY_OPTIONS_MAX 12

typedef enum train_family { FAMILY_AE, FAMILY_VAE, FAMILY_GAN, FAMILY_KMEANS, FAMILY_DCGAN } train_family;

typedef struct train_args {
    train_family family;
    const char *family_name;
    /* common */
    const char *data, *test, *labels;
    int64_t limit, epochs, batch, seed, threads, checkpoint_every;
    double lr, clip, beta1;              /* beta1 NAN: the family's default */
    const char *optimizer, *save, *resume;
    int json, quiet, no_plot, fixed_threads;
    /* ae (and vae/gan share --act where it applies) */
    cli_ints layers;
    const char *act, *out_act, *loss, *sparse, *denoise;
    const char *code_act;                /* NULL: as --act */
    double contractive;
    double sparse_beta, sparse_rho;      /* from --sparse BETA,RHO */
    int denoise_gauss;                   /* from --denoise mask:NU|gauss:SIGMA */
    double denoise_level;
    /* vae */
    int64_t latent;
    double beta;
    const char *decoder;
    /* gan (dcgan: z and d_steps too) */
    int64_t z, d_steps;
    cli_ints gen, disc;
    /* ae, vae: convolutional */
    int conv;
    cli_ints conv_channels;
    /* dcgan (and --kernel for ae/vae --conv) */
    cli_ints gen_channels, disc_channels;
    int64_t kernel;
    double slope, dropout, label_smoothing;
    int64_t image_height, image_width;   /* of --data, when it says (0: unknown) */
    /* kmeans */
    int64_t k, max_iter, n_init, minibatch;
    double tol;
    const char *init, *algorithm;
    /* which options were typed: --resume takes the rest from the checkpoint */
    int given_data, given_test, given_limit, given_epochs, given_batch, given_lr, given_optimizer,
        given_seed, given_clip, given_layers, given_beta1, given_latent;
    /* the family options typed (names without "--"): with --resume each must equal the
     * checkpoint's configuration */
    const char *family_options[TRAIN_FAMILY_OPTIONS_MAX];
    int n_family_options;
} train_args;

/* Parses `latent train FAMILY ...` (argv starts after "train"). Returns CLI_PARSED, CLI_HELPED
 * or EXIT_USAGE. `given` tells which options were typed (for --resume's consistency checks). */
int train_args_parse(train_args *a, int argc, char **argv);

#endif
