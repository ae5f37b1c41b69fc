/* latent reconstruct: an AE's or VAE's reconstructions of the first N rows as a PNG grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "jsonl.h"
#include "latent/io.h"
#include "latent/memory.h"
#include "model_use.h"
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
    if (cli_parse_only) return EXIT_OK;
    model_use u;
    if (use_open("reconstruct", cmd.pos[0], "ae|vae", &u)) return EXIT_FAIL;
    rc = EXIT_FAIL;
    float *rec = NULL, *grid = NULL;
    if (use_data("reconstruct", &u, data, NULL, limit, 1)) goto out;
    if (n > u.ds.n) n = u.ds.n;
    int64_t d = u.ds.d, h, w;
    rec = latent_alloc((size_t)n, (size_t)d * sizeof(float), "reconstructions");
    /* The picture: rows of up to 10 originals, each followed by the row of their reconstructions. */
    int64_t cols = n < 10 ? n : 10, rows = (n + cols - 1) / cols;
    grid = latent_calloc((size_t)(2 * rows * cols), (size_t)d * sizeof(float), "picture");
    if (!rec || !grid || latent_model_reconstruct(u.m, u.ds.x, n, d, rec) != LATENT_OK) {
        cli_error("reconstruct", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t r = i / cols, c = i % cols;
        memcpy(grid + ((2 * r) * cols + c) * d, u.ds.x + i * d, (size_t)d * sizeof(float));
        memcpy(grid + ((2 * r + 1) * cols + c) * d, rec + i * d, (size_t)d * sizeof(float));
    }
    use_image_shape(&u, d, &h, &w);
    if (latent_png_write_grid(png, grid, 2 * rows * cols, h, w, (int)cols, 0.0f, 1.0f) != LATENT_OK) {
        cli_error("reconstruct", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    int64_t shape[2] = {n, d};
    if (npy && latent_npy_write(npy, LATENT_F32, 2, shape, rec) != LATENT_OK) {
        cli_error("reconstruct", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    double mse = 0;
    for (int64_t i = 0; i < n * d; i++) mse += (double)(rec[i] - u.ds.x[i]) * (rec[i] - u.ds.x[i]);
    mse /= (double)(n * d);
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_int(&j, "n", n);
        jsonl_num(&j, "mse", mse);
        jsonl_str(&j, "png", png);
        if (npy) jsonl_str(&j, "npy", npy);
        jsonl_end(&j);
    } else {
        printf("wrote %s: %lld rows of %s and their reconstructions (MSE %.6g)\n", png,
               (long long)n, u.spec, mse);
    }
    rc = EXIT_OK;
out:
    latent_free(rec);
    latent_free(grid);
    use_close(&u);
    return rc;
}
