/* latent train ae|vae|gan|kmeans: fit a model, report progress, save a resumable checkpoint. */
#include "commands.h"
#include "options.h"
#include "train_args.h"

int cmd_train(int argc, char **argv)
{
    train_args a;
    int rc = train_args_parse(&a, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    return cli_error("train", EXIT_FAIL, "%s: not built yet", a.family_name);
}
