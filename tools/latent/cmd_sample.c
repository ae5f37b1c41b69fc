/* latent sample: draws from a VAE or GAN, as a PNG grid and optionally .npy. */
#include "commands.h"
#include "options.h"

int cmd_sample(int argc, char **argv)
{
    const char *png = NULL, *npy = NULL;
    int64_t n = 0, seed = 0;
    int json = 0;
    cli_option opts[] = {
        {"n", CLI_INT, &n, 1, 1e6, NULL, "N", "samples to draw (required)", 0},
        {"png", CLI_STR, &png, 0, 0, NULL, "OUT.png", "write them as a grid of images (required)", 0},
        {"npy", CLI_STR, &npy, 0, 0, NULL, "OUT.npy", "also write them as an N x D float32 array", 0},
        {"seed", CLI_INT, &seed, 0, 9.2e18, NULL, "N", "random seed (0)", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON line (the done event) on stdout", 0},
    };
    cli_command cmd = {"sample", "MODEL.safetensors", "Draws N samples from a trained VAE (decoder means) or GAN (generator).", NULL, opts, sizeof opts / sizeof *opts, 1, 1, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (!cli_given(&cmd, "n")) return cli_error("sample", EXIT_USAGE, "--n N is required");
    if (!png) return cli_error("sample", EXIT_USAGE, "--png OUT.png is required");
    return cli_error("sample", EXIT_FAIL, "not built yet");
}
