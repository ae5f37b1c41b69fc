/* latent cluster (PLACEHOLDER until its library part lands). */
#include "commands.h"
#include "options.h"

int cmd_cluster(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("cluster", EXIT_FAIL, "not built yet");
}
