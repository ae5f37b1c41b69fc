/* latent bench gemm|kernels: timings of the kernel layer on this machine. */
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "jsonl.h"
#include "latent/bench.h"
#include "latent/isa.h"
#include "options.h"

/* latent bench kernels: one row per level, kernel and size. */
static int bench_kernels(const char *name, int json, int quick, int reps, double seconds,
                         int cpu_time)
{
    latent_bench_kernels_options o = {reps, quick, seconds, cpu_time};
    latent_bench_kernels_result *r = calloc(1, sizeof *r);
    if (!r) return cli_error(name, EXIT_FAIL, "out of memory");
    if (latent_bench_kernels(&o, r) != LATENT_OK) {
        free(r);
        return cli_error(name, EXIT_FAIL, "%s", latent_last_error());
    }
    if (json) {
        jsonl j;
        jsonl_begin(&j, "bench_memory");
        jsonl_int(&j, "n", r->large_n);
        jsonl_num(&j, "copy_gbps", r->copy_gbps);
        jsonl_num(&j, "triad_gbps", r->triad_gbps);
        jsonl_end(&j);
    } else {
        printf("memory reference, one thread, %lld floats: copy %.1f GB/s, triad %.1f GB/s\n",
               (long long)r->large_n, r->copy_gbps, r->triad_gbps);
        printf("%-7s %-18s %10s %10s %10s %7s   (GB/s: bytes read + written)\n", "isa", "kernel",
               "n", "bytes", "GB/s", "of mem");
    }
    for (int i = 0; i < r->nrows; i++) {
        const latent_bench_kernels_row *row = &r->rows[i];
        int assign = row->gflops > 0;
        if (json) {
            jsonl j;
            jsonl_begin(&j, "bench_kernel");
            jsonl_str(&j, "isa", latent_isa_name(row->isa));
            jsonl_str(&j, "kernel", row->kernel);
            jsonl_int(&j, "n", row->n);
            if (assign) {
                jsonl_int(&j, "d", r->kmeans_d);
                jsonl_int(&j, "k", r->kmeans_k);
                jsonl_num(&j, "gflops", row->gflops);
                jsonl_num(&j, "fma_peak_gflops", row->fma_peak);
                jsonl_num(&j, "peak_fraction", row->gflops / row->fma_peak);
            } else {
                jsonl_str(&j, "resident", row->memory_resident ? "memory" : "cache");
                jsonl_num(&j, "bytes", row->bytes);
                jsonl_num(&j, "gbps", row->gbps);
                if (row->memory_resident) jsonl_num(&j, "mem_fraction", row->mem_fraction);
            }
            jsonl_end(&j);
        } else if (assign) {
            printf("%-7s %-18s %10lld   d=%lld k=%lld: %.1f GFLOP/s, %.0f%% of the FMA peak %.1f\n",
                   latent_isa_name(row->isa), row->kernel, (long long)row->n,
                   (long long)r->kmeans_d, (long long)r->kmeans_k, row->gflops,
                   100.0 * row->gflops / row->fma_peak, row->fma_peak);
        } else {
            printf("%-7s %-18s %10lld %10.0f %10.1f", latent_isa_name(row->isa), row->kernel,
                   (long long)row->n, row->bytes, row->gbps);
            if (row->memory_resident) printf(" %6.0f%%", 100.0 * row->mem_fraction);
            printf("\n");
        }
    }
    free(r);
    return EXIT_OK;
}

/* latent bench conv: the DCGAN layers forward and backward, 1 thread and all cores. */
static int bench_conv(int argc, char **argv)
{
    const char *name = "bench conv";
    int json = 0;
    int64_t reps = 0, threads = 0, batch = 256;
    const char *only = NULL;
    cli_option opts[] = {
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "JSON lines on stdout", 0},
        {"reps", CLI_INT, &reps, 1, 64, NULL, "N", "timed passes per point, the median kept (5)", 0},
        {"threads", CLI_INT, &threads, 1, 1024, NULL, "N", "the multi-threaded rows' thread count (one per core)", 0},
        {"batch", CLI_INT, &batch, 1, 65536, NULL, "N", "samples per pass (256)", 0},
        {"only", CLI_STR, &only, 0, 0, NULL, "TEXT", "only the layers whose name holds TEXT, e.g. 'convT 64'", 0},
    };
    cli_command cmd = {name, NULL,
                       "Times each DCGAN convolution layer's forward and backward passes (data and "
                       "weights) on a batch, in GFLOP/s (3 x the forward pass's), and each pass's "
                       "share: the forward alone, the weight gradient (forward + weights, less the "
                       "forward) and the data gradient (the whole, less forward + weights).",
                       NULL, opts, sizeof opts / sizeof *opts, 0, 0, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (cli_parse_only) return EXIT_OK;
    latent_bench_conv_options o = {(int)batch, (int)reps, (int)threads, only};
    latent_bench_conv_result r;
    if (latent_bench_conv(&o, &r) != LATENT_OK) return cli_error(name, EXIT_FAIL, "%s", latent_last_error());
    if (!json)
        printf("%-30s %7s %10s %10s %8s %8s %8s %13s\n", "layer", "threads", "ms", "GFLOP/s",
               "fwd ms", "wgt ms", "data ms", "workspace MB");
    for (int i = 0; i < r.nrows; i++) {
        const latent_bench_conv_row *row = &r.rows[i];
        if (json) {
            jsonl j;
            jsonl_begin(&j, "bench_conv");
            jsonl_str(&j, "layer", row->layer);
            jsonl_int(&j, "threads", row->threads);
            jsonl_int(&j, "batch", batch);
            jsonl_num(&j, "ms", row->ms);
            jsonl_num(&j, "gflops", row->gflops);
            jsonl_num(&j, "forward_ms", row->forward_ms);
            jsonl_num(&j, "weights_ms", row->weights_ms);
            jsonl_num(&j, "data_ms", row->data_ms);
            jsonl_num(&j, "workspace_mb", row->workspace_mb);
            jsonl_end(&j);
        } else {
            printf("%-30s %7d %10.2f %10.1f %8.2f %8.2f %8.2f %13.1f\n", row->layer, row->threads,
                   row->ms, row->gflops, row->forward_ms, row->weights_ms, row->data_ms,
                   row->workspace_mb);
        }
    }
    return EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
    static const char *const what[] = {"gemm", "kernels"};
    if (argc < 1) return cli_error("bench", EXIT_USAGE, "missing what to benchmark (gemm, kernels, conv or train)");
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        printf("usage: latent bench gemm|kernels|conv|train [options]\n\n"
               "Benchmarks the kernel layer and training; latent bench WHAT --help lists its options.\n");
        return EXIT_OK;
    }
    if (strcmp(argv[0], "train") == 0) return bench_train(argc - 1, argv + 1);
    if (strcmp(argv[0], "conv") == 0) return bench_conv(argc - 1, argv + 1);
    int which = -1;
    for (int i = 0; i < 2; i++)
        if (strcmp(argv[0], what[i]) == 0) which = i;
    if (which < 0)
        return cli_error("bench", EXIT_USAGE, "unknown benchmark '%.80s' (expected gemm, kernels, conv or train)",
                         argv[0]);
    int json = 0, quick = 0, cpu_time = 0;
    int64_t reps = 0, threads = 0;
    double seconds = 0;
    cli_option opts[] = {
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "JSON lines on stdout", 0},
        {"reps", CLI_INT, &reps, 1, 1000, NULL, "N", "timed runs per point, the median kept (7; 3 for the big ones)", 0},
        {"peak-seconds", CLI_REAL, &seconds, 0, 600, NULL, "X", "length of each FMA-peak measurement (0.2)", 0},
        {"threads", CLI_INT, &threads, 0, 4096, NULL, "N", "the multi-threaded rows' thread count (2)", 0},
        {"quick", CLI_FLAG, &quick, 0, 0, NULL, NULL, "leave out the 2048^3 and k-means points", 0},
        {"cpu-time", CLI_FLAG, &cpu_time, 0, 0, NULL, NULL,
         "time by process CPU time / threads (for machines shared with other jobs)", 0},
    };
    char name[32];
    snprintf(name, sizeof name, "bench %s", what[which]);
    cli_command cmd = {name, NULL,
                       which == 0 ? "Times SGEMM (NN, NT, TN) at the sizes training uses, in GFLOP/s."
                                  : "Times every kernel of the table at each instruction-set level.",
                       NULL, opts, sizeof opts / sizeof *opts, 0, 0, {0}, 0};
    int rc = cli_parse(&cmd, argc - 1, argv + 1);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (which == 1 && threads)
        return cli_error(name, EXIT_USAGE, "--threads: the kernels are timed on one thread");
    if (cli_parse_only) return EXIT_OK;
    if (which == 1) return bench_kernels(name, json, quick, (int)reps, seconds, cpu_time);
    latent_bench_gemm_options o = {(int)reps, (int)threads, quick, seconds, cpu_time};
    latent_bench_gemm_result *r = calloc(1, sizeof *r);
    if (!r) return cli_error(name, EXIT_FAIL, "out of memory");
    if (latent_bench_gemm(&o, r) != LATENT_OK) {
        free(r);
        return cli_error(name, EXIT_FAIL, "%s", latent_last_error());
    }
    if (!json) {
        printf("%-7s %7s %9s", "isa", "threads", "fma peak");
        for (int s = 0; s < LATENT_BENCH_GEMM_SHAPES; s++)
            for (int l = 0; l < LATENT_BENCH_GEMM_LAYOUTS; l++) {
                if (r->rows[0].gflops[s][l] == 0 && r->rows[r->nrows > 1].gflops[s][l] == 0) continue;
                char h[64];
                snprintf(h, sizeof h, "%s %lldx%lldx%lld", r->layouts[l], (long long)r->shapes[s][0],
                         (long long)r->shapes[s][1], (long long)r->shapes[s][2]);
                printf(" %18s", h);
            }
        printf(" %10s   (GFLOP/s)\n", "kmeans");
    }
    for (int i = 0; i < r->nrows; i++) {
        const latent_bench_gemm_row *row = &r->rows[i];
        if (json) {
            jsonl j;
            jsonl_begin(&j, "gemm");
            jsonl_str(&j, "isa", latent_isa_name(row->isa));
            jsonl_int(&j, "threads", row->threads);
            jsonl_num(&j, "fma_peak_gflops", row->fma_peak);
            for (int s = 0; s < LATENT_BENCH_GEMM_SHAPES; s++)
                for (int l = 0; l < LATENT_BENCH_GEMM_LAYOUTS; l++) {
                    if (row->gflops[s][l] == 0) continue;
                    char k[64];
                    snprintf(k, sizeof k, "%s_%lldx%lldx%lld", r->layouts[l],
                             (long long)r->shapes[s][0], (long long)r->shapes[s][1],
                             (long long)r->shapes[s][2]);
                    jsonl_num(&j, k, row->gflops[s][l]);
                }
            if (row->kmeans_gflops > 0) jsonl_num(&j, "kmeans_assign_gflops", row->kmeans_gflops);
            jsonl_end(&j);
            continue;
        }
        printf("%-7s %7d %9.1f", latent_isa_name(row->isa), row->threads, row->fma_peak);
        for (int s = 0; s < LATENT_BENCH_GEMM_SHAPES; s++)
            for (int l = 0; l < LATENT_BENCH_GEMM_LAYOUTS; l++) {
                if (r->rows[0].gflops[s][l] == 0 && r->rows[r->nrows > 1].gflops[s][l] == 0) continue;
                printf(" %18.1f", row->gflops[s][l]);
            }
        printf(" %10.1f\n", row->kmeans_gflops);
    }
    free(r);
    return EXIT_OK;
}
