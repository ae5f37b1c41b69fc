/* latent eval: a trained model's metrics on a dataset. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "data.h"
#include "jsonl.h"
#include "latent/io.h"
#include "latent/kmeans.h"
#include "latent/memory.h"
#include "latent/metrics.h"
#include "checkpoint.h"
#include "eval_frechet.h"
#include "model_use.h"
#include "options.h"

/* A k-means model file: its centers scored on the data (inertia; ACC/NMI/ARI with labels). */
static int eval_kmeans(const char *path, const char *data, const char *labels, int64_t limit,
                       int json)
{
    latent_kmeans_model km;
    ckpt_extra extra = {0};
    if (latent_kmeans_load(path, &km, &extra) != LATENT_OK)
        return cli_error("eval", EXIT_FAIL, "%s", latent_last_error());
    const char *trained = ckpt_extra_get(&extra, "data");
    latent_dataset ds = {0};
    int32_t *pred = NULL;
    int rc = EXIT_FAIL;
    if (cli_data_load("eval", data ? data : trained ? trained : "fashion-mnist", labels, limit, &ds))
        goto out;
    if (ds.d != km.d) {
        cli_error("eval", EXIT_FAIL, "%s: %lld features, the centers have %lld", ds.source,
                  (long long)ds.d, (long long)km.d);
        goto out;
    }
    double inertia, acc = NAN, nmi = NAN, ari = NAN;
    if (!(pred = latent_alloc((size_t)ds.n, sizeof *pred, "labels")) ||
        latent_kmeans_predict(km.centers, km.k, ds.d, ds.x, ds.n, NULL, pred, &inertia)) {
        cli_error("eval", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    if (ds.labels) {
        latent_metric_accuracy(ds.n, ds.labels, pred, &acc);
        latent_metric_nmi(ds.n, ds.labels, pred, &nmi);
        latent_metric_ari(ds.n, ds.labels, pred, &ari);
    }
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_str(&j, "kind", "kmeans");
        jsonl_int(&j, "rows", ds.n);
        jsonl_num(&j, "inertia", inertia);
        if (ds.labels) {
            jsonl_num(&j, "acc", acc);
            jsonl_num(&j, "nmi", nmi);
            jsonl_num(&j, "ari", ari);
        }
        jsonl_end(&j);
    } else {
        printf("kmeans on %s (%lld rows): inertia %.10g", ds.source, (long long)ds.n, inertia);
        if (ds.labels) printf("  ACC %.4f NMI %.4f ARI %.4f", acc, nmi, ari);
        printf("\n");
    }
    rc = EXIT_OK;
out:
    latent_free(pred);
    latent_dataset_free(&ds);
    latent_kmeans_model_free(&km);
    ckpt_extra_free(&extra);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    const char *data = NULL, *labels = NULL;
    int64_t limit = 0, batch = 256;
    int json = 0;
    int64_t iw = 0, n_samples = 10000;
    cli_option opts[] = {
        {"data", CLI_STR, &data, 0, 0, NULL, "SPEC", "data (default: the test split of the data the model was trained on, else fashion-mnist:test)", 0},
        {"labels", CLI_STR, &labels, 0, 0, NULL, "FILE", "labels (.npy or IDX) for --data", 0},
        {"limit", CLI_INT, &limit, 1, 1e12, NULL, "N", "use only the first N rows", 0},
        {"batch", CLI_INT, &batch, 1, 1e6, NULL, "N", "rows per forward pass (256)", 0},
        {"iw", CLI_INT, &iw, 1, 100000, NULL, "K", "vae: also the importance-weighted log p(x) with K samples", 0},
        {"samples", CLI_INT, &n_samples, 2, 1e6, NULL, "N", "gan, dcgan: samples to score (10000)", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON line (the done event) on stdout", 0},
    };
    cli_command cmd = {"eval", "MODEL.safetensors|SAMPLES.npy",
                       "Reports a trained model's loss (as in training) on a dataset; for a GAN, "
                       "or an N x 784 .npy of images in [0, 1] from anywhere, the Frechet distance "
                       "to Fashion-MNIST test images in the features of a classifier latent trains "
                       "itself (seed 1).", NULL, opts, sizeof opts / sizeof *opts, 1, 1, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;

    if (cli_parse_only) return EXIT_OK;
    const char *path = cmd.pos[0];
    const size_t len = strlen(path);
    if (len > 4 && strcmp(path + len - 4, ".npy") == 0)
        return eval_frechet(NULL, "samples", path, data, 0, json);
    char kind[32];
    if (ckpt_kind("eval", cmd.pos[0], kind, sizeof kind)) return EXIT_FAIL;
    if (strcmp(kind, "kmeans") == 0) return eval_kmeans(cmd.pos[0], data, labels, limit, json);
    (void)batch;
    model_use u;
    if (use_open("eval", cmd.pos[0], "ae|vae|gan", &u)) return EXIT_FAIL;
    if (latent_model_kind_of(u.m) == LATENT_MODEL_GAN) {
        rc = eval_frechet(u.m, kind, NULL, data, n_samples, json);
        use_close(&u);
        return rc;
    }
    rc = EXIT_FAIL;
    double loss[LATENT_LOSS_TERMS] = {0}, ll = NAN;
    if (use_data("eval", &u, data, labels, limit, 1)) goto out;
    latent_model_kind k = latent_model_kind_of(u.m);
    if (latent_model_evaluate(u.m, u.ds.x, u.ds.n, u.ds.d, 0, loss) != LATENT_OK ||
        (iw && k == LATENT_MODEL_VAE &&
         latent_vae_log_likelihood(u.m, u.ds.x, u.ds.n, u.ds.d, (int)iw, 0, &ll, NULL) != LATENT_OK)) {
        cli_error("eval", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    static const char *const names[3][LATENT_LOSS_TERMS] = {
        {"loss", "reconstruction", "penalty", NULL},
        {"loss", "reconstruction", "kl", "objective"},
        {"d_loss", "g_loss", NULL, NULL},
    };
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_str(&j, "kind", kind);
        jsonl_int(&j, "rows", u.ds.n);
        for (int i = 0; i < LATENT_LOSS_TERMS; i++)
            if (names[k][i]) jsonl_num(&j, names[k][i], loss[i]);
        if (!isnan(ll)) jsonl_num(&j, "log_likelihood", ll);
        jsonl_end(&j);
    } else {
        printf("%s on %s (%lld rows):", kind, u.spec, (long long)u.ds.n);
        for (int i = 0; i < LATENT_LOSS_TERMS; i++)
            if (names[k][i]) printf("  %s %.6g", names[k][i], loss[i]);
        if (!isnan(ll)) printf("  log p(x) %.6g (K=%lld)", ll, (long long)iw);
        printf("\n");
    }
    rc = EXIT_OK;
out:
    use_close(&u);
    return rc;
}
