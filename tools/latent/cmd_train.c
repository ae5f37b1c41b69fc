/* latent train ae|vae|gan|kmeans: fit a model, report progress, save a resumable checkpoint. */
#include <omp.h>
#include "commands.h"
#include "options.h"
#include "train.h"
#include "train_args.h"

int cmd_train(int argc, char **argv)
{
    train_args a;
    int rc = train_args_parse(&a, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (a.threads > 0) omp_set_num_threads((int)a.threads);
    return a.family == FAMILY_KMEANS ? train_kmeans(&a) : train_nn(&a, NULL);
}
