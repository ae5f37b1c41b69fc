/* latent reconstruct: an AE's or VAE's reconstructions of the first N rows as a PNG grid. */
#include "commands.h"
#include "options.h"

int cmd_reconstruct(int argc, char **argv)
{
    const char *data = NULL, *png = NULL, *npy = NULL;
    int64_t n = 0, limit = 0;
    int json = 0;
    cli_option opts[] = {
        {"data", CLI_STR, &data, 0, 0, NULL, "SPEC", "data (default: the test split of the training data, else fashion-mnist:test)", 0},
        {"n", CLI_INT, &n, 1, 1e6, NULL, "N", "rows to reconstruct (required)", 0},
        {"png", CLI_STR, &png, 0, 0, NULL, "OUT.png", "originals and reconstructions, row pairs (required)", 0},
        {"npy", CLI_STR, &npy, 0, 0, NULL, "OUT.npy", "also write the reconstructions as N x D float32", 0},
        {"limit", CLI_INT, &limit, 1, 1e12, NULL, "N", "read only the first N rows", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON line (the done event) on stdout", 0},
    };
    cli_command cmd = {"reconstruct", "MODEL.safetensors", "Reconstructs the first N rows of the data with a trained AE or VAE (VAE: decoder of the mean code).", NULL, opts, sizeof opts / sizeof *opts, 1, 1, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (!cli_given(&cmd, "n")) return cli_error("reconstruct", EXIT_USAGE, "--n N is required");
    if (!png) return cli_error("reconstruct", EXIT_USAGE, "--png OUT.png is required");
    return cli_error("reconstruct", EXIT_FAIL, "not built yet");
}
