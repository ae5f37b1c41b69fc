/* The training benchmark behind `latent bench train`: one family, widths, batch and thread count
 * trained on real rows, timed by epoch, with the GEMM work each thread did. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "latent/bench.h"
#include "latent/memory.h"
#include "latent/topology.h"
#include "simd/kernels.h"
#include "simd/team.h"

double latent_bench_fma_peak(int threads, double seconds)
{
    const lk_table *t = lk_active();
    double sum = 0.0;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
    {
        LK_REGION_ENTERED();
        sum += t->fma_peak(seconds);
    }
    return sum;
}

/* The model of a point, and its multiply-adds per row (G's and D's for a gan). */
static latent_status build(const latent_bench_train_point *p, latent_model **m, double *macs)
{
    const int k = p->n_widths - 1;
    const int64_t *w = p->widths;
    double s = 0.0;
    if (p->family == LATENT_MODEL_AE) {
        latent_ae_config c;
        latent_ae_config_default(&c);
        c.n_sizes = p->n_widths;
        memcpy(c.sizes, w, sizeof(int64_t) * (size_t)p->n_widths);
        for (int i = 0; i < k; i++) s += 2.0 * (double)w[i] * (double)w[i + 1];
        *macs = s;
        return latent_ae_create(&c, 1, m);
    }
    if (p->family == LATENT_MODEL_VAE) {
        latent_vae_config c;
        latent_vae_config_default(&c);
        c.n_sizes = k;
        memcpy(c.sizes, w, sizeof(int64_t) * (size_t)k);
        c.latent = w[k];
        for (int i = 0; i + 1 < k; i++) s += 2.0 * (double)w[i] * (double)w[i + 1];
        s += 3.0 * (double)w[k - 1] * (double)w[k]; /* heads 2L wide, the decoder's first L */
        *macs = s;
        return latent_vae_create(&c, 1, m);
    }
    if (p->family == LATENT_MODEL_GAN) {
        latent_gan_config c;
        latent_gan_config_default(&c);
        c.d = w[0], c.z = w[k];
        c.n_disc = c.n_gen = k - 1;
        for (int i = 0; i < k - 1; i++) c.disc[i] = w[i + 1], c.gen[i] = w[k - 1 - i];
        /* G: z = w[k] up the widths to w[0]; D: w[0] down to w[k - 1], then one logit */
        for (int i = 0; i < k; i++) s += (double)w[i] * (double)w[i + 1];
        for (int i = 0; i + 1 < k; i++) s += (double)w[i] * (double)w[i + 1];
        s += (double)w[k - 1];
        *macs = s;
        return latent_gan_create(&c, 1, m);
    }
    return latent_fail(LATENT_EINVAL, "bench train: family %d is not ae, vae or gan", (int)p->family);
}

/* One epoch's seconds and its steps' mean thread count. */
typedef struct epoch_time {
    double seconds, threads;
} epoch_time;

typedef struct epoch_times {
    epoch_time e[65];
    int n;
} epoch_times;

static int on_epoch(void *user, const latent_epoch_report *r)
{
    epoch_times *t = user;
    if (t->n < 65) t->e[t->n++] = (epoch_time){r->seconds, r->threads};
    return 0;
}

static int cmp_seconds(const void *a, const void *b)
{
    double x = ((const epoch_time *)a)->seconds, y = ((const epoch_time *)b)->seconds;
    return (x > y) - (x < y);
}

latent_status latent_bench_train(const latent_bench_train_point *p,
                                 const latent_bench_train_options *opt,
                                 latent_bench_train_result *out)
{
    memset(out, 0, sizeof *out);
    if (p->n_widths < 2 || p->n_widths > 8)
        return latent_fail(LATENT_EINVAL, "bench train: widths: 2 to 8 sizes, got %d", p->n_widths);
    if (p->widths[0] != opt->d)
        return latent_fail(LATENT_EINVAL, "bench train: widths start at %lld but the data has %lld "
                           "features", (long long)p->widths[0], (long long)opt->d);
    if (p->batch < 1 || p->threads < 1 || p->threads > 1024)
        return latent_fail(LATENT_EINVAL, "bench train: batch %lld and threads %d must be positive",
                           (long long)p->batch, p->threads);
    if (opt->repetitions < 0 || opt->repetitions > 64)
        return latent_fail(LATENT_EINVAL, "bench train: repetitions: %d is not in 0..64",
                           opt->repetitions);
    latent_model *m = NULL;
    double macs = 0.0;
    latent_status st = build(p, &m, &macs);
    if (st) return st;
    int64_t *work = latent_calloc((size_t)p->threads, sizeof(int64_t), "per-thread work");
    if (!work) {
        latent_model_free(m);
        return LATENT_ENOMEM;
    }
    const int saved = latent_threads();
    if ((st = latent_set_threads(p->threads))) {
        latent_free(work);
        latent_model_free(m);
        return st;
    }
    const int reps = opt->repetitions ? opt->repetitions : 1;
    /* work_only: two minibatches are the whole run (the schedule repeats every step) */
    const int64_t rows = opt->work_only ? (2 * p->batch < opt->n ? 2 * p->batch : opt->n) : opt->n;
    epoch_times times = {.n = 0};
    latent_train_options o;
    latent_train_options_default(p->family, &o);
    o.batch = p->batch, o.seed = 1, o.on_epoch = on_epoch, o.user = &times;
    o.fixed_threads = opt->fixed_threads || opt->work_only;
    o.epochs = opt->work_only ? 1 : 1 + reps;
    /* the untimed first epoch allocates and touches every buffer; its work is not counted */
    if (!opt->work_only) {
        o.epochs = 1;
        st = latent_model_train(m, opt->x, rows, opt->d, &o);
        o.epochs = 1 + reps;
    }
    o.thread_work = work;
    if (!st) st = latent_model_train(m, opt->x, rows, opt->d, &o);
    latent_set_threads(saved);
    if (!st) {
        int64_t total = 0, most = 0;
        for (int i = 0; i < p->threads; i++) {
            total += work[i];
            if (work[i] > most) most = work[i];
        }
        const int timed = opt->work_only ? 1 : reps;
        out->threads = p->threads;
        out->fmas_total = total / timed;
        out->busiest_over_mean = total > 0 ? (double)most * p->threads / (double)total : 0.0;
        out->model_gflop = macs * 2.0 * 3.0 * (double)rows / 1e9;
        if (!opt->work_only) {
            /* times.e[0] is the untimed epoch */
            qsort(times.e + 1, (size_t)(times.n - 1), sizeof *times.e, cmp_seconds);
            const epoch_time *median = &times.e[1 + (times.n - 1) / 2];
            out->seconds = median->seconds;
            out->threads_used = median->threads;
            out->gflops = out->model_gflop / out->seconds;
            out->gemm_gflops = 2.0 * (double)out->fmas_total / out->seconds / 1e9;
        }
    }
    latent_free(work);
    latent_model_free(m);
    return st;
}
