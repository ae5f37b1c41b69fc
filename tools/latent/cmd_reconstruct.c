/* latent reconstruct (PLACEHOLDER until its library part lands). */
#include "commands.h"
#include "options.h"

int cmd_reconstruct(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("reconstruct", EXIT_FAIL, "not built yet");
}
