/* latent anomaly: anomaly scores (per-row reconstruction error) as .npy. */
#include "commands.h"
#include "options.h"

int cmd_anomaly(int argc, char **argv)
{
    const char *data = NULL, *out = NULL;
    int64_t limit = 0;
    int json = 0;
    cli_option opts[] = {
        {"data", CLI_STR, &data, 0, 0, NULL, "SPEC", "data (default: the test split of the training data, else fashion-mnist:test)", 0},
        {"out", CLI_STR, &out, 0, 0, NULL, "SCORES.npy", "one float32 score per row (required)", 0},
        {"limit", CLI_INT, &limit, 1, 1e12, NULL, "N", "use only the first N rows", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON line (the done event) on stdout", 0},
    };
    cli_command cmd = {"anomaly", "MODEL.safetensors", "Scores every row by its reconstruction error (AE: the training loss per row; VAE: the negative ELBO per row); higher is more anomalous.", NULL, opts, sizeof opts / sizeof *opts, 1, 1, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (!out) return cli_error("anomaly", EXIT_USAGE, "--out SCORES.npy is required");
    return cli_error("anomaly", EXIT_FAIL, "not built yet");
}
