/* Optimizer steps (Adam, AdamW, SGD with momentum) through the kernel table, with optional
 * global gradient-norm clipping. */
#include <math.h>
#include "update.h"
#include "simd/portable_math.h"

/* Squared L2 norm of the gradient in double: each chunk's in index order, the chunks' in chunk
 * order (the same sums the training step takes in parallel). */
static double grad_sqnorm(const latent_params *p)
{
    double s = 0.0;
    for (int64_t c = 0; c < latent_params_chunks(p); c++) {
        const int64_t o = c * LATENT_UPDATE_CHUNK;
        const int64_t len = p->n - o < LATENT_UPDATE_CHUNK ? p->n - o : LATENT_UPDATE_CHUNK;
        double cs = 0.0;
        for (int64_t i = 0; i < len; i++) cs += (double)p->g[o + i] * p->g[o + i];
        s += cs;
    }
    return s;
}

static float clip_scale(const latent_optim_config *cfg, double sqnorm)
{
    if (!(cfg->clip_norm > 0.0)) return 1.0f;
    double norm = sqrt(sqnorm);
    return norm > cfg->clip_norm ? (float)(cfg->clip_norm / norm) : 1.0f;
}

/* Counts the step and fixes its factors, the clipping factor from the gradient's squared norm. */
static latent_optim_plan plan_step(latent_params *p, const latent_optim_config *cfg, double sqnorm)
{
    p->t++;
    latent_optim_plan pl = {
        .scale = clip_scale(cfg, sqnorm),
        .adam = {cfg->lr, cfg->beta1, cfg->beta2, cfg->eps, cfg->weight_decay,
                 (float)(1.0 - lk_pow_int(cfg->beta1, p->t)),
                 (float)(1.0 - lk_pow_int(cfg->beta2, p->t)), cfg->kind == LATENT_OPT_ADAMW},
        .sgd = {cfg->lr, cfg->momentum, cfg->weight_decay},
    };
    return pl;
}

latent_optim_plan latent_optim_begin(latent_params *p, const latent_optim_config *cfg)
{
    double sq = 0.0;
    if (cfg->clip_norm > 0.0)
        for (int64_t c = 0; c < latent_params_chunks(p); c++) sq += p->chunk_stat[c];
    return plan_step(p, cfg, sq);
}

float latent_optim_chunks(latent_params *p, const latent_optim_config *cfg,
                          const latent_optim_plan *plan, int64_t c0, int64_t c1)
{
    const int64_t lo = c0 * LATENT_UPDATE_CHUNK;
    const int64_t hi = c1 * LATENT_UPDATE_CHUNK < p->n ? c1 * LATENT_UPDATE_CHUNK : p->n;
    return latent_optim_range(p, cfg, plan, lo, hi);
}

float latent_optim_range(latent_params *p, const latent_optim_config *cfg,
                         const latent_optim_plan *plan, int64_t lo, int64_t hi)
{
    const lk_table *t = lk_active();
    if (hi <= lo) return 0.0f;
    if (plan->scale != 1.0f)
        for (int64_t i = lo; i < hi; i++) p->g[i] *= plan->scale;
    if (cfg->kind == LATENT_OPT_SGD) return t->sgd(hi - lo, p->w + lo, p->g + lo, p->m + lo, &plan->sgd);
    return t->adam(hi - lo, p->w + lo, p->g + lo, p->m + lo, p->v + lo, &plan->adam);
}

latent_status latent_optim_step(latent_params *p, const latent_optim_config *cfg)
{
    latent_status st = latent_params_alloc_state(p);
    if (st) return st;
    const latent_optim_plan plan = plan_step(p, cfg, cfg->clip_norm > 0.0 ? grad_sqnorm(p) : 0.0);
    latent_optim_chunks(p, cfg, &plan, 0, latent_params_chunks(p));
    return LATENT_OK;
}
