/* Checkpoint files: save and load give the same model, and PyTorch's equivalent modules load
 * the file (strict state_dict names) and reconstruct within 1e-5. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "latent/io.h"
#include "src/models/model.h"
#include "synthetic.h"

#define N 300
#define D 40

enum { SPARSE_AE, VAE, LINEAR_CODE_AE };

static latent_model *trained(int which)
{
    latent_model *m;
    if (which == VAE) {
        latent_vae_config c;
        latent_vae_config_default(&c);
        c.n_sizes = 3, c.sizes[0] = D, c.sizes[1] = 24, c.sizes[2] = 12, c.latent = 5;
        c.act = LATENT_ACT_LEAKY_RELU, c.slope = 0.1f;
        cr_assert_eq(latent_vae_create(&c, 2, &m), LATENT_OK);
    } else {
        latent_ae_config c;
        latent_ae_config_default(&c);
        c.n_sizes = 4, c.sizes[0] = D, c.sizes[1] = 24, c.sizes[2] = 12, c.sizes[3] = 6;
        if (which == SPARSE_AE)
            c.act = LATENT_ACT_TANH, c.loss = LATENT_LOSS_BCE, c.sparse_beta = 0.1f;
        else   /* DEC's shape: ReLU hidden layers, a linear code and output */
            c.code_act = LATENT_ACT_IDENTITY, c.out_act = LATENT_ACT_IDENTITY;
        cr_assert_eq(latent_ae_create(&c, 2, &m), LATENT_OK, "%s", latent_last_error());
    }
    float *x = synthetic(N, D, 8);
    latent_train_options o;
    latent_train_options_default(m->family->kind, &o);
    o.epochs = 1, o.batch = 100;
    cr_assert_eq(latent_model_train(m, x, N, D, &o), LATENT_OK, "%s", latent_last_error());
    free(x);
    return m;
}

static void round_trip(int which)
{
    char path[] = "/tmp/latent_ckpt_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    latent_model *m = trained(which), *l;
    cr_assert_eq(latent_model_save(m, path, 1), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_model_load(path, &l), LATENT_OK, "%s", latent_last_error());
    for (int g = 0; g < m->n_groups; g++) {
        cr_expect(memcmp(m->group[g].w, l->group[g].w, sizeof(float) * (size_t)m->group[g].n) == 0);
        cr_expect(memcmp(m->group[g].m, l->group[g].m, sizeof(float) * (size_t)m->group[g].n) == 0);
        cr_expect_eq(m->group[g].t, l->group[g].t);
    }
    cr_expect_eq(l->state.epoch, 1);
    cr_expect_eq(l->state.step, 3);

    /* PyTorch loads it */
    if (system("/usr/bin/python3 -c 'import torch' 2>/dev/null") != 0) {
        unlink(path);
        cr_skip_test("python3-torch is not installed");
    }
    float *x = synthetic(50, D, 9), *r = malloc(sizeof(float) * 50 * D);
    cr_assert_eq(latent_model_reconstruct(m, x, 50, D, r), LATENT_OK);
    char xp[64], rp[64], cmd[512];
    snprintf(xp, sizeof xp, "%s.x.npy", path);
    snprintf(rp, sizeof rp, "%s.r.npy", path);
    int64_t shape[2] = {50, D};
    cr_assert_eq(latent_npy_write(xp, LATENT_F32, 2, shape, x), LATENT_OK);
    cr_assert_eq(latent_npy_write(rp, LATENT_F32, 2, shape, r), LATENT_OK);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/models/pytorch_check.py %s %s %s",
             LATENT_SOURCE_ROOT, path, xp, rp);
    cr_expect_eq(system(cmd), 0, "PyTorch disagrees: %s", cmd);
    unlink(path), unlink(xp), unlink(rp);
    free(x), free(r);
    latent_model_free(m), latent_model_free(l);
}

Test(model_file, ae_round_trip_and_pytorch) { round_trip(SPARSE_AE); }
Test(model_file, vae_round_trip_and_pytorch) { round_trip(VAE); }
/* PyTorch's encoder ends in a bare Linear: a linear code layer has no module after it */
Test(model_file, ae_linear_code_round_trip_and_pytorch) { round_trip(LINEAR_CODE_AE); }

/* Saves m, drops the metadata key (value NULL) or replaces its value, and loads it back. */
static latent_status reload_edited(latent_model *m, const char *key, const char *value,
                                   latent_model **out)
{
    char path[] = "/tmp/latent_ckpt_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(latent_model_save(m, path, 0), LATENT_OK);
    latent_safetensors f;
    memset(&f, 0, sizeof f);
    cr_assert_eq(latent_safetensors_read(path, &f), LATENT_OK);
    latent_meta meta[64];
    int n = 0;
    for (int i = 0; i < f.n_meta; i++) {
        if (strcmp(f.meta[i].key, key) == 0 && !value) continue;
        meta[n] = f.meta[i];
        if (strcmp(meta[n].key, key) == 0) meta[n].value = value;
        n++;
    }
    cr_assert_eq(n, value ? f.n_meta : f.n_meta - 1, "no metadata key %s", key);
    cr_assert_eq(latent_safetensors_write(path, f.tensors, f.n_tensors, meta, n), LATENT_OK);
    latent_safetensors_free(&f);
    latent_status st = latent_model_load(path, out);
    unlink(path);
    return st;
}

static latent_act code_layer_act(const latent_model *m)
{
    const latent_ae_config *c = m->cfg; /* the code layer is the encoder's last */
    return latent_dense_of(&m->stack[0].layer[c->n_sizes - 2])->act;
}

Test(model_file, code_act_is_saved_and_old_files_follow_act)
{
    latent_model *lin = trained(LINEAR_CODE_AE), *sp = trained(SPARSE_AE), *l = NULL;
    cr_expect_eq(code_layer_act(lin), LATENT_ACT_IDENTITY);
    cr_expect_eq(code_layer_act(sp), LATENT_ACT_SIGMOID);   /* sparse: sigmoid, not tanh */
    cr_assert_eq(reload_edited(lin, "code_act", "identity", &l), LATENT_OK, "%s",
                 latent_last_error());
    cr_expect_eq(code_layer_act(l), LATENT_ACT_IDENTITY);
    cr_expect(memcmp(lin->group[0].w, l->group[0].w, sizeof(float) * (size_t)lin->group[0].n) == 0);
    latent_model_free(l);
    /* a file written before code_act existed: the code follows act (ReLU here; the names
     * encoder.0/2/4 do not tell) ... */
    cr_assert_eq(reload_edited(lin, "code_act", NULL, &l), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(code_layer_act(l), LATENT_ACT_RELU);
    latent_model_free(l);
    /* ... except in a sparse one, which keeps its sigmoid code */
    cr_assert_eq(reload_edited(sp, "code_act", NULL, &l), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(code_layer_act(l), LATENT_ACT_SIGMOID);
    cr_expect(memcmp(sp->group[0].w, l->group[0].w, sizeof(float) * (size_t)sp->group[0].n) == 0);
    latent_model_free(l);
    cr_expect_eq(reload_edited(sp, "code_act", "gelu", &l), LATENT_EFORMAT);
    cr_expect(strstr(latent_last_error(), "code_act") != NULL, "%s", latent_last_error());
    latent_model_free(lin), latent_model_free(sp);
}

Test(model_file, sparse_and_contractive_need_a_sigmoid_code)
{
    latent_ae_config c;
    latent_ae_config_default(&c);
    latent_model *m = NULL;
    c.contractive = 0.1f, c.code_act = LATENT_ACT_IDENTITY;
    cr_expect_eq(latent_ae_create(&c, 1, &m), LATENT_EINVAL);
    cr_expect(strstr(latent_last_error(), "code-act") != NULL, "%s", latent_last_error());
    c.contractive = 0, c.sparse_beta = 1, c.code_act = LATENT_ACT_RELU;
    cr_expect_eq(latent_ae_create(&c, 1, &m), LATENT_EINVAL);
    c.code_act = LATENT_ACT_SIGMOID;
    cr_assert_eq(latent_ae_create(&c, 1, &m), LATENT_OK);
    cr_expect_eq(code_layer_act(m), LATENT_ACT_SIGMOID);
    latent_model_free(m);
}

Test(model_file, wrong_shape_refused)
{
    char path[] = "/tmp/latent_ckpt_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    latent_model *m = trained(0), *l = NULL;
    cr_assert_eq(latent_model_save(m, path, 0), LATENT_OK);
    latent_safetensors f;
    memset(&f, 0, sizeof f);
    cr_assert_eq(latent_safetensors_read(path, &f), LATENT_OK);
    /* rewrite with a config claiming a wider code layer */
    latent_meta meta[64];
    for (int i = 0; i < f.n_meta; i++) {
        meta[i] = f.meta[i];
        if (strcmp(meta[i].key, "layers") == 0) meta[i].value = "40,24,12,7";
    }
    cr_assert_eq(latent_safetensors_write(path, f.tensors, f.n_tensors, meta, f.n_meta), LATENT_OK);
    latent_safetensors_free(&f);
    cr_expect_eq(latent_model_load(path, &l), LATENT_EFORMAT);
    cr_expect(strstr(latent_last_error(), "encoder.4.weight") != NULL, "%s", latent_last_error());
    unlink(path);
    latent_model_free(m);
}
