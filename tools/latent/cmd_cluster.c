/* latent cluster: k-means on a model's codes (deep clustering), ACC/NMI/ARI where labels exist. */
#include "commands.h"
#include "options.h"

int cmd_cluster(int argc, char **argv)
{
    const char *data = NULL, *labels = NULL, *out = NULL, *algorithm = "lloyd";
    int64_t k = 0, limit = 0, seed = 0, n_init = 1, max_iter = 300;
    double tol = 1e-4;
    int json = 0;
    cli_option opts[] = {
        {"k", CLI_INT, &k, 1, 1e7, NULL, "N", "clusters (required)", 0},
        {"data", CLI_STR, &data, 0, 0, NULL, "SPEC", "data (default: the data the model was trained on)", 0},
        {"labels", CLI_STR, &labels, 0, 0, NULL, "FILE", "labels (.npy or IDX) to score against", 0},
        {"out", CLI_STR, &out, 0, 0, NULL, "LABELS.npy", "cluster of every row, int32 (required)", 0},
        {"limit", CLI_INT, &limit, 1, 1e12, NULL, "N", "use only the first N rows", 0},
        {"seed", CLI_INT, &seed, 0, 9.2e18, NULL, "N", "k-means seed (0)", 0},
        {"n-init", CLI_INT, &n_init, 1, 1e4, NULL, "N", "k-means runs, best inertia kept (1)", 0},
        {"max-iter", CLI_INT, &max_iter, 1, 1e7, NULL, "N", "iterations per run (300)", 0},
        {"tol", CLI_REAL, &tol, 0, 1e9, NULL, "X", "tolerance (1e-4)", 0},
        {"algorithm", CLI_CHOICE, &algorithm, 0, 0, "lloyd|elkan", NULL, "algorithm (lloyd)", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "JSON lines on stdout", 0},
    };
    cli_command cmd = {"cluster", "MODEL.safetensors", "Runs k-means (k-means++ init) on the codes of a trained AE or VAE; reports ACC, NMI and ARI where labels exist (given, or the dataset's own).", NULL, opts, sizeof opts / sizeof *opts, 1, 1, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (!k) return cli_error("cluster", EXIT_USAGE, "--k N is required");
    if (!out) return cli_error("cluster", EXIT_USAGE, "--out LABELS.npy is required");
    return cli_error("cluster", EXIT_FAIL, "not built yet");
}
