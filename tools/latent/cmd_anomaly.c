/* latent anomaly: anomaly scores (per-row reconstruction error) as .npy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "jsonl.h"
#include "latent/io.h"
#include "latent/memory.h"
#include "model_use.h"
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
    if (cli_parse_only) return EXIT_OK;
    model_use u;
    if (use_open("anomaly", cmd.pos[0], "ae|vae", &u)) return EXIT_FAIL;
    rc = EXIT_FAIL;
    float *scores = NULL;
    if (use_data("anomaly", &u, data, NULL, limit, 1)) goto out;
    if (!(scores = latent_alloc((size_t)u.ds.n, sizeof(float), "scores"))) {
        cli_error("anomaly", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    if (latent_model_anomaly(u.m, u.ds.x, u.ds.n, u.ds.d, 0, scores) != LATENT_OK) {
        cli_error("anomaly", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    int64_t shape[1] = {u.ds.n};
    if (latent_npy_write(out, LATENT_F32, 1, shape, scores) != LATENT_OK) {
        cli_error("anomaly", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    double mean = 0, mx = -INFINITY;
    for (int64_t i = 0; i < u.ds.n; i++) {
        mean += scores[i];
        if (scores[i] > mx) mx = scores[i];
    }
    mean /= (double)u.ds.n;
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_int(&j, "rows", u.ds.n);
        jsonl_num(&j, "mean_score", mean);
        jsonl_num(&j, "max_score", mx);
        jsonl_str(&j, "out", out);
        jsonl_end(&j);
    } else {
        printf("wrote %s: %lld scores of %s (mean %.6g, max %.6g)\n", out, (long long)u.ds.n,
               u.spec, mean, mx);
    }
    rc = EXIT_OK;
out:
    latent_free(scores);
    use_close(&u);
    return rc;
}
