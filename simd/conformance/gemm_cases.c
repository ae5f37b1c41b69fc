/* Conformance cases for the GEMM framework and the fused k-means assignment: every level's
 * lk_sgemm / lk_kmeans_assign against references computed here in double. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../conformance.h"
#include "../gemm.h"

/* Unit roundoff of float. */
#define U 0x1p-24

static const int64_t awkward[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 255};
#define N_AWKWARD ((int)(sizeof awkward / sizeof awkward[0]))

/* A buffer of n floats starting `off` floats past a 64-byte boundary (off = 1: unaligned). */
typedef struct buf {
    float *base, *p;
} buf;

static buf buf_new(int64_t n, int off)
{
    buf b;
    b.base = malloc((size_t)(n + off + 16) * sizeof(float));
    b.p = b.base ? b.base + off : NULL;
    return b;
}

static double act_ref(latent_act act, double x, double slope)
{
    switch (act) {
    case LATENT_ACT_RELU: return x > 0 ? x : 0;
    case LATENT_ACT_LEAKY_RELU: return x > 0 ? x : slope * x;
    case LATENT_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case LATENT_ACT_TANH: return tanh(x);
    case LATENT_ACT_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    default: return x;
    }
}

typedef struct gemm_case {
    int ta, tb;
    int64_t m, n, k;
    int64_t lda_pad, ldb_pad, ldc_pad; /* extra elements per row beyond the row */
    int off;                          /* 1: every matrix starts one float past alignment */
    float alpha, beta;
    int bias;
    latent_act act;
    float slope;
    int check_threads;                /* also compare the bytes of 1 thread and 2 */
} gemm_case;

/* Runs one case; the tolerance per element is
 *   |c - ref| <= (2k + 8) u (|alpha| sum_p |a_ip b_pj| + |beta c0_ij| + |bias_j|)
 *               + 4e-6 |act(ref)| + 1e-7          (the last two only for sigmoid/tanh/softplus)
 * i.e. one rounding per multiply and per add along k (the scalar level rounds both), a few for
 * alpha, beta and bias; the costly activations add their own few-ulp error. Every activation
 * is 1-Lipschitz (leaky's slope < 1), so the GEMM's error passes through undiminished at most. */
static void run_gemm_case(const lk_table *var, const gemm_case *gc, uint64_t seed,
                          lk_case_report *r)
{
    int64_t m = gc->m, n = gc->n, k = gc->k;
    int64_t arows = gc->ta ? k : m, acols = gc->ta ? m : k;
    int64_t brows = gc->tb ? n : k, bcols = gc->tb ? k : n;
    int64_t lda = acols + gc->lda_pad, ldb = bcols + gc->ldb_pad, ldc = n + gc->ldc_pad;
    buf A = buf_new(arows * lda, gc->off), B = buf_new(brows * ldb, gc->off),
        C = buf_new(m * ldc, gc->off), C0 = buf_new(m * ldc, 0), BI = buf_new(n, gc->off),
        C1 = buf_new(m * ldc, 0);
    if (!A.base || !B.base || !C.base || !C0.base || !BI.base || !C1.base) {
        lk_report_case(r, 1.0, 0.0, "out of memory");
        goto done;
    }
    lk_fill_uniform(A.p, arows * lda, seed, -1.0f, 1.0f);
    lk_fill_uniform(B.p, brows * ldb, seed + 1, -1.0f, 1.0f);
    lk_fill_uniform(BI.p, n, seed + 2, -0.5f, 0.5f);
    if (gc->beta == 0.0f) {
        /* beta == 0 must never read C: NaN would show through */
        for (int64_t i = 0; i < m * ldc; i++) C.p[i] = NAN;
    } else {
        lk_fill_uniform(C.p, m * ldc, seed + 3, -1.0f, 1.0f);
    }
    memcpy(C0.p, C.p, (size_t)(m * ldc) * sizeof(float));
    memcpy(C1.p, C.p, (size_t)(m * ldc) * sizeof(float));
    const float *bias = gc->bias ? BI.p : NULL;
    lk_sgemm(var, gc->ta, gc->tb, m, n, k, gc->alpha, A.p, lda, B.p, ldb, gc->beta, C.p, ldc,
             bias, gc->act, gc->slope);

    double worst = 0.0, worst_err = 0.0, worst_bound = 1.0;
    int pad_touched = 0;
    int costly = gc->act == LATENT_ACT_SIGMOID || gc->act == LATENT_ACT_TANH ||
                 gc->act == LATENT_ACT_SOFTPLUS;
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            double s = 0.0, sa = 0.0;
            for (int64_t p = 0; p < k; p++) {
                double av = gc->ta ? A.p[p * lda + i] : A.p[i * lda + p];
                double bv = gc->tb ? B.p[j * ldb + p] : B.p[p * ldb + j];
                s += av * bv;
                sa += fabs(av * bv);
            }
            double ref = (double)gc->alpha * s, scale = fabs((double)gc->alpha) * sa;
            if (gc->beta != 0.0f) {
                ref += (double)gc->beta * C0.p[i * ldc + j];
                scale += fabs((double)gc->beta * C0.p[i * ldc + j]);
            }
            if (bias) ref += bias[j], scale += fabs(bias[j]);
            ref = act_ref(gc->act, ref, gc->slope);
            double bound = (2.0 * (double)k + 8.0) * U * scale + 1e-30;
            if (costly) bound += 4e-6 * fabs(ref) + 1e-7;
            double err = fabs((double)C.p[i * ldc + j] - ref);
            double ratio = err / bound;
            if (!(ratio <= worst)) worst = ratio != ratio ? INFINITY : ratio, worst_err = err,
                                   worst_bound = bound;
        }
        /* the padding past each row of C is not C's: it must come back untouched */
        for (int64_t j = n; j < ldc; j++)
            if (memcmp(&C.p[i * ldc + j], &C0.p[i * ldc + j], sizeof(float)) != 0) pad_touched = 1;
    }
    char what[128];
    snprintf(what, sizeof what, "%c%c m=%lld n=%lld k=%lld ld+%lld/%lld/%lld off=%d a=%g b=%g %sact=%d",
             gc->ta ? 'T' : 'N', gc->tb ? 'T' : 'N', (long long)m, (long long)n, (long long)k,
             (long long)gc->lda_pad, (long long)gc->ldb_pad, (long long)gc->ldc_pad, gc->off,
             (double)gc->alpha, (double)gc->beta, gc->bias ? "bias " : "",
             (int)gc->act); /* a number: the kernel-only build has no src/ names */
    lk_report_case(r, worst_err, worst_bound, what);
    if (pad_touched) {
        snprintf(what + strlen(what) / 2, sizeof what - strlen(what) / 2, " wrote past a row");
        lk_report_case(r, 1.0, 0.0, what);
    }
    if (gc->check_threads && !omp_in_parallel()) {
        /* the bytes of C must not depend on the thread count: exact */
        int saved = omp_get_max_threads();
        omp_set_num_threads(saved > 1 ? 1 : 2);
        lk_sgemm(var, gc->ta, gc->tb, m, n, k, gc->alpha, A.p, lda, B.p, ldb, gc->beta, C1.p, ldc,
                 bias, gc->act, gc->slope);
        omp_set_num_threads(saved);
        int same = memcmp(C1.p, C.p, (size_t)(m * ldc) * sizeof(float)) == 0;
        snprintf(what, sizeof what, "%c%c m=%lld n=%lld k=%lld: bytes of 1 vs 2 threads",
                 gc->ta ? 'T' : 'N', gc->tb ? 'T' : 'N', (long long)m, (long long)n, (long long)k);
        lk_report_case(r, same ? 0.0 : 1.0, 0.0, what);
    }
done:
    free(A.base), free(B.base), free(C.base), free(C0.base), free(BI.base), free(C1.base);
}

/* One layout over the awkward sizes (every m x n, a spread of k), with alignment, leading
 * dimensions, alpha and beta varied from case to case, then a few large shapes (several k
 * blocks, several row and column blocks, threads). */
static void run_layout(const lk_table *var, int ta, int tb, lk_case_report *r)
{
    static const int64_t ks[] = {1, 3, 8, 17, 64, 255};
    static const float alphas[] = {1.0f, -0.5f, 2.25f};
    static const float betas[] = {0.0f, 1.0f, 0.75f, -1.5f};
    uint64_t seed = 1000 * (uint64_t)(1 + 2 * ta + tb);
    int idx = 0;
    for (int im = 0; im < N_AWKWARD; im++)
        for (int in = 0; in < N_AWKWARD; in++)
            for (int ik = 0; ik < (int)(sizeof ks / sizeof ks[0]); ik++, idx++) {
                gemm_case gc = {ta, tb, awkward[im], awkward[in], ks[ik],
                                (idx % 3) * 5, (idx % 4) * 3, (idx % 5) * 2, idx % 2,
                                alphas[idx % 3], betas[idx % 4], 0, LATENT_ACT_IDENTITY, 0.0f, 0};
                run_gemm_case(var, &gc, seed + (uint64_t)idx * 7, r);
            }
    static const int64_t big[][3] = {
        {300, 128, 784}, {256, 128, 784}, {256, 784, 128}, {128, 256, 784}, {784, 256, 128},
        {256, 32, 128}, {13, 4100, 20}, {800, 40, 30}, {67, 45, 1100}};
    for (int b = 0; b < (int)(sizeof big / sizeof big[0]); b++, idx++) {
        gemm_case gc = {ta, tb, big[b][0], big[b][1], big[b][2], (idx % 3) * 5, idx % 4,
                        (idx % 5) * 2, idx % 2, alphas[idx % 3], betas[idx % 4], 0,
                        LATENT_ACT_IDENTITY, 0.0f, 1};
        run_gemm_case(var, &gc, seed + (uint64_t)idx * 7, r);
    }
}

static void run_nn(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_layout(var, 0, 0, r);
}
static void run_nt(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_layout(var, 0, 1, r);
}
static void run_tn(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_layout(var, 1, 0, r);
}

/* Every activation, with and without bias, in the three layouts, at sizes that leave edge
 * tiles and several k blocks. */
static void run_bias_act(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const int64_t sz[][3] = {{1, 1, 1}, {7, 17, 9}, {33, 31, 64}, {15, 255, 3},
                                    {64, 33, 255}, {300, 128, 784}};
    static const float betas[] = {0.0f, 1.0f, 0.5f};
    int idx = 0;
    for (int a = 0; a < LATENT_ACT_COUNT; a++)
        for (int lay = 0; lay < 3; lay++)
            for (int s = 0; s < (int)(sizeof sz / sizeof sz[0]); s++, idx++) {
                gemm_case gc = {lay == 2, lay == 1, sz[s][0], sz[s][1], sz[s][2], idx % 3,
                                (idx % 2) * 4, idx % 4, idx % 2, idx % 2 ? 1.0f : 0.5f,
                                betas[idx % 3], idx % 4 != 3, (latent_act)a, 0.2f, 0};
                run_gemm_case(var, &gc, 77000 + (uint64_t)idx * 5, r);
            }
}

/* A layer's forward product on a shard (NT, few rows, more columns) runs swapped in the driver
 * (C^T = B A^T, B read where it lies): its bytes must be those of the direct product, taken
 * here as NN against B^T written out, for every epilogue. And a team of threads inside a region
 * (2 and 3 members, each its own cell of the grid) must give the bytes of one thread. */
static void run_swapped_and_teams(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const int64_t sz[][3] = {{1, 5, 3}, {7, 17, 9}, {32, 512, 784}, {64, 784, 128},
                                    {33, 100, 600}, {64, 65, 1100}, {12, 2000, 40}};
    int idx = 0;
    for (int a = 0; a < LATENT_ACT_COUNT; a++)
        for (int s = 0; s < (int)(sizeof sz / sizeof sz[0]); s++, idx++) {
            const int64_t m = sz[s][0], n = sz[s][1], k = sz[s][2], lda = k + idx % 3,
                          ldc = n + idx % 2;
            const int with_bias = idx % 3 != 2;
            buf A = buf_new(m * lda, idx % 2), B = buf_new(n * k, 0), BT = buf_new(k * n, 0),
                BI = buf_new(n, 0), C = buf_new(m * ldc, 0), D = buf_new(m * ldc, 0),
                E = buf_new(m * ldc, 0);
            char what[128];
            snprintf(what, sizeof what, "m=%lld n=%lld k=%lld act=%d%s", (long long)m,
                     (long long)n, (long long)k, a, with_bias ? " bias" : "");
            if (!A.base || !B.base || !BT.base || !BI.base || !C.base || !D.base || !E.base) {
                lk_report_case(r, 1.0, 0.0, "out of memory");
            } else {
                lk_fill_uniform(A.p, m * lda, 5100 + (uint64_t)idx, -1.0f, 1.0f);
                lk_fill_uniform(B.p, n * k, 5200 + (uint64_t)idx, -1.0f, 1.0f);
                lk_fill_uniform(BI.p, n, 5300 + (uint64_t)idx, -0.5f, 0.5f);
                /* zeros with either sign come out of ReLU layers: keep some in A, and a whole
                 * row of -0 against a positive column of B, whose sum is -0 before the epilogue */
                for (int64_t i = 0; i < m * lda; i += 7) A.p[i] = i % 2 ? -0.0f : 0.0f;
                for (int64_t p = 0; p < k; p++) A.p[p] = -0.0f, B.p[p] = fabsf(B.p[p]) + 0.5f;
                for (int64_t j = 0; j < n; j++)
                    for (int64_t p = 0; p < k; p++) BT.p[p * n + j] = B.p[j * k + p];
                const float *bias = with_bias ? BI.p : NULL;
                for (int64_t i = 0; i < m * ldc; i++) C.p[i] = D.p[i] = E.p[i] = 7.0f;
                lk_sgemm(var, 0, 1, m, n, k, 1.0f, A.p, lda, B.p, k, 0.0f, C.p, ldc, bias,
                         (latent_act)a, 0.2f);
                lk_sgemm(var, 0, 0, m, n, k, 1.0f, A.p, lda, BT.p, n, 0.0f, D.p, ldc, bias,
                         (latent_act)a, 0.2f);
                int same = memcmp(C.p, D.p, (size_t)(m * ldc) * sizeof(float)) == 0;
                lk_report_case(r, same ? 0.0 : 1.0, 0.0, what);
                for (int size = 2; size <= 3 && !omp_in_parallel(); size++) {
                    lk_barrier bar;
                    lk_barrier_init(&bar);
                    int got = 0;
#pragma omp parallel num_threads(size)
                    {
                        LK_REGION_ENTERED();
                        const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), &bar};
#pragma omp single
                        got = team.size;
                        /* the swapped product, then the direct one over it */
                        lk_sgemm_team(&team, var, 0, 1, m, n, k, 1.0f, A.p, lda, B.p, k, 0.0f,
                                      E.p, ldc, bias, (latent_act)a, 0.2f);
                        lk_team_sync(&team);
#pragma omp single
                        same = memcmp(C.p, E.p, (size_t)(m * ldc) * sizeof(float)) == 0;
                        lk_sgemm_team(&team, var, 0, 0, m, n, k, 1.0f, A.p, lda, BT.p, n, 0.0f,
                                      E.p, ldc, bias, (latent_act)a, 0.2f);
                        lk_team_sync(&team);
#pragma omp single
                        {
                            same = same && memcmp(D.p, E.p, (size_t)(m * ldc) * sizeof(float)) == 0;
                            for (int64_t i = 0; i < m * ldc; i++) E.p[i] = 7.0f;
                        }
                        /* the forward product with each member on its weight rows */
                        lk_sgemm_team_weight_rows(&team, var, 0, 1, m, n, k, 1.0f, A.p, lda, B.p,
                                                  k, 0.0f, E.p, ldc, bias, (latent_act)a, 0.2f);
                        lk_team_sync(&team);
                    }
                    same = same && got == size &&
                           memcmp(C.p, E.p, (size_t)(m * ldc) * sizeof(float)) == 0;
                    snprintf(what + strlen(what), sizeof what - strlen(what), ", team of %d", size);
                    lk_report_case(r, same ? 0.0 : 1.0, 0.0, what);
                }
            }
            free(A.base), free(B.base), free(BT.base), free(BI.base), free(C.base), free(D.base),
                free(E.base);
        }
}

/* A weight gradient dY^T X (TN: dY k x m, X k x n) with each member of a team of 2 or 3 on its
 * weight rows (lk_sgemm_team_weight_rows) must give the bytes of lk_sgemm on one thread. */
static void run_weight_rows_tn(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const int64_t sz[][3] = {{64, 784, 32}, {784, 64, 64}, {16, 64, 32}, {3, 50, 7},
                                    {1024, 784, 17}, {130, 1000, 64}};
    for (int s = 0; s < (int)(sizeof sz / sizeof sz[0]); s++) {
        const int64_t m = sz[s][0], n = sz[s][1], k = sz[s][2];
        buf DY = buf_new(k * m, s % 2), X = buf_new(k * n, 0), C = buf_new(m * n, 0),
            E = buf_new(m * n, 0);
        char what[96];
        snprintf(what, sizeof what, "TN m=%lld n=%lld k=%lld", (long long)m, (long long)n,
                 (long long)k);
        if (!DY.base || !X.base || !C.base || !E.base) {
            lk_report_case(r, 1.0, 0.0, "out of memory");
        } else {
            lk_fill_uniform(DY.p, k * m, 5400 + (uint64_t)s, -1.0f, 1.0f);
            lk_fill_uniform(X.p, k * n, 5500 + (uint64_t)s, -1.0f, 1.0f);
            lk_sgemm(var, 1, 0, m, n, k, 1.0f, DY.p, m, X.p, n, 0.0f, C.p, n, NULL,
                     LATENT_ACT_IDENTITY, 0.0f);
            for (int size = 2; size <= 3 && !omp_in_parallel(); size++) {
                lk_barrier bar;
                lk_barrier_init(&bar);
                int got = 0;
                for (int64_t i = 0; i < m * n; i++) E.p[i] = 7.0f;
#pragma omp parallel num_threads(size)
                {
                    LK_REGION_ENTERED();
                    const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), &bar};
#pragma omp single
                    got = team.size;
                    lk_sgemm_team_weight_rows(&team, var, 1, 0, m, n, k, 1.0f, DY.p, m, X.p, n,
                                              0.0f, E.p, n, NULL, LATENT_ACT_IDENTITY, 0.0f);
                    lk_team_sync(&team);
                }
                const int same = got == size && memcmp(C.p, E.p, (size_t)(m * n) * sizeof(float)) == 0;
                char w2[128];
                snprintf(w2, sizeof w2, "%s, team of %d", what, size);
                lk_report_case(r, same ? 0.0 : 1.0, 0.0, w2);
            }
        }
        free(DY.base), free(X.base), free(C.base), free(E.base);
    }
}

/* The input gradient dY W split along the members' weight rows (lk_sgemm_team_weight_rows, NN)
 * against lk_sgemm on one thread, bit for bit, on teams of 1 to 4, with and without the members'
 * buffers (the out-of-memory path); the shapes include ones the level splits (weight rows that
 * are whole k blocks: two or four blocks, a member with two of them) and ones it does not. */
static void run_k_rows_nn(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const int64_t sz[][3] = {{32, 256, 784}, {64, 1024, 784}, {17, 100, 1024},
                                    {5, 33, 600}, {64, 128, 1568}, {3, 50, 7}, {40, 300, 1000}};
    int split = 0;
    for (int s = 0; s < (int)(sizeof sz / sizeof sz[0]); s++) {
        const int64_t m = sz[s][0], n = sz[s][1], k = sz[s][2], lda = k + s % 2, ldc = n + 1;
        buf A = buf_new(m * lda, s % 2), B = buf_new(k * n, 0), C = buf_new(m * ldc, 0),
            E = buf_new(m * ldc, 0);
        if (!A.base || !B.base || !C.base || !E.base) {
            lk_report_case(r, 1.0, 0.0, "out of memory");
            free(A.base), free(B.base), free(C.base), free(E.base);
            continue;
        }
        lk_fill_uniform(A.p, m * lda, 5600 + (uint64_t)s, -1.0f, 1.0f);
        lk_fill_uniform(B.p, k * n, 5700 + (uint64_t)s, -1.0f, 1.0f);
        for (int64_t i = 0; i < m * lda; i += 3) A.p[i] = 0.0f; /* ReLU deltas have zeros */
        lk_sgemm(var, 0, 0, m, n, k, 1.0f, A.p, lda, B.p, n, 0.0f, C.p, ldc, NULL,
                 LATENT_ACT_IDENTITY, 0.0f);
        for (int size = 1; size <= 4 && !omp_in_parallel(); size++)
            for (int buffered = 1; buffered >= 0; buffered--) {
                for (int64_t i = 0; i < m * ldc; i++) E.p[i] = 7.0f;
                lk_barrier bar;
                lk_barrier_init(&bar);
                int got = 0;
#pragma omp parallel num_threads(size)
                {
                    LK_REGION_ENTERED();
                    const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), &bar};
#pragma omp single
                    got = team.size;
                    if (buffered)
                        lk_sgemm_team_weight_rows(&team, var, 0, 0, m, n, k, 1.0f, A.p, lda, B.p,
                                                  n, 0.0f, E.p, ldc, NULL, LATENT_ACT_IDENTITY,
                                                  0.0f);
                    else
                        lk_sgemm_team_k_rows_buffered(&team, var, m, n, k, A.p, lda, B.p, n, E.p,
                                                      ldc, 0);
                    lk_team_sync(&team);
                }
                int same = got == size;
                for (int64_t i = 0; i < m && same; i++)
                    same = memcmp(C.p + i * ldc, E.p + i * ldc, (size_t)n * sizeof(float)) == 0 &&
                           E.p[i * ldc + n] == 7.0f;
                const int splits = lk_sgemm_k_rows_splits(var, size, m, n, k);
                split += splits;
                char what[128];
                snprintf(what, sizeof what, "NN m=%lld n=%lld k=%lld, team of %d%s%s",
                         (long long)m, (long long)n, (long long)k, size,
                         splits ? ", split along k" : "", buffered ? "" : ", no buffers");
                lk_report_case(r, same ? 0.0 : 1.0, 0.0, what);
            }
        free(A.base), free(B.base), free(C.base), free(E.base);
    }
    /* a level whose micro-kernels add C after each block must take the split somewhere here */
    if (var->gemm_adds_c && !omp_in_parallel())
        lk_report_case(r, split >= 8 ? 0.0 : 1.0, 0.0, "products split along k");
}

/* The reduction's tree over per-part buffers (part i at bufs + i * len), the reference the
 * tree GEMM must equal: the first power-of-two block, then the rest, left + right. */
static void tree_reference(const float *bufs, int64_t len, int lo, int hi, float *dst)
{
    if (hi - lo == 1) {
        memcpy(dst, bufs + lo * len, (size_t)len * sizeof(float));
        return;
    }
    int half = 1;
    while (half * 2 < hi - lo) half *= 2;
    float *right = malloc((size_t)len * sizeof(float));
    if (!right) abort();
    tree_reference(bufs, len, lo, lo + half, dst);
    tree_reference(bufs, len, lo + half, hi, right);
    for (int64_t i = 0; i < len; i++) dst[i] = dst[i] + right[i];
    free(right);
}

/* lk_sgemm_tn_tree against one lk_sgemm(TN) per part and the tree over their results, bit for
 * bit, alone and on teams of 2 and 3 (shard-sized parts, a short last one, parts beyond a k
 * block, counts that are not powers of two, edge tiles). */
static void run_tn_tree(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const struct { int64_t m, n; int parts; int64_t len[9]; } cs[] = {
        {128, 784, 4, {64, 64, 64, 64}}, {1024, 784, 4, {64, 64, 64, 64}}, {17, 33, 3, {64, 64, 36}},
        {1, 1, 1, {1}}, {13, 100, 5, {5, 3, 7, 1, 64}}, {64, 65, 2, {128, 128}},
        {31, 40, 2, {600, 700}}, {100, 17, 9, {64, 64, 64, 64, 64, 64, 64, 64, 9}},
        {784, 128, 8, {64, 64, 64, 64, 64, 64, 64, 64}}};
    for (int ci = 0; ci < (int)(sizeof cs / sizeof cs[0]); ci++) {
        const int64_t m = cs[ci].m, n = cs[ci].n, lda = m + ci % 2, ldb = n + 1, ldc = n + ci % 3;
        int64_t k0[9], k = 0;
        for (int p = 0; p < cs[ci].parts; p++) k0[p] = k, k += cs[ci].len[p];
        buf A = buf_new(k * lda, ci % 2), B = buf_new(k * ldb, 0), P = buf_new(cs[ci].parts * m * n, 0),
            R = buf_new(m * n, 0), C = buf_new(m * ldc, 0);
        char what[128];
        snprintf(what, sizeof what, "m=%lld n=%lld parts=%d k=%lld", (long long)m, (long long)n,
                 cs[ci].parts, (long long)k);
        if (!A.base || !B.base || !P.base || !R.base || !C.base) {
            lk_report_case(r, 1.0, 0.0, "out of memory");
        } else {
            lk_fill_uniform(A.p, k * lda, 5400 + (uint64_t)ci, -1.0f, 1.0f);
            lk_fill_uniform(B.p, k * ldb, 5500 + (uint64_t)ci, -1.0f, 1.0f);
            for (int64_t i = 0; i < k * lda; i += 5) A.p[i] = 0.0f; /* ReLU deltas have zeros */
            for (int p = 0; p < cs[ci].parts; p++)
                lk_sgemm(var, 1, 0, m, n, cs[ci].len[p], 1.0f, A.p + k0[p] * lda, lda,
                         B.p + k0[p] * ldb, ldb, 0.0f, P.p + p * m * n, n, NULL,
                         LATENT_ACT_IDENTITY, 0.0f);
            tree_reference(P.p, m * n, 0, cs[ci].parts, R.p);
            for (int size = 1; size <= 3; size++) {
                for (int64_t i = 0; i < m * ldc; i++) C.p[i] = 7.0f;
                lk_barrier bar;
                lk_barrier_init(&bar);
#pragma omp parallel num_threads(size)
                {
                    LK_REGION_ENTERED();
                    const lk_team team = {omp_get_thread_num(), omp_get_num_threads(), &bar};
                    lk_sgemm_tn_tree(&team, var, m, n, k0, cs[ci].len, cs[ci].parts, A.p, lda,
                                     B.p, ldb, C.p, ldc);
                }
                int same = 1;
                for (int64_t i = 0; i < m && same; i++)
                    same = memcmp(C.p + i * ldc, R.p + i * n, (size_t)n * sizeof(float)) == 0 &&
                           (ldc == n || C.p[i * ldc + n] == 7.0f);
                char w2[160];
                snprintf(w2, sizeof w2, "%s, team of %d", what, size);
                lk_report_case(r, same ? 0.0 : 1.0, 0.0, w2);
            }
        }
        free(A.base), free(B.base), free(P.base), free(R.base), free(C.base);
    }
}

/* k-means assignment. With scale_ij = 2 sum_p |x_ip c_jp| + |cnorm_j| and
 * tol_i = (2d + 8) u max_j scale_ij, a level must give dist_i within tol_i of the double
 * reference's min, and exactly the reference's label wherever the reference's margin (second
 * best - best) exceeds 2 tol_i; elsewhere its label must be within 2 tol_i of the best. Ties
 * between identical centers must go to the lowest index (exact). */
static void run_kmeans_case(const lk_table *var, int64_t n, int64_t d, int64_t k, int64_t ldx_pad,
                            int off, int dup, uint64_t seed, lk_case_report *r)
{
    int64_t ldx = d + ldx_pad;
    buf X = buf_new(n * ldx, off), CE = buf_new(k * d, off), CN = buf_new(k, off),
        DI = buf_new(n, off);
    int32_t *lab = malloc((size_t)n * sizeof(int32_t));
    double *v = malloc((size_t)k * sizeof(double));
    char what[128];
    if (!X.base || !CE.base || !CN.base || !DI.base || !lab || !v) {
        lk_report_case(r, 1.0, 0.0, "out of memory");
        goto done;
    }
    lk_fill_uniform(X.p, n * ldx, seed, -1.0f, 1.0f);
    lk_fill_uniform(CE.p, k * d, seed + 1, -1.0f, 1.0f);
    /* dup: every third center copies an earlier one, and some rows sit on a center */
    if (dup)
        for (int64_t j = 2; j < k; j += 3) memcpy(CE.p + j * d, CE.p + (j / 3) * d, (size_t)d * sizeof(float));
    if (dup)
        for (int64_t i = 0; i < n; i += 4) memcpy(X.p + i * ldx, CE.p + ((i / 4) % k) * d, (size_t)d * sizeof(float));
    for (int64_t j = 0; j < k; j++) {
        double s = 0.0;
        for (int64_t p = 0; p < d; p++) s += (double)CE.p[j * d + p] * CE.p[j * d + p];
        CN.p[j] = (float)s;
    }
    lk_kmeans_assign(var, n, d, X.p, ldx, CE.p, k, CN.p, lab, DI.p);

    double worst = 0.0, werr = 0.0, wbound = 1.0;
    int64_t wrong = 0, tie_wrong = 0;
    for (int64_t i = 0; i < n; i++) {
        double best = INFINITY, second = INFINITY, maxscale = 0.0;
        int64_t bj = -1;
        for (int64_t j = 0; j < k; j++) {
            double s = 0.0, sa = 0.0;
            for (int64_t p = 0; p < d; p++) {
                double pr = (double)X.p[i * ldx + p] * CE.p[j * d + p];
                s += pr;
                sa += fabs(pr);
            }
            v[j] = (double)CN.p[j] - 2.0 * s;
            double sc = 2.0 * sa + fabs((double)CN.p[j]);
            if (sc > maxscale) maxscale = sc;
            if (v[j] < best) second = best, best = v[j], bj = j;
            else if (v[j] < second) second = v[j];
        }
        double tol = (2.0 * (double)d + 8.0) * U * maxscale + 1e-30;
        double err = fabs((double)DI.p[i] - best), ratio = err / tol;
        if (!(ratio <= worst)) worst = ratio != ratio ? INFINITY : ratio, werr = err, wbound = tol;
        int32_t l = lab[i];
        if (l < 0 || l >= k) { wrong++; continue; }
        if (second - best > 2.0 * tol) { if (l != bj) wrong++; }
        else if (!(v[l] <= best + 2.0 * tol)) wrong++;
        for (int64_t j = 0; j < l; j++)
            if (memcmp(CE.p + j * d, CE.p + l * d, (size_t)d * sizeof(float)) == 0 &&
                CN.p[j] == CN.p[l]) { tie_wrong++; break; }
    }
    snprintf(what, sizeof what, "n=%lld d=%lld k=%lld ldx+%lld off=%d%s: dist", (long long)n,
             (long long)d, (long long)k, (long long)ldx_pad, off, dup ? " dup" : "");
    lk_report_case(r, werr, wbound, what);
    snprintf(what, sizeof what, "n=%lld d=%lld k=%lld ldx+%lld off=%d%s: labels (%lld wrong)",
             (long long)n, (long long)d, (long long)k, (long long)ldx_pad, off, dup ? " dup" : "",
             (long long)wrong);
    lk_report_case(r, (double)wrong, 0.0, what);
    if (dup) {
        snprintf(what, sizeof what, "n=%lld d=%lld k=%lld: ties to the lowest index (%lld not)",
                 (long long)n, (long long)d, (long long)k, (long long)tie_wrong);
        lk_report_case(r, (double)tie_wrong, 0.0, what);
    }
done:
    free(X.base), free(CE.base), free(CN.base), free(DI.base), free(lab), free(v);
}

static void run_kmeans(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const int64_t ds[] = {1, 3, 16, 33, 255};
    int idx = 0;
    for (int in = 0; in < N_AWKWARD; in++)
        for (int ik = 0; ik < N_AWKWARD; ik += 2)
            for (int id = 0; id < (int)(sizeof ds / sizeof ds[0]); id++, idx++)
                run_kmeans_case(var, awkward[in], ds[id], awkward[ik], (idx % 3) * 3, idx % 2,
                                idx % 4 == 1, 500 + (uint64_t)idx * 3, r);
    run_kmeans_case(var, 1000, 784, 33, 5, 1, 1, 91, r);
    run_kmeans_case(var, 700, 784, 256, 0, 0, 0, 92, r);
    run_kmeans_case(var, 2049, 20, 600, 1, 1, 1, 93, r);
}

/* The assignment's definition: label_i = the lowest j minimizing cnorm_j - 2 rows_dot(x_i, c_j)
 * and dist_i that minimum, bit for bit, whatever path computes it (screening in float, in
 * bfloat16 where the CPU has it, or rows_dot throughout). Data built to defeat a wrong screening
 * bound: clusters of near-identical centers (many candidates per row), duplicates, rows sitting
 * on centers, an odd d (a half-filled bfloat16 pair), values whose products are subnormal
 * (VDPBF16PS flushes them) and values near 1e15. */
/* The same assignment from rows prepared once (bfloat16 pair rows a few words wider than
 * needed, and the rows' norms), with dist and with labels alone: how many rows differ from the
 * labels and dist already checked. Nothing to do where the level screens in float. */
static int64_t screen_from_pairs(const lk_table *var, int64_t n, int64_t d, const float *X,
                                 const float *CE, int64_t k, const float *CN, const int32_t *lab,
                                 const float *DI)
{
    const int64_t ldp = lk_kmeans_pairs_ld(var, d);
    if (!ldp) return 0;
    uint32_t *pairs = malloc((size_t)(n * (ldp + 3)) * sizeof(uint32_t));
    float *xn = malloc((size_t)n * sizeof(float)), *di = malloc((size_t)n * sizeof(float));
    int32_t *lb = malloc((size_t)n * sizeof(int32_t)), *lb2 = malloc((size_t)n * sizeof(int32_t));
    int64_t wrong = n;
    if (pairs && xn && di && lb && lb2) {
        lk_kmeans_pairs(var, n, d, X, d, pairs, ldp + 3);
        var->sqnorm_rows(n, d, X, d, xn);
        lk_kmeans_assign_pairs(var, n, d, X, d, pairs, ldp + 3, xn, CE, k, CN, lb, di);
        lk_kmeans_assign_pairs(var, n, d, X, d, pairs, ldp + 3, xn, CE, k, CN, lb2, NULL);
        wrong = 0;
        for (int64_t i = 0; i < n; i++)
            wrong += lb[i] != lab[i] || lb2[i] != lab[i] || memcmp(&di[i], &DI[i], sizeof di[i]) != 0;
    }
    free(pairs), free(xn), free(di), free(lb), free(lb2);
    return wrong;
}

static void run_screen_case(const lk_table *var, const char *label, int64_t n, int64_t d,
                            int64_t k, float scale, float spread, uint64_t seed, lk_case_report *r)
{
    float *X = malloc((size_t)(n * d) * sizeof(float)), *CE = malloc((size_t)(k * d) * sizeof(float));
    float *CN = malloc((size_t)k * sizeof(float)), *DI = malloc((size_t)n * sizeof(float));
    float *base = malloc((size_t)(8 * d) * sizeof(float)), *noise = malloc((size_t)d * sizeof(float));
    int32_t *lab = malloc((size_t)n * sizeof(int32_t));
    char what[160];
    if (!X || !CE || !CN || !DI || !base || !noise || !lab) {
        lk_report_case(r, 1.0, 0.0, "out of memory");
        goto done;
    }
    lk_fill_uniform(base, 8 * d, seed, 0.0f, 1.0f);
    for (int64_t j = 0; j < k; j++) {
        lk_fill_uniform(noise, d, seed + 10 + (uint64_t)j, -1.0f, 1.0f);
        for (int64_t p = 0; p < d; p++)
            CE[j * d + p] = scale * (base[(j % 8) * d + p] + spread * noise[p]);
        if (j % 5 == 4) memcpy(CE + j * d, CE + (j - 3) * d, (size_t)d * sizeof(float));
    }
    for (int64_t i = 0; i < n; i++) {
        lk_fill_uniform(noise, d, seed + 100000 + (uint64_t)i, -1.0f, 1.0f);
        for (int64_t p = 0; p < d; p++) X[i * d + p] = scale * (base[(i % 8) * d + p] + 0.1f * noise[p]);
        if (i % 7 == 3) memcpy(X + i * d, CE + (i % k) * d, (size_t)d * sizeof(float));
    }
    var->sqnorm_rows(k, d, CE, d, CN);
    lk_kmeans_assign(var, n, d, X, d, CE, k, CN, lab, DI);
    int64_t wrong = 0;
    for (int64_t i = 0; i < n; i++) {
        float best = INFINITY;
        int32_t idx = 0;
        for (int64_t j = 0; j < k; j++) {
            float dot;
            var->rows_dot(1, 1, d, X + i * d, d, CE + j * d, d, &dot, 1);
            float v = CN[j] - 2.0f * dot;
            if (v < best) best = v, idx = (int32_t)j;
        }
        if (lab[i] != idx || memcmp(&DI[i], &best, sizeof best) != 0) wrong++;
    }
    wrong += screen_from_pairs(var, n, d, X, CE, k, CN, lab, DI);
    snprintf(what, sizeof what, "%s n=%lld d=%lld k=%lld scale=%g: labels and dist = definition (%lld differ)",
             label, (long long)n, (long long)d, (long long)k, (double)scale, (long long)wrong);
    lk_report_case(r, (double)wrong, 0.0, what);
done:
    free(X), free(CE), free(CN), free(DI), free(base), free(noise), free(lab);
}

static void run_screen_cases(const lk_table *var, const char *label, lk_case_report *r)
{
    run_screen_case(var, label, 300, 784, 40, 1.0f, 1e-3f, 71, r);
    run_screen_case(var, label, 200, 97, 70, 1.0f, 1e-2f, 72, r);
    run_screen_case(var, label, 150, 784, 256, 1.0f, 3e-1f, 73, r);
    run_screen_case(var, label, 100, 300, 33, 1e-20f, 1e-3f, 74, r);
    run_screen_case(var, label, 100, 64, 48, 1e15f, 1e-3f, 75, r);
    run_screen_case(var, label, 64, 33, 17, 1.0f, 0.0f, 76, r);
    /* few centers: only rows prepared as pairs take the screen */
    run_screen_case(var, label, 300, 784, 10, 1.0f, 1e-2f, 77, r);
    run_screen_case(var, label, 130, 97, 3, 1.0f, 1e-3f, 78, r);
}

static void run_kmeans_screen(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    run_screen_cases(var, var->kmeans_dots_bf16 ? "bf16" : "float", r);
    if (var->kmeans_dots_bf16) {
        /* the same level's float screening, which CPUs without AVX512_BF16 run */
        lk_table f = *var;
        f.kmeans_dots_bf16 = NULL;
        f.kmeans_pack_bf16 = NULL;
        f.kmeans_pairs_bf16 = NULL;
        run_screen_cases(&f, "float", r);
    }
}

/* rows_dot against dot products in double: |out - ref| <= (d + 8) u sum_p |x_p c_p| (one
 * rounding per multiply-add along d, a few for the lane sum). Also: the column past each row
 * of out is never written, and every pair gives the same bytes computed alone (n = m = 1) as
 * inside the whole call, whatever its place in the register tile. */
static void run_rows_dot(const lk_table *ref, const lk_table *var, lk_case_report *r)
{
    (void)ref;
    static const int64_t ns[] = {1, 3, 4, 5, 9}, ms[] = {1, 2, 5, 6, 7, 13};
    char what[128];
    int idx = 0;
    for (int in = 0; in < 5; in++)
        for (int im = 0; im < 6; im++)
            for (int id = 0; id < N_AWKWARD; id += 2, idx++) {
                const int64_t n = ns[in], m = ms[im], d = awkward[id] + (id == 12 ? 529 : 0);
                const int64_t ldx = d + idx % 3, ldc = d + 1, ldo = m + 1;
                const int off = idx % 2;
                buf X = buf_new(n * ldx, off), CE = buf_new(m * ldc, off), O = buf_new(n * ldo, off);
                if (!X.base || !CE.base || !O.base) {
                    lk_report_case(r, 1.0, 0.0, "out of memory");
                    free(X.base), free(CE.base), free(O.base);
                    return;
                }
                lk_fill_uniform(X.p, n * ldx, 3000 + (uint64_t)idx, -1.0f, 1.0f);
                lk_fill_uniform(CE.p, m * ldc, 4000 + (uint64_t)idx, -1.0f, 1.0f);
                for (int64_t i = 0; i < n * ldo; i++) O.p[i] = -7.0f;
                var->rows_dot(n, m, d, X.p, ldx, CE.p, ldc, O.p, ldo);
                double worst_err = 0.0, worst_bound = 1.0, worst = 0.0;
                int64_t guard = 0, alone = 0;
                for (int64_t i = 0; i < n; i++) {
                    guard += O.p[i * ldo + m] != -7.0f;
                    for (int64_t j = 0; j < m; j++) {
                        double s = 0.0, mag = 0.0;
                        for (int64_t p = 0; p < d; p++) {
                            double v = (double)X.p[i * ldx + p] * CE.p[j * ldc + p];
                            s += v;
                            mag += fabs(v);
                        }
                        double err = fabs(O.p[i * ldo + j] - s), bound = (double)(d + 8) * U * mag + 1e-30;
                        if (!(err / bound <= worst)) worst = err / bound, worst_err = err, worst_bound = bound;
                        float one;
                        var->rows_dot(1, 1, d, X.p + i * ldx, ldx, CE.p + j * ldc, ldc, &one, 1);
                        alone += memcmp(&one, &O.p[i * ldo + j], sizeof one) != 0;
                    }
                }
                snprintf(what, sizeof what, "rows_dot n=%lld m=%lld d=%lld ldx=%lld off=%d",
                         (long long)n, (long long)m, (long long)d, (long long)ldx, off);
                lk_report_case(r, worst_err, worst_bound, what);
                lk_report_case(r, (double)guard, 0.0, what);
                lk_report_case(r, (double)alone, 0.0, what);
                free(X.base), free(CE.base), free(O.base);
            }
}

const lk_conformance_kernel lk_conformance_gemm[] = {
    {"sgemm_nn", run_nn},
    {"sgemm_nt", run_nt},
    {"sgemm_tn", run_tn},
    {"sgemm_bias_act", run_bias_act},
    {"sgemm_swapped_teams", run_swapped_and_teams},
    {"sgemm_weight_rows_tn", run_weight_rows_tn},
    {"sgemm_tn_tree", run_tn_tree},
    {"sgemm_k_rows_nn", run_k_rows_nn},
    {"kmeans_assign", run_kmeans},
    {"kmeans_screen", run_kmeans_screen},
    {"rows_dot", run_rows_dot},
};
const int lk_conformance_gemm_count = (int)(sizeof lk_conformance_gemm / sizeof lk_conformance_gemm[0]);
