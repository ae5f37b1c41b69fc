/* latent sample: draws from a VAE or GAN (or decodes given codes), as a PNG grid and optionally
 * .npy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "jsonl.h"
#include "latent/io.h"
#include "latent/memory.h"
#include "model_use.h"
#include "options.h"

int cmd_sample(int argc, char **argv)
{
    const char *png = NULL, *npy = NULL, *zfile = NULL;
    int64_t n = 0, seed = 0;
    int json = 0;
    cli_option opts[] = {
        {"n", CLI_INT, &n, 1, 1e6, NULL, "N", "samples to draw (required without --z)", 0},
        {"z", CLI_STR, &zfile, 0, 0, NULL, "Z.npy", "decode these codes (N x code dimensions, "
         "float32) instead of drawing them", 0},
        {"png", CLI_STR, &png, 0, 0, NULL, "OUT.png", "write them as a grid of images (required)", 0},
        {"npy", CLI_STR, &npy, 0, 0, NULL, "OUT.npy", "also write them as an N x D float32 array", 0},
        {"seed", CLI_INT, &seed, 0, 9.2e18, NULL, "N", "random seed (0)", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON line (the done event) on stdout", 0},
    };
    cli_command cmd = {"sample", "MODEL.safetensors", "Draws N samples from a trained VAE (decoder means) or GAN (generator).", NULL, opts, sizeof opts / sizeof *opts, 1, 1, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (!cli_given(&cmd, "n") && !zfile) return cli_error("sample", EXIT_USAGE, "--n N is required");
    if (cli_given(&cmd, "n") && zfile)
        return cli_error("sample", EXIT_USAGE, "--n and --z: the codes say how many samples");
    if (!png) return cli_error("sample", EXIT_USAGE, "--png OUT.png is required");
    if (cli_parse_only) return EXIT_OK;
    model_use u;
    /* given codes, an autoencoder's decoder makes pictures of them too */
    if (use_open("sample", cmd.pos[0], zfile ? "ae|vae|gan" : "vae|gan", &u)) return EXIT_FAIL;
    rc = EXIT_FAIL;
    latent_array z = {0};
    float *x = NULL;
    if (zfile && latent_npy_read(zfile, &z) != LATENT_OK) {
        cli_error("sample", EXIT_FAIL, "%s", latent_last_error());
        use_close(&u);
        return rc;
    }
    if (zfile && (z.dtype != LATENT_F32 || z.ndim != 2 || z.shape[0] < 1 || z.shape[0] > 1000000)) {
        cli_error("sample", EXIT_FAIL, "--z: %s must be a float32 N x %lld array with 1 to 1000000 "
                  "rows", zfile, (long long)latent_model_code_dim(u.m));
        goto out;
    }
    if (zfile) n = z.shape[0];
    int64_t d = latent_model_input_dim(u.m), h, w;
    x = latent_alloc((size_t)n, (size_t)d * sizeof(float), "samples");
    latent_status st = !x ? LATENT_ENOMEM
                       : zfile ? latent_model_decode(u.m, z.data, n, z.shape[1], x)
                               : latent_model_sample(u.m, n, (uint64_t)seed, x);
    if (st != LATENT_OK) {
        cli_error("sample", EXIT_FAIL, "%s%s%s", zfile ? zfile : "", zfile ? ": " : "", latent_last_error());
        goto out;
    }
    use_image_shape(&u, d, &h, &w);
    if (latent_png_write_grid(png, x, n, h, w, 0, 0.0f, 1.0f) != LATENT_OK) {
        cli_error("sample", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    int64_t shape[2] = {n, d};
    if (npy && latent_npy_write(npy, LATENT_F32, 2, shape, x) != LATENT_OK) {
        cli_error("sample", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_int(&j, "n", n);
        jsonl_str(&j, "png", png);
        if (npy) jsonl_str(&j, "npy", npy);
        jsonl_end(&j);
    } else {
        printf("wrote %s%s%s: %lld samples\n", png, npy ? " and " : "", npy ? npy : "", (long long)n);
    }
    rc = EXIT_OK;
out:
    latent_free(x);
    latent_array_free(&z);
    use_close(&u);
    return rc;
}
