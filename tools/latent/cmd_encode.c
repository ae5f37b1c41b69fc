/* latent encode: an AE's or VAE's codes as .npy. */
#include "commands.h"
#include "options.h"

int cmd_encode(int argc, char **argv)
{
    const char *data = NULL, *out = NULL;
    int64_t limit = 0;
    int json = 0;
    cli_option opts[] = {
        {"data", CLI_STR, &data, 0, 0, NULL, "SPEC", "data (default: the data the model was trained on)", 0},
        {"out", CLI_STR, &out, 0, 0, NULL, "CODES.npy", "N x code float32 array (required)", 0},
        {"limit", CLI_INT, &limit, 1, 1e12, NULL, "N", "use only the first N rows", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON line (the done event) on stdout", 0},
    };
    cli_command cmd = {"encode", "MODEL.safetensors", "Writes the code of every row (an AE's code layer, a VAE's mean) as .npy.", NULL, opts, sizeof opts / sizeof *opts, 1, 1, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (!out) return cli_error("encode", EXIT_USAGE, "--out CODES.npy is required");
    return cli_error("encode", EXIT_FAIL, "not built yet");
}
