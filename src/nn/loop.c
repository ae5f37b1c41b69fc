/* The one minibatch loop every model trains with: epochs, shuffling, minibatches cut into
 * fixed shards run in parallel, the update, and the divergence checks. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include "latent/memory.h"
#include "latent/nn.h"
#include "latent/rng.h"

int latent_shards_for(int64_t batch)
{
    return (int)((batch + LATENT_SHARD_ROWS - 1) / LATENT_SHARD_ROWS);
}

void latent_loop_shards(const latent_batch *b, latent_shard_fn fn, void *model)
{
    const int ns = b->n_shards;
    /* each shard owns its workspace and gradient buffer, so any thread may take any shard */
#pragma omp parallel for schedule(dynamic, 1) if (ns > 1)
    for (int s = 0; s < ns; s++) {
        int64_t row0 = (int64_t)s * LATENT_SHARD_ROWS;
        int64_t rows = b->rows - row0 < LATENT_SHARD_ROWS ? b->rows - row0 : LATENT_SHARD_ROWS;
        fn(model, b, s, row0, rows);
    }
}

void latent_batch_gather(const latent_batch *b, int64_t row0, int64_t rows, float *dst, float a,
                         float c)
{
    for (int64_t i = 0; i < rows; i++) {
        const float *src = b->x + b->idx[row0 + i] * b->d;
        float *o = dst + i * b->d;
        if (a == 1.0f && c == 0.0f) memcpy(o, src, (size_t)b->d * sizeof(float));
        else for (int64_t j = 0; j < b->d; j++) o[j] = a * src[j] + c;
    }
}

latent_status latent_loop_update(const latent_batch *b, latent_params *p,
                                 const latent_optim_config *cfg)
{
    char where[96];
    snprintf(where, sizeof where, "epoch %lld, step %lld", (long long)b->epoch + 1,
             (long long)b->step + 1);
    latent_params_reduce(p, b->n_shards);
    latent_status st = latent_params_check_finite(p, p->g, "gradient of", where);
    if (st) return st;
    if ((st = latent_optim_step(p, cfg))) return st;
    return latent_params_check_finite(p, p->w, "parameter", where);
}

static double now(void) { return omp_get_wtime(); }

latent_status latent_loop_run(const latent_loop_config *cfg, void *model, latent_batch_fn fn,
                              const float *x, int64_t n, int64_t d, latent_train_state *state)
{
    if (n <= 0 || d <= 0) return latent_fail(LATENT_EINVAL, "train: no data (%lld x %lld)",
                                             (long long)n, (long long)d);
    if (cfg->batch <= 0) return latent_fail(LATENT_EINVAL, "train: --batch must be > 0, got %lld",
                                            (long long)cfg->batch);
    int64_t *perm = latent_alloc((size_t)n, sizeof(int64_t), "shuffle permutation");
    if (!perm) return LATENT_ENOMEM;
    latent_status st = LATENT_OK;
    const int64_t nb = (n + cfg->batch - 1) / cfg->batch;
    while (state->epoch < cfg->epochs) {
        latent_rng r;
        latent_rng_init(&r, cfg->seed, LATENT_STREAM_SHUFFLE, (uint64_t)state->epoch, 0);
        latent_rng_permutation(&r, n, perm);
        double t0 = now(), sum[LATENT_LOSS_TERMS] = {0}, rows_done = 0;
        for (int64_t k = state->batch_in_epoch; k < nb; k++) {
            latent_batch b = {0};
            b.x = x, b.d = d;
            b.idx = perm + k * cfg->batch;
            b.rows = n - k * cfg->batch < cfg->batch ? n - k * cfg->batch : cfg->batch;
            b.n_shards = latent_shards_for(b.rows);
            b.epoch = state->epoch, b.step = state->step, b.seed = cfg->seed;
            if ((st = fn(model, &b))) goto done;
            for (int i = 0; i < LATENT_LOSS_TERMS; i++) {
                if (!isfinite(b.loss[i])) {
                    st = latent_fail(LATENT_EDIVERGED, "epoch %lld, step %lld: loss is not finite "
                                     "(%g)", (long long)state->epoch + 1,
                                     (long long)state->step + 1, b.loss[i]);
                    goto done;
                }
                sum[i] += b.loss[i] * (double)b.rows;
            }
            rows_done += (double)b.rows;
            if (cfg->on_step)
                cfg->on_step(cfg->user, state->epoch + 1, (int64_t)rows_done, sum[0] / rows_done);
            state->step++;
            state->batch_in_epoch = k + 1;
        }
        state->epoch++;
        state->batch_in_epoch = 0;
        latent_epoch_report rep = {state->epoch, state->step, now() - t0, {0}};
        for (int i = 0; i < LATENT_LOSS_TERMS; i++) rep.loss[i] = rows_done > 0 ? sum[i] / rows_done : 0.0;
        if (cfg->on_epoch && cfg->on_epoch(cfg->user, &rep)) break;
    }
done:
    latent_free(perm);
    return st;
}
