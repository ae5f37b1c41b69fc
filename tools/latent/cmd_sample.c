/* latent sample (PLACEHOLDER until its library part lands). */
#include "commands.h"
#include "options.h"

int cmd_sample(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("sample", EXIT_FAIL, "not built yet");
}
