/* Each family learns on Fashion-MNIST: losses fall below stated bounds in short runs on the
 * first 2000 training images (test metrics on the first 1000 test images). */
#include <criterion/criterion.h>
#include <string.h>
#include "latent/dataset.h"
#include "latent/models.h"

#define N 2000
#define NT 1000

static latent_dataset train_set, test_set;

static void load(void)
{
    if (latent_dataset_load("fashion-mnist", &train_set) != LATENT_OK ||
        latent_dataset_load("fashion-mnist:test", &test_set) != LATENT_OK)
        cr_skip_test("Fashion-MNIST is not installed: %s", latent_last_error());
    cr_assert_eq(train_set.d, 784);
}

static void unload(void)
{
    latent_dataset_free(&train_set);
    latent_dataset_free(&test_set);
}

static latent_train_options opts(latent_model_kind kind, int64_t epochs)
{
    latent_train_options o;
    latent_train_options_default(kind, &o);
    o.epochs = epochs, o.batch = 128, o.seed = 1;
    return o;
}

TestSuite(learning, .init = load, .fini = unload, .timeout = 120);

/* PyTorch reaches a test MSE near 0.03 after this much training of the same network. */
Test(learning, autoencoder)
{
    latent_ae_config c;
    latent_ae_config_default(&c);
    latent_model *m;
    cr_assert_eq(latent_ae_create(&c, 1, &m), LATENT_OK);
    double before[4], after[4];
    cr_assert_eq(latent_model_evaluate(m, test_set.x, NT, 784, 0, before), LATENT_OK);
    latent_train_options o = opts(LATENT_MODEL_AE, 10);
    cr_assert_eq(latent_model_train(m, train_set.x, N, 784, &o), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_model_evaluate(m, test_set.x, NT, 784, 0, after), LATENT_OK);
    cr_log_info("ae: test MSE %g (before %g)", after[0], before[0]);
    cr_expect_lt(after[0], 0.035, "test MSE %g (before %g)", after[0], before[0]);
    latent_model_free(m);
}

Test(learning, vae)
{
    latent_vae_config c;
    latent_vae_config_default(&c);
    latent_model *m;
    cr_assert_eq(latent_vae_create(&c, 1, &m), LATENT_OK);
    double before[4], after[4], ll;
    cr_assert_eq(latent_model_evaluate(m, test_set.x, NT, 784, 0, before), LATENT_OK);
    latent_train_options o = opts(LATENT_MODEL_VAE, 10);
    cr_assert_eq(latent_model_train(m, train_set.x, N, 784, &o), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_model_evaluate(m, test_set.x, NT, 784, 0, after), LATENT_OK);
    cr_expect_lt(after[0], 300.0, "test negative ELBO %g nats (before %g)", after[0], before[0]);
    /* the importance-weighted bound is tighter than the ELBO: -log p(x) <= negative ELBO */
    cr_assert_eq(latent_vae_log_likelihood(m, test_set.x, 100, 784, 20, 3, &ll, NULL), LATENT_OK);
    cr_log_info("vae: test negative ELBO %g (before %g), IW estimate of -log p %g", after[0], before[0], -ll);
    cr_expect_lt(-ll, after[0] + 2.0, "-log p %g vs negative ELBO %g", -ll, after[0]);
    latent_model_free(m);
}

/* The GAN's samples come closer to real test images in the feature space of a classifier the
 * engine trains itself (the FID recipe), measured against the train-vs-test floor. */
Test(learning, gan)
{
    int64_t hidden = 64;
    latent_model *cls, *g;
    cr_assert_eq(latent_classifier_create(784, 1, &hidden, 10, 1, &cls), LATENT_OK);
    latent_train_options co = opts(LATENT_MODEL_CLASSIFIER, 5);
    cr_assert_eq(latent_classifier_train(cls, train_set.x, train_set.labels, N, 784, &co), LATENT_OK,
                 "%s", latent_last_error());
    double acc;
    cr_assert_eq(latent_classifier_accuracy(cls, test_set.x, test_set.labels, NT, 784, &acc), LATENT_OK);
    cr_expect_gt(acc, 0.7, "classifier test accuracy %g", acc);

    latent_gan_config c;
    latent_gan_config_default(&c);
    cr_assert_eq(latent_gan_create(&c, 1, &g), LATENT_OK);
    double before, after, floor;
    cr_assert_eq(latent_gan_frechet(g, cls, test_set.x, NT, NULL, 0, NT, 5, &before, NULL), LATENT_OK);
    latent_train_options o = opts(LATENT_MODEL_GAN, 10);
    cr_assert_eq(latent_model_train(g, train_set.x, N, 784, &o), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_gan_frechet(g, cls, test_set.x, NT, train_set.x, NT, NT, 5, &after, &floor),
                 LATENT_OK);
    cr_log_info("gan: classifier accuracy %g, Frechet %g (before %g, floor %g)", acc, after, before, floor);
    cr_expect_lt(after, 0.6 * before, "Frechet distance %g (before %g, floor %g)", after, before, floor);
    cr_expect_lt(floor, after, "floor %g above the GAN's %g", floor, after);
    latent_model_free(g), latent_model_free(cls);
}
