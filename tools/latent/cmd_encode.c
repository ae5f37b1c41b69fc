/* latent encode: an AE's or VAE's codes as .npy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "jsonl.h"
#include "latent/io.h"
#include "latent/memory.h"
#include "model_use.h"
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
    if (cli_parse_only) return EXIT_OK;
    model_use u;
    if (use_open("encode", cmd.pos[0], "ae|vae", &u)) return EXIT_FAIL;
    rc = EXIT_FAIL;
    float *codes = NULL;
    if (use_data("encode", &u, data, NULL, limit, 0)) goto out;
    int64_t c = latent_model_code_dim(u.m);
    if (!(codes = latent_alloc((size_t)u.ds.n, (size_t)c * sizeof(float), "codes"))) {
        cli_error("encode", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    if (latent_model_encode(u.m, u.ds.x, u.ds.n, u.ds.d, codes) != LATENT_OK) {
        cli_error("encode", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    int64_t shape[2] = {u.ds.n, c};
    if (latent_npy_write(out, LATENT_F32, 2, shape, codes) != LATENT_OK) {
        cli_error("encode", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_int(&j, "rows", u.ds.n);
        jsonl_int(&j, "code_dim", c);
        jsonl_str(&j, "out", out);
        jsonl_end(&j);
    } else {
        printf("wrote %s: %lld x %lld codes of %s\n", out, (long long)u.ds.n, (long long)c, u.spec);
    }
    rc = EXIT_OK;
out:
    latent_free(codes);
    use_close(&u);
    return rc;
}
