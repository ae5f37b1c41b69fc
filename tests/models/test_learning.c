/* Each family learns: losses fall below stated bounds in short runs on synthetic images. */
#include <criterion/criterion.h>
#include <string.h>
#include "latent/models.h"
#include "synthetic.h"

#define N 2000
#define D 100

static latent_train_options opts(latent_model_kind kind, int64_t epochs)
{
    latent_train_options o;
    latent_train_options_default(kind, &o);
    o.epochs = epochs, o.batch = 128, o.seed = 1;
    return o;
}

Test(learning, autoencoder)
{
    float *x = synthetic(N, D, 1);
    latent_ae_config c;
    latent_ae_config_default(&c);
    c.sizes[0] = D, c.sizes[1] = 64, c.sizes[2] = 8;
    latent_model *m;
    cr_assert_eq(latent_ae_create(&c, 1, &m), LATENT_OK);
    double before[4], after[4];
    cr_assert_eq(latent_model_evaluate(m, x, N, D, 0, before), LATENT_OK);
    latent_train_options o = opts(LATENT_MODEL_AE, 10);
    cr_assert_eq(latent_model_train(m, x, N, D, &o), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_model_evaluate(m, x, N, D, 0, after), LATENT_OK);
    cr_expect_lt(after[0], 0.01, "MSE %g (before %g)", after[0], before[0]);
    latent_model_free(m);
    free(x);
}

Test(learning, vae)
{
    float *x = synthetic(N, D, 2);
    latent_vae_config c;
    latent_vae_config_default(&c);
    c.sizes[0] = D, c.sizes[1] = 64, c.latent = 4;
    latent_model *m;
    cr_assert_eq(latent_vae_create(&c, 1, &m), LATENT_OK);
    double before[4], after[4], ll;
    cr_assert_eq(latent_model_evaluate(m, x, N, D, 0, before), LATENT_OK);
    latent_train_options o = opts(LATENT_MODEL_VAE, 10);
    cr_assert_eq(latent_model_train(m, x, N, D, &o), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_model_evaluate(m, x, N, D, 0, after), LATENT_OK);
    cr_expect_lt(after[0], 0.8 * before[0], "negative ELBO %g (before %g)", after[0], before[0]);
    /* the importance-weighted bound is tighter than the ELBO: -log p(x) <= negative ELBO */
    cr_assert_eq(latent_vae_log_likelihood(m, x, 200, D, 50, 3, &ll, NULL), LATENT_OK);
    cr_expect_lt(-ll, after[0] + 0.5, "-log p %g vs negative ELBO %g", -ll, after[0]);
    latent_model_free(m);
    free(x);
}

Test(learning, gan)
{
    float *x = synthetic(N, D, 3);
    latent_gan_config c;
    latent_gan_config_default(&c);
    c.z = 8, c.d = D, c.gen[0] = 32, c.gen[1] = 64, c.disc[0] = 64, c.disc[1] = 32;
    latent_model *m;
    cr_assert_eq(latent_gan_create(&c, 1, &m), LATENT_OK);
    float *s = malloc(sizeof(float) * 1000 * D);
    double before, after;
    cr_assert_eq(latent_model_sample(m, 1000, 9, s), LATENT_OK);
    cr_assert_eq(latent_frechet_distance(s, 1000, x, N, D, &before), LATENT_OK);
    latent_train_options o = opts(LATENT_MODEL_GAN, 30);
    o.optim.lr = 1e-3f;
    cr_assert_eq(latent_model_train(m, x, N, D, &o), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_model_sample(m, 1000, 9, s), LATENT_OK);
    cr_assert_eq(latent_frechet_distance(s, 1000, x, N, D, &after), LATENT_OK);
    cr_expect_lt(after, 0.3 * before, "pixel Frechet distance %g (before %g)", after, before);
    latent_model_free(m);
    free(x), free(s);
}

Test(learning, classifier)
{
    int32_t *y = malloc(sizeof(int32_t) * N);
    float *x = synthetic_labeled(N, D, 4, y);
    int64_t hidden = 32;
    latent_model *m;
    cr_assert_eq(latent_classifier_create(D, 1, &hidden, 5, 1, &m), LATENT_OK);
    latent_train_options o = opts(LATENT_MODEL_CLASSIFIER, 3);
    cr_assert_eq(latent_classifier_train(m, x, y, N, D, &o), LATENT_OK, "%s", latent_last_error());
    double acc;
    cr_assert_eq(latent_classifier_accuracy(m, x, y, N, D, &acc), LATENT_OK);
    cr_expect_gt(acc, 0.95, "accuracy %g", acc);
    latent_model_free(m);
    free(x), free(y);
}
