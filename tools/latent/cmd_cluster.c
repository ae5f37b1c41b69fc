/* latent cluster: k-means on a model's codes (deep clustering), ACC/NMI/ARI where labels exist. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "data.h"
#include "jsonl.h"
#include "latent/comm.h"
#include "latent/io.h"
#include "latent/kmeans.h"
#include "latent/memory.h"
#include "latent/metrics.h"
#include "model_use.h"
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
    if (cli_parse_only) return EXIT_OK;
    model_use u;
    if (use_open("cluster", cmd.pos[0], "ae|vae", &u)) return EXIT_FAIL;
    rc = EXIT_FAIL;
    float *codes = NULL;
    latent_kmeans_result res = {0};
    /* under MPI each rank reads, encodes and clusters only its share of the rows */
    if (use_data_share("cluster", &u, data, labels, limit, k)) goto out;
    const int64_t n = u.ds.n_total;
    if (k > n) {
        rc = cli_error("cluster", EXIT_USAGE, "--k: %lld clusters for %lld rows", (long long)k,
                       (long long)n);
        goto out;
    }
    int64_t c = latent_model_code_dim(u.m);
    codes = latent_alloc((size_t)u.ds.n + 1, (size_t)c * sizeof(float), "codes");
    if (!codes || (u.ds.n > 0 && latent_model_encode(u.m, u.ds.x, u.ds.n, u.ds.d, codes) != LATENT_OK)) {
        cli_error("cluster", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    latent_kmeans_options o;
    latent_kmeans_options_default(&o, k);
    o.seed = (uint64_t)seed;
    o.n_init = (int)n_init;
    o.max_iter = (int)max_iter;
    o.tol = tol;
    if (strcmp(algorithm, "elkan") == 0) o.algorithm = LATENT_KMEANS_ELKAN;
    if (latent_kmeans_fit_rows(codes, n, u.ds.row0, u.ds.n, c, NULL, &o, &res) != LATENT_OK) {
        cli_error("cluster", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    int64_t shape[1] = {n};
    if (latent_comm_rank() == 0 && latent_npy_write(out, LATENT_I32, 1, shape, res.labels) != LATENT_OK) {
        cli_error("cluster", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    double acc = NAN, nmi = NAN, ari = NAN;
    if (u.ds.labels) {
        latent_metric_accuracy(n, u.ds.labels, res.labels, &acc);
        latent_metric_nmi(n, u.ds.labels, res.labels, &nmi);
        latent_metric_ari(n, u.ds.labels, res.labels, &ari);
    }
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_int(&j, "rows", n);
        jsonl_int(&j, "k", k);
        if (u.ds.labels) {
            jsonl_num(&j, "acc", acc);
            jsonl_num(&j, "nmi", nmi);
            jsonl_num(&j, "ari", ari);
        }
        jsonl_num(&j, "inertia", res.inertia);
        jsonl_int(&j, "n_iter", res.n_iter);
        jsonl_str(&j, "out", out);
        jsonl_end(&j);
    } else {
        printf("k-means (k=%lld) on the codes of %s: inertia %.8g, %d iterations", (long long)k,
               u.spec, res.inertia, res.n_iter);
        if (u.ds.labels) printf("  ACC %.4f NMI %.4f ARI %.4f", acc, nmi, ari);
        printf("\nwrote %s\n", out);
    }
    rc = EXIT_OK;
out:
    latent_kmeans_result_free(&res);
    latent_free(codes);
    use_close(&u);
    return rc;
}
