/* Mini-batch k-means (Sculley 2010) with scikit-learn's MiniBatchKMeans rules: the best of n_init
 * initialisations on a sample, random batches drawn with replacement, each center moved to the
 * weighted mean of everything it has seen (rate 1/count), stopped when the smoothed batch
 * inertia stops improving. */
#include <math.h>
#include <omp.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/memory.h"
#include "latent/rng.h"
#include "simd/gemm.h"

/* Stream positions (b) of the draws, apart from the k-means++ steps of the init runs. */
#define MB_SAMPLE_DRAW 0x40000000u
#define MB_STEP_DRAW   0x40000001u

/* Copies the rows idx[0..m) of D into a data set of its own (rows, weights, norms). */
static latent_status gather(const km_data *D, const int64_t *idx, int64_t m, int64_t k,
                            km_data *S, float *xs, float *ws, float *ns)
{
    const int64_t d = D->d;
    for (int64_t j = 0; j < m; j++) {
        memcpy(xs + j * d, D->x + idx[j] * d, (size_t)d * sizeof(float));
        if (D->w) ws[j] = D->w[idx[j]];
        ns[j] = D->xnorm[idx[j]];
    }
    memset(S, 0, sizeof *S);
    S->t = D->t;
    S->x = xs;
    S->w = D->w ? ws : NULL;
    S->n = m;
    S->d = d;
    S->xnorm = ns;
    S->tol = D->tol;
    km_data_local(S, k);
    return LATENT_OK;
}

static void draw_rows(latent_rng *r, int64_t n, int64_t m, int64_t *idx)
{
    for (int64_t j = 0; j < m; j++) idx[j] = (int64_t)latent_rng_below(r, (uint64_t)n);
}

latent_status km_run_minibatch(const km_data *D, const latent_kmeans_options *o, int n_init,
                               float *centers, int32_t *labels, int *n_iter, double *init_seconds)
{
    const int64_t n = D->n, d = D->d, k = o->k;
    int64_t bs = o->batch_size < n ? o->batch_size : n;
    int64_t m = 3 * bs < 3 * k ? 3 * k : 3 * bs;
    if (m > n) m = n;
    int64_t rows = m > bs ? m : bs;
    latent_status st = LATENT_OK;
    int64_t *idx = latent_alloc((size_t)rows, sizeof(int64_t), "minibatch: row indices");
    float *xs = latent_alloc((size_t)rows, (size_t)d * sizeof(float), "minibatch: rows");
    float *ws = latent_alloc((size_t)rows, sizeof(float), "minibatch: weights");
    float *ns = latent_alloc((size_t)rows, sizeof(float), "minibatch: row norms");
    float *md = latent_alloc((size_t)rows, sizeof(float), "minibatch: distances");
    int32_t *lb = latent_alloc((size_t)rows, sizeof(int32_t), "minibatch: labels");
    float *cand = latent_alloc((size_t)k, (size_t)d * sizeof(float), "minibatch: init centers");
    float *cnorm = latent_alloc((size_t)k, sizeof(float), "minibatch: center norms");
    double *sums = latent_alloc((size_t)k, (size_t)d * sizeof(double), "minibatch: sums");
    double *wsum = latent_alloc((size_t)k, sizeof(double), "minibatch: batch weights");
    double *seen = latent_calloc((size_t)k, sizeof(double), "minibatch: center counts");
    if (!idx || !xs || !ws || !ns || !md || !lb || !cand || !cnorm || !sums || !wsum || !seen) {
        st = LATENT_ENOMEM;
        goto out;
    }

    /* Initialisation: each run on its own sample, all judged on one validation sample. */
    double t0 = omp_get_wtime();
    double best = INFINITY;
    km_data S;
    for (int run = 0; run < n_init; run++) {
        latent_rng r;
        latent_rng_init(&r, o->seed, LATENT_STREAM_KMEANS, (uint64_t)run, MB_SAMPLE_DRAW);
        draw_rows(&r, n, m, idx);
        gather(D, idx, m, k, &S, xs, ws, ns);
        if (o->init == LATENT_KMEANS_INIT_ARRAY)
            for (int64_t e = 0; e < k * d; e++) cand[e] = o->init_centers[e] - D->shift[e % d];
        else if (o->init == LATENT_KMEANS_INIT_RANDOM)
            st = km_init_random(&S, k, o->seed, run, cand);
        else
            st = km_init_plusplus(&S, k, o->n_local_trials, o->seed, run, cand, NULL);
        if (st != LATENT_OK) goto out;
        latent_rng_init(&r, o->seed, LATENT_STREAM_KMEANS, (uint64_t)n_init, MB_SAMPLE_DRAW);
        draw_rows(&r, n, m, idx);
        gather(D, idx, m, k, &S, xs, ws, ns);
        D->t->sqnorm_rows(k, d, cand, d, cnorm);
        double inertia = km_assign_pass(&S, cand, k, cnorm, lb, NULL);
        if (inertia < best || run == 0) {
            best = inertia;
            memcpy(centers, cand, (size_t)(k * d) * sizeof(float));
        }
    }
    *init_seconds = omp_get_wtime() - t0;

    int64_t n_steps = (int64_t)o->max_iter * n / bs;
    if (n_steps < 1) n_steps = 1;
    double alpha = 2.0 * (double)bs / ((double)n + 1.0);
    if (alpha > 1.0) alpha = 1.0;
    double ewa = 0.0, ewa_min = INFINITY;
    int no_improvement = 0;
    int64_t step;
    for (step = 0; step < n_steps; step++) {
        double ts = omp_get_wtime();
        latent_rng r;
        latent_rng_init(&r, o->seed, LATENT_STREAM_KMEANS, (uint64_t)step, MB_STEP_DRAW);
        draw_rows(&r, n, bs, idx);
        gather(D, idx, bs, k, &S, xs, ws, ns);
        D->t->sqnorm_rows(k, d, centers, d, cnorm);
        lk_kmeans_assign(D->t, bs, d, xs, d, centers, k, cnorm, lb, md);
        double inertia = 0.0;
        for (int64_t j = 0; j < bs; j++) {
            double dj = (double)ns[j] + md[j];
            if (dj < 0.0) dj = 0.0;
            inertia += S.w ? S.w[j] * dj : dj;
        }
        memset(sums, 0, (size_t)(k * d) * sizeof(double));
        memset(wsum, 0, (size_t)k * sizeof(double));
        D->t->kmeans_accumulate(bs, d, xs, d, lb, S.w, sums, wsum);
        double shift = 0.0;
        for (int64_t j = 0; j < k; j++) {
            if (wsum[j] <= 0.0) continue;
            double total = seen[j] + wsum[j];
            for (int64_t p = 0; p < d; p++) {
                float old = centers[j * d + p];
                float v = (float)(((double)old * seen[j] + sums[j * d + p]) / total);
                shift += ((double)v - old) * ((double)v - old);
                centers[j * d + p] = v;
            }
            seen[j] = total;
        }
        if (o->on_iter) o->on_iter(o->user, 0, (int)(step + 1), omp_get_wtime() - ts, inertia);
        /* The first batch's inertia belongs to the initial centers: not part of the average. */
        if (step == 0) continue;
        double bi = inertia / (double)bs;
        ewa = step == 1 ? bi : ewa * (1.0 - alpha) + bi * alpha;
        if (D->tol > 0.0 && shift <= D->tol) { step++; break; }
        if (ewa < ewa_min) { ewa_min = ewa; no_improvement = 0; }
        else if (++no_improvement >= o->max_no_improvement && o->max_no_improvement > 0) { step++; break; }
    }
    *n_iter = (int)((step * bs + n - 1) / n);

    D->t->sqnorm_rows(k, d, centers, d, cnorm);
    km_assign_pass(D, centers, k, cnorm, labels, NULL);
out:
    latent_free(idx); latent_free(xs); latent_free(ws); latent_free(ns); latent_free(md);
    latent_free(lb); latent_free(cand); latent_free(cnorm); latent_free(sums); latent_free(wsum);
    latent_free(seen);
    return st;
}
