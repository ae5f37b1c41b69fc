/* The DCGAN: a generator of transposed convolutions with batch norm and a discriminator of strided
 * convolutions with dropout, as PyTorch nn.Sequential modules name them; it trains and samples
 * as every GAN does (gan.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_map.h"
#include "gan.h"
#include "src/nn/layer_batchnorm.h"
#include "src/nn/layer_conv.h"
#include "src/nn/layer_simple.h"

extern const latent_family latent_dcgan_family;

void latent_dcgan_config_default(latent_dcgan_config *c)
{
    memset(c, 0, sizeof *c);
    c->z = 100, c->height = 28, c->width = 28, c->channels = 1;
    c->n_gen = 3, c->gen[0] = 256, c->gen[1] = 128, c->gen[2] = 64;
    c->n_disc = 2, c->disc[0] = 64, c->disc[1] = 128;
    c->kernel = 5;
    c->slope = 0.3f, c->dropout = 0.3f;
    c->bn_eps = 1e-5f, c->bn_momentum = 0.1f;
    c->d_steps = 1;
}

/* Adds l to stack k as module `index` of its nn.Sequential `prefix`. */
static latent_status add(latent_model *m, int k, const char *prefix, int index, latent_layer *l)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%d", prefix, index);
    return latent_stack_add(&m->stack[k], &m->group[m->stack_group[k]], l, name);
}

/* The generator's transposed convolutions: the first of several at stride 1, the rest at 2. */
static int64_t upsampling(const latent_dcgan_config *c)
{
    return (int64_t)1 << (c->n_gen > 1 ? c->n_gen - 1 : 1);
}

static latent_status check(const latent_dcgan_config *c)
{
    if (c->z <= 0 || c->z > (1 << 20) || c->height <= 0 || c->width <= 0 || c->channels <= 0 ||
        c->height > 4096 || c->width > 4096 || c->channels > 4096)
        return latent_fail(LATENT_EINVAL, "dcgan: z %lld, image %lldx%lldx%lld: each must be "
                           "positive", (long long)c->z, (long long)c->height, (long long)c->width,
                           (long long)c->channels);
    if (c->n_gen < 1 || c->n_gen > LATENT_MAX_SIZES || c->n_disc < 1 || c->n_disc > LATENT_MAX_SIZES)
        return latent_fail(LATENT_EINVAL, "dcgan: gen-channels and disc-channels: 1 to %d each",
                           LATENT_MAX_SIZES);
    for (int i = 0; i < c->n_gen; i++)
        if (c->gen[i] <= 0 || c->gen[i] > 65536)
            return latent_fail(LATENT_EINVAL, "dcgan: gen-channels: %lld", (long long)c->gen[i]);
    for (int i = 0; i < c->n_disc; i++)
        if (c->disc[i] <= 0 || c->disc[i] > 65536)
            return latent_fail(LATENT_EINVAL, "dcgan: disc-channels: %lld", (long long)c->disc[i]);
    if (c->kernel < 1 || c->kernel > 15 || c->kernel % 2 == 0)
        return latent_fail(LATENT_EINVAL, "dcgan: kernel: an odd size from 1 to 15, got %d", c->kernel);
    const int64_t up = upsampling(c);
    if (c->height % up || c->width % up)
        return latent_fail(LATENT_EINVAL, "dcgan: %d generator layers upsample by %lld, which "
                           "does not divide the %lldx%lld images", c->n_gen, (long long)up,
                           (long long)c->height, (long long)c->width);
    if (!(c->slope > 0) || !(c->dropout >= 0 && c->dropout < 1) || !(c->label_smoothing >= 0 &&
        c->label_smoothing < 1) || c->d_steps < 1)
        return latent_fail(LATENT_EINVAL, "dcgan: slope > 0, dropout and label smoothing in [0, 1) "
                           "and d-steps >= 1, got %g, %g, %g and %d", (double)c->slope,
                           (double)c->dropout, (double)c->label_smoothing, c->d_steps);
    return LATENT_OK;
}

static latent_status build_generator(latent_model *m, const latent_dcgan_config *c)
{
    const int G = LATENT_GAN_G, k = c->kernel, p = (k - 1) / 2;
    const int64_t up = upsampling(c), bh = c->height / up, bw = c->width / up;
    latent_status st;
    latent_layer l;
    int idx = 0;
    latent_dense_setup(&l, bh * bw * c->gen[0], LATENT_ACT_IDENTITY, 0.0f);
    latent_dense_no_bias(&l);
    latent_dense_glorot(&l);
    if ((st = add(m, G, "generator", idx++, &l))) return st;
    latent_batchnorm_setup(&l, c->bn_eps, c->bn_momentum);
    if ((st = add(m, G, "generator", idx++, &l))) return st;
    latent_act_setup(&l, LATENT_ACT_LEAKY_RELU, c->slope);
    if ((st = add(m, G, "generator", idx++, &l))) return st;
    latent_reshape_setup(&l, (latent_shape){3, {bh, bw, c->gen[0]}}, 1);
    if ((st = add(m, G, "generator", idx++, &l))) return st;
    for (int i = 1; i <= c->n_gen; i++) {
        const int last = i == c->n_gen, s = i == 1 && !last ? 1 : 2;
        latent_conv_setup(&l, 1, last ? c->channels : c->gen[i], k, k, s, s, p, p, p - (s - 1),
                          p - (s - 1), 0, last ? LATENT_ACT_TANH : LATENT_ACT_IDENTITY, 0.0f);
        latent_conv_glorot(&l);
        if ((st = add(m, G, "generator", idx++, &l))) return st;
        if (last) break;
        latent_batchnorm_setup(&l, c->bn_eps, c->bn_momentum);
        if ((st = add(m, G, "generator", idx++, &l))) return st;
        latent_act_setup(&l, LATENT_ACT_LEAKY_RELU, c->slope);
        if ((st = add(m, G, "generator", idx++, &l))) return st;
    }
    return LATENT_OK;
}

static latent_status build_discriminator(latent_model *m, const latent_dcgan_config *c)
{
    const int D = LATENT_GAN_D, k = c->kernel, p = (k - 1) / 2;
    latent_status st;
    latent_layer l;
    int idx = 0;
    for (int i = 0; i < c->n_disc; i++) {
        latent_conv_setup(&l, 0, c->disc[i], k, k, 2, 2, p, p, p, p, 1, LATENT_ACT_LEAKY_RELU, c->slope);
        latent_conv_glorot(&l); /* the tutorial's (Keras's) draw: He's is 8x wider on the first */
        if ((st = add(m, D, "discriminator", idx, &l))) return st;
        idx += 2; /* Conv2d, LeakyReLU */
        latent_dropout_setup(&l, c->dropout);
        if ((st = add(m, D, "discriminator", idx++, &l))) return st;
    }
    latent_reshape_setup(&l, latent_shape_1d(m->stack[D].layer[m->stack[D].n_layers - 1].out_size), 1);
    if ((st = add(m, D, "discriminator", idx++, &l))) return st;
    latent_dense_setup(&l, 1, LATENT_ACT_IDENTITY, 0.0f);
    latent_dense_glorot(&l);
    return add(m, D, "discriminator", idx, &l);
}

latent_status latent_dcgan_create(const latent_dcgan_config *c, uint64_t seed, latent_model **out)
{
    latent_status st = check(c);
    if (st) return st;
    latent_model *m;
    if ((st = latent_model_new(&latent_dcgan_family, c, sizeof *c, &m))) return st;
    m->n_groups = 2, m->n_stacks = 2;
    m->stack_group[0] = 0, m->stack_group[1] = 1;
    m->d = c->height * c->width * c->channels, m->code = c->z;
    latent_stack_begin(&m->stack[LATENT_GAN_G], latent_shape_1d(c->z), &m->buffers);
    latent_stack_begin(&m->stack[LATENT_GAN_D], (latent_shape){3, {c->height, c->width, c->channels}},
                       &m->buffers);
    if (!(st = latent_gan_train_setup(m, c->d_steps, 1, 1.0f - c->label_smoothing)) &&
        !(st = build_generator(m, c)) && !(st = build_discriminator(m, c)))
        st = latent_model_finish(m, seed);
    if (st) {
        latent_model_free(m);
        return st;
    }
    *out = m;
    return LATENT_OK;
}

/* ---- the configuration map ---- */

static void config_out(const latent_model *m, latent_kv_out *kv)
{
    const latent_dcgan_config *c = m->cfg;
    latent_kv_put(kv, "z", "%" PRId64, c->z);
    latent_kv_put(kv, "height", "%" PRId64, c->height);
    latent_kv_put(kv, "width", "%" PRId64, c->width);
    latent_kv_put(kv, "channels", "%" PRId64, c->channels);
    latent_kv_put_list(kv, "gen_channels", c->n_gen, c->gen);
    latent_kv_put_list(kv, "disc_channels", c->n_disc, c->disc);
    latent_kv_put(kv, "kernel", "%d", c->kernel);
    latent_kv_put(kv, "slope", "%.9g", (double)c->slope);
    latent_kv_put(kv, "dropout", "%.9g", (double)c->dropout);
    latent_kv_put(kv, "bn_eps", "%.9g", (double)c->bn_eps);
    latent_kv_put(kv, "bn_momentum", "%.9g", (double)c->bn_momentum);
    latent_kv_put(kv, "label_smoothing", "%.9g", (double)c->label_smoothing);
    latent_kv_put(kv, "d_steps", "%d", c->d_steps);
}

static latent_status config_in(const latent_kv_in *kv, uint64_t init_seed, latent_model **out)
{
    latent_dcgan_config c;
    latent_dcgan_config_default(&c);
    int64_t kernel = c.kernel, ds = c.d_steps;
    latent_status st;
    if ((st = latent_kv_i64(kv, "z", &c.z)) || (st = latent_kv_i64(kv, "height", &c.height)) ||
        (st = latent_kv_i64(kv, "width", &c.width)) || (st = latent_kv_i64(kv, "channels", &c.channels)) ||
        (st = latent_kv_list(kv, "gen_channels", &c.n_gen, c.gen, LATENT_MAX_SIZES)) ||
        (st = latent_kv_list(kv, "disc_channels", &c.n_disc, c.disc, LATENT_MAX_SIZES)) ||
        (st = latent_kv_i64(kv, "kernel", &kernel)) || (st = latent_kv_f(kv, "slope", &c.slope)) ||
        (st = latent_kv_f(kv, "dropout", &c.dropout)) || (st = latent_kv_f(kv, "bn_eps", &c.bn_eps)) ||
        (st = latent_kv_f(kv, "bn_momentum", &c.bn_momentum)) ||
        (st = latent_kv_f(kv, "label_smoothing", &c.label_smoothing)) ||
        (st = latent_kv_i64(kv, "d_steps", &ds)))
        return st;
    if (kernel < 1 || kernel > 15) return latent_kv_bad("kernel", latent_kv_get(kv, "kernel"));
    if (ds < 1 || ds > 1000000) return latent_kv_bad("d_steps", latent_kv_get(kv, "d_steps"));
    c.kernel = (int)kernel, c.d_steps = (int)ds;
    return latent_dcgan_create(&c, init_seed, out);
}

const latent_family latent_dcgan_family = {
    .name = "dcgan",
    .kind = LATENT_MODEL_GAN,
    .group_name = {"generator", "discriminator"},
    .rows_factor = {1, 2},
    .plan = latent_gan_plan,
    .sample = latent_gan_sample_chunk,
    .config_out = config_out,
    .config_in = config_in,
};
