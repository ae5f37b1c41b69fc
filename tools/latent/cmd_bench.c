/* latent bench gemm|kernels: timings of the kernel layer on this machine. */
#include <string.h>
#include "commands.h"
#include "options.h"

int cmd_bench(int argc, char **argv)
{
    static const char *const what[] = {"gemm", "kernels"};
    if (argc < 1) return cli_error("bench", EXIT_USAGE, "missing what to benchmark (gemm or kernels)");
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        printf("usage: latent bench gemm|kernels [options]\n\n"
               "Benchmarks the kernel layer; latent bench WHAT --help lists its options.\n");
        return EXIT_OK;
    }
    int which = -1;
    for (int i = 0; i < 2; i++)
        if (strcmp(argv[0], what[i]) == 0) which = i;
    if (which < 0)
        return cli_error("bench", EXIT_USAGE, "unknown benchmark '%.80s' (expected gemm or kernels)",
                         argv[0]);
    int json = 0;
    int64_t reps = 5, threads = 0;
    double seconds = 0.2;
    cli_option opts[] = {
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "JSON lines on stdout", 0},
        {"reps", CLI_INT, &reps, 1, 1000, NULL, "N", "repetitions, the median reported (5)", 0},
        {"seconds", CLI_REAL, &seconds, 0, 600, NULL, "X", "minimum time per repetition (0.2)", 0},
        {"threads", CLI_INT, &threads, 0, 4096, NULL, "N", "threads (0: one per physical core)", 0},
    };
    char name[32];
    snprintf(name, sizeof name, "bench %s", what[which]);
    cli_command cmd = {name, NULL,
                       which == 0 ? "Times SGEMM (NN, NT, TN) at the sizes training uses, in GFLOP/s."
                                  : "Times every kernel of the table at each instruction-set level.",
                       NULL, opts, sizeof opts / sizeof *opts, 0, 0, {0}, 0};
    int rc = cli_parse(&cmd, argc - 1, argv + 1);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    return cli_error(name, EXIT_FAIL, "not built yet");
}
