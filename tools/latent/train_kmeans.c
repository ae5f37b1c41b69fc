/* latent train kmeans: scikit-learn's KMeans on a dataset, with iteration events and a
 * safetensors file holding the centers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "data.h"
#include "jsonl.h"
#include "latent/comm.h"
#include "latent/io.h"
#include "checkpoint.h"
#include "latent/kmeans.h"
#include "latent/metrics.h"
#include "latent/memory.h"
#include "options.h"
#include "progress.h"
#include "train.h"

typedef struct iter_ctx {
    progress *p;
    int runs;
} iter_ctx;

static void on_iter(void *user, int run, int iter, double seconds, double inertia)
{
    iter_ctx *c = user;
    (void)run;
    progress_iter(c->p, iter, seconds, inertia);
}

/* --init FILE.npy: k x d centers, float32 or float64. */
static int load_init(const char *cmd, const char *path, int64_t k, int64_t d, float **out)
{
    latent_array a;
    if (latent_npy_read(path, &a) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "--init: %s", latent_last_error());
    int rc = EXIT_OK;
    if (a.ndim != 2 || a.shape[0] != k || a.shape[1] != d || (a.dtype != LATENT_F32 && a.dtype != LATENT_F64)) {
        rc = cli_error(cmd, EXIT_FAIL, "--init: %s: expected a %lld x %lld float array (k x features)",
                       path, (long long)k, (long long)d);
    } else if (!(*out = latent_alloc((size_t)(k * d), sizeof(float), "initial centers"))) {
        rc = cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    } else {
        for (int64_t i = 0; i < k * d; i++)
            (*out)[i] = a.dtype == LATENT_F32 ? ((const float *)a.data)[i]
                                              : (float)((const double *)a.data)[i];
    }
    latent_array_free(&a);
    return rc;
}

int train_kmeans(const train_args *a)
{
    const char *cmd = "train kmeans";
    latent_dataset ds = {0};
    /* Lloyd and Elkan split the rows among MPI ranks, each rank reading only its share;
     * mini-batch draws from every row, so each rank holds them all and runs the same fit. */
    const int share = strcmp(a->algorithm, "minibatch") != 0;
    if (share ? cli_data_load_share(cmd, a->data, a->labels, a->limit, a->k, 0, &ds)
              : cli_data_load(cmd, a->data, a->labels, a->limit, &ds))
        return EXIT_FAIL;
    const int64_t n = share ? ds.n_total : ds.n; /* the rows clustered, on every rank together */
    if (a->k > n) {
        latent_dataset_free(&ds);
        return cli_error(cmd, EXIT_USAGE, "--k: %lld clusters for %lld rows of %s", (long long)a->k,
                         (long long)n, a->data);
    }
    latent_kmeans_options o;
    latent_kmeans_options_default(&o, a->k);
    o.max_iter = (int)a->max_iter;
    o.tol = a->tol;
    o.seed = (uint64_t)a->seed;
    o.n_init = (int)a->n_init;
    if (strcmp(a->algorithm, "elkan") == 0) o.algorithm = LATENT_KMEANS_ELKAN;
    if (strcmp(a->algorithm, "minibatch") == 0) {
        o.algorithm = LATENT_KMEANS_MINIBATCH;
        o.batch_size = a->minibatch;
    }
    float *init = NULL;
    if (strcmp(a->init, "random") == 0) {
        o.init = LATENT_KMEANS_INIT_RANDOM;
    } else if (strcmp(a->init, "kmeans++") == 0 || strcmp(a->init, "k-means++") == 0) {
        o.init = LATENT_KMEANS_INIT_PLUSPLUS;
    } else {
        if (load_init(cmd, a->init, a->k, ds.d, &init)) {
            latent_dataset_free(&ds);
            return EXIT_FAIL;
        }
        o.init = LATENT_KMEANS_INIT_ARRAY;
        o.init_centers = init;
    }
    progress p;
    progress_init(&p, a->json, a->quiet, 1, a->max_iter, n);
    iter_ctx ctx = {&p, o.n_init};
    o.on_iter = on_iter;
    o.user = &ctx;

    latent_kmeans_result res;
    double t0 = progress_now();
    /* The rows are ours and not needed after the fit: centered in place, one copy in memory. */
    latent_status st = share ? latent_kmeans_fit_rows(ds.x, n, ds.row0, ds.n, ds.d, NULL, &o, &res)
                             : latent_kmeans_fit_inplace(ds.x, ds.n, ds.d, NULL, &o, &res);
    double seconds = progress_now() - t0;
    latent_free(init);
    if (st != LATENT_OK) {
        latent_dataset_free(&ds);
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    }
    double acc = NAN, nmi = NAN, ari = NAN;
    if (ds.labels) {
        latent_metric_accuracy(n, ds.labels, res.labels, &acc);
        latent_metric_nmi(n, ds.labels, res.labels, &nmi);
        latent_metric_ari(n, ds.labels, res.labels, &ari);
    }
    int rc = EXIT_OK;
    if (a->save && latent_comm_rank() == 0) { /* every rank holds the same centers */
        /* the settings a later eval or cluster reads back, as "cli.*" beside the centers */
        ckpt_extra extra = {0};
        char seedbuf[32];
        snprintf(seedbuf, sizeof seedbuf, "%lld", (long long)a->seed);
        ckpt_extra_set(&extra, "seed", seedbuf);
        ckpt_extra_set(&extra, "algorithm", a->algorithm);
        ckpt_extra_set(&extra, "data", a->data);
        ckpt_machine(&extra);
        if (latent_kmeans_save(a->save, res.centers, res.k, res.d, &extra) != LATENT_OK)
            rc = cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
        ckpt_extra_free(&extra);
    }
    if (a->json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_num(&j, "inertia", res.inertia);
        jsonl_int(&j, "n_iter", res.n_iter);
        jsonl_num(&j, "init_seconds", res.init_seconds);
        if (ds.labels) {
            jsonl_num(&j, "acc", acc);
            jsonl_num(&j, "nmi", nmi);
            jsonl_num(&j, "ari", ari);
        }
        jsonl_num(&j, "seconds", seconds);
        jsonl_end(&j);
    } else if (!a->quiet) {
        progress_clear(&p);
        printf("k-means: k=%lld inertia %.10g n_iter %d init %.3fs total %.3fs", (long long)res.k,
               res.inertia, res.n_iter, res.init_seconds, seconds);
        if (ds.labels) printf("  ACC %.4f NMI %.4f ARI %.4f", acc, nmi, ari);
        printf("\n");
    }
    latent_kmeans_result_free(&res);
    latent_dataset_free(&ds);
    return rc;
}
