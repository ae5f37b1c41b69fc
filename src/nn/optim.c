/* Optimizer steps (Adam, AdamW, SGD with momentum) through the kernel table, with optional
 * global gradient-norm clipping. */
#include <math.h>
#include "latent/nn.h"
#include "simd/kernels.h"

/* Elementwise updates split into fixed chunks: any thread may run any chunk, same bytes. */
#define OPT_CHUNK 16384

/* Squared L2 norm of the gradient, in double, in index order (runs only when clipping). */
static double grad_sqnorm(const latent_params *p)
{
    double s = 0.0;
    for (int64_t i = 0; i < p->n; i++) s += (double)p->g[i] * p->g[i];
    return s;
}

latent_status latent_optim_step(latent_params *p, const latent_optim_config *cfg)
{
    const lk_table *t = lk_active();
    latent_status st = latent_params_alloc_state(p);
    if (st) return st;
    if (cfg->clip_norm > 0.0) {
        double norm = sqrt(grad_sqnorm(p));
        if (norm > cfg->clip_norm) {
            float scale = (float)(cfg->clip_norm / norm);
            for (int64_t i = 0; i < p->n; i++) p->g[i] *= scale;
        }
    }
    p->t++;
    lk_adam_params ap = {cfg->lr, cfg->beta1, cfg->beta2, cfg->eps, cfg->weight_decay,
                         (float)(1.0 - pow(cfg->beta1, (double)p->t)),
                         (float)(1.0 - pow(cfg->beta2, (double)p->t)),
                         cfg->kind == LATENT_OPT_ADAMW};
    lk_sgd_params sp = {cfg->lr, cfg->momentum, cfg->weight_decay};
    const int64_t n = p->n, nchunks = (n + OPT_CHUNK - 1) / OPT_CHUNK;
#pragma omp parallel for schedule(static) if (n >= LATENT_PARALLEL_MIN)
    for (int64_t c = 0; c < nchunks; c++) {
        int64_t o = c * OPT_CHUNK, len = n - o < OPT_CHUNK ? n - o : OPT_CHUNK;
        if (cfg->kind == LATENT_OPT_SGD)
            t->sgd(len, p->w + o, p->g + o, p->m + o, &sp);
        else
            t->adam(len, p->w + o, p->g + o, p->m + o, p->v + o, &ap);
    }
    return LATENT_OK;
}
