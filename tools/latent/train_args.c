/* `latent train` options: one table per model family on top of the common ones. */
#include <math.h>
#include <string.h>
#include "train_args.h"

#define OPT(name, kind, dest, lo, hi, ch, mv, help) {name, kind, dest, lo, hi, ch, mv, help, 0}

static int parse_sparse(const char *cmd, train_args *a)
{
    const char *comma = strchr(a->sparse, ',');
    char beta[64];
    size_t n = comma ? (size_t)(comma - a->sparse) : 0;
    if (!comma || n >= sizeof beta)
        return cli_error(cmd, EXIT_USAGE, "--sparse: '%.80s' is not BETA,RHO (e.g. 3,0.05)",
                         a->sparse);
    memcpy(beta, a->sparse, n);
    beta[n] = '\0';
    if (cli_real(cmd, "--sparse BETA", beta, 0, 1e6, &a->sparse_beta)) return EXIT_USAGE;
    double rho;
    if (cli_real(cmd, "--sparse RHO", comma + 1, 0, 1, &rho)) return EXIT_USAGE;
    if (rho <= 0 || rho >= 1)
        return cli_error(cmd, EXIT_USAGE, "--sparse: RHO %.80s must lie strictly between 0 and 1",
                         comma + 1);
    a->sparse_rho = rho;
    return 0;
}

static int parse_denoise(const char *cmd, train_args *a)
{
    const char *s = a->denoise;
    if (strncmp(s, "mask:", 5) == 0) {
        a->denoise_gauss = 0;
        return cli_real(cmd, "--denoise mask:NU", s + 5, 0, 1, &a->denoise_level);
    }
    if (strncmp(s, "gauss:", 6) == 0) {
        a->denoise_gauss = 1;
        return cli_real(cmd, "--denoise gauss:SIGMA", s + 6, 0, 1e3, &a->denoise_level);
    }
    return cli_error(cmd, EXIT_USAGE, "--denoise: '%.80s' is not mask:NU or gauss:SIGMA", s);
}

int train_args_parse(train_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    static const char *const names[] = {"ae", "vae", "gan", "kmeans", "dcgan"};
    if (argc < 1)
        return cli_error("train", EXIT_USAGE, "missing model family (ae, vae, gan, dcgan or kmeans)");
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        printf("usage: latent train ae|vae|gan|dcgan|kmeans [options]\n\n"
               "Trains a model; latent train FAMILY --help lists its options.\n");
        return CLI_HELPED;
    }
    int fam = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(argv[0], names[i]) == 0) fam = i;
    if (fam < 0)
        return cli_error("train", EXIT_USAGE, "unknown model family '%.80s' (expected ae, vae, "
                         "gan, dcgan or kmeans)", argv[0]);
    a->family = (train_family)fam;
    a->family_name = names[fam];

    /* Defaults: the usual recipe of each family. */
    a->data = "fashion-mnist";
    a->epochs = 10;
    a->batch = fam == FAMILY_GAN ? 64 : fam == FAMILY_DCGAN ? 256 : 128;
    a->lr = fam == FAMILY_GAN ? 2e-4 : fam == FAMILY_DCGAN ? 1e-4 : 1e-3;
    a->beta1 = fam == FAMILY_DCGAN ? 0.9 : NAN; /* TensorFlow's tutorial: Adam's defaults */
    a->optimizer = "adam";
    a->act = fam == FAMILY_GAN ? "leaky_relu" : "relu";
    a->out_act = "sigmoid";
    a->loss = "mse";
    a->latent = 20;
    a->beta = 1;
    a->decoder = "bernoulli";
    a->z = 100;
    a->d_steps = 1;
    a->k = 10;
    a->init = "kmeans++";
    a->max_iter = 300;
    a->tol = 1e-4;
    a->algorithm = "lloyd";
    a->kernel = fam == FAMILY_DCGAN ? 5 : 3;
    a->slope = 0.3;
    a->dropout = 0.3;

    const double big = 1e9;
    cli_option common[] = {
        OPT("data", CLI_STR, &a->data, 0, 0, NULL, "SPEC",
            "training data: fashion-mnist (default), fashion-mnist:test, mnist-like:DIR, or a "
            ".npy/.csv/IDX file"),
        OPT("test", CLI_STR, &a->test, 0, 0, NULL, "SPEC",
            "test data for test metrics (default: the dataset's test split, if it has one)"),
        OPT("labels", CLI_STR, &a->labels, 0, 0, NULL, "FILE", "labels (.npy or IDX) for --data"),
        OPT("limit", CLI_INT, &a->limit, 1, 1e12, NULL, "N",
            "use only the first N rows of --data (and of --test)"),
        OPT("epochs", CLI_INT, &a->epochs, 1, 1e6, NULL, "N",
            fam == FAMILY_KMEANS ? "unused by k-means (see --max-iter)" : "epochs to train (10)"),
        OPT("batch", CLI_INT, &a->batch, 1, 1e6, NULL, "N", "minibatch size (128; gan 64, dcgan 256)"),
        OPT("lr", CLI_REAL, &a->lr, 0, 10, NULL, "X", "learning rate (1e-3; gan 2e-4, dcgan 1e-4)"),
        OPT("optimizer", CLI_CHOICE, &a->optimizer, 0, 0, "adam|adamw|sgd", NULL,
            "optimizer (adam)"),
        OPT("beta1", CLI_REAL, &a->beta1, 0, 0.999999, NULL, "X",
            "Adam's beta1 (0.9; gan 0.5, as the DCGAN paper)"),
        OPT("seed", CLI_INT, &a->seed, 0, 9.2e18, NULL, "N", "random seed (0)"),
        OPT("threads", CLI_INT, &a->threads, 0, 4096, NULL, "N",
            "threads (default 0: one per physical core)"),
        OPT("fixed-threads", CLI_FLAG, &a->fixed_threads, 0, 0, NULL, NULL,
            "every step on all --threads (default: fewer where they ran steps faster lately)"),
        OPT("save", CLI_STR, &a->save, 0, 0, NULL, "FILE.safetensors",
            "write the trained model (and FILE.loss.png, the loss curves)"),
        OPT("checkpoint-every", CLI_INT, &a->checkpoint_every, 1, 1e6, NULL, "N",
            "also write --save every N epochs while training"),
        OPT("resume", CLI_STR, &a->resume, 0, 0, NULL, "FILE.safetensors",
            "continue the run saved in FILE (same result as never stopping)"),
        OPT("clip", CLI_REAL, &a->clip, 0, big, NULL, "X", "clip the gradient norm to X (0: off)"),
        OPT("json", CLI_FLAG, &a->json, 0, 0, NULL, NULL, "JSON lines on stdout"),
        OPT("quiet", CLI_FLAG, &a->quiet, 0, 0, NULL, NULL,
            "no progress (with --json: only the done line)"),
        OPT("no-plot", CLI_FLAG, &a->no_plot, 0, 0, NULL, NULL, "do not write the loss plot"),
    };
    cli_option ae[] = {
        OPT("layers", CLI_INTS, &a->layers, 1, 1 << 20, NULL, "784,128,32",
            "input size, then the encoder's layer sizes; the decoder mirrors them"),
        OPT("act", CLI_CHOICE, &a->act, 0, 0, "relu|leaky_relu|sigmoid|tanh", NULL,
            "activation of every hidden layer, the code included unless --code-act (relu)"),
        OPT("code-act", CLI_CHOICE, &a->code_act, 0, 0, "identity|relu|leaky_relu|sigmoid|tanh",
            NULL, "activation of the code layer alone (default: --act; sigmoid, which --sparse "
            "and --contractive need); identity: a linear code"),
        OPT("out-act", CLI_CHOICE, &a->out_act, 0, 0, "sigmoid|identity", NULL,
            "output activation (sigmoid)"),
        OPT("loss", CLI_CHOICE, &a->loss, 0, 0, "mse|bce", NULL, "reconstruction loss (mse)"),
        OPT("sparse", CLI_STR, &a->sparse, 0, 0, NULL, "BETA,RHO",
            "sparse AE: KL penalty weight BETA toward mean code activation RHO"),
        OPT("contractive", CLI_REAL, &a->contractive, 0, big, NULL, "LAMBDA",
            "contractive AE: Jacobian penalty weight"),
        OPT("denoise", CLI_STR, &a->denoise, 0, 0, NULL, "mask:NU|gauss:SIGMA",
            "denoising AE: input corruption"),
        OPT("conv", CLI_FLAG, &a->conv, 0, 0, NULL, NULL,
            "convolutional: strided convolutions before the dense layers, transposed ones after"),
        OPT("conv-channels", CLI_INTS, &a->conv_channels, 1, 65536, NULL, "32,64",
            "--conv: each stride-2 convolution's channels"),
        OPT("kernel", CLI_INT, &a->kernel, 1, 15, NULL, "K", "--conv: kernels K x K, K odd (3)"),
    };
    cli_option vae[] = {
        OPT("layers", CLI_INTS, &a->layers, 1, 1 << 20, NULL, "784,400",
            "input size, then the encoder's hidden layers; the decoder mirrors them"),
        OPT("latent", CLI_INT, &a->latent, 1, 1 << 20, NULL, "N", "latent dimensions (20)"),
        OPT("beta", CLI_REAL, &a->beta, 0, big, NULL, "X", "weight of the KL term (1)"),
        OPT("decoder", CLI_CHOICE, &a->decoder, 0, 0, "bernoulli|gaussian", NULL,
            "decoder likelihood (bernoulli)"),
        OPT("act", CLI_CHOICE, &a->act, 0, 0, "relu|leaky_relu|sigmoid|tanh", NULL,
            "hidden activation (relu)"),
        OPT("conv", CLI_FLAG, &a->conv, 0, 0, NULL, NULL,
            "convolutional (the Keras VAE example: --layers 784,16 --latent 2 unless given)"),
        OPT("conv-channels", CLI_INTS, &a->conv_channels, 1, 65536, NULL, "32,64",
            "--conv: each stride-2 convolution's channels"),
        OPT("kernel", CLI_INT, &a->kernel, 1, 15, NULL, "K", "--conv: kernels K x K, K odd (3)"),
    };
    cli_option gan[] = {
        OPT("z", CLI_INT, &a->z, 1, 1 << 20, NULL, "N", "noise dimensions (100)"),
        OPT("gen", CLI_INTS, &a->gen, 1, 1 << 20, NULL, "256,512", "generator hidden layers"),
        OPT("disc", CLI_INTS, &a->disc, 1, 1 << 20, NULL, "512,256",
            "discriminator hidden layers"),
        OPT("d-steps", CLI_INT, &a->d_steps, 1, 1000, NULL, "N",
            "discriminator steps per generator step (1)"),
    };
    cli_option dcgan[] = {
        OPT("z", CLI_INT, &a->z, 1, 1 << 20, NULL, "N", "noise dimensions (100)"),
        OPT("gen-channels", CLI_INTS, &a->gen_channels, 1, 65536, NULL, "256,128,64",
            "generator channels: the dense layer's, then each transposed convolution's"),
        OPT("disc-channels", CLI_INTS, &a->disc_channels, 1, 65536, NULL, "64,128",
            "discriminator channels, one strided convolution each"),
        OPT("kernel", CLI_INT, &a->kernel, 1, 15, NULL, "K", "convolution kernels K x K, K odd (5)"),
        OPT("slope", CLI_REAL, &a->slope, 0, 10, NULL, "X", "leaky ReLU slope (0.3)"),
        OPT("dropout", CLI_REAL, &a->dropout, 0, 0.99, NULL, "P", "discriminator dropout (0.3)"),
        OPT("label-smoothing", CLI_REAL, &a->label_smoothing, 0, 0.99, NULL, "X",
            "one-sided: real rows' target 1 - X (0)"),
        OPT("d-steps", CLI_INT, &a->d_steps, 1, 1000, NULL, "N",
            "discriminator steps per generator step (1)"),
    };
    cli_option km[] = {
        OPT("k", CLI_INT, &a->k, 1, 1e7, NULL, "N", "clusters (10)"),
        OPT("init", CLI_STR, &a->init, 0, 0, NULL, "kmeans++|random|FILE.npy",
            "initial centers (kmeans++)"),
        OPT("max-iter", CLI_INT, &a->max_iter, 1, 1e7, NULL, "N", "iterations per run (300)"),
        OPT("tol", CLI_REAL, &a->tol, 0, big, NULL, "X",
            "tolerance relative to the mean feature variance (1e-4)"),
        OPT("n-init", CLI_INT, &a->n_init, 1, 1e4, NULL, "N",
            "runs, best inertia kept (1 for kmeans++ or a file, 10 for random)"),
        OPT("algorithm", CLI_CHOICE, &a->algorithm, 0, 0, "lloyd|elkan|minibatch", NULL,
            "algorithm (lloyd)"),
        OPT("minibatch", CLI_INT, &a->minibatch, 1, 1e9, NULL, "N",
            "mini-batch k-means with batches of N rows"),
    };
    cli_option *fam_opts[] = {ae, vae, gan, km, dcgan};
    int fam_n[] = {sizeof ae / sizeof *ae, sizeof vae / sizeof *vae, sizeof gan / sizeof *gan,
                   sizeof km / sizeof *km, sizeof dcgan / sizeof *dcgan};
    cli_option all[sizeof common / sizeof *common + TRAIN_FAMILY_OPTIONS_MAX];
    int n = 0;
    for (size_t i = 0; i < sizeof common / sizeof *common; i++) all[n++] = common[i];
    for (int i = 0; i < fam_n[fam]; i++) all[n++] = fam_opts[fam][i];

    static const char *const summaries[] = {
        "Trains a dense autoencoder (plain, sparse, contractive or denoising).",
        "Trains a variational autoencoder; reports the negative ELBO in nats per example.",
        "Trains a dense GAN (non-saturating loss, data scaled to [-1,1]).",
        "Runs k-means with scikit-learn's KMeans semantics; reports inertia.",
        "Trains a DCGAN (transposed convolutions with batch norm against strided convolutions; "
        "TensorFlow's DCGAN tutorial by default).",
    };
    char name[32];
    snprintf(name, sizeof name, "train %s", names[fam]);
    cli_command cmd = {name, NULL, summaries[fam], NULL, all, n, 0, 0, {0}, 0};
    int rc = cli_parse(&cmd, argc - 1, argv + 1);
    if (rc) return rc;

    a->given_data = cli_given(&cmd, "data");
    a->given_test = cli_given(&cmd, "test");
    a->given_limit = cli_given(&cmd, "limit");
    a->given_epochs = cli_given(&cmd, "epochs");
    a->given_batch = cli_given(&cmd, "batch");
    a->given_lr = cli_given(&cmd, "lr");
    a->given_optimizer = cli_given(&cmd, "optimizer");
    a->given_seed = cli_given(&cmd, "seed");
    a->given_clip = cli_given(&cmd, "clip");
    a->given_layers = cli_given(&cmd, "layers");
    a->given_beta1 = cli_given(&cmd, "beta1");
    a->given_latent = cli_given(&cmd, "latent");
    if ((a->conv_channels.n || cli_given(&cmd, "kernel")) && !a->conv && fam != FAMILY_DCGAN)
        return cli_error(name, EXIT_USAGE, "--%s: only with --conv",
                         a->conv_channels.n ? "conv-channels" : "kernel");
    for (int i = (int)(sizeof common / sizeof *common); i < n; i++)
        if (all[i].given) a->family_options[a->n_family_options++] = all[i].name;
    /* k-means has no resumable state: its options cannot be checked against a checkpoint. */
    if (a->resume && a->n_family_options && fam == FAMILY_KMEANS)
        return cli_error(name, EXIT_USAGE, "--%s: the model's configuration comes from --resume "
                         "and cannot change", a->family_options[0]);
    if (a->layers.n == 1 && (fam == FAMILY_AE))
        return cli_error(name, EXIT_USAGE,
                         "--layers: needs the input size and at least one encoder layer");
    if (a->sparse && parse_sparse(name, a)) return EXIT_USAGE;
    if (a->denoise && parse_denoise(name, a)) return EXIT_USAGE;
    if (fam == FAMILY_AE && (a->sparse ? 1 : 0) + (a->contractive > 0) > 1)
        return cli_error(name, EXIT_USAGE, "--sparse and --contractive cannot be combined");
    if (a->checkpoint_every && !a->save)
        return cli_error(name, EXIT_USAGE, "--checkpoint-every needs --save FILE");
    if (fam == FAMILY_KMEANS && a->minibatch) a->algorithm = "minibatch";
    if (fam == FAMILY_KMEANS && strcmp(a->algorithm, "minibatch") == 0 && !a->minibatch)
        a->minibatch = cli_given(&cmd, "batch") ? a->batch : 1024;
    if (!isfinite(a->lr) || a->lr <= 0)
        return cli_error(name, EXIT_USAGE, "--lr: must be greater than 0");
    return CLI_PARSED;
}
