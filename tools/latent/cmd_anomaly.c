/* latent anomaly (PLACEHOLDER until its library part lands). */
#include "commands.h"
#include "options.h"

int cmd_anomaly(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_error("anomaly", EXIT_FAIL, "not built yet");
}
