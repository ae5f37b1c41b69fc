/* The Fréchet distance of generated Fashion-MNIST images, FID's recipe with a feature network of
 * latent's own: an MLP 784-256-128-10 trained 5 epochs on the training split (seed 1, so the
 * same features on every run and machine), its 128 last hidden units the features. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "data.h"
#include "eval_frechet.h"
#include "jsonl.h"
#include "latent/memory.h"
#include "options.h"

static latent_status train_classifier(const latent_dataset *tr, latent_model **out)
{
    const int64_t hidden[2] = {256, 128};
    latent_status st = latent_classifier_create(tr->d, 2, hidden, 10, 1, out);
    if (st) return st;
    latent_train_options o;
    latent_train_options_default(LATENT_MODEL_CLASSIFIER, &o);
    o.epochs = 5, o.batch = 128, o.seed = 1;
    return latent_classifier_train(*out, tr->x, tr->labels, tr->n, tr->d, &o);
}

int eval_frechet(latent_model *gan, const char *kind, const char *samples, const char *data,
                 int64_t n, int json)
{
    latent_dataset tr = {0}, real = {0};
    latent_array sa = {0};
    latent_model *cls = NULL;
    float *gen = NULL;
    int rc = EXIT_FAIL;
    if (cli_data_load("eval", "fashion-mnist", NULL, 0, &tr) ||
        cli_data_load("eval", data ? data : "fashion-mnist:test", NULL, 0, &real))
        goto out;
    if (!tr.labels) {
        cli_error("eval", EXIT_FAIL, "fashion-mnist: no labels to train the feature classifier");
        goto out;
    }
    if (real.d != tr.d) {
        cli_error("eval", EXIT_FAIL, "%s: %lld features; the Frechet distance compares %lld-pixel "
                  "Fashion-MNIST images", real.source, (long long)real.d, (long long)tr.d);
        goto out;
    }
    if (gan) {
        if (latent_model_input_dim(gan) != tr.d) {
            cli_error("eval", EXIT_FAIL, "the model makes %lld-feature rows; the Frechet distance "
                      "compares %lld-pixel Fashion-MNIST images", (long long)latent_model_input_dim(gan),
                      (long long)tr.d);
            goto out;
        }
        if (!(gen = latent_alloc((size_t)n, (size_t)tr.d * sizeof(float), "samples")) ||
            latent_model_sample(gan, n, 0, gen)) {
            cli_error("eval", EXIT_FAIL, "%s", latent_last_error());
            goto out;
        }
    } else {
        if (latent_npy_read(samples, &sa)) {
            cli_error("eval", EXIT_FAIL, "%s", latent_last_error());
            goto out;
        }
        if (sa.dtype != LATENT_F32 || sa.ndim != 2 || sa.shape[1] != tr.d || sa.shape[0] < 2) {
            cli_error("eval", EXIT_FAIL, "%s: samples must be a float32 N x %lld array in [0, 1] "
                      "(N >= 2)", samples, (long long)tr.d);
            goto out;
        }
        n = sa.shape[0];
    }
    const float *rows = gan ? gen : sa.data;
    double acc = 0, dist, floor;
    const int64_t nf = real.n < tr.n ? real.n : tr.n;
    if (train_classifier(&tr, &cls) ||
        (real.labels && latent_classifier_accuracy(cls, real.x, real.labels, real.n, real.d, &acc)) ||
        latent_samples_frechet(cls, rows, n, real.x, real.n, tr.d, &dist) ||
        latent_samples_frechet(cls, tr.x, nf, real.x, real.n, tr.d, &floor)) {
        cli_error("eval", EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_str(&j, "kind", kind);
        jsonl_int(&j, "samples", n);
        jsonl_int(&j, "rows", real.n);
        jsonl_num(&j, "frechet", dist);
        jsonl_num(&j, "frechet_floor", floor);
        if (real.labels) jsonl_num(&j, "classifier_accuracy", acc);
        jsonl_end(&j);
    } else {
        printf("%s: %lld samples against %s (%lld rows): Frechet distance %.6g (floor %.6g: %lld "
               "training images)", kind, (long long)n, real.source, (long long)real.n, dist, floor,
               (long long)nf);
        if (real.labels) printf("; feature classifier accuracy %.4f", acc);
        printf("\n");
    }
    rc = EXIT_OK;
out:
    latent_free(gen);
    latent_array_free(&sa);
    latent_model_free(cls);
    latent_dataset_free(&tr);
    latent_dataset_free(&real);
    return rc;
}
