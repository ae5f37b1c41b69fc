/* latent selftest (PLACEHOLDER until its library part lands). */
#include "commands.h"
#include "options.h"

int cmd_selftest(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("selftest", EXIT_FAIL, "not built yet");
}
