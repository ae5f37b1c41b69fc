/* Convolutional ends of autoencoders: strided convolutions down, transposed ones back up, with
 * PyTorch's padding for outputs of input / stride (and input x stride). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "config_map.h"
#include "conv_net.h"
#include "src/nn/layer_conv.h"
#include "src/nn/layer_simple.h"

void latent_conv_config_default(latent_conv_config *c)
{
    memset(c, 0, sizeof *c);
    c->n = 2, c->channels[0] = 32, c->channels[1] = 64;
    c->kernel = 3;
    c->height = 28, c->width = 28, c->image_channels = 1;
}

latent_status latent_conv_check(const latent_conv_config *c, int64_t d, const char *who)
{
    if (c->n == 0) return LATENT_OK;
    if (c->n < 0 || c->n > LATENT_MAX_SIZES)
        return latent_fail(LATENT_EINVAL, "%s: conv-channels: 1 to %d convolutions", who, LATENT_MAX_SIZES);
    for (int i = 0; i < c->n; i++)
        if (c->channels[i] <= 0 || c->channels[i] > 65536)
            return latent_fail(LATENT_EINVAL, "%s: conv-channels: %lld", who, (long long)c->channels[i]);
    if (c->kernel < 1 || c->kernel > 15 || c->kernel % 2 == 0)
        return latent_fail(LATENT_EINVAL, "%s: kernel: an odd size from 1 to 15, got %d", who, c->kernel);
    if (c->height <= 0 || c->width <= 0 || c->image_channels <= 0 ||
        c->height * c->width * c->image_channels != d)
        return latent_fail(LATENT_EINVAL, "%s: images of %lldx%lldx%lld do not make rows of %lld "
                           "features", who, (long long)c->height, (long long)c->width,
                           (long long)c->image_channels, (long long)d);
    const int64_t up = (int64_t)1 << c->n;
    if (c->height % up || c->width % up)
        return latent_fail(LATENT_EINVAL, "%s: %d stride-2 convolutions need sides divisible by "
                           "%lld, the images are %lldx%lld", who, c->n, (long long)up,
                           (long long)c->height, (long long)c->width);
    return LATENT_OK;
}

int64_t latent_conv_flat(const latent_conv_config *c)
{
    return (c->height >> c->n) * (c->width >> c->n) * c->channels[c->n - 1];
}

static latent_status add(latent_model *m, int k, const char *prefix, int *idx, latent_layer *l,
                         int modules)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%d", prefix, *idx);
    *idx += modules;
    return latent_stack_add(&m->stack[k], &m->group[m->stack_group[k]], l, name);
}

latent_status latent_conv_encoder(latent_model *m, int k, const latent_conv_config *c,
                                  latent_act act, float slope, int *idx)
{
    const int p = (c->kernel - 1) / 2;
    const int acts = act == LATENT_ACT_IDENTITY ? 1 : 2;
    latent_status st = LATENT_OK;
    latent_layer l;
    for (int i = 0; i < c->n && !st; i++) {
        latent_conv_setup(&l, 0, c->channels[i], c->kernel, c->kernel, 2, 2, p, p, p, p, 1, act, slope);
        st = add(m, k, "encoder", idx, &l, acts);
    }
    if (st) return st;
    latent_reshape_setup(&l, latent_shape_1d(latent_conv_flat(c)), 1);
    return add(m, k, "encoder", idx, &l, 1);
}

latent_status latent_conv_decoder(latent_model *m, int k, const latent_conv_config *c,
                                  latent_act act, float slope, latent_act out_act, int *idx)
{
    const int p = (c->kernel - 1) / 2;
    latent_layer l;
    const int64_t h = c->height >> c->n, w = c->width >> c->n;
    latent_reshape_setup(&l, (latent_shape){3, {h, w, c->channels[c->n - 1]}}, 1);
    latent_status st = add(m, k, "decoder", idx, &l, 1);
    for (int i = c->n - 1; i >= 0 && !st; i--) {
        latent_conv_setup(&l, 1, c->channels[i], c->kernel, c->kernel, 2, 2, p, p, p - 1, p - 1, 1,
                          act, slope);
        st = add(m, k, "decoder", idx, &l, act == LATENT_ACT_IDENTITY ? 1 : 2);
    }
    if (st) return st;
    latent_conv_setup(&l, 1, c->image_channels, c->kernel, c->kernel, 1, 1, p, p, p, p, 1, out_act, 0.0f);
    return add(m, k, "decoder", idx, &l, out_act == LATENT_ACT_IDENTITY ? 1 : 2);
}

void latent_conv_config_out(const latent_conv_config *c, latent_kv_out *kv)
{
    if (c->n == 0) return;
    latent_kv_put(kv, "conv", "1");
    latent_kv_put_list(kv, "conv_channels", c->n, c->channels);
    latent_kv_put(kv, "kernel", "%d", c->kernel);
    latent_kv_put(kv, "height", "%" PRId64, c->height);
    latent_kv_put(kv, "width", "%" PRId64, c->width);
    latent_kv_put(kv, "channels", "%" PRId64, c->image_channels);
}

latent_status latent_conv_config_in(const latent_kv_in *kv, latent_conv_config *c)
{
    memset(c, 0, sizeof *c);
    const char *conv = latent_kv_get(kv, "conv");
    if (!conv || strcmp(conv, "0") == 0) return LATENT_OK;
    if (strcmp(conv, "1")) return latent_kv_bad("conv", conv);
    int64_t kernel = 0;
    latent_status st;
    if ((st = latent_kv_list(kv, "conv_channels", &c->n, c->channels, LATENT_MAX_SIZES)) ||
        (st = latent_kv_i64(kv, "kernel", &kernel)) || (st = latent_kv_i64(kv, "height", &c->height)) ||
        (st = latent_kv_i64(kv, "width", &c->width)) ||
        (st = latent_kv_i64(kv, "channels", &c->image_channels)))
        return st;
    if (kernel < 1 || kernel > 15) return latent_kv_bad("kernel", latent_kv_get(kv, "kernel"));
    c->kernel = (int)kernel;
    return LATENT_OK;
}
