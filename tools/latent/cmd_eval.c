/* latent eval: a trained model's metrics on a dataset. */
#include "commands.h"
#include "options.h"

int cmd_eval(int argc, char **argv)
{
    const char *data = NULL, *labels = NULL;
    int64_t limit = 0, batch = 256;
    int json = 0;
    cli_option opts[] = {
        {"data", CLI_STR, &data, 0, 0, NULL, "SPEC", "data (default: the test split of the data the model was trained on, else fashion-mnist:test)", 0},
        {"labels", CLI_STR, &labels, 0, 0, NULL, "FILE", "labels (.npy or IDX) for --data", 0},
        {"limit", CLI_INT, &limit, 1, 1e12, NULL, "N", "use only the first N rows", 0},
        {"batch", CLI_INT, &batch, 1, 1e6, NULL, "N", "rows per forward pass (256)", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON line (the done event) on stdout", 0},
    };
    cli_command cmd = {"eval", "MODEL.safetensors", "Reports a trained model's loss (as in training) on a dataset.", NULL, opts, sizeof opts / sizeof *opts, 1, 1, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;

    return cli_error("eval", EXIT_FAIL, "not built yet");
}
