/* Parameter groups and optimizers: PyTorch's update rules recomputed in double, clipping, the
 * shard reduction and the finite checks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "src/nn/params.h"
#include "src/nn/update.h"

static void group(latent_params *p, int64_t n)
{
    memset(p, 0, sizeof *p);
    cr_assert_geq(latent_params_add(p, "layer.weight", 1, (int64_t[]){n}), 0);
    cr_assert_eq(latent_params_alloc(p), LATENT_OK);
    for (int64_t i = 0; i < n; i++) p->w[i] = 0.1f * (float)i - 1.0f, p->g[i] = 0.3f * sinf((float)i);
}

Test(optim, adam_and_adamw_match_the_formula)
{
    for (int decoupled = 0; decoupled < 2; decoupled++) {
        latent_params p;
        group(&p, 37);
        latent_optim_config c = {decoupled ? LATENT_OPT_ADAMW : LATENT_OPT_ADAM, 1e-2f, 0.9f,
                                 0.999f, 1e-8f, 0.1f, 0.0f, 0.0};
        double w[37], m[37] = {0}, v[37] = {0};
        for (int i = 0; i < 37; i++) w[i] = p.w[i];
        for (int t = 1; t <= 3; t++) {
            cr_assert_eq(latent_optim_step(&p, &c), LATENT_OK);
            for (int i = 0; i < 37; i++) {
                double g = p.g[i];
                if (decoupled) w[i] *= 1 - 1e-2 * 0.1; else g += 0.1 * w[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double mh = m[i] / (1 - pow(0.9, t)), vh = v[i] / (1 - pow(0.999, t));
                w[i] -= 1e-2 * mh / (sqrt(vh) + 1e-8);
                cr_expect(fabs(w[i] - p.w[i]) < 2e-6, "step %d [%d]: %g vs %g", t, i, w[i], p.w[i]);
            }
        }
        cr_expect_eq(p.t, 3);
        latent_params_free(&p);
    }
}

Test(optim, sgd_momentum_and_clipping)
{
    latent_params p;
    group(&p, 20);
    double norm = 0;
    for (int i = 0; i < 20; i++) norm += (double)p.g[i] * p.g[i];
    norm = sqrt(norm);
    float w0[20], g0[20];
    memcpy(w0, p.w, sizeof w0), memcpy(g0, p.g, sizeof g0);
    latent_optim_config c = {LATENT_OPT_SGD, 0.5f, 0, 0, 0, 0, 0.9f, norm / 4};
    cr_assert_eq(latent_optim_step(&p, &c), LATENT_OK);
    for (int i = 0; i < 20; i++)
        cr_expect(fabs(p.w[i] - (w0[i] - 0.5 * g0[i] / 4)) < 1e-6, "[%d] clipped step", i);
    latent_params_free(&p);
}

Test(params, reduce_adds_shards_in_order)
{
    latent_params p;
    group(&p, 5000);
    cr_assert_eq(latent_params_reserve_shards(&p, 3), LATENT_OK);
    for (int s = 0; s < 3; s++)
        for (int64_t i = 0; i < p.n; i++) p.shard_g[s * p.n + i] = (float)(s + 1) * 1e-3f * (float)(i % 97);
    latent_params_reduce(&p, 3);
    for (int64_t i = 0; i < 5000; i++) {
        volatile float s0 = p.shard_g[i], s1 = p.shard_g[p.n + i], s2 = p.shard_g[2 * p.n + i];
        volatile float partial = s0 + s1;
        float expect = partial + s2;
        cr_expect_eq(p.g[i], expect, "[%lld]", (long long)i);
    }
    latent_params_free(&p);
}

Test(params, finite_check_names_the_tensor)
{
    latent_params p;
    memset(&p, 0, sizeof p);
    latent_params_add(&p, "a.weight", 2, (int64_t[]){4, 3});
    latent_params_add(&p, "a.bias", 1, (int64_t[]){4});
    cr_assert_eq(latent_params_alloc(&p), LATENT_OK);
    cr_expect_eq(latent_params_check_finite(&p, p.w, "parameter", "here"), LATENT_OK);
    p.w[latent_params_find(&p, "a.bias")->offset + 2] = INFINITY;
    cr_expect_eq(latent_params_check_finite(&p, p.w, "parameter", "epoch 2, step 9"), LATENT_EDIVERGED);
    cr_expect_str_eq(latent_last_error(), "epoch 2, step 9: parameter a.bias is not finite (NaN or Inf)");
    latent_params_free(&p);
}

Test(params, bad_shapes_refused)
{
    latent_params p;
    memset(&p, 0, sizeof p);
    cr_expect_lt(latent_params_add(&p, "x", 2, (int64_t[]){0, 3}), 0);
    cr_expect_lt(latent_params_add(&p, "y", 2, (int64_t[]){INT64_MAX / 2, 4}), 0);
}

/* The tree cut among ranks: nodes cover the shards in order, split at power-of-two blocks, and
 * the tree rebuilt from node sums gives the bytes of the whole tree, for every shard count and
 * rank count (what keeps MPI training bit-identical to one process). */
Test(params, tree_cut_among_ranks_gives_the_same_bytes)
{
    cr_assert_eq(latent_shard_nodes(4, 3, (int[4]){0}), 3);
    int b[9];
    latent_shard_nodes(4, 3, b);
    cr_expect(b[0] == 0 && b[1] == 1 && b[2] == 2 && b[3] == 4, "4 shards, 3 ranks: %d %d %d %d", b[0], b[1], b[2], b[3]);
    latent_shard_nodes(5, 2, b);
    cr_expect(b[0] == 0 && b[1] == 4 && b[2] == 5, "5 shards, 2 ranks: %d %d %d", b[0], b[1], b[2]);
    cr_expect_eq(latent_shard_nodes(2, 8, b), 2, "never more nodes than shards");
    for (int shards = 1; shards <= 13; shards++)
        for (int ranks = 1; ranks <= 8; ranks++) {
            latent_params p;
            group(&p, 1100);
            cr_assert_eq(latent_params_reserve_shards(&p, shards), LATENT_OK);

            for (int64_t e = 0; e < shards * p.n; e++) p.shard_g[e] = sinf((float)e * 0.37f) * (float)(1 + e % 7);
            latent_params_reduce_chunks(&p, shards, 0, latent_params_chunks(&p));
            float *whole = malloc((size_t)p.n * sizeof(float));
            memcpy(whole, p.g, (size_t)p.n * sizeof(float));
            memset(p.g, 0, (size_t)p.n * sizeof(float));
            int bound[9];
            const int m = latent_shard_nodes(shards, ranks, bound);
            cr_assert(m == (ranks < shards ? ranks : shards));
            /* every node summed apart, as its rank would; then the tree above them, slice by
             * slice, each slice's nodes packed as the all-to-all leaves them */
            float *nodes = malloc((size_t)m * (size_t)p.n * sizeof(float));
            for (int i = 0; i < m; i++) {
                cr_assert_lt(bound[i], bound[i + 1]);
                latent_params_reduce_range(&p, bound[i], bound[i + 1], nodes + i * p.n, 0,
                                           latent_params_chunks(&p));
            }
            cr_assert_eq(bound[m], shards);
            float *packed = malloc((size_t)m * (size_t)p.n * sizeof(float));
            int64_t covered = 0;
            for (int r = 0; r < ranks; r++) {
                int64_t c0, c1;
                const int64_t len = latent_params_slice(&p, ranks, r, &c0, &c1);
                const int64_t o = c0 * LATENT_UPDATE_CHUNK;
                cr_assert_eq(o, covered < p.n ? covered : o);
                covered += len;
                for (int i = 0; i < m; i++) memcpy(packed + i * len, nodes + i * p.n + o, (size_t)len * sizeof(float));
                latent_params_reduce_nodes(&p, shards, bound, m, packed, len, o, c0, c1);
            }
            cr_assert_eq(covered, p.n);
            free(nodes);
            free(packed);
            cr_expect_eq(memcmp(whole, p.g, (size_t)p.n * sizeof(float)), 0,
                         "%d shards on %d ranks: other bytes", shards, ranks);
            free(whole);
            latent_params_free(&p);
        }
}

/* The update kernels' check of the weights they write (0, or NaN when one is not finite), at this
 * level: a non-finite gradient anywhere (in a full vector, in the tail) shows; finite updates
 * read 0, even where the tail's unused lanes would divide 0 by 0 (eps = 0). */
Test(optim, update_kernels_check_what_they_write)
{
    const lk_table *t = lk_active();
    enum { N = 37 };
    const lk_adam_params adam = {1e-2f, 0.9f, 0.999f, 0.0f, 0.0f, 0.1f, 0.001f, 0};
    const lk_sgd_params sgd = {1e-2f, 0.9f, 0.0f};
    for (int bad = -1; bad < N; bad++) {
        float w[N], g[N], m[N], v[N], w2[N], vel[N];
        for (int i = 0; i < N; i++) {
            w[i] = w2[i] = 0.1f * (float)i - 1.0f;
            g[i] = 0.3f + 0.2f * sinf((float)i);
            m[i] = v[i] = vel[i] = 0.0f;
        }
        if (bad >= 0) g[bad] = bad % 2 ? INFINITY : NAN;
        const float ca = t->adam(N, w, g, m, v, &adam), cs = t->sgd(N, w2, g, vel, &sgd);
        if (bad < 0) {
            cr_expect(ca == 0.0f && cs == 0.0f, "finite: adam %g, sgd %g", (double)ca, (double)cs);
            for (int i = 0; i < N; i++) cr_expect(isfinite(w[i]) && isfinite(w2[i]), "w[%d]", i);
        } else {
            cr_expect(isnan(ca) && isnan(cs), "g[%d] = %g: adam %g, sgd %g", bad, (double)g[bad],
                      (double)ca, (double)cs);
        }
    }
}
