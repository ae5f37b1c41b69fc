/* latent bench train: epoch time, effective GFLOP/s, share of the FMA peak and per-thread work
 * for each family over a grid of widths, batch sizes and thread counts, on real rows. */
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "data.h"
#include "jsonl.h"
#include "latent/bench.h"
#include "latent/memory.h"
#include "latent/topology.h"
#include "options.h"

#define MAX_WIDTHS 16

static const char *family_name(latent_model_kind k)
{
    return k == LATENT_MODEL_AE ? "ae" : k == LATENT_MODEL_VAE ? "vae" : "gan";
}

/* "784-256-64,784-64-16" into width lists; 0 on success, else prints the usage error. */
static int parse_widths(const char *name, const char *text, latent_bench_train_point *pts,
                        int *n)
{
    *n = 0;
    const char *s = text;
    while (*s) {
        if (*n == MAX_WIDTHS) return cli_error(name, EXIT_USAGE, "--widths: at most %d lists", MAX_WIDTHS);
        latent_bench_train_point *p = &pts[(*n)++];
        p->n_widths = 0;
        for (;;) {
            char num[32];
            size_t len = strcspn(s, "-,");
            if (len == 0 || len >= sizeof num)
                return cli_error(name, EXIT_USAGE, "--widths: '%.60s' is not like 784-256-64", text);
            memcpy(num, s, len);
            num[len] = 0;
            if (p->n_widths == 8)
                return cli_error(name, EXIT_USAGE, "--widths: at most 8 sizes in a list");
            if (cli_int(name, "--widths", num, 1, 1 << 24, &p->widths[p->n_widths++])) return EXIT_USAGE;
            s += len;
            if (*s != '-') break;
            s++;
        }
        if (p->n_widths < 2) return cli_error(name, EXIT_USAGE, "--widths: a list needs 2 sizes or more");
        if (*s == ',') s++;
    }
    return 0;
}

static void print_row(int json, const latent_bench_train_point *p, const char *widths,
                      const latent_bench_train_result *r, double peak, int work_only)
{
    if (json) {
        jsonl j;
        jsonl_begin(&j, "bench_train");
        jsonl_str(&j, "family", family_name(p->family));
        jsonl_str(&j, "widths", widths);
        jsonl_int(&j, "batch", p->batch);
        jsonl_int(&j, "threads", p->threads);
        if (!work_only) {
            jsonl_num(&j, "seconds", r->seconds);
            jsonl_num(&j, "model_gflop", r->model_gflop);
            jsonl_num(&j, "gflops", r->gflops);
            jsonl_num(&j, "gemm_gflops", r->gemm_gflops);
            jsonl_num(&j, "threads_used", r->threads_used);
            if (peak > 0) {
                jsonl_num(&j, "fma_peak_gflops", peak);
                jsonl_num(&j, "peak_fraction", r->gemm_gflops / peak);
                jsonl_num(&j, "model_peak_fraction", r->gflops / peak);
            }
        }
        jsonl_int(&j, "gemm_fmas", r->fmas_total);
        jsonl_num(&j, "busiest_over_mean", r->busiest_over_mean);
        jsonl_end(&j);
        return;
    }
    printf("%-4s %-18s %6lld %7d", family_name(p->family), widths, (long long)p->batch, p->threads);
    if (!work_only) {
        printf(" %9.4f %9.1f %9.1f", r->seconds, r->gflops, r->gemm_gflops);
        if (peak > 0) printf(" %6.0f%% %6.0f%%", 100.0 * r->gflops / peak, 100.0 * r->gemm_gflops / peak);
        else printf(" %7s %7s", "-", "-");
    }
    printf(" %9.3f", r->busiest_over_mean);
    if (!work_only) printf(" %5.2f", r->threads_used);
    printf("\n");
    fflush(stdout);
}

int bench_train(int argc, char **argv)
{
    const char *name = "bench train";
    const char *data = "fashion-mnist", *widths = "784-64-16,784-256-64,784-512-256-32,784-1024-128";
    const char *families = "ae,vae,gan";
    cli_ints batches = {5, {32, 64, 128, 256, 512}}, threads = {0, {0}};
    int64_t limit = 10000, reps = 1;
    double peak_seconds = 0.2;
    int json = 0, work_only = 0, fixed_threads = 0;
    cli_option opts[] = {
        {"data", CLI_STR, &data, 0, 0, NULL, "SPEC", "training rows (fashion-mnist)", 0},
        {"limit", CLI_INT, &limit, 0, 1e12, NULL, "N", "use the first N rows, 0 all (10000)", 0},
        {"families", CLI_STR, &families, 0, 0, NULL, "LIST", "ae,vae,gan (all three)", 0},
        {"widths", CLI_STR, &widths, 0, 0, NULL, "LIST",
         "width lists, e.g. 784-256-64 (ae: the encoder; vae: the encoder then the latent size; "
         "gan: D's widths then z, G mirrored), comma-separated "
         "(784-64-16,784-256-64,784-512-256-32,784-1024-128)", 0},
        {"batches", CLI_INTS, &batches, 1, 1 << 20, NULL, "LIST", "minibatch sizes (32,64,128,256,512)", 0},
        {"threads", CLI_INTS, &threads, 1, 1024, NULL, "LIST",
         "thread counts (1 and one per physical core)", 0},
        {"reps", CLI_INT, &reps, 1, 64, NULL, "N", "timed epochs per point, the median kept (1)", 0},
        {"work", CLI_FLAG, &work_only, 0, 0, NULL, NULL,
         "no timing: two minibatches per point and the work each thread did (any thread count)", 0},
        {"fixed-threads", CLI_FLAG, &fixed_threads, 0, 0, NULL, NULL,
         "every step on the point's thread count (default: as train, fewer where they ran faster)", 0},
        {"peak-seconds", CLI_REAL, &peak_seconds, 0.01, 10, NULL, "X", "length of each FMA-peak measurement (0.2)", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "JSON lines on stdout", 0},
    };
    cli_command cmd = {name, NULL,
                       "Trains each family over widths x batch sizes x thread counts: epoch time, "
                       "GFLOP/s, share of the FMA peak and how evenly the threads shared the work.",
                       "GFLOP/s counts the model's multiply-adds x 2 x 3 per row (gan: G's and D's);\n"
                       "gemm GFLOP/s the multiply-adds the GEMMs ran; peak is the first's share of\n"
                       "the FMA peak of the same thread count, gemm the second's; busiest/mean\n"
                       "compares the thread that ran the most GEMM multiply-adds with the mean;\n"
                       "used is the median epoch's mean thread count (below threads when steps\n"
                       "ran faster on fewer: see --fixed-threads).\n",
                       opts, sizeof opts / sizeof *opts, 0, 0, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    latent_bench_train_point grid[MAX_WIDTHS];
    int nw;
    if ((rc = parse_widths(name, widths, grid, &nw))) return rc;
    latent_model_kind fam[3];
    int nf = 0;
    for (const char *s = families; *s;) {
        size_t len = strcspn(s, ",");
        latent_model_kind k;
        if (len == 2 && strncmp(s, "ae", 2) == 0) k = LATENT_MODEL_AE;
        else if (len == 3 && strncmp(s, "vae", 3) == 0) k = LATENT_MODEL_VAE;
        else if (len == 3 && strncmp(s, "gan", 3) == 0) k = LATENT_MODEL_GAN;
        else return cli_error(name, EXIT_USAGE, "--families: '%.*s' is not ae, vae or gan", (int)len, s);
        if (nf == 3) return cli_error(name, EXIT_USAGE, "--families: at most ae,vae,gan");
        fam[nf++] = k;
        s += len + (s[len] == ',');
    }
    if (!threads.n) {
        threads.v[threads.n++] = 1;
        if (latent_threads_default() > 1) threads.v[threads.n++] = latent_threads_default();
    }
    if (cli_parse_only) return EXIT_OK;
    latent_dataset ds;
    if (cli_data_load(name, data, NULL, limit, &ds)) return EXIT_FAIL;
    for (int i = 0; i < nw; i++)
        if (grid[i].widths[0] != ds.d) {
            latent_dataset_free(&ds);
            return cli_error(name, EXIT_USAGE, "--widths: %lld first, the width of %s",
                             (long long)ds.d, ds.source);
        }
    if (!json) {
        printf("%-4s %-18s %6s %7s", "fam", "widths", "batch", "threads");
        if (!work_only) printf(" %9s %9s %9s %7s %7s", "epoch s", "GFLOP/s", "gemm", "peak", "gemm");
        printf(" %9s", "busiest/mean");
        if (!work_only) printf(" %5s", "used");
        printf("\n");
    }
    const int cores = latent_threads_default();
    double peaks[CLI_MAX_INTS] = {0};
    if (!work_only)
        for (int t = 0; t < threads.n; t++)
            if (threads.v[t] <= cores) peaks[t] = latent_bench_fma_peak((int)threads.v[t], peak_seconds);
    latent_bench_train_options o = {ds.x, ds.n, ds.d, (int)reps, work_only, fixed_threads};
    int status = EXIT_OK;
    for (int f = 0; f < nf && status == EXIT_OK; f++)
        for (int w = 0; w < nw && status == EXIT_OK; w++)
            for (int b = 0; b < batches.n && status == EXIT_OK; b++)
                for (int t = 0; t < threads.n; t++) {
                    latent_bench_train_point p = grid[w];
                    p.family = fam[f], p.batch = batches.v[b], p.threads = (int)threads.v[t];
                    char wtext[128] = "";
                    for (int i = 0; i < p.n_widths; i++)
                        snprintf(wtext + strlen(wtext), sizeof wtext - strlen(wtext), "%s%lld",
                                 i ? "-" : "", (long long)p.widths[i]);
                    latent_bench_train_result r;
                    if (latent_bench_train(&p, &o, &r) != LATENT_OK) {
                        status = cli_error(name, EXIT_FAIL, "%s %s batch %lld: %s",
                                           family_name(p.family), wtext, (long long)p.batch,
                                           latent_last_error());
                        break;
                    }
                    print_row(json, &p, wtext, &r, peaks[t], work_only);
                }
    latent_dataset_free(&ds);
    return status;
}
