/* latent bench (PLACEHOLDER until its library part lands). */
#include "commands.h"
#include "options.h"

int cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("bench", EXIT_FAIL, "not built yet");
}
