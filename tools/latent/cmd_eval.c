/* latent eval (PLACEHOLDER until its library part lands). */
#include "commands.h"
#include "options.h"

int cmd_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("eval", EXIT_FAIL, "not built yet");
}
