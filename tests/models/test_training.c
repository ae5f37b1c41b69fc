/* Training as a whole: the same bytes for 1, 2 and 3 threads, resume equal to an uninterrupted
 * run, divergence caught with its epoch, step and tensor, and the checkpoint contents. */
#include <criterion/criterion.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/models/model.h"
#include "src/nn/thread_choice.h"
#include "synthetic.h"

static latent_model *make(latent_model_kind kind, int variant)
{
    latent_model *m = NULL;
    latent_status st;
    if (kind == LATENT_MODEL_AE) {
        latent_ae_config c;
        latent_ae_config_default(&c);
        c.n_sizes = 3, c.sizes[0] = 50, c.sizes[1] = 24, c.sizes[2] = 8;
        if (variant == 1) c.sparse_beta = 0.1f, c.noise = LATENT_NOISE_MASK, c.noise_level = 0.2f;
        if (variant == 2) c.contractive = 0.1f, c.loss = LATENT_LOSS_BCE;
        if (variant == 3) { /* convolutional on 8 x 8 images, sparse and denoising */
            c.sizes[0] = 64, c.sparse_beta = 0.1f, c.noise = LATENT_NOISE_MASK, c.noise_level = 0.2f;
            c.conv = (latent_conv_config){2, {4, 6}, 3, 8, 8, 1};
        }
        st = latent_ae_create(&c, 11, &m);
    } else if (kind == LATENT_MODEL_VAE) {
        latent_vae_config c;
        latent_vae_config_default(&c);
        c.sizes[0] = 50, c.sizes[1] = 24, c.latent = 4;
        if (variant == 1) c.sizes[0] = 64, c.conv = (latent_conv_config){2, {4, 6}, 3, 8, 8, 1};
        st = latent_vae_create(&c, 11, &m);
    } else if (variant == 0) {
        latent_gan_config c;
        latent_gan_config_default(&c);
        c.z = 8, c.d = 50, c.gen[0] = 16, c.gen[1] = 32, c.disc[0] = 32, c.disc[1] = 16;
        c.d_steps = 2;
        st = latent_gan_create(&c, 11, &m);
    } else { /* a DCGAN on 8 x 8 images of one channel: batch norm, dropout, convolutions */
        latent_dcgan_config c;
        latent_dcgan_config_default(&c);
        c.z = 6, c.height = 8, c.width = 8;
        c.n_gen = 2, c.gen[0] = 8, c.gen[1] = 4, c.n_disc = 1, c.disc[0] = 6, c.kernel = 3;
        c.label_smoothing = 0.1f, c.d_steps = variant == 2 ? 2 : 1;
        st = latent_dcgan_create(&c, 11, &m);
    }
    cr_assert_eq(st, LATENT_OK, "%s", latent_last_error());
    return m;
}

/* The width of the rows each test model takes (convolutions' images need even sides). */
static int64_t width_of(latent_model_kind kind, int variant)
{
    return (kind == LATENT_MODEL_GAN && variant) || (kind == LATENT_MODEL_AE && variant == 3) ||
                   (kind == LATENT_MODEL_VAE && variant == 1)
               ? 64 /* images of 8 x 8 */
               : 50;
}

/* The models' running statistics are the same bytes (models without any: trivially). */
static int same_buffers(const latent_model *a, const latent_model *b)
{
    return a->buffers.n == b->buffers.n &&
           (a->buffers.n == 0 || memcmp(a->buffers.w, b->buffers.w, sizeof(float) * (size_t)a->buffers.n) == 0);
}

static void train(latent_model *m, const float *x, int64_t n, int64_t epochs)
{
    latent_train_options o;
    latent_train_options_default(m->family->kind, &o);
    o.epochs = epochs, o.batch = 150, o.seed = 5;
    o.fixed_threads = 1; /* the count under test, every step */
    cr_assert_eq(latent_model_train(m, x, n, latent_model_input_dim(m), &o), LATENT_OK, "%s",
                 latent_last_error());
}

static void same_bytes_for_threads(latent_model_kind kind, int variant)
{
    const int64_t n = 400;
    float *x = synthetic(n, width_of(kind, variant), 1);
    latent_model *ref = NULL;
    for (int th = 1; th <= 3; th++) {
        omp_set_num_threads(th);
        latent_model *m = make(kind, variant);
        train(m, x, n, 2);
        if (!ref) {
            ref = m;
            continue;
        }
        for (int g = 0; g < m->n_groups; g++) {
            cr_expect(memcmp(m->group[g].w, ref->group[g].w, sizeof(float) * (size_t)m->group[g].n) == 0,
                      "weights differ with %d threads (group %d)", th, g);
            cr_expect(memcmp(m->group[g].m, ref->group[g].m, sizeof(float) * (size_t)m->group[g].n) == 0,
                      "moments differ with %d threads (group %d)", th, g);
        }
        cr_expect(same_buffers(m, ref), "running statistics differ with %d threads", th);
        latent_model_free(m);
    }
    latent_model_free(ref);
    free(x);
}

Test(determinism, ae_threads) { same_bytes_for_threads(LATENT_MODEL_AE, 0); }
Test(determinism, sparse_denoising_ae_threads) { same_bytes_for_threads(LATENT_MODEL_AE, 1); }
Test(determinism, contractive_ae_threads) { same_bytes_for_threads(LATENT_MODEL_AE, 2); }
Test(determinism, vae_threads) { same_bytes_for_threads(LATENT_MODEL_VAE, 0); }
Test(determinism, conv_ae_threads) { same_bytes_for_threads(LATENT_MODEL_AE, 3); }
Test(determinism, conv_vae_threads) { same_bytes_for_threads(LATENT_MODEL_VAE, 1); }
Test(determinism, gan_threads) { same_bytes_for_threads(LATENT_MODEL_GAN, 0); }
Test(determinism, dcgan_threads) { same_bytes_for_threads(LATENT_MODEL_GAN, 1); }
Test(determinism, dcgan_d_steps_threads) { same_bytes_for_threads(LATENT_MODEL_GAN, 2); }

/* Minibatches of one shard to eight (16 to 512 rows) on 1 to 5 threads: a lone shard is split
 * among all threads, a few shards among teams, many shards one per thread; every way gives the
 * bytes of one thread, and no parallel region ever opens inside another (a nested team made 2
 * threads 10-30x slower than 1). Evaluation and encoding run the same checks. */
static void small_batches(latent_model_kind kind, int variant)
{
    const int64_t n = 600, batches[] = {16, 40, 64, 150, 512}, d = width_of(kind, variant);
    float *x = synthetic(n, d, 3);
    for (int bi = 0; bi < 5; bi++) {
        latent_model *ref = NULL;
        double ref_loss[LATENT_LOSS_TERMS];
        for (int th = 1; th <= 5; th++) {
            omp_set_num_threads(th);
            latent_model *m = make(kind, variant);
            latent_train_options o;
            latent_train_options_default(m->family->kind, &o);
            o.epochs = 1, o.batch = batches[bi], o.seed = 9;
            o.fixed_threads = 1;
            cr_assert_eq(latent_model_train(m, x, n, d, &o), LATENT_OK, "%s", latent_last_error());
            double loss[LATENT_LOSS_TERMS] = {0};
            if (kind != LATENT_MODEL_GAN)
                cr_assert_eq(latent_model_evaluate(m, x, n, d, 4, loss), LATENT_OK);
            if (!ref) {
                ref = m;
                memcpy(ref_loss, loss, sizeof loss);
                continue;
            }
            for (int g = 0; g < m->n_groups; g++)
                cr_expect(memcmp(m->group[g].w, ref->group[g].w, sizeof(float) * (size_t)m->group[g].n) == 0,
                          "batch %lld: weights differ with %d threads (group %d)",
                          (long long)batches[bi], th, g);
            cr_expect(same_buffers(m, ref), "batch %lld: running statistics differ with %d threads",
                      (long long)batches[bi], th);
            cr_expect(memcmp(loss, ref_loss, sizeof loss) == 0,
                      "batch %lld: test losses differ with %d threads", (long long)batches[bi], th);
            latent_model_free(m);
        }
        latent_model_free(ref);
    }
    cr_expect_eq(lk_nested_regions(), 0, "%lld parallel regions opened inside another",
                 (long long)lk_nested_regions());
    free(x);
}

Test(threads, ae_small_batches) { small_batches(LATENT_MODEL_AE, 0); }
Test(threads, sparse_denoising_ae_small_batches) { small_batches(LATENT_MODEL_AE, 1); }
Test(threads, contractive_ae_small_batches) { small_batches(LATENT_MODEL_AE, 2); }
Test(threads, vae_small_batches) { small_batches(LATENT_MODEL_VAE, 0); }
Test(threads, conv_ae_small_batches) { small_batches(LATENT_MODEL_AE, 3); }
Test(threads, conv_vae_small_batches) { small_batches(LATENT_MODEL_VAE, 1); }
Test(threads, gan_small_batches) { small_batches(LATENT_MODEL_GAN, 0); }
Test(threads, dcgan_small_batches) { small_batches(LATENT_MODEL_GAN, 1); }

/* How threads take shards: one team per shard when shards are few (one team of every thread
 * when they make one swapped product of many weights), a thread per shard when they are many,
 * and always a divisor of the thread count. */
Test(threads, team_sizes)
{
    cr_expect_eq(latent_team_size_for(1, 1, 0), 1);
    cr_expect_eq(latent_team_size_for(1, 2, 0), 2);
    cr_expect_eq(latent_team_size_for(2, 2, 0), 1);
    /* 128 rows, one swapped product, on many weights: one team keeps each weight row */
    cr_expect_eq(latent_team_size_for(2, 2, 1 << 20), 2);
    cr_expect_eq(latent_team_size_for(2, 4, 1 << 20), 4);
    cr_expect_eq(latent_team_size_for(2, 2, 100000), 1);
    cr_expect_eq(latent_team_size_for(3, 2, 1 << 20), 2);
    cr_expect_eq(latent_team_size_for(4, 2, 1 << 20), 1);
    cr_expect_eq(latent_team_size_for(3, 2, 0), 2);   /* 1.5 shards of work each, not 2 */
    cr_expect_eq(latent_team_size_for(4, 2, 0), 1);
    cr_expect_eq(latent_team_size_for(4, 64, 0), 16);
    cr_expect_eq(latent_team_size_for(8, 8, 0), 1);
    cr_expect_eq(latent_team_size_for(4, 5, 0), 5);
    cr_expect_eq(latent_team_size_for(2, 6, 0), 3);
    for (int t = 1; t <= 64; t++)
        for (int s = 1; s <= 20; s++)
            for (int64_t w = 0; w <= (1 << 20); w += 1 << 20) {
                int g = latent_team_size_for(s, t, w);
                cr_expect(g >= 1 && t % g == 0, "%d shards on %d threads: team of %d", s, t, g);
            }
}

/* A run whose thread count changes from step to step (as the loop's choice may change it)
 * ends in the bytes of one thread: after each step the callback sets the next step's count. */
static void next_count(void *user, int64_t epoch, int64_t rows, double loss)
{
    (void)epoch, (void)rows, (void)loss;
    static const int counts[] = {2, 1, 3, 1, 1, 2, 2, 4};
    int *k = user;
    omp_set_num_threads(counts[(*k)++ % 8]);
}

static void changing_counts(latent_model_kind kind, int variant)
{
    const int64_t n = 600, d = width_of(kind, variant);
    float *x = synthetic(n, d, 4);
    latent_model *ref = NULL;
    for (int changing = 0; changing < 2; changing++) {
        omp_set_num_threads(1);
        latent_model *m = make(kind, variant);
        latent_train_options o;
        latent_train_options_default(m->family->kind, &o);
        int k = 0;
        o.epochs = 2, o.batch = 40, o.seed = 9, o.fixed_threads = 1;
        if (changing) o.on_step = next_count, o.user = &k;
        cr_assert_eq(latent_model_train(m, x, n, d, &o), LATENT_OK, "%s", latent_last_error());
        if (!ref) {
            ref = m;
            continue;
        }
        cr_expect_geq(k, 30, "only %d steps", k);
        for (int g = 0; g < m->n_groups; g++) {
            cr_expect(memcmp(m->group[g].w, ref->group[g].w, sizeof(float) * (size_t)m->group[g].n) == 0,
                      "weights differ when the thread count changes (group %d)", g);
            cr_expect(memcmp(m->group[g].v, ref->group[g].v, sizeof(float) * (size_t)m->group[g].n) == 0,
                      "moments differ when the thread count changes (group %d)", g);
        }
        cr_expect(same_buffers(m, ref), "running statistics differ when the thread count changes");
        latent_model_free(m);
    }
    omp_set_num_threads(1);
    latent_model_free(ref);
    free(x);
}

Test(threads, ae_changing_counts) { changing_counts(LATENT_MODEL_AE, 1); }
Test(threads, vae_changing_counts) { changing_counts(LATENT_MODEL_VAE, 0); }
Test(threads, gan_changing_counts) { changing_counts(LATENT_MODEL_GAN, 0); }
Test(threads, dcgan_changing_counts) { changing_counts(LATENT_MODEL_GAN, 1); }

/* Feeds the choice `steps` full steps whose seconds come from `secs` (by thread count) and
 * returns how many ran on each count (ran[1..8]). */
static void run_choice(latent_thread_choice *c, int steps, double (*secs)(int threads, int step),
                       int ran[9])
{
    for (int s = 0; s < steps; s++) {
        const int th = latent_thread_choice_next(c);
        cr_assert(th >= 1 && th <= c->most, "step %d: %d threads of %d", s, th, c->most);
        ran[th]++;
        latent_thread_choice_record(c, th, secs(th, s), 1);
    }
}

static double two_win(int th, int s) { (void)s; return th == 2 ? 1.0 : 1.9; }
static double one_wins(int th, int s) { (void)s; return th == 1 ? 1.0 : 1.6; }
static double one_wins_then_two(int th, int s) { return s < 500 ? one_wins(th, s) : two_win(th, s); }
static double four_best(int th, int s) { (void)s; return th == 4 ? 1.0 : th == 2 ? 1.5 : th == 8 ? 1.3 : 2.5; }
static double alike(int th, int s) { return (th == 1 ? 0.95 : 1.0) + 0.02 * (s % 3); }
/* two threads' steps spread: now and then a lucky one, or a stall */
static double two_lucky(int th, int s) { return th == 1 ? 1.0 : s % 4 == 0 ? 0.8 : 1.4; }
static double two_stalls(int th, int s) { return th == 1 ? 1.3 : s % 4 == 0 ? 2.0 : 1.0; }

/* The choice: the most threads while they win, with tries that grow rarer (a few percent of
 * the steps); a count that wins by more than the margin taken over; a change back when the
 * host changes back; a gain within the margin never switches; the usual step counts. */
Test(threads, choice_follows_the_faster_count)
{
    latent_thread_choice c;
    int ran[9] = {0};
    latent_thread_choice_init(&c, 2);
    run_choice(&c, 4000, two_win, ran);
    cr_expect_eq(c.now, 2);
    cr_expect(ran[1] > 0 && ran[1] <= 16, "%d of 4000 steps tried on 1 thread", ran[1]);

    memset(ran, 0, sizeof ran);
    latent_thread_choice_init(&c, 2);
    run_choice(&c, 4000, one_wins, ran);
    cr_expect_eq(c.now, 1);
    cr_expect(ran[1] >= 3900, "only %d of 4000 steps on the faster single thread", ran[1]);

    memset(ran, 0, sizeof ran);
    latent_thread_choice_init(&c, 2);
    run_choice(&c, 4000, one_wins_then_two, ran);
    cr_expect_eq(c.now, 2, "the host changed at step 500; the choice stayed at %d", c.now);

    memset(ran, 0, sizeof ran);
    latent_thread_choice_init(&c, 8);
    run_choice(&c, 4000, four_best, ran);
    cr_expect_eq(c.now, 4);
    cr_expect(ran[4] >= 3800, "%d of 4000 steps on the fastest count", ran[4]);

    memset(ran, 0, sizeof ran);
    latent_thread_choice_init(&c, 2);
    run_choice(&c, 4000, alike, ran);
    cr_expect_eq(c.now, 2);
    cr_expect(ran[2] >= 3980, "within the margin: %d of 4000 steps left the most threads", 4000 - ran[2]);

    /* the usual step decides, not the luckiest nor the slowest */
    memset(ran, 0, sizeof ran);
    latent_thread_choice_init(&c, 2);
    run_choice(&c, 4000, two_lucky, ran);
    cr_expect_eq(c.now, 1, "two threads' lucky steps kept %d threads", c.now);
    cr_expect(ran[1] >= 3800, "%d of 4000 steps on the usually faster single thread", ran[1]);
    memset(ran, 0, sizeof ran);
    latent_thread_choice_init(&c, 2);
    run_choice(&c, 4000, two_stalls, ran);
    cr_expect_eq(c.now, 2, "two threads' stalls moved the choice to %d", c.now);

    /* one thread, or steps not counted: nothing to choose */
    latent_thread_choice_init(&c, 1);
    for (int s = 0; s < 100; s++) {
        cr_expect_eq(latent_thread_choice_next(&c), 1);
        latent_thread_choice_record(&c, 1, 5.0, 1);
    }
    latent_thread_choice_init(&c, 2);
    for (int s = 0; s < 100; s++) latent_thread_choice_record(&c, 2, 1.0, 0);
    cr_expect_eq(latent_thread_choice_next(&c), 2);
    cr_expect_eq(c.steps, 0);
}

/* Save after 1 epoch (config strings + named tensors), rebuild, train on: equals 2 epochs. */
static void resume_equals_straight(latent_model_kind kind, int variant)
{
    const int64_t n = 400;
    float *x = synthetic(n, width_of(kind, variant), 2);
    latent_model *a = make(kind, variant), *b = make(kind, variant);
    train(a, x, n, 2);
    train(b, x, n, 1);
    char keys[LATENT_CONFIG_MAX][32], vals[LATENT_CONFIG_MAX][96];
    int nc = latent_model_config(b, keys, vals, LATENT_CONFIG_MAX);
    const char *kp[LATENT_CONFIG_MAX], *vp[LATENT_CONFIG_MAX];
    for (int i = 0; i < nc; i++) kp[i] = keys[i], vp[i] = vals[i];
    latent_model *c;
    cr_assert_eq(latent_model_from_config(nc, kp, vp, &c), LATENT_OK, "%s", latent_last_error());
    latent_named_tensor tb[64], tc[64];
    int nb = latent_model_tensors(b, 1, tb, 64), ncn = latent_model_tensors(c, 1, tc, 64);
    cr_assert_eq(nb, ncn);
    for (int i = 0; i < nb; i++) {
        cr_assert_str_eq(tb[i].name, tc[i].name);
        cr_assert_eq(tb[i].ndim, tc[i].ndim);
        int64_t numel = 1;
        for (int k = 0; k < tb[i].ndim; k++) {
            cr_assert_eq(tb[i].shape[k], tc[i].shape[k]);
            numel *= tb[i].shape[k];
        }
        memcpy(tc[i].data, tb[i].data, sizeof(float) * (size_t)numel);
    }
    train(c, x, n, 2);
    for (int g = 0; g < a->n_groups; g++)
        cr_expect(memcmp(a->group[g].w, c->group[g].w, sizeof(float) * (size_t)a->group[g].n) == 0,
                  "resumed weights differ (group %d)", g);
    cr_expect(same_buffers(a, c), "resumed running statistics differ");
    latent_model_free(a), latent_model_free(b), latent_model_free(c);
    free(x);
}

Test(resume, ae) { resume_equals_straight(LATENT_MODEL_AE, 1); }
Test(resume, vae) { resume_equals_straight(LATENT_MODEL_VAE, 0); }
Test(resume, conv_ae) { resume_equals_straight(LATENT_MODEL_AE, 3); }
Test(resume, conv_vae) { resume_equals_straight(LATENT_MODEL_VAE, 1); }
Test(resume, gan) { resume_equals_straight(LATENT_MODEL_GAN, 0); }
Test(resume, dcgan) { resume_equals_straight(LATENT_MODEL_GAN, 1); }

Test(checkpoint, pytorch_names)
{
    latent_ae_config c;
    latent_ae_config_default(&c);
    latent_model *m;
    cr_assert_eq(latent_ae_create(&c, 1, &m), LATENT_OK);
    latent_named_tensor t[16];
    int n = latent_model_tensors(m, 1, t, 16);
    cr_assert_eq(n, 8); /* no moments before training */
    const char *names[] = {"encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
                           "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias"};
    const int64_t rows[] = {128, 128, 32, 32, 128, 128, 784, 784};
    for (int i = 0; i < 8; i++) {
        cr_expect_str_eq(t[i].name, names[i]);
        cr_expect_eq(t[i].shape[0], rows[i]);
    }
    cr_expect_eq(t[0].shape[1], 784);
    cr_expect_eq(t[1].ndim, 1);
    latent_model_free(m);

    latent_vae_config v;
    latent_vae_config_default(&v);
    cr_assert_eq(latent_vae_create(&v, 1, &m), LATENT_OK);
    n = latent_model_tensors(m, 0, t, 16);
    const char *vn[] = {"encoder.0.weight", "encoder.0.bias", "fc_mu.weight", "fc_logvar.weight",
                        "fc_mu.bias", "fc_logvar.bias", "decoder.0.weight", "decoder.0.bias",
                        "decoder.2.weight", "decoder.2.bias"};
    cr_assert_eq(n, 10);
    for (int i = 0; i < 10; i++) cr_expect_str_eq(t[i].name, vn[i]);
    cr_expect_eq(t[2].shape[0], 20);
    cr_expect_eq(t[2].shape[1], 400);
    cr_expect_eq(t[3].data, t[2].data + 20 * 400);
    latent_model_free(m);

    latent_gan_config g;
    latent_gan_config_default(&g);
    cr_assert_eq(latent_gan_create(&g, 1, &m), LATENT_OK);
    n = latent_model_tensors(m, 0, t, 16);
    cr_assert_eq(n, 12);
    cr_expect_str_eq(t[4].name, "generator.4.weight");
    cr_expect_eq(t[4].shape[0], 784);
    cr_expect_str_eq(t[6].name, "discriminator.0.weight");
    cr_expect_str_eq(t[10].name, "discriminator.4.weight");
    cr_expect_eq(t[10].shape[0], 1);
    latent_model_free(m);
}

Test(checkpoint, bad_config_refused)
{
    const char *k[] = {"kind", "layers"}, *v[] = {"ae", "784,abc"};
    latent_model *m;
    cr_expect_eq(latent_model_from_config(2, k, v, &m), LATENT_EFORMAT);
    cr_expect(strstr(latent_last_error(), "layers") != NULL);
    const char *v2[] = {"ufo", "1"};
    cr_expect_eq(latent_model_from_config(2, k, v2, &m), LATENT_EFORMAT);
    const char *v3[] = {"ae", "784,-3"};
    cr_expect_eq(latent_model_from_config(2, k, v3, &m), LATENT_EINVAL);
}

Test(divergence, nan_in_data_names_step_and_tensor)
{
    const int64_t n = 400;
    float *x = synthetic(n, 50, 3);
    x[7 * 50 + 3] = NAN;
    latent_model *m = make(LATENT_MODEL_AE, 0);
    latent_train_options o;
    latent_train_options_default(LATENT_MODEL_AE, &o);
    o.epochs = 2, o.batch = 400;
    cr_assert_eq(latent_model_train(m, x, n, 50, &o), LATENT_EDIVERGED);
    const char *msg = latent_last_error();
    cr_expect(strstr(msg, "epoch 1, step 1") != NULL, "%s", msg);
    cr_expect(strstr(msg, "gradient of encoder.0.weight") != NULL, "%s", msg);
    latent_model_free(m);
    free(x);
}

/* A minibatch of one shard on two threads updates by rows (each thread the weight rows its
 * GEMMs computed): a NaN still names the gradient, and no weight has moved. */
Test(divergence, nan_in_a_lone_shard_on_two_threads)
{
    const int64_t n = 32;
    float *x = synthetic(n, 50, 3);
    x[5 * 50 + 9] = NAN;
    latent_model *m = make(LATENT_MODEL_AE, 0);
    const int64_t nw = m->group[0].n;
    float *before = malloc(sizeof(float) * (size_t)nw);
    memcpy(before, m->group[0].w, sizeof(float) * (size_t)nw);
    latent_train_options o;
    latent_train_options_default(LATENT_MODEL_AE, &o);
    o.epochs = 1, o.batch = 32, o.fixed_threads = 1;
    omp_set_num_threads(2);
    cr_assert_eq(latent_model_train(m, x, n, 50, &o), LATENT_EDIVERGED);
    const char *msg = latent_last_error();
    cr_expect(strstr(msg, "epoch 1, step 1") != NULL, "%s", msg);
    cr_expect(strstr(msg, "gradient of encoder.0.weight") != NULL, "%s", msg);
    cr_expect(memcmp(before, m->group[0].w, sizeof(float) * (size_t)nw) == 0,
              "a step with a NaN gradient changed the weights");
    free(before);
    latent_model_free(m);
    free(x);
}

Test(divergence, huge_learning_rate)
{
    const int64_t n = 400;
    float *x = synthetic(n, 50, 3);
    latent_model *m = make(LATENT_MODEL_AE, 0);
    latent_train_options o;
    latent_train_options_default(LATENT_MODEL_AE, &o);
    o.epochs = 50, o.batch = 100;
    o.optim.kind = LATENT_OPT_SGD, o.optim.lr = 1e30f;
    cr_assert_eq(latent_model_train(m, x, n, 50, &o), LATENT_EDIVERGED);
    cr_expect(strstr(latent_last_error(), "epoch ") != NULL, "%s", latent_last_error());
    latent_model_free(m);
    free(x);
}

Test(training, width_mismatch_is_an_error)
{
    float x[10] = {0};
    latent_model *m = make(LATENT_MODEL_AE, 0);
    latent_train_options o;
    latent_train_options_default(LATENT_MODEL_AE, &o);
    cr_expect_eq(latent_model_train(m, x, 1, 10, &o), LATENT_EINVAL);
    cr_expect(strstr(latent_last_error(), "10 features") != NULL, "%s", latent_last_error());
    latent_model_free(m);
}

/* The update checks only what the gradient's proof of finiteness (src/nn/grad_proof.h) left
 * unproven. Models on rows of 256 at batch 16, where every dense layer but D's last (one output)
 * proves its gradients: after a step every other tensor is proven, on one thread and on two
 * (where the update goes by weight rows). The contractive penalty's direct term leaves the code
 * layer's weight unproven; the convolutions and batch norms of a DCGAN record nothing. */
static latent_model *wide(int k)
{
    latent_model *m = NULL;
    latent_status st;
    if (k <= 2) {
        latent_ae_config c;
        latent_ae_config_default(&c);
        c.n_sizes = 3, c.sizes[0] = 256, c.sizes[1] = 128, c.sizes[2] = 64;
        if (k == 1) c.sparse_beta = 0.1f, c.noise = LATENT_NOISE_MASK, c.noise_level = 0.2f;
        if (k == 2) c.contractive = 0.1f, c.loss = LATENT_LOSS_BCE;
        st = latent_ae_create(&c, 11, &m);
    } else if (k == 3) {
        latent_vae_config c;
        latent_vae_config_default(&c);
        c.sizes[0] = 256, c.sizes[1] = 128, c.latent = 32;
        st = latent_vae_create(&c, 11, &m);
    } else {
        latent_gan_config c;
        latent_gan_config_default(&c);
        c.z = 64, c.d = 256, c.gen[0] = 128, c.gen[1] = 128, c.disc[0] = 128, c.disc[1] = 128;
        st = latent_gan_create(&c, 11, &m);
    }
    cr_assert_eq(st, LATENT_OK, "%s", latent_last_error());
    return m;
}

/* Trains m one epoch of 64 rows at batch 16 on `threads` threads; counts the unproven tensors
 * of more than one float (names the last). */
static int unproven_after_training(latent_model *m, int64_t d, int threads, char name[LATENT_NAME_MAX])
{
    const int64_t n = 64;
    float *x = synthetic(n, d, 3);
    latent_train_options o;
    latent_train_options_default(m->family->kind, &o);
    o.epochs = 1, o.batch = 16, o.fixed_threads = 1;
    omp_set_num_threads(threads);
    cr_assert_eq(latent_model_train(m, x, n, d, &o), LATENT_OK, "%s", latent_last_error());
    int unproven = 0;
    for (int k = 0; k < m->n_groups; k++)
        for (int i = 0; i < m->group[k].n_tensors; i++)
            if (!m->group[k].tensor_proven[i] && m->group[k].tensor[i].numel > 1) {
                unproven++;
                snprintf(name, LATENT_NAME_MAX, "%s", m->group[k].tensor[i].name);
            }
    free(x);
    return unproven;
}

Test(proof, dense_models_are_proven)
{
    for (int k = 0; k < 5; k++) {
        if (k == 2) continue; /* contractive: below */
        for (int threads = 1; threads <= 2; threads++) {
            latent_model *m = wide(k);
            char name[LATENT_NAME_MAX] = "";
            /* D's last layer has one output: its weight stays checked */
            const int expect = k == 4 ? 1 : 0;
            const int got = unproven_after_training(m, 256, threads, name);
            cr_expect_eq(got, expect, "model %d on %d threads: %d unproven (%s)", k, threads, got, name);
            latent_model_free(m);
        }
    }
}

Test(proof, contractive_code_layer_and_convolutions_are_checked)
{
    char name[LATENT_NAME_MAX] = "";
    latent_model *m = wide(2);
    int got = unproven_after_training(m, 256, 1, name);
    cr_expect_eq(got, 1, "%d unproven", got);
    cr_expect(strstr(name, "encoder.") == name && strstr(name, ".weight") != NULL, "%s", name);
    latent_model_free(m);
    m = make(LATENT_MODEL_GAN, 1);
    got = unproven_after_training(m, 64, 1, name);
    cr_expect_geq(got, 4, "a DCGAN: %d unproven", got);
    latent_model_free(m);
}
