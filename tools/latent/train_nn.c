/* latent train ae|vae|gan: build or resume a model, train it with progress and checkpoints,
 * save it with its loss curves. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "checkpoint.h"
#include "data.h"
#include "jsonl.h"
#include "latent/comm.h"
#include "latent/io.h"
#include "latent/models.h"
#include "loss_history.h"
#include "options.h"
#include "progress.h"
#include "train.h"

typedef struct run_ctx {
    const char *cmd;
    train_args *a;
    latent_model *m;
    latent_model_kind kind;
    const latent_dataset *test;
    progress p;
    loss_history hist;
    ckpt_extra *extra;
    int failed;              /* a checkpoint could not be written */
    double last_train, last_test;
} run_ctx;

static int parse_act(const char *cmd, const char *option, const char *name, latent_act *out)
{
    if (latent_act_parse(name, out) != LATENT_OK)
        return cli_error(cmd, EXIT_USAGE, "--%s: %s", option, latent_last_error());
    return 0;
}

/* What the command knows of each neural family: how its options build a model, which options
 * size it, and what its epoch events report (train_loss and two named terms of the loop's). */
typedef struct nn_family {
    train_family id;
    latent_model_kind kind;
    latent_status (*build)(const char *cmd, train_args *a, int64_t d, latent_model **m, int *usage);
    const char *size_options;
    int train_term;
    const char *term_name[2];
    int term[2];
} nn_family;

static const nn_family *nn_family_of(train_family id);

static int save_model(run_ctx *c, const char *path)
{
    if (latent_comm_rank() != 0) return EXIT_OK; /* every rank holds the same model */
    loss_history_store(&c->hist, c->extra);
    return ckpt_save(c->cmd, path, c->m, 1, c->extra);
}

static int on_epoch(void *user, const latent_epoch_report *r)
{
    run_ctx *c = user;
    const nn_family *f = nn_family_of(c->a->family);
    const char *keys[2] = {f->term_name[0], f->term_name[1]};
    double vals[2] = {r->loss[f->term[0]], r->loss[f->term[1]]}, test = NAN;
    const double train = r->loss[f->train_term];
    const int nx = 2;
    if (c->test && c->kind != LATENT_MODEL_GAN && latent_comm_rank() == 0) {
        double tl[LATENT_LOSS_TERMS];
        if (latent_model_evaluate(c->m, c->test->x, c->test->n, c->test->d, (uint64_t)c->a->seed,
                                  tl) == LATENT_OK)
            test = tl[0];
    }
    c->last_train = train;
    c->last_test = test;
    progress_epoch(&c->p, r->epoch, r->seconds, r->threads, train, test, nx, keys, vals);
    loss_history_add(&c->hist, train, test);
    if (c->a->checkpoint_every && r->epoch % c->a->checkpoint_every == 0 &&
        r->epoch < c->a->epochs) {
        if (save_model(c, c->a->save)) {
            c->failed = 1;
            return 1;
        }
    }
    /* The next epoch's rate and ETA count from here, after evaluation and checkpoint. */
    progress_epoch_begin(&c->p, r->epoch + 1);
    return 0;
}

static void on_step(void *user, int64_t epoch, int64_t rows_done, double mean_loss)
{
    run_ctx *c = user;
    progress_step(&c->p, epoch, rows_done, mean_loss);
}

static int copy_list(const char *cmd, const char *option, const cli_ints *v, int64_t *dst, int *n);
static void image_shape(const train_args *a, int64_t d, int64_t *h, int64_t *w, int64_t *ch);

/* --conv: the convolutions of an ae or vae on the images of --data. */
static int conv_config(const char *cmd, train_args *a, int64_t d, latent_conv_config *c)
{
    latent_conv_config_default(c);
    if (!a->conv) {
        memset(c, 0, sizeof *c);
        return 0;
    }
    image_shape(a, d, &c->height, &c->width, &c->image_channels);
    c->kernel = (int)a->kernel;
    return copy_list(cmd, "conv-channels", &a->conv_channels, c->channels, &c->n);
}

static latent_status build_ae(const char *cmd, train_args *a, int64_t d, latent_model **m, int *usage)
{
    latent_ae_config c;
    latent_ae_config_default(&c);
    if (a->given_layers) {
        c.n_sizes = a->layers.n;
        for (int i = 0; i < a->layers.n; i++) c.sizes[i] = a->layers.v[i];
    }
    c.sizes[0] = d;
    if ((*usage = parse_act(cmd, "act", a->act, &c.act)) ||
        (*usage = parse_act(cmd, "out-act", a->out_act, &c.out_act)) ||
        (a->code_act && (*usage = parse_act(cmd, "code-act", a->code_act, &c.code_act))))
        return LATENT_EINVAL;
    c.loss = strcmp(a->loss, "bce") == 0 ? LATENT_LOSS_BCE : LATENT_LOSS_MSE;
    if (a->sparse) c.sparse_beta = (float)a->sparse_beta, c.sparse_rho = (float)a->sparse_rho;
    c.contractive = (float)a->contractive;
    if (a->denoise) {
        c.noise = a->denoise_gauss ? LATENT_NOISE_GAUSS : LATENT_NOISE_MASK;
        c.noise_level = (float)a->denoise_level;
    }
    if ((*usage = conv_config(cmd, a, d, &c.conv))) return LATENT_EINVAL;
    return latent_ae_create(&c, (uint64_t)a->seed, m);
}

static latent_status build_vae(const char *cmd, train_args *a, int64_t d, latent_model **m, int *usage)
{
    latent_vae_config c;
    latent_vae_config_default(&c);
    if (a->conv) c.sizes[1] = 16; /* the Keras VAE example's dense layer and latent size */
    if (a->given_layers) {
        c.n_sizes = a->layers.n;
        for (int i = 0; i < a->layers.n; i++) c.sizes[i] = a->layers.v[i];
    }
    c.sizes[0] = d;
    c.latent = a->conv && !a->given_latent ? 2 : a->latent;
    if ((*usage = conv_config(cmd, a, d, &c.conv))) return LATENT_EINVAL;
    c.beta = (float)a->beta;
    c.gaussian = strcmp(a->decoder, "gaussian") == 0;
    if ((*usage = parse_act(cmd, "act", a->act, &c.act))) return LATENT_EINVAL;
    return latent_vae_create(&c, (uint64_t)a->seed, m);
}

static latent_status build_gan(const char *cmd, train_args *a, int64_t d, latent_model **m, int *usage)
{
    latent_gan_config c;
    latent_gan_config_default(&c);
    c.d = d;
    c.z = a->z;
    c.d_steps = (int)a->d_steps;
    if (a->gen.n > LATENT_MAX_SIZES || a->disc.n > LATENT_MAX_SIZES) {
        *usage = cli_error(cmd, EXIT_USAGE, "--gen/--disc: at most %d layers", LATENT_MAX_SIZES);
        return LATENT_EINVAL;
    }
    if (a->gen.n) {
        c.n_gen = a->gen.n;
        for (int i = 0; i < a->gen.n; i++) c.gen[i] = a->gen.v[i];
    }
    if (a->disc.n) {
        c.n_disc = a->disc.n;
        for (int i = 0; i < a->disc.n; i++) c.disc[i] = a->disc.v[i];
    }
    return latent_gan_create(&c, (uint64_t)a->seed, m);
}

static int copy_list(const char *cmd, const char *option, const cli_ints *v, int64_t *dst, int *n)
{
    if (!v->n) return 0;
    if (v->n > LATENT_MAX_SIZES)
        return cli_error(cmd, EXIT_USAGE, "--%s: at most %d values", option, LATENT_MAX_SIZES);
    *n = v->n;
    for (int i = 0; i < v->n; i++) dst[i] = v->v[i];
    return 0;
}

/* The images of --data: their height and width when the data say (IDX, PNG folders), else
 * square single-channel images when d is a square, else one row of d pixels. */
static void image_shape(const train_args *a, int64_t d, int64_t *h, int64_t *w, int64_t *ch)
{
    if (a->image_height > 0 && a->image_width > 0 && d % (a->image_height * a->image_width) == 0) {
        *h = a->image_height, *w = a->image_width, *ch = d / (*h * *w);
        return;
    }
    int64_t s = 1;
    while ((s + 1) * (s + 1) <= d) s++;
    if (s * s == d) *h = *w = s, *ch = 1;
    else *h = 1, *w = d, *ch = 1;
}

static latent_status build_dcgan(const char *cmd, train_args *a, int64_t d, latent_model **m, int *usage)
{
    latent_dcgan_config c;
    latent_dcgan_config_default(&c);
    image_shape(a, d, &c.height, &c.width, &c.channels);
    c.z = a->z;
    c.d_steps = (int)a->d_steps;
    c.kernel = (int)a->kernel;
    c.slope = (float)a->slope, c.dropout = (float)a->dropout;
    c.label_smoothing = (float)a->label_smoothing;
    if ((*usage = copy_list(cmd, "gen-channels", &a->gen_channels, c.gen, &c.n_gen)) ||
        (*usage = copy_list(cmd, "disc-channels", &a->disc_channels, c.disc, &c.n_disc)))
        return LATENT_EINVAL;
    return latent_dcgan_create(&c, (uint64_t)a->seed, m);
}

static const nn_family nn_families[] = {
    {FAMILY_AE, LATENT_MODEL_AE, build_ae, "--layers", 0, {"reconstruction", "penalty"}, {1, 2}},
    {FAMILY_VAE, LATENT_MODEL_VAE, build_vae, "--layers/--latent", 0, {"reconstruction", "kl"}, {1, 2}},
    {FAMILY_GAN, LATENT_MODEL_GAN, build_gan, "--gen/--disc/--z", 1, {"d_loss", "g_loss"}, {0, 1}},
    {FAMILY_DCGAN, LATENT_MODEL_GAN, build_dcgan, "--gen-channels/--disc-channels/--z", 1,
     {"d_loss", "g_loss"}, {0, 1}},
};

static const nn_family *nn_family_of(train_family id)
{
    for (size_t i = 0; i < sizeof nn_families / sizeof *nn_families; i++)
        if (nn_families[i].id == id) return &nn_families[i];
    return NULL;
}

static int build_model(const char *cmd, train_args *a, int64_t d, latent_model **m)
{
    if (a->given_layers && a->layers.v[0] != d)
        return cli_error(cmd, EXIT_USAGE, "--layers: input size %lld does not match the data's "
                         "width %lld (%s)", (long long)a->layers.v[0], (long long)d, a->data);
    if (a->layers.n > LATENT_MAX_SIZES)
        return cli_error(cmd, EXIT_USAGE, "--layers: at most %d sizes", LATENT_MAX_SIZES);
    const nn_family *f = nn_family_of(a->family);
    int usage = 0;
    latent_status st = f->build(cmd, a, d, m, &usage);
    if (usage) return usage;
    /* A model too large for this machine: name the options that sized it. */
    if (st == LATENT_ENOMEM) return cli_error(cmd, EXIT_USAGE, "%s: %s", f->size_options, latent_last_error());
    if (st != LATENT_OK) return cli_error(cmd, EXIT_USAGE, "%s", latent_last_error());
    return EXIT_OK;
}

/* --resume with family options typed (the same command run again after a kill): each must
 * equal the checkpoint's configuration. The typed options build a model of their own so that
 * both sides are formatted by the library's configuration map, whose keys are the option
 * names with '_' for '-'. */
static int check_family_options(const char *cmd, train_args *a, latent_model *m)
{
    if (!a->n_family_options) return EXIT_OK;
    latent_model *typed = NULL;
    int64_t d = a->given_layers ? a->layers.v[0] : latent_model_input_dim(m);
    int rc = build_model(cmd, a, d, &typed);
    if (rc) return rc;
    char ck[LATENT_CONFIG_MAX][32], cv[LATENT_CONFIG_MAX][96];
    char tk[LATENT_CONFIG_MAX][32], tv[LATENT_CONFIG_MAX][96];
    int nc = latent_model_config(m, ck, cv, LATENT_CONFIG_MAX);
    int nt = latent_model_config(typed, tk, tv, LATENT_CONFIG_MAX);
    latent_model_free(typed);
    for (int o = 0; o < a->n_family_options; o++) {
        char key[32];
        snprintf(key, sizeof key, "%s", a->family_options[o]);
        for (char *p = key; *p; p++)
            if (*p == '-') *p = '_';
        const char *was = NULL, *now = NULL;
        for (int i = 0; i < nc; i++)
            if (strcmp(ck[i], key) == 0) was = cv[i];
        for (int i = 0; i < nt; i++)
            if (strcmp(tk[i], key) == 0) now = tv[i];
        if (!was || !now || strcmp(was, now) != 0)
            return cli_error(cmd, EXIT_USAGE, "--%s: %s differs from %s's %s (the model's "
                             "configuration comes from --resume)", a->family_options[o],
                             now ? now : "?", a->resume, was ? was : "?");
    }
    return EXIT_OK;
}

/* --resume: what was not typed comes from the checkpoint, so rerunning the same command after
 * a kill continues the same run. */
static int take_from_checkpoint(const char *cmd, train_args *a, const ckpt_extra *x)
{
    const char *v;
    if (!a->given_data && (v = ckpt_extra_get(x, "data"))) a->data = v;
    if (!a->given_test && (v = ckpt_extra_get(x, "test")) && *v) a->test = v;
    if (!a->given_limit && (v = ckpt_extra_get(x, "limit")) && cli_int(cmd, "cli.limit", v, 0, INT64_MAX, &a->limit)) return EXIT_FAIL;
    if (!a->given_epochs && (v = ckpt_extra_get(x, "epochs")) && cli_int(cmd, "cli.epochs", v, 1, INT64_MAX, &a->epochs)) return EXIT_FAIL;
    if (!a->given_batch && (v = ckpt_extra_get(x, "batch")) && cli_int(cmd, "cli.batch", v, 1, INT64_MAX, &a->batch)) return EXIT_FAIL;
    if (!a->given_lr && (v = ckpt_extra_get(x, "lr")) && cli_real(cmd, "cli.lr", v, 0, 10, &a->lr)) return EXIT_FAIL;
    if (!a->given_clip && (v = ckpt_extra_get(x, "clip")) && cli_real(cmd, "cli.clip", v, 0, 1e9, &a->clip)) return EXIT_FAIL;
    if (!a->given_optimizer && (v = ckpt_extra_get(x, "optimizer"))) a->optimizer = v;
    if (!a->given_beta1 && (v = ckpt_extra_get(x, "beta1")) && *v && cli_real(cmd, "cli.beta1", v, 0, 1, &a->beta1)) return EXIT_FAIL;
    return EXIT_OK;
}

static void record_settings(const train_args *a, ckpt_extra *x)
{
    char buf[64];
    ckpt_extra_set(x, "data", a->data);
    ckpt_extra_set(x, "test", a->test ? a->test : "");
    snprintf(buf, sizeof buf, "%lld", (long long)a->limit);
    ckpt_extra_set(x, "limit", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)a->epochs);
    ckpt_extra_set(x, "epochs", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)a->batch);
    ckpt_extra_set(x, "batch", buf);
    snprintf(buf, sizeof buf, "%.17g", a->lr);
    ckpt_extra_set(x, "lr", buf);
    snprintf(buf, sizeof buf, "%.17g", a->clip);
    ckpt_extra_set(x, "clip", buf);
    ckpt_extra_set(x, "optimizer", a->optimizer);
    if (isnan(a->beta1)) {
        ckpt_extra_set(x, "beta1", "");
    } else {
        snprintf(buf, sizeof buf, "%.17g", a->beta1);
        ckpt_extra_set(x, "beta1", buf);
    }
}

int train_nn(train_args *a, const cli_command *unused)
{
    (void)unused;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "train %s", a->family_name);
    latent_model_kind kind = nn_family_of(a->family)->kind;
    ckpt_extra extra = {0};
    latent_model *m = NULL;
    latent_dataset ds = {0}, test = {0};
    run_ctx c = {0};
    int rc = EXIT_FAIL;

    if (a->resume) {
        if (ckpt_load(cmd, a->resume, &m, &extra)) goto out;
        if (latent_model_kind_of(m) != kind) {
            rc = cli_error(cmd, EXIT_USAGE, "--resume: %s holds another kind of model", a->resume);
            goto out;
        }
        if ((rc = check_family_options(cmd, a, m)) != EXIT_OK) goto out;
        rc = EXIT_FAIL;
        if (take_from_checkpoint(cmd, a, &extra)) goto out;
        loss_history_load(&c.hist, &extra);
    }
    if (cli_data_load(cmd, a->data, a->labels, a->limit, &ds)) goto out;
    a->image_height = ds.height, a->image_width = ds.width;
    char test_spec[600];
    const char *ts = a->test;
    if (!ts && latent_dataset_test_spec(a->data, test_spec, sizeof test_spec)) ts = test_spec;
    if (ts && cli_data_load(cmd, ts, NULL, a->limit, &test)) goto out;
    if (test.n && test.d != ds.d) {
        rc = cli_error(cmd, EXIT_FAIL, "--test: %s has %lld features, --data %lld", ts,
                       (long long)test.d, (long long)ds.d);
        goto out;
    }
    if (m) {
        if (latent_model_input_dim(m) != ds.d) {
            rc = cli_error(cmd, EXIT_FAIL, "--resume: the model takes %lld features, %s has %lld",
                           (long long)latent_model_input_dim(m), a->data, (long long)ds.d);
            goto out;
        }
    } else if ((rc = build_model(cmd, a, ds.d, &m)) != EXIT_OK) {
        goto out;
    }
    rc = EXIT_FAIL;
    record_settings(a, &extra);
    ckpt_machine(&extra);
    if (ds.height > 0) {
        char hb[32], wb[32];
        snprintf(hb, sizeof hb, "%lld", (long long)ds.height);
        snprintf(wb, sizeof wb, "%lld", (long long)ds.width);
        ckpt_extra_set(&extra, "image_height", hb);
        ckpt_extra_set(&extra, "image_width", wb);
    }

    latent_train_options o;
    latent_train_options_default(kind, &o);
    o.epochs = a->epochs;
    o.batch = a->batch;
    o.seed = (uint64_t)a->seed;
    o.fixed_threads = a->fixed_threads;
    if (a->resume) {
        latent_train_state s;
        uint64_t seed;
        latent_model_get_state(m, &s, &seed);
        o.seed = seed;
    }
    o.optim.kind = strcmp(a->optimizer, "sgd") == 0     ? LATENT_OPT_SGD
                   : strcmp(a->optimizer, "adamw") == 0 ? LATENT_OPT_ADAMW
                                                         : LATENT_OPT_ADAM;
    o.optim.lr = (float)a->lr;
    if (!isnan(a->beta1)) o.optim.beta1 = (float)a->beta1;
    o.optim.clip_norm = a->clip;
    if (o.optim.kind == LATENT_OPT_ADAMW && o.optim.weight_decay == 0) o.optim.weight_decay = 0.01f;

    latent_train_state s0;
    uint64_t seed0;
    latent_model_get_state(m, &s0, &seed0);
    c.cmd = cmd;
    c.a = a;
    c.m = m;
    c.kind = kind;
    c.test = test.n ? &test : NULL;
    c.extra = &extra;
    c.last_train = c.last_test = NAN;
    progress_init(&c.p, a->json, a->quiet, s0.epoch + 1, a->epochs - s0.epoch, ds.n);
    o.on_epoch = on_epoch;
    o.on_step = on_step;
    o.user = &c;
    double t0 = progress_now();
    latent_status st = latent_model_train(m, ds.x, ds.n, ds.d, &o);
    double seconds = progress_now() - t0;
    progress_clear(&c.p);
    if (c.failed) goto out;
    if (st != LATENT_OK) {
        /* The last checkpoint stays as it was: nothing is written after a divergence. */
        rc = cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
        goto out;
    }
    if (a->save) {
        if (save_model(&c, a->save)) goto out;
        if (!a->no_plot && latent_comm_rank() == 0 &&
            loss_history_plot(cmd, &c.hist, a->save, a->family_name))
            goto out;
    }
    if (a->json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_int(&j, "epochs", a->epochs);
        jsonl_num(&j, "train_loss", c.last_train);
        if (!isnan(c.last_test)) jsonl_num(&j, "test_loss", c.last_test);
        if (a->save) jsonl_str(&j, "model", a->save);
        jsonl_num(&j, "seconds", seconds);
        jsonl_end(&j);
    } else if (!a->quiet) {
        printf("done: %lld epochs in %.2fs, train_loss %.6g", (long long)a->epochs, seconds,
               c.last_train);
        if (!isnan(c.last_test)) printf(", test_loss %.6g", c.last_test);
        if (a->save) printf(", saved %s", a->save);
        printf("\n");
    }
    rc = EXIT_OK;
out:
    latent_model_free(m);
    latent_dataset_free(&ds);
    latent_dataset_free(&test);
    loss_history_free(&c.hist);
    ckpt_extra_free(&extra);
    return rc;
}
