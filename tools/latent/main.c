/* The latent command: picks the command named by the first argument and runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "latent/latent.h"
#include "options.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"info", cmd_info, "CPU, instruction sets, cores, caches, NUMA nodes and threads"},
    {"train", cmd_train, "train an autoencoder, VAE, GAN, DCGAN or k-means (ae|vae|gan|dcgan|kmeans)"},
    {"eval", cmd_eval, "a trained model's metrics on a dataset"},
    {"sample", cmd_sample, "draw samples from a VAE or GAN (PNG grid, .npy)"},
    {"reconstruct", cmd_reconstruct, "reconstructions of an AE or VAE as a PNG grid"},
    {"encode", cmd_encode, "the codes of an AE or VAE as .npy"},
    {"cluster", cmd_cluster, "k-means on a model's codes, with ACC/NMI/ARI where labels exist"},
    {"anomaly", cmd_anomaly, "anomaly scores (reconstruction error) as .npy"},
    {"bench", cmd_bench, "benchmarks: gemm, kernels"},
    {"selftest", cmd_selftest, "run the kernel conformance cases on this CPU"},
    {"compare", cmd_compare, "two model files or .npy arrays, tensor by tensor (x86 vs ARM ...)"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: latent COMMAND [options]   (latent COMMAND --help for its options)\n\n"
                "latent trains unsupervised models on CPUs.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(to, "  %-12s  %s\n", commands[i].name, commands[i].summary);
    fprintf(to, "\nexit status: 0 success, 2 bad usage, 1 any other failure\n"
                "environment: LATENT_ISA=scalar|avx2|avx512|neon|sve caps the kernels used\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_error(NULL, EXIT_USAGE, "no command given (try latent --help)");
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("latent %s\n", LATENT_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(name, commands[i].name) != 0) continue;
        if (latent_isa_init_from_env() != LATENT_OK)
            return cli_error(name, EXIT_USAGE, "%s", latent_last_error());
        /* Blocking sized from hwloc's cache sizes; the per-level defaults stay if it fails. */
        if (!getenv("LATENT_DEFAULT_BLOCKING")) latent_apply_cache_blocking();
        /* Under mpirun: one job of every rank; rank 0 alone prints and writes files. */
        if (latent_comm_start(&argc, &argv) != LATENT_OK)
            return cli_error(name, EXIT_FAIL, "%s", latent_last_error());
        if (latent_comm_rank() != 0 && !freopen("/dev/null", "w", stdout))
            return cli_error(name, EXIT_FAIL, "cannot silence rank %d's output", latent_comm_rank());
        const int rc = commands[i].run(argc - 2, argv + 2);
        latent_comm_stop(rc == EXIT_OK); /* a failed rank ends the job: none waits for it */
        return rc;
    }
    return cli_error(NULL, EXIT_USAGE, "unknown command '%.80s' (try latent --help)", name);
}
