/* The public k-means entry points: options, checks, the n_init runs and the kept result. */
#include <math.h>
#include <omp.h>
#include <string.h>
#include "kmeans_internal.h"
#include "latent/isa.h"
#include "latent/memory.h"
#include "simd/gemm.h"
#include "simd/team.h"
#include "src/core/comm.h"

void latent_kmeans_options_default(latent_kmeans_options *o, int64_t k)
{
    memset(o, 0, sizeof *o);
    o->k = k;
    o->algorithm = LATENT_KMEANS_LLOYD;
    o->init = LATENT_KMEANS_INIT_PLUSPLUS;
    o->max_iter = 300;
    o->tol = 1e-4;
    o->batch_size = 1024;
    o->max_no_improvement = 10;
}

void latent_kmeans_result_free(latent_kmeans_result *res)
{
    if (!res) return;
    latent_free(res->centers);
    latent_free(res->labels);
    memset(res, 0, sizeof *res);
}

static latent_status check_shape(const float *x, int64_t n, int64_t d, int64_t k)
{
    if (!x) return latent_fail(LATENT_EINVAL, "kmeans: x: NULL data");
    if (n < 1 || d < 1) return latent_fail(LATENT_EINVAL, "kmeans: x: shape %lld x %lld is empty",
                                           (long long)n, (long long)d);
    if (k < 1 || k > n)
        return latent_fail(LATENT_EINVAL, "kmeans: k: %lld must be between 1 and n = %lld",
                           (long long)k, (long long)n);
    if (k > INT32_MAX) return latent_fail(LATENT_EINVAL, "kmeans: k: %lld too large", (long long)k);
    return LATENT_OK;
}

/* Per-feature means and, when var is not NULL, sums of squared deviations of every row of the
 * data set, in double: each chunk of rows in its own partial, the partials added in chunk order. */
static latent_status feature_moments(const km_data *D, const float *x, double *mean, double *var)
{
    const int64_t d = D->d, held = D->c1 - D->c0;
    double *part = latent_alloc((size_t)held + 1, (size_t)d * sizeof(double), "kmeans: feature sums");
    if (!part) return LATENT_ENOMEM;
    latent_status st = LATENT_OK;
    for (int pass = 0; pass < (var ? 2 : 1) && st == LATENT_OK; pass++) {
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t c = D->c0; c < D->c1; c++) {
            LK_REGION_ENTERED();
            double *s = part + (c - D->c0) * d;
            for (int64_t p = 0; p < d; p++) s[p] = 0.0;
            int64_t r0, r1;
            km_chunk_rows(D, c, &r0, &r1);
            for (int64_t i = r0; i < r1; i++) {
                const float *xi = x + i * d;
                if (pass == 0) {
                    for (int64_t p = 0; p < d; p++) s[p] += xi[p];
                } else {
                    for (int64_t p = 0; p < d; p++) {
                        double e = xi[p] - mean[p];
                        s[p] += e * e;
                    }
                }
            }
        }
        double *out = pass == 0 ? mean : var;
        st = km_fold(D, part, d, out);
        if (pass == 0)
            for (int64_t p = 0; p < d; p++) out[p] /= (double)D->n_total;
    }
    latent_free(part);
    return st;
}

/* sum w ||x||^2 over every row of the data set, per chunk and in chunk order. */
static latent_status weighted_norms(km_data *D)
{
    double part[KM_MAX_CHUNKS];
    for (int64_t c = D->c0; c < D->c1; c++) {
        int64_t r0, r1;
        km_chunk_rows(D, c, &r0, &r1);
        double v = 0.0;
        for (int64_t i = r0; i < r1; i++) v += D->w ? (double)D->w[i] * D->xnorm[i] : D->xnorm[i];
        part[c - D->c0] = v;
    }
    return km_fold(D, part, 1, &D->wxx);
}

/* Pair rows pay for themselves over the iterations that read them instead of the float rows:
 * not while the rows fit in cache anyway, nor where the copy would crowd the machine's memory,
 * nor for a fit too short to repay them. On Fashion-MNIST (60000 x 784, 2 threads) making them
 * took 30-45 ms, most of it first touches of 94 MB of fresh pages, and saved 3 ms (k = 10) to
 * 20 ms (k = 1000) per iteration. */
#define KM_PAIRS_MIN_BYTES ((int64_t)16 << 20)
#define KM_PAIRS_MIN_ITERATIONS 20

static void alloc_pairs(km_data *D)
{
    const int64_t ldp = lk_kmeans_pairs_ld(D->t, D->d);
    const double rows = (double)D->n * (double)D->d * sizeof(float);
    const uint64_t mem = latent_physical_memory();
    if (!ldp || rows < (double)KM_PAIRS_MIN_BYTES ||
        (mem && 1.5 * rows + (double)D->n * (double)ldp * sizeof(uint32_t) > 0.5 * (double)mem))
        return;
    D->pairs = latent_alloc((size_t)D->n, (size_t)ldp * sizeof(uint32_t), "kmeans: pair rows");
    D->ldp = D->pairs ? ldp : 0;
}

/* Fills D: the row norms and the absolute tolerance (tol times the mean feature variance, the
 * variance unweighted as scikit-learn takes it). With `shift` not NULL, D holds its own copy of
 * the rows minus their (unweighted) mean, written to shift: scikit-learn clusters centered data,
 * and the expanded distance ||x||^2 - 2 x.c + ||c||^2 loses less to rounding on it. With
 * `inplace` (== x) the rows are centered where they are instead of in a copy.
 * k-means++ alone (shift NULL, tol 0) needs only the norms and skips both passes over the
 * rows for the feature moments. With `pairs` (and shift), D also gets the centered rows as the
 * bfloat16 screen reads them, written while each row is in cache, where the CPU screens in
 * bfloat16 and the rows are many (optional: without the memory for them the float rows serve). */
static latent_status data_init(km_data *D, const float *x, int64_t n, int64_t d, const float *w,
                               int64_t k, int split, double tol, float *shift, float *inplace,
                               int pairs)
{
    memset(D, 0, sizeof *D);
    D->t = lk_active();
    D->x = x;
    D->w = w;
    D->n = n;
    D->d = d;
    km_data_local(D, k);
    if (split) {
        km_split(D, latent_comm_rank(), latent_comm_size());
        n = D->n;
    }
    D->xnorm = latent_alloc((size_t)n, sizeof(float), "kmeans: row norms");
    if (!D->xnorm) return LATENT_ENOMEM;
    if (shift || tol > 0.0) {
        double *mean = latent_alloc((size_t)d, sizeof(double), "kmeans: feature means");
        double *var = latent_alloc((size_t)d, sizeof(double), "kmeans: feature variances");
        /* The variances from the rows as given, before any centering in place. */
        latent_status st = mean && var ? feature_moments(D, x, mean, tol > 0.0 ? var : NULL)
                                       : LATENT_ENOMEM;
        float *xc = NULL;
        if (st == LATENT_OK && shift) {
            xc = inplace ? inplace
                         : latent_alloc((size_t)n, (size_t)d * sizeof(float), "kmeans: centered rows");
            if (!xc) st = LATENT_ENOMEM;
        }
        if (st != LATENT_OK) {
            latent_free(D->xnorm); latent_free(mean); latent_free(var);
            return st;
        }
        if (shift) {
            if (pairs) alloc_pairs(D);
            for (int64_t p = 0; p < d; p++) shift[p] = (float)mean[p];
#pragma omp parallel for schedule(static)
            for (int64_t i = 0; i < n; i++) {
                LK_REGION_ENTERED();
                for (int64_t p = 0; p < d; p++) xc[i * d + p] = x[i * d + p] - shift[p];
                if (D->pairs) lk_kmeans_pairs(D->t, 1, d, xc + i * d, d, D->pairs + i * D->ldp, D->ldp);
            }
            D->x = xc;
            D->shift = shift;
        }
        if (tol > 0.0) {
            double mv = 0.0;
            for (int64_t p = 0; p < d; p++) mv += var[p] / (double)D->n_total;
            D->tol = tol * mv / (double)d;
        }
        latent_free(mean);
        latent_free(var);
    }
    D->t->sqnorm_rows(n, d, D->x, d, D->xnorm);
    return weighted_norms(D);
}

/* Two labelings are the same clustering when one maps onto the other one-to-one: each rank
 * maps its own rows (map: k entries, then a conflict flag), and the maps must agree. */
static int same_clustering(const km_data *D, const int32_t *a, const int32_t *b, int64_t k,
                           int32_t *map, latent_status *st)
{
    const int ranks = D->dist ? latent_comm_size() : 1, rank = D->dist ? latent_comm_rank() : 0;
    int32_t *m = map + rank * (k + 1);
    for (int64_t j = 0; j <= k; j++) m[j] = -1;
    for (int64_t i = 0; i < D->n; i++) {
        if (m[a[i]] == -1) m[a[i]] = b[i];
        else if (m[a[i]] != b[i]) m[k] = 1;
    }
    if ((*st = km_gather(D, map, (k + 1) * (int64_t)sizeof(int32_t))) != LATENT_OK) return 0;
    for (int r = 0; r < ranks; r++) {
        const int32_t *mr = map + r * (k + 1);
        if (mr[k] != -1) return 0;
        for (int64_t j = 0; j < k; j++) {
            if (mr[j] == -1) continue;
            if (map[j] == -1) map[j] = mr[j];
            else if (map[j] != mr[j]) return 0;
        }
    }
    return 1;
}

/* The fit, on a centered copy of x or (inplace == x) on x centered where it is. With split, x
 * holds this rank's rows [row0, row0 + rows) of the n-row data set (its share, km_split). */
static latent_status fit(const float *x, float *inplace, int64_t n, int64_t row0, int64_t rows,
                         int split, int64_t d, const float *w, const latent_kmeans_options *o,
                         latent_kmeans_result *res)
{
    memset(res, 0, sizeof *res);
    latent_status st = latent_isa_init_from_env();
    if (st != LATENT_OK) return st;
    if (!o) return latent_fail(LATENT_EINVAL, "kmeans: options: NULL");
    if ((st = check_shape(split && rows == 0 && !x ? (const float *)res : x, n, d, o->k)) != LATENT_OK)
        return st;
    if (split) {
        int64_t r0, r;
        latent_kmeans_rank_rows(n, o->k, d, &r0, &r);
        if (r0 != row0 || r != rows)
            return latent_fail(LATENT_EINVAL, "kmeans: rows %lld..%lld are not rank %d's share of "
                               "%lld rows (%lld..%lld: latent_kmeans_rank_rows)", (long long)row0,
                               (long long)(row0 + rows), latent_comm_rank(), (long long)n,
                               (long long)r0, (long long)(r0 + r));
        if (o->algorithm == LATENT_KMEANS_MINIBATCH && latent_comm_size() > 1)
            return latent_fail(LATENT_EINVAL, "kmeans: mini-batch k-means draws from every row: it "
                               "does not split rows among ranks (lloyd and elkan do)");
    }
    const int64_t n_total = n;
    n = split ? rows : n;
    /* The working set, refused up front when it cannot fit: three k x d center copies, the
     * centered rows, and Elkan's k x k center distances and n x k lower bounds. */
    double floats = 3.0 * (double)o->k * (double)d + (double)n * (double)d + (double)n_total;
    if (o->algorithm == LATENT_KMEANS_ELKAN) floats += (double)o->k * (double)(o->k + n);
    uint64_t mem = latent_physical_memory();
    if (mem && floats * sizeof(float) > (double)mem)
        return latent_fail(LATENT_ENOMEM, "kmeans: k: %lld clusters of %lld x %lld rows need "
                           "%.1f GiB of working memory%s but this machine has %.1f GiB",
                           (long long)o->k, (long long)n_total, (long long)d,
                           floats * sizeof(float) / 1073741824.0,
                           o->algorithm == LATENT_KMEANS_ELKAN ? " (elkan's bounds)" : "",
                           (double)mem / 1073741824.0);
    if (o->max_iter < 1)
        return latent_fail(LATENT_EINVAL, "kmeans: max_iter: %d must be at least 1", o->max_iter);
    if (!(o->tol >= 0.0)) return latent_fail(LATENT_EINVAL, "kmeans: tol: %g must be >= 0", o->tol);
    if (o->n_init < 0) return latent_fail(LATENT_EINVAL, "kmeans: n_init: %d is negative", o->n_init);
    if (o->init == LATENT_KMEANS_INIT_ARRAY && !o->init_centers)
        return latent_fail(LATENT_EINVAL, "kmeans: init_centers: NULL with an array init");
    if ((unsigned)o->init > LATENT_KMEANS_INIT_ARRAY)
        return latent_fail(LATENT_EINVAL, "kmeans: init: unknown value %d", (int)o->init);
    if ((unsigned)o->algorithm > LATENT_KMEANS_MINIBATCH)
        return latent_fail(LATENT_EINVAL, "kmeans: algorithm: unknown value %d", (int)o->algorithm);
    if (o->algorithm == LATENT_KMEANS_MINIBATCH && o->batch_size < 1)
        return latent_fail(LATENT_EINVAL, "kmeans: batch_size: %lld must be at least 1",
                           (long long)o->batch_size);
    if (w)
        for (int64_t i = 0; i < n; i++)
            if (!(w[i] >= 0.0f) || isinf(w[i]))
                return latent_fail(LATENT_EINVAL, "kmeans: sample_weight[%lld]: %g is not a finite "
                                   "non-negative weight", (long long)(row0 + i), (double)w[i]);

    const int64_t k = o->k;
    int n_init = o->n_init;
    if (n_init == 0)
        n_init = o->algorithm == LATENT_KMEANS_MINIBATCH ? 3
               : o->init == LATENT_KMEANS_INIT_RANDOM ? 10 : 1;
    if (o->init == LATENT_KMEANS_INIT_ARRAY) n_init = 1;

    /* Elkan's bounds need two centers; with one there is nothing to skip. */
    latent_kmeans_algorithm algo = o->algorithm;
    if (algo == LATENT_KMEANS_ELKAN && k == 1) algo = LATENT_KMEANS_LLOYD;

    km_data D;
    float *mean = latent_alloc((size_t)d, sizeof(float), "kmeans: feature means");
    if (!mean) return LATENT_ENOMEM;
    /* only Lloyd's moving passes read pair rows, and weighted rows never move */
    const int pairs = algo == LATENT_KMEANS_LLOYD && !w &&
                      (int64_t)o->max_iter * n_init >= KM_PAIRS_MIN_ITERATIONS;
    float *centers = NULL;
    int32_t *labels = NULL, *best = NULL, *map = NULL;
    if ((st = data_init(&D, x, n_total, d, w, k, split, o->tol, mean, inplace, pairs)) != LATENT_OK)
        goto out;
    const int ranks = D.dist ? latent_comm_size() : 1;
    centers = latent_alloc((size_t)k, (size_t)d * sizeof(float), "kmeans: centers");
    labels = latent_alloc((size_t)n + 1, sizeof(int32_t), "kmeans: labels");
    best = latent_alloc((size_t)n + 1, sizeof(int32_t), "kmeans: labels");
    map = latent_alloc((size_t)ranks, (size_t)(k + 1) * sizeof(int32_t), "kmeans: label map");
    res->centers = latent_alloc((size_t)k, (size_t)d * sizeof(float), "kmeans: result centers");
    res->labels = latent_alloc((size_t)n_total, sizeof(int32_t), "kmeans: result labels");
    if (!centers || !labels || !best || !map || !res->centers || !res->labels) {
        st = LATENT_ENOMEM;
        goto out;
    }

    int kept = 0, runs = algo == LATENT_KMEANS_MINIBATCH ? 1 : n_init;
    for (int run = 0; run < runs; run++) {
        int n_iter = 0;
        if (algo == LATENT_KMEANS_MINIBATCH) {
            st = km_run_minibatch(&D, o, n_init, centers, labels, &n_iter, &res->init_seconds);
        } else {
            double t0 = omp_get_wtime();
            if (o->init == LATENT_KMEANS_INIT_ARRAY)
                for (int64_t e = 0; e < k * d; e++) centers[e] = o->init_centers[e] - mean[e % d];
            else if (o->init == LATENT_KMEANS_INIT_RANDOM)
                st = km_init_random(&D, k, o->seed, run, centers);
            else
                st = km_init_plusplus(&D, k, o->n_local_trials, o->seed, run, centers, NULL);
            res->init_seconds += omp_get_wtime() - t0;
            if (st != LATENT_OK) goto out;
            st = algo == LATENT_KMEANS_ELKAN ? km_run_elkan(&D, o, run, centers, labels, &n_iter)
                                             : km_run_lloyd(&D, o, run, centers, labels, &n_iter);
        }
        if (st != LATENT_OK) goto out;
        double inertia = km_inertia(&D, centers, labels);
        if (!(inertia == inertia))
            { st = latent_fail(LATENT_EDIVERGED, "kmeans: inertia: NaN (the data holds NaN?)"); goto out; }
        /* scikit-learn keeps the earlier run when a lower inertia comes from the same partition. */
        int same = kept && inertia < res->inertia && same_clustering(&D, labels, best, k, map, &st);
        if (st != LATENT_OK) goto out;
        if (!kept || (inertia < res->inertia && !same)) {
            kept = 1;
            res->inertia = inertia;
            res->n_iter = n_iter;
            res->best_run = run;
            memcpy(res->centers, centers, (size_t)(k * d) * sizeof(float));
            memcpy(best, labels, (size_t)n * sizeof(int32_t));
        }
    }
    if ((st = km_gather_labels(&D, best, res->labels)) != LATENT_OK) goto out;
    for (int64_t e = 0; e < k * d; e++) res->centers[e] += mean[e % d];
    res->n = n_total;
    res->d = d;
    res->k = k;
out:
    latent_free(D.xnorm);
    latent_free(D.pairs);
    if (D.x != inplace && D.x != x) latent_free((void *)D.x);
    latent_free(mean);
    latent_free(centers);
    latent_free(labels);
    latent_free(best);
    latent_free(map);
    if (st != LATENT_OK) latent_kmeans_result_free(res);
    return st;
}

latent_status latent_kmeans_fit(const float *x, int64_t n, int64_t d, const float *w,
                                const latent_kmeans_options *o, latent_kmeans_result *res)
{
    return fit(x, NULL, n, 0, n, 0, d, w, o, res);
}

latent_status latent_kmeans_fit_inplace(float *x, int64_t n, int64_t d, const float *w,
                                        const latent_kmeans_options *o, latent_kmeans_result *res)
{
    return fit(x, x, n, 0, n, 0, d, w, o, res);
}

void latent_kmeans_rank_rows(int64_t n_total, int64_t k, int64_t d, int64_t *row0, int64_t *rows)
{
    km_data D;
    memset(&D, 0, sizeof D);
    D.d = d;
    D.n = n_total;
    km_data_local(&D, k);
    km_split(&D, latent_comm_rank(), latent_comm_size());
    *row0 = D.row0;
    *rows = D.n;
}

latent_status latent_kmeans_fit_rows(float *x, int64_t n_total, int64_t row0, int64_t rows,
                                     int64_t d, const float *w, const latent_kmeans_options *o,
                                     latent_kmeans_result *res)
{
    return fit(x, x, n_total, row0, rows, 1, d, w, o, res);
}

latent_status latent_kmeans_fit_f64(const double *x, int64_t n, int64_t d, const double *w,
                                    const latent_kmeans_options *o, latent_kmeans_result *res)
{
    memset(res, 0, sizeof *res);
    if (!x) return latent_fail(LATENT_EINVAL, "kmeans: x: NULL data");
    if (n < 1 || d < 1) return latent_fail(LATENT_EINVAL, "kmeans: x: shape %lld x %lld is empty",
                                           (long long)n, (long long)d);
    float *xf = latent_alloc((size_t)n, (size_t)d * sizeof(float), "kmeans: float32 copy of x");
    float *wf = w ? latent_alloc((size_t)n, sizeof(float), "kmeans: float32 weights") : NULL;
    latent_status st = LATENT_OK;
    if (!xf || (w && !wf)) { st = LATENT_ENOMEM; goto out; }
    for (int64_t i = 0; i < n * d; i++) xf[i] = (float)x[i];
    for (int64_t i = 0; w && i < n; i++) wf[i] = (float)w[i];
    st = latent_kmeans_fit_inplace(xf, n, d, wf, o, res); /* xf is ours: no third copy */
out:
    latent_free(xf);
    latent_free(wf);
    return st;
}

latent_status latent_kmeans_plusplus(const float *x, int64_t n, int64_t d, const float *w,
                                     int64_t k, int n_local_trials, uint64_t seed, int run,
                                     float *centers, int64_t *indices)
{
    latent_status st = latent_isa_init_from_env();
    if (st != LATENT_OK) return st;
    if ((st = check_shape(x, n, d, k)) != LATENT_OK) return st;
    if (!centers) return latent_fail(LATENT_EINVAL, "kmeans++: centers: NULL output");
    km_data D;
    if ((st = data_init(&D, x, n, d, w, k, 0, 0.0, NULL, NULL, 0)) != LATENT_OK) {
        latent_free(D.xnorm);
        return st;
    }
    st = km_init_plusplus(&D, k, n_local_trials, seed, run, centers, indices);
    latent_free(D.xnorm);
    return st;
}

latent_status latent_kmeans_predict(const float *centers, int64_t k, int64_t d, const float *x,
                                    int64_t n, const float *w, int32_t *labels, double *inertia)
{
    latent_status st = latent_isa_init_from_env();
    if (st != LATENT_OK) return st;
    if (!centers || !labels) return latent_fail(LATENT_EINVAL, "kmeans: predict: NULL centers or labels");
    if (!x || n < 1 || d < 1 || k < 1)
        return latent_fail(LATENT_EINVAL, "kmeans: predict: shape n %lld, d %lld, k %lld",
                           (long long)n, (long long)d, (long long)k);
    km_data D;
    memset(&D, 0, sizeof D);
    D.t = lk_active();
    D.x = x; D.w = w; D.n = n; D.d = d;
    km_data_local(&D, k);
    D.xnorm = latent_alloc((size_t)n, sizeof(float), "kmeans: row norms");
    float *cnorm = latent_alloc((size_t)k, sizeof(float), "kmeans: center norms");
    if (!D.xnorm || !cnorm) { latent_free(D.xnorm); latent_free(cnorm); return LATENT_ENOMEM; }
    D.t->sqnorm_rows(n, d, x, d, D.xnorm);
    D.t->sqnorm_rows(k, d, centers, d, cnorm);
    km_assign_pass(&D, centers, k, cnorm, labels, NULL);
    if (inertia) *inertia = km_inertia(&D, centers, labels);
    latent_free(D.xnorm);
    latent_free(cnorm);
    return LATENT_OK;
}
