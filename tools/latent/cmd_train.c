/* latent train ae|vae|gan|kmeans: fit a model, report progress, save a resumable checkpoint. */
#include "commands.h"
#include "latent/topology.h"
#include "options.h"
#include "train.h"
#include "train_args.h"

int cmd_train(int argc, char **argv)
{
    train_args a;
    int rc = train_args_parse(&a, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (cli_parse_only) return EXIT_OK;
    if (latent_set_threads(a.threads > 0 ? (int)a.threads : latent_threads_default()) != LATENT_OK)
        return cli_error("train", EXIT_USAGE, "--threads: %s", latent_last_error());
    return a.family == FAMILY_KMEANS ? train_kmeans(&a) : train_nn(&a, NULL);
}
