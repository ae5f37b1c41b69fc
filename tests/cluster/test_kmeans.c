/* k-means against scikit-learn 1.2 from the same explicit init (labels, inertia, n_iter), the
 * properties of greedy k-means++, Elkan == Lloyd, mini-batch, determinism across threads. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latent/kmeans.h"
#include "oracle.h"
#include "simd/team.h"

typedef struct skcase {
    oracle o;
    float *x, *init, *w, *centers;
    int32_t *labels;
    int64_t n, d, k;
    int max_iter, n_iter;
    double inertia;
} skcase;

static void load(skcase *c, const char *name, const char *extra)
{
    memset(c, 0, sizeof *c);
    cr_assert_eq(oracle_run(&c->o, name, extra), 0, "the scikit-learn oracle failed for %s", name);
    c->n = (int64_t)oracle_meta(&c->o, "n");
    c->d = (int64_t)oracle_meta(&c->o, "d");
    c->k = (int64_t)oracle_meta(&c->o, "k");
    c->max_iter = (int)oracle_meta(&c->o, "max_iter");
    c->n_iter = (int)oracle_meta(&c->o, "n_iter");
    c->inertia = oracle_meta(&c->o, "inertia");
    size_t bytes;
    c->x = oracle_read(&c->o, "x.f32", &bytes);
    cr_assert(c->x && bytes == (size_t)(c->n * c->d) * 4);
    c->init = oracle_read(&c->o, "init.f32", NULL);
    c->labels = oracle_read(&c->o, "labels.i32", NULL);
    c->centers = oracle_read(&c->o, "centers.f32", NULL);
    c->w = oracle_meta(&c->o, "weighted") == 1.0 ? oracle_read(&c->o, "w.f32", NULL) : NULL;
    cr_assert(c->init && c->labels && c->centers);
}

static void unload(skcase *c)
{
    free(c->x); free(c->init); free(c->w); free(c->centers); free(c->labels);
    oracle_done(&c->o);
}

static void fit_from_init(const skcase *c, latent_kmeans_algorithm algo, latent_kmeans_result *r)
{
    latent_kmeans_options o;
    latent_kmeans_options_default(&o, c->k);
    o.algorithm = algo;
    o.init = LATENT_KMEANS_INIT_ARRAY;
    o.init_centers = c->init;
    o.max_iter = c->max_iter;
    cr_assert_eq(latent_kmeans_fit(c->x, c->n, c->d, c->w, &o, r), LATENT_OK, "%s",
                 latent_last_error());
}

/* Labels equal to scikit-learn's up to near-ties, inertia within relative 1e-5, the same n_iter,
 * centers within float rounding plus what the differing rows can move them.
 * Both sides compute ||x||^2 - 2 x.c + ||c||^2 in float32 with different summation orders, so a
 * row whose two best centers are equally far to within that rounding may go either way in some
 * iteration, and the runs then settle a row or two apart (seen at k=50: one row of 5000, the
 * centers 1/256 apart where that row's pixel is 1). So at most one label in a thousand may
 * differ, and inertia and n_iter must still agree. */
static void expect_sklearn(const skcase *c, const latent_kmeans_result *r, const char *what)
{
    int64_t diff = 0;
    for (int64_t i = 0; i < c->n; i++) diff += r->labels[i] != c->labels[i];
    cr_expect(diff * 1000 <= c->n, "%s: %lld of %lld labels differ from scikit-learn's (near-ties)",
              what, (long long)diff, (long long)c->n);
    cr_expect(fabs(r->inertia - c->inertia) <= 1e-5 * c->inertia,
              "%s: inertia %.9g, scikit-learn %.9g", what, r->inertia, c->inertia);
    cr_expect_eq(r->n_iter, c->n_iter, "%s: n_iter %d, scikit-learn %d", what, r->n_iter,
                 c->n_iter);
    /* A row that changes cluster moves each center coordinate by at most max|x - c| / count;
     * pixels lie in [0, 1], so by at most 1 / (the smallest cluster's size). */
    int64_t *count = calloc((size_t)c->k, sizeof *count), smallest = c->n;
    for (int64_t i = 0; i < c->n; i++) count[c->labels[i]]++;
    for (int64_t j = 0; j < c->k; j++)
        if (count[j] > 0 && count[j] < smallest) smallest = count[j];
    free(count);
    double allowed = 1e-4 + (double)diff * 2.0 / (double)smallest;
    double worst = 0.0;
    for (int64_t e = 0; e < c->k * c->d; e++) {
        double dv = fabs((double)r->centers[e] - c->centers[e]);
        if (dv > worst) worst = dv;
    }
    cr_expect(worst < allowed, "%s: centers differ from scikit-learn's by up to %g (allowed %g "
              "with %lld near-tie rows)", what, worst, allowed, (long long)diff);
}

static void against_sklearn(const char *name, const char *extra)
{
    skcase c;
    load(&c, name, extra);
    latent_kmeans_result lloyd, elkan;
    fit_from_init(&c, LATENT_KMEANS_LLOYD, &lloyd);
    expect_sklearn(&c, &lloyd, "lloyd");
    fit_from_init(&c, LATENT_KMEANS_ELKAN, &elkan);
    expect_sklearn(&c, &elkan, "elkan");
    cr_expect_eq(memcmp(lloyd.labels, elkan.labels, (size_t)c.n * 4), 0, "elkan's labels != lloyd's");
    latent_kmeans_result_free(&lloyd);
    latent_kmeans_result_free(&elkan);
    unload(&c);
}

Test(kmeans, sklearn_fashion_k10, .timeout = 300)
{
    against_sklearn("fashion-6000-10-300", "");
}

Test(kmeans, sklearn_fashion_k50, .timeout = 300)
{
    against_sklearn("fashion-5000-50-300", "");
}

Test(kmeans, sklearn_fashion_weighted, .timeout = 300)
{
    against_sklearn("fashion-3000-8-300-w", "");
}

Test(kmeans, sklearn_empty_cluster_relocation)
{
    against_sklearn("empty", "");
}

Test(kmeans, sklearn_empty_cluster_relocation_weighted)
{
    against_sklearn("empty", "w");
}

/* Fashion-MNIST rows for the tests that need no oracle run of their own. */
static float *fashion_rows(int64_t n, skcase *keep)
{
    char cas[64];
    snprintf(cas, sizeof cas, "fashion-%lld-8-5", (long long)n);
    load(keep, cas, "");
    cr_assert(n <= keep->n);
    return keep->x;
}

static double potential(const float *x, int64_t n, int64_t d, const float *c, int64_t k)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double best = INFINITY;
        for (int64_t j = 0; j < k; j++) {
            double e = 0.0;
            for (int64_t p = 0; p < d; p++) {
                double v = (double)x[i * d + p] - c[j * d + p];
                e += v * v;
            }
            if (e < best) best = e;
        }
        s += best;
    }
    return s;
}

Test(kmeans, plusplus_beats_random_rows, .timeout = 300)
{
    skcase c;
    const int64_t n = 3000, d = 784, k = 20;
    float *x = fashion_rows(n, &c);
    float *cen = malloc((size_t)(k * d) * 4);
    int64_t idx[20];
    double pp = 0.0, rnd = 0.0;
    for (int s = 0; s < 4; s++) {
        cr_assert_eq(latent_kmeans_plusplus(x, n, d, NULL, k, 0, 100 + s, 0, cen, idx), LATENT_OK);
        for (int64_t j = 0; j < k; j++) {
            cr_assert(idx[j] >= 0 && idx[j] < n);
            cr_assert_eq(memcmp(cen + j * d, x + idx[j] * d, (size_t)d * 4), 0);
            for (int64_t i = 0; i < j; i++) cr_expect_neq(idx[i], idx[j], "a row chosen twice");
        }
        pp += potential(x, n, d, cen, k);
        for (int64_t j = 0; j < k; j++)
            memcpy(cen + j * d, x + ((j * 7919 + s * 104729) % n) * d, (size_t)d * 4);
        rnd += potential(x, n, d, cen, k);
    }
    /* Seeding by D^2 spreads the centers: clearly below arbitrary rows' potential. */
    cr_expect(pp < 0.92 * rnd, "k-means++ potential %g vs arbitrary rows %g", pp, rnd);
    free(cen);
    unload(&c);
}

/* With one candidate a step, k-means++ draws the second center with probability D^2 / sum D^2.
 * Points 0, 1, 3 on a line: from first center 0 the odds are 0 : 1 : 9, from 1 they are
 * 1 : 0 : 4, from 3 they are 9 : 4 : 0; the first center is uniform. */
Test(kmeans, plusplus_draws_by_squared_distance)
{
    const float x[3] = {0.0f, 1.0f, 3.0f};
    const double odds[3][3] = {{0, 1, 9}, {1, 0, 4}, {9, 4, 0}};
    int count[3][3] = {{0}};
    const int runs = 6000;
    for (int s = 0; s < runs; s++) {
        float cen[2];
        int64_t idx[2];
        cr_assert_eq(latent_kmeans_plusplus(x, 3, 1, NULL, 2, 1, 7, s, cen, idx), LATENT_OK);
        count[idx[0]][idx[1]]++;
    }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double p = (1.0 / 3.0) * odds[a][b] / (odds[a][0] + odds[a][1] + odds[a][2]);
            double sd = sqrt(runs * p * (1 - p)) + 1.0;
            cr_expect(fabs(count[a][b] - runs * p) < 5 * sd, "pair (%d,%d): %d draws, expected %.0f",
                      a, b, count[a][b], runs * p);
        }
}

/* The greedy step keeps the candidate with the lowest potential: more candidates can only
 * lower the potential of the second center on average. */
Test(kmeans, plusplus_greedy_lowers_potential, .timeout = 300)
{
    skcase c;
    const int64_t n = 3000, d = 784, k = 2;
    float *x = fashion_rows(n, &c);
    float cen[2 * 784];
    double one = 0.0, many = 0.0;
    for (int s = 0; s < 20; s++) {
        cr_assert_eq(latent_kmeans_plusplus(x, n, d, NULL, k, 1, 3, s, cen, NULL), LATENT_OK);
        one += potential(x, n, d, cen, k);
        cr_assert_eq(latent_kmeans_plusplus(x, n, d, NULL, k, 8, 3, s, cen, NULL), LATENT_OK);
        many += potential(x, n, d, cen, k);
    }
    cr_expect(many < one, "8 candidates: %g, 1 candidate: %g", many, one);
    unload(&c);
}

Test(kmeans, same_bytes_for_any_thread_count, .timeout = 300)
{
    skcase c;
    /* rows enough (over 16 MB) for Lloyd to screen from bfloat16 pair rows where the CPU can */
    const int64_t n = 6000, d = 784;
    float *x = fashion_rows(n, &c);
    latent_kmeans_result r[2][3];
    latent_kmeans_algorithm algos[2] = {LATENT_KMEANS_LLOYD, LATENT_KMEANS_ELKAN};
    /* Thread counts only grow: the GEMM layer keeps per-thread buffers for a thread's life. */
    for (int t = 0; t < 3; t++) {
        omp_set_num_threads(t + 1);
        for (int a = 0; a < 2; a++) {
            latent_kmeans_options o;
            latent_kmeans_options_default(&o, 12);
            o.algorithm = algos[a];
            o.seed = 11;
            o.max_iter = 20;
            cr_assert_eq(latent_kmeans_fit(x, n, d, c.w, &o, &r[a][t]), LATENT_OK);
        }
    }
    for (int a = 0; a < 2; a++) {
        for (int t = 1; t < 3; t++) {
            cr_expect_eq(memcmp(r[a][0].centers, r[a][t].centers, 12 * 784 * 4), 0,
                         "centers, %d threads", t + 1);
            cr_expect_eq(memcmp(r[a][0].labels, r[a][t].labels, (size_t)n * 4), 0,
                         "labels, %d threads", t + 1);
            cr_expect_eq(r[a][0].inertia, r[a][t].inertia);
        }
        for (int t = 0; t < 3; t++) latent_kmeans_result_free(&r[a][t]);
    }
    cr_expect_eq(lk_nested_regions(), 0, "%lld parallel regions opened inside another",
                 (long long)lk_nested_regions());
    unload(&c);
}

typedef struct iter_log {
    int calls, last;
    double prev, worst_rise, seconds;
} iter_log;

static void on_iter(void *user, int run, int iter, double seconds, double inertia)
{
    iter_log *l = user;
    cr_expect_eq(run, 0);
    cr_expect_eq(iter, l->last + 1, "iterations come in order");
    if (l->calls > 0 && inertia - l->prev > l->worst_rise) l->worst_rise = inertia - l->prev;
    l->calls++;
    l->last = iter;
    l->prev = inertia;
    l->seconds += seconds;
    cr_expect(seconds >= 0.0);
}

Test(kmeans, callback_every_iteration_inertia_falls, .timeout = 300)
{
    skcase c;
    float *x = fashion_rows(3000, &c);
    latent_kmeans_algorithm algos[2] = {LATENT_KMEANS_LLOYD, LATENT_KMEANS_ELKAN};
    for (int a = 0; a < 2; a++) {
        iter_log l = {0, 0, 0.0, 0.0, 0.0};
        latent_kmeans_options o;
        latent_kmeans_options_default(&o, 8);
        o.algorithm = algos[a];
        o.on_iter = on_iter;
        o.user = &l;
        latent_kmeans_result r;
        cr_assert_eq(latent_kmeans_fit(x, 3000, 784, NULL, &o, &r), LATENT_OK);
        cr_expect_eq(l.calls, r.n_iter);
        cr_expect(l.worst_rise <= 1e-5 * l.prev, "inertia rose by %g", l.worst_rise);
        cr_expect(l.prev >= r.inertia * (1 - 1e-5), "last reported %g, final %g", l.prev, r.inertia);
        cr_expect(r.init_seconds > 0.0);
        latent_kmeans_result_free(&r);
    }
    unload(&c);
}

Test(kmeans, random_init_n_init_keeps_best, .timeout = 300)
{
    skcase c;
    float *x = fashion_rows(3000, &c);
    latent_kmeans_options o;
    latent_kmeans_options_default(&o, 6);
    o.init = LATENT_KMEANS_INIT_RANDOM;
    o.n_init = 4;
    o.max_iter = 10;
    latent_kmeans_result all, one;
    cr_assert_eq(latent_kmeans_fit(x, 3000, 784, NULL, &o, &all), LATENT_OK);
    /* Run 0 of n_init draws from the same stream as a single run with the same seed. */
    o.n_init = 1;
    cr_assert_eq(latent_kmeans_fit(x, 3000, 784, NULL, &o, &one), LATENT_OK);
    cr_expect(all.inertia <= one.inertia, "best of 4 runs %g > run 0 alone %g", all.inertia,
              one.inertia);
    double check;
    int32_t *lab = malloc(3000 * 4);
    cr_assert_eq(latent_kmeans_predict(all.centers, 6, 784, x, 3000, NULL, lab, &check), LATENT_OK);
    /* fit clusters centered rows (as scikit-learn does), predict the caller's: their float
     * rounding may part only where two centers are equally near. */
    for (int64_t i = 0; i < 3000; i++) {
        if (lab[i] == all.labels[i]) continue;
        double da = potential(x + i * 784, 1, 784, all.centers + lab[i] * 784, 1);
        double db = potential(x + i * 784, 1, 784, all.centers + all.labels[i] * 784, 1);
        cr_expect(fabs(da - db) <= 1e-5 * da, "row %lld: labels %d and %d at %g and %g",
                  (long long)i, lab[i], all.labels[i], da, db);
    }
    cr_expect(fabs(check - all.inertia) <= 1e-6 * all.inertia);
    free(lab);
    latent_kmeans_result_free(&all);
    latent_kmeans_result_free(&one);
    unload(&c);
}

Test(kmeans, minibatch_close_to_lloyd, .timeout = 300)
{
    skcase c;
    load(&c, "fashion-10000-10-1", "");
    latent_kmeans_options o;
    latent_kmeans_options_default(&o, 10);
    o.seed = 5;
    latent_kmeans_result full, mb;
    cr_assert_eq(latent_kmeans_fit(c.x, c.n, c.d, NULL, &o, &full), LATENT_OK);
    o.algorithm = LATENT_KMEANS_MINIBATCH;
    o.max_iter = 100;
    o.tol = 0.0;
    cr_assert_eq(latent_kmeans_fit(c.x, c.n, c.d, NULL, &o, &mb), LATENT_OK, "%s", latent_last_error());
    cr_expect(mb.inertia < 1.05 * full.inertia, "mini-batch %g vs lloyd %g", mb.inertia, full.inertia);
    cr_expect(mb.n_iter >= 1 && mb.n_iter <= 100);
    latent_kmeans_result_free(&full);
    latent_kmeans_result_free(&mb);
    unload(&c);
}

Test(kmeans, f64_input_same_as_f32)
{
    double xd[40];
    float xf[40];
    for (int i = 0; i < 40; i++) xf[i] = (float)(xd[i] = sin(i * 1.3) * 3 + (i % 4));
    latent_kmeans_options o;
    latent_kmeans_options_default(&o, 3);
    latent_kmeans_result a, b;
    cr_assert_eq(latent_kmeans_fit(xf, 20, 2, NULL, &o, &a), LATENT_OK);
    cr_assert_eq(latent_kmeans_fit_f64(xd, 20, 2, NULL, &o, &b), LATENT_OK);
    cr_expect_eq(memcmp(a.labels, b.labels, 20 * 4), 0);
    cr_expect_eq(memcmp(a.centers, b.centers, 6 * 4), 0);
    latent_kmeans_result_free(&a);
    latent_kmeans_result_free(&b);
}

Test(kmeans, bad_input_is_a_clear_error)
{
    float x[6] = {0, 1, 2, 3, 4, 5};
    float w[3] = {1, -1, 1};
    latent_kmeans_options o;
    latent_kmeans_result r;
    latent_kmeans_options_default(&o, 4);
    cr_expect_eq(latent_kmeans_fit(x, 3, 2, NULL, &o, &r), LATENT_EINVAL);
    cr_expect(strstr(latent_last_error(), "k: 4") != NULL, "%s", latent_last_error());
    cr_expect_eq(r.centers, NULL);
    latent_kmeans_options_default(&o, 2);
    cr_expect_eq(latent_kmeans_fit(x, 3, 2, w, &o, &r), LATENT_EINVAL);
    cr_expect(strstr(latent_last_error(), "sample_weight[1]") != NULL, "%s", latent_last_error());
    o.init = LATENT_KMEANS_INIT_ARRAY;
    cr_expect_eq(latent_kmeans_fit(x, 3, 2, NULL, &o, &r), LATENT_EINVAL);
    o.init = LATENT_KMEANS_INIT_PLUSPLUS;
    o.max_iter = 0;
    cr_expect_eq(latent_kmeans_fit(x, 3, 2, NULL, &o, &r), LATENT_EINVAL);
    cr_expect_eq(latent_kmeans_fit(NULL, 3, 2, NULL, &o, &r), LATENT_EINVAL);
}

/* Centering in place (one copy of the data) gives the same bytes as centering a copy. */
Test(kmeans, inplace_equals_copy, .timeout = 300)
{
    skcase keep;
    const int64_t n = 3000, d = 784, k = 8;
    float *x = fashion_rows(n, &keep);
    float *mine = malloc((size_t)(n * d) * sizeof(float));
    memcpy(mine, x, (size_t)(n * d) * sizeof(float));
    latent_kmeans_options o;
    latent_kmeans_options_default(&o, k);
    o.seed = 3;
    latent_kmeans_result a, b;
    cr_assert_eq(latent_kmeans_fit(x, n, d, NULL, &o, &a), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_kmeans_fit_inplace(mine, n, d, NULL, &o, &b), LATENT_OK, "%s",
                 latent_last_error());
    cr_expect_eq(memcmp(a.labels, b.labels, (size_t)n * 4), 0, "labels differ");
    cr_expect_eq(memcmp(a.centers, b.centers, (size_t)(k * d) * 4), 0, "centers differ");
    cr_expect_eq(a.inertia, b.inertia);
    cr_expect_eq(a.n_iter, b.n_iter);
    /* the rows are left centered: column means near zero */
    double m0 = 0;
    for (int64_t i = 0; i < n; i++) m0 += mine[i * d + 400];
    cr_expect(fabs(m0 / (double)n) < 1e-4, "column mean %g after centering", m0 / (double)n);
    latent_kmeans_result_free(&a);
    latent_kmeans_result_free(&b);
    free(mine);
    unload(&keep);
}
