/* A model's checkpoint contents: its tensors under PyTorch state_dict names, its configuration
 * and training state as strings, and the inverse (a model built from those strings). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"

static int put(latent_named_tensor *out, int max, int k, const char *name, float *data,
               int64_t rows, int64_t cols)
{
    if (k < max) {
        latent_named_tensor *t = &out[k];
        snprintf(t->name, sizeof t->name, "%s", name);
        t->data = data;
        t->ndim = cols > 0 ? 2 : 1;
        t->shape[0] = rows, t->shape[1] = cols;
    }
    return k + 1;
}

static const char *group_name(const latent_model *m, int g)
{
    if (m->kind != LATENT_MODEL_GAN) return "params";
    return g == 0 ? "generator" : "discriminator";
}

int latent_model_tensors(latent_model *m, int with_state, latent_named_tensor *out, int max)
{
    int k = 0;
    for (int g = 0; g < m->n_groups; g++) {
        latent_params *p = &m->P[g];
        for (int i = 0; i < p->n_tensors; i++) {
            const latent_param_tensor *t = &p->tensor[i];
            float *data = p->w + t->offset;
            if (strncmp(t->name, "heads.", 6) == 0) {
                /* the VAE's merged heads: fc_mu is the first half of rows, fc_logvar the rest */
                const int64_t L = m->code, cols = t->cols, half = L * (cols > 0 ? cols : 1);
                const char *field = t->name + 6;
                char name[96];
                snprintf(name, sizeof name, "fc_mu.%s", field);
                k = put(out, max, k, name, data, L, cols);
                snprintf(name, sizeof name, "fc_logvar.%s", field);
                k = put(out, max, k, name, data + half, L, cols);
            } else {
                k = put(out, max, k, t->name, data, t->rows, t->cols);
            }
        }
    }
    if (with_state)
        for (int g = 0; g < m->n_groups; g++) {
            if (!m->P[g].m) continue;
            char name[96];
            snprintf(name, sizeof name, "latent_state.%s.m", group_name(m, g));
            k = put(out, max, k, name, m->P[g].m, m->P[g].n, 0);
            snprintf(name, sizeof name, "latent_state.%s.v", group_name(m, g));
            k = put(out, max, k, name, m->P[g].v, m->P[g].n, 0);
        }
    return k;
}

/* ---- configuration strings -------------------------------------------------------------- */

typedef struct kv {
    char (*keys)[32];
    char (*vals)[96];
    int n, max;
} kv;

static void add(kv *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(kv *c, const char *key, const char *fmt, ...)
{
    if (c->n >= c->max) return;
    snprintf(c->keys[c->n], 32, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->vals[c->n], 96, fmt, ap);
    va_end(ap);
    c->n++;
}

static void add_list(kv *c, const char *key, int n, const int64_t *v)
{
    char buf[96] = "";
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, i ? ",%" PRId64 : "%" PRId64, v[i]);
    add(c, key, "%s", buf);
}

static const char *opt_name(latent_optimizer k)
{
    return k == LATENT_OPT_SGD ? "sgd" : k == LATENT_OPT_ADAMW ? "adamw" : "adam";
}

int latent_model_config(const latent_model *m, char keys[][32], char vals[][96], int max)
{
    kv c = {keys, vals, 0, max};
    static const char *kinds[] = {"ae", "vae", "gan", "classifier"};
    add(&c, "kind", "%s", kinds[m->kind]);
    if (m->kind == LATENT_MODEL_AE) {
        const latent_ae_config *a = &m->ae;
        add_list(&c, "layers", a->n_sizes, a->sizes);
        add(&c, "act", "%s", latent_act_name(a->act));
        add(&c, "code_act", "%s", latent_act_name(a->code_act));
        add(&c, "slope", "%.9g", (double)a->slope);
        add(&c, "out_act", "%s", latent_act_name(a->out_act));
        add(&c, "loss", "%s", a->loss == LATENT_LOSS_BCE ? "bce" : "mse");
        add(&c, "sparse", "%.9g,%.9g", (double)a->sparse_beta, (double)a->sparse_rho);
        add(&c, "contractive", "%.9g", (double)a->contractive);
        if (a->noise == LATENT_NOISE_NONE) add(&c, "denoise", "none");
        else add(&c, "denoise", "%s:%.9g", a->noise == LATENT_NOISE_MASK ? "mask" : "gauss",
                 (double)a->noise_level);
    } else if (m->kind == LATENT_MODEL_CLASSIFIER) {
        add_list(&c, "layers", m->ae.n_sizes, m->ae.sizes);
    } else if (m->kind == LATENT_MODEL_VAE) {
        const latent_vae_config *v = &m->vae;
        add_list(&c, "layers", v->n_sizes, v->sizes);
        add(&c, "latent", "%" PRId64, v->latent);
        add(&c, "act", "%s", latent_act_name(v->act));
        add(&c, "slope", "%.9g", (double)v->slope);
        add(&c, "beta", "%.9g", (double)v->beta);
        add(&c, "decoder", "%s", v->gaussian ? "gaussian" : "bernoulli");
        add(&c, "sigma", "%.9g", (double)v->sigma);
    } else {
        const latent_gan_config *g = &m->gan;
        add(&c, "z", "%" PRId64, g->z);
        add(&c, "d", "%" PRId64, g->d);
        add_list(&c, "gen", g->n_gen, g->gen);
        add_list(&c, "disc", g->n_disc, g->disc);
        add(&c, "g_act", "%s", latent_act_name(g->g_act));
        add(&c, "g_slope", "%.9g", (double)g->g_slope);
        add(&c, "d_slope", "%.9g", (double)g->d_slope);
        add(&c, "d_steps", "%d", g->d_steps);
    }
    add(&c, "init_seed", "%" PRIu64, m->init_seed);
    add(&c, "train_seed", "%" PRIu64, m->train_seed);
    add(&c, "epoch", "%" PRId64, m->state.epoch);
    add(&c, "batch_in_epoch", "%" PRId64, m->state.batch_in_epoch);
    add(&c, "step", "%" PRId64, m->state.step);
    add(&c, "opt_steps", "%" PRId64, m->P[0].t);
    if (m->n_groups > 1) add(&c, "opt_steps_1", "%" PRId64, m->P[1].t);
    add(&c, "optimizer", "%s", opt_name(m->opt.kind));
    add(&c, "lr", "%.9g", (double)m->opt.lr);
    add(&c, "betas", "%.9g,%.9g", (double)m->opt.beta1, (double)m->opt.beta2);
    add(&c, "eps", "%.9g", (double)m->opt.eps);
    add(&c, "weight_decay", "%.9g", (double)m->opt.weight_decay);
    add(&c, "momentum", "%.9g", (double)m->opt.momentum);
    return c.n;
}

/* ---- the inverse ------------------------------------------------------------------------ */

typedef struct cfg_in {
    int n;
    const char *const *keys, *const *vals;
} cfg_in;

static const char *get(const cfg_in *c, const char *key)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->keys[i], key) == 0) return c->vals[i];
    return NULL;
}

static latent_status bad(const char *key, const char *val)
{
    return latent_fail(LATENT_EFORMAT, "checkpoint: metadata: %s: bad value \"%s\"", key, val);
}

static latent_status get_i64(const cfg_in *c, const char *key, int64_t *out)
{
    const char *v = get(c, key);
    if (!v) return LATENT_OK;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end) return bad(key, v);
    *out = x;
    return LATENT_OK;
}

static latent_status get_u64(const cfg_in *c, const char *key, uint64_t *out)
{
    const char *v = get(c, key);
    if (!v) return LATENT_OK;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end) return bad(key, v);
    *out = x;
    return LATENT_OK;
}

static latent_status get_f(const cfg_in *c, const char *key, float *out)
{
    const char *v = get(c, key);
    if (!v) return LATENT_OK;
    char *end;
    float x = strtof(v, &end);
    if (end == v || *end) return bad(key, v);
    *out = x;
    return LATENT_OK;
}

static latent_status get_f2(const cfg_in *c, const char *key, float *a, float *b)
{
    const char *v = get(c, key);
    if (!v) return LATENT_OK;
    char *end;
    *a = strtof(v, &end);
    if (end == v || *end != ',') return bad(key, v);
    const char *s = end + 1;
    *b = strtof(s, &end);
    if (end == s || *end) return bad(key, v);
    return LATENT_OK;
}

static latent_status get_list(const cfg_in *c, const char *key, int *n, int64_t *out, int max)
{
    const char *v = get(c, key);
    if (!v) return LATENT_OK;
    int k = 0;
    const char *s = v;
    if (!*s) { *n = 0; return LATENT_OK; }
    for (;;) {
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || end == s || k >= max) return bad(key, v);
        out[k++] = x;
        if (*end == 0) break;
        if (*end != ',') return bad(key, v);
        s = end + 1;
    }
    *n = k;
    return LATENT_OK;
}

static latent_status get_act(const cfg_in *c, const char *key, latent_act *out)
{
    const char *v = get(c, key);
    if (!v) return LATENT_OK;
    return latent_act_parse(v, out) ? bad(key, v) : LATENT_OK;
}

latent_status latent_model_from_config(int n, const char *const *keys, const char *const *vals,
                                       latent_model **out)
{
    cfg_in c = {n, keys, vals};
    const char *kind = get(&c, "kind");
    latent_status st = LATENT_OK;
    uint64_t init_seed = 0, train_seed = 0;
    if ((st = get_u64(&c, "init_seed", &init_seed)) || (st = get_u64(&c, "train_seed", &train_seed)))
        return st;
    latent_model *m = NULL;
    if (!kind) return latent_fail(LATENT_EFORMAT, "checkpoint: metadata: no \"kind\"");
    if (strcmp(kind, "ae") == 0) {
        latent_ae_config a;
        latent_ae_config_default(&a);
        const char *loss = get(&c, "loss"), *dn = get(&c, "denoise");
        if ((st = get_list(&c, "layers", &a.n_sizes, a.sizes, LATENT_MAX_SIZES)) ||
            (st = get_act(&c, "act", &a.act)) || (st = get_act(&c, "out_act", &a.out_act)) ||
            /* files older than code_act lack it: the code then follows act */
            (st = get_act(&c, "code_act", &a.code_act)) ||
            (st = get_f(&c, "slope", &a.slope)) ||
            (st = get_f2(&c, "sparse", &a.sparse_beta, &a.sparse_rho)) ||
            (st = get_f(&c, "contractive", &a.contractive)))
            return st;
        if (loss && strcmp(loss, "mse") && strcmp(loss, "bce")) return bad("loss", loss);
        if (loss) a.loss = strcmp(loss, "bce") == 0 ? LATENT_LOSS_BCE : LATENT_LOSS_MSE;
        if (dn && strcmp(dn, "none")) {
            char *end;
            if (strncmp(dn, "mask:", 5) == 0) a.noise = LATENT_NOISE_MASK;
            else if (strncmp(dn, "gauss:", 6) == 0) a.noise = LATENT_NOISE_GAUSS;
            else return bad("denoise", dn);
            const char *num = strchr(dn, ':') + 1;
            a.noise_level = strtof(num, &end);
            if (end == num || *end) return bad("denoise", dn);
        }
        st = latent_ae_create(&a, init_seed, &m);
    } else if (strcmp(kind, "vae") == 0) {
        latent_vae_config v;
        latent_vae_config_default(&v);
        const char *dec = get(&c, "decoder");
        if ((st = get_list(&c, "layers", &v.n_sizes, v.sizes, LATENT_MAX_SIZES)) ||
            (st = get_i64(&c, "latent", &v.latent)) || (st = get_act(&c, "act", &v.act)) ||
            (st = get_f(&c, "slope", &v.slope)) || (st = get_f(&c, "beta", &v.beta)) ||
            (st = get_f(&c, "sigma", &v.sigma)))
            return st;
        if (dec && strcmp(dec, "bernoulli") && strcmp(dec, "gaussian")) return bad("decoder", dec);
        v.gaussian = dec && strcmp(dec, "gaussian") == 0;
        st = latent_vae_create(&v, init_seed, &m);
    } else if (strcmp(kind, "gan") == 0) {
        latent_gan_config g;
        latent_gan_config_default(&g);
        int64_t ds = g.d_steps;
        if ((st = get_i64(&c, "z", &g.z)) || (st = get_i64(&c, "d", &g.d)) ||
            (st = get_list(&c, "gen", &g.n_gen, g.gen, LATENT_MAX_SIZES - 1)) ||
            (st = get_list(&c, "disc", &g.n_disc, g.disc, LATENT_MAX_SIZES - 1)) ||
            (st = get_act(&c, "g_act", &g.g_act)) || (st = get_f(&c, "g_slope", &g.g_slope)) ||
            (st = get_f(&c, "d_slope", &g.d_slope)) || (st = get_i64(&c, "d_steps", &ds)))
            return st;
        if (ds < 1 || ds > 1000000) return bad("d_steps", get(&c, "d_steps"));
        g.d_steps = (int)ds;
        st = latent_gan_create(&g, init_seed, &m);
    } else if (strcmp(kind, "classifier") == 0) {
        int64_t s[LATENT_MAX_SIZES];
        int ns = 0;
        if ((st = get_list(&c, "layers", &ns, s, LATENT_MAX_SIZES))) return st;
        if (ns < 3) return bad("layers", get(&c, "layers") ? get(&c, "layers") : "");
        st = latent_classifier_create(s[0], ns - 2, s + 1, s[ns - 1], init_seed, &m);
    } else {
        return bad("kind", kind);
    }
    if (st) return st;
    latent_train_options o;
    latent_train_options_default(m->kind, &o);
    m->opt = o.optim;
    const char *opt = get(&c, "optimizer");
    if (opt) {
        if (strcmp(opt, "adam") == 0) m->opt.kind = LATENT_OPT_ADAM;
        else if (strcmp(opt, "adamw") == 0) m->opt.kind = LATENT_OPT_ADAMW;
        else if (strcmp(opt, "sgd") == 0) m->opt.kind = LATENT_OPT_SGD;
        else st = bad("optimizer", opt);
    }
    int64_t t0 = 0, t1 = 0;
    if (!st && !(st = get_i64(&c, "epoch", &m->state.epoch)) &&
        !(st = get_i64(&c, "batch_in_epoch", &m->state.batch_in_epoch)) &&
        !(st = get_i64(&c, "step", &m->state.step)) && !(st = get_i64(&c, "opt_steps", &t0)) &&
        !(st = get_i64(&c, "opt_steps_1", &t1)) && !(st = get_f(&c, "lr", &m->opt.lr)) &&
        !(st = get_f2(&c, "betas", &m->opt.beta1, &m->opt.beta2)) &&
        !(st = get_f(&c, "eps", &m->opt.eps)) &&
        !(st = get_f(&c, "weight_decay", &m->opt.weight_decay)))
        st = get_f(&c, "momentum", &m->opt.momentum);
    if (!st && (m->state.epoch < 0 || m->state.step < 0 || m->state.batch_in_epoch < 0 || t0 < 0 || t1 < 0))
        st = latent_fail(LATENT_EFORMAT, "checkpoint: metadata: negative training state");
    m->train_seed = train_seed;
    m->P[0].t = t0;
    m->P[1].t = t1;
    /* moments exist (to be filled from the file) once the optimizer has stepped */
    for (int g = 0; g < m->n_groups && !st; g++)
        if (m->P[g].t > 0) st = latent_params_alloc_state(&m->P[g]);
    if (st) {
        latent_model_free(m);
        return st;
    }
    *out = m;
    return LATENT_OK;
}
