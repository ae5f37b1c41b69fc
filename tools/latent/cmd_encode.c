/* latent encode (PLACEHOLDER until its library part lands). */
#include "commands.h"
#include "options.h"

int cmd_encode(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("encode", EXIT_FAIL, "not built yet");
}
