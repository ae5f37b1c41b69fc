/* A model's configuration and training state as string pairs, and a model built back from them:
 * the family writes and reads its own keys, this file the ones every model has. */
#include <inttypes.h>
#include <string.h>
#include "config_map.h"
#include "model.h"

static const char *opt_name(latent_optimizer k)
{
    return k == LATENT_OPT_SGD ? "sgd" : k == LATENT_OPT_ADAMW ? "adamw" : "adam";
}

int latent_model_config(const latent_model *m, char keys[][32], char vals[][96], int max)
{
    latent_kv_out c = {keys, vals, 0, max};
    latent_kv_put(&c, "kind", "%s", m->family->name);
    m->family->config_out(m, &c);
    latent_kv_put(&c, "init_seed", "%" PRIu64, m->init_seed);
    latent_kv_put(&c, "train_seed", "%" PRIu64, m->train_seed);
    latent_kv_put(&c, "epoch", "%" PRId64, m->state.epoch);
    latent_kv_put(&c, "batch_in_epoch", "%" PRId64, m->state.batch_in_epoch);
    latent_kv_put(&c, "step", "%" PRId64, m->state.step);
    latent_kv_put(&c, "opt_steps", "%" PRId64, m->group[0].t);
    if (m->n_groups > 1) latent_kv_put(&c, "opt_steps_1", "%" PRId64, m->group[1].t);
    latent_kv_put(&c, "optimizer", "%s", opt_name(m->opt.kind));
    latent_kv_put(&c, "lr", "%.9g", (double)m->opt.lr);
    latent_kv_put(&c, "betas", "%.9g,%.9g", (double)m->opt.beta1, (double)m->opt.beta2);
    latent_kv_put(&c, "eps", "%.9g", (double)m->opt.eps);
    latent_kv_put(&c, "weight_decay", "%.9g", (double)m->opt.weight_decay);
    latent_kv_put(&c, "momentum", "%.9g", (double)m->opt.momentum);
    return c.n;
}

/* The optimizer and training state every model's map holds. */
static latent_status common_in(const latent_kv_in *c, latent_model *m)
{
    latent_status st = LATENT_OK;
    const char *opt = latent_kv_get(c, "optimizer");
    if (opt) {
        if (strcmp(opt, "adam") == 0) m->opt.kind = LATENT_OPT_ADAM;
        else if (strcmp(opt, "adamw") == 0) m->opt.kind = LATENT_OPT_ADAMW;
        else if (strcmp(opt, "sgd") == 0) m->opt.kind = LATENT_OPT_SGD;
        else return latent_kv_bad("optimizer", opt);
    }
    int64_t t[LATENT_MAX_GROUPS] = {0};
    if ((st = latent_kv_i64(c, "epoch", &m->state.epoch)) ||
        (st = latent_kv_i64(c, "batch_in_epoch", &m->state.batch_in_epoch)) ||
        (st = latent_kv_i64(c, "step", &m->state.step)) ||
        (st = latent_kv_i64(c, "opt_steps", &t[0])) || (st = latent_kv_i64(c, "opt_steps_1", &t[1])) ||
        (st = latent_kv_f(c, "lr", &m->opt.lr)) ||
        (st = latent_kv_f2(c, "betas", &m->opt.beta1, &m->opt.beta2)) ||
        (st = latent_kv_f(c, "eps", &m->opt.eps)) ||
        (st = latent_kv_f(c, "weight_decay", &m->opt.weight_decay)) ||
        (st = latent_kv_f(c, "momentum", &m->opt.momentum)) ||
        (st = latent_kv_u64(c, "train_seed", &m->train_seed)))
        return st;
    if (m->state.epoch < 0 || m->state.step < 0 || m->state.batch_in_epoch < 0 || t[0] < 0 || t[1] < 0)
        return latent_fail(LATENT_EFORMAT, "checkpoint: metadata: negative training state");
    /* moments exist (to be filled from the file) once the optimizer has stepped */
    for (int g = 0; g < m->n_groups; g++) {
        m->group[g].t = t[g];
        if (t[g] > 0 && (st = latent_params_alloc_state(&m->group[g]))) return st;
    }
    return LATENT_OK;
}

latent_status latent_model_from_config(int n, const char *const *keys, const char *const *vals,
                                       latent_model **out)
{
    latent_kv_in c = {n, keys, vals};
    const char *kind = latent_kv_get(&c, "kind");
    if (!kind) return latent_fail(LATENT_EFORMAT, "checkpoint: metadata: no \"kind\"");
    const latent_family *f = latent_family_named(kind);
    if (!f) return latent_kv_bad("kind", kind);
    uint64_t init_seed = 0;
    latent_status st = latent_kv_u64(&c, "init_seed", &init_seed);
    latent_model *m = NULL;
    if (!st) st = f->config_in(&c, init_seed, &m);
    if (st) return st;
    if ((st = common_in(&c, m))) {
        latent_model_free(m);
        return st;
    }
    *out = m;
    return LATENT_OK;
}
