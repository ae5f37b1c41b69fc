/* libFuzzer harness: the command-line option parser, through the real option tables of every
 * command (train ae/vae/gan/kmeans, eval, sample, cluster ...) in parse-only mode. */
#include <stdlib.h>
#include <string.h>
#include "tools/latent/commands.h"
#include "tools/latent/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"info", cmd_info},       {"train", cmd_train},   {"eval", cmd_eval},
    {"sample", cmd_sample},   {"reconstruct", cmd_reconstruct},
    {"encode", cmd_encode},   {"cluster", cmd_cluster}, {"anomaly", cmd_anomaly},
    {"bench", cmd_bench},     {"selftest", cmd_selftest},
};

/* The input is a command line: words split on NUL or whitespace, the first naming the command
 * (as argv[1] does for latent). Empty words come from two separators in a row: argv may hold
 * empty strings too. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cli_parse_only = 1;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    char *w = buf;
    for (size_t i = 0; i <= size && argc < MAX_ARGS; i++) {
        char c = buf[i];
        if (i == size || c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            buf[i] = '\0';
            /* One separator ends a word; a second in a row gives an empty argument. */
            argv[argc++] = w;
            w = buf + i + 1;
        }
    }
    argv[argc] = NULL;
    if (argc >= 1)
        for (size_t k = 0; k < sizeof commands / sizeof *commands; k++)
            if (strcmp(argv[0], commands[k].name) == 0) {
                commands[k].run(argc - 1, argv + 1);
                break;
            }
    free(buf);
    return 0;
}
