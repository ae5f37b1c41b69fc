/* The proof that a step's weight gradients are finite (src/nn/grad_proof.h): what the merge
 * proves from each thread's sums, what it must not prove, that a proven product is finite
 * whatever the magnitudes, and that training proves a dense model's tensors (and not the
 * contractive penalty's). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "latent/rng.h"
#include "simd/gemm.h"
#include "src/nn/grad_proof.h"

/* A group of two dense layers' tensors: 40 x 30 weights and 40 biases, then 7 x 86 weights and
 * 7 biases (1849 floats, update chunks 0-3; b.weight, floats 1240-1841, shares chunk 2 with
 * a.bias and chunk 3 with b.bias). */
static void group(latent_params *p)
{
    memset(p, 0, sizeof *p);
    cr_assert_geq(latent_params_add(p, "a.weight", 2, (int64_t[]){40, 30}), 0);
    cr_assert_geq(latent_params_add(p, "a.bias", 1, (int64_t[]){40}), 0);
    cr_assert_geq(latent_params_add(p, "b.weight", 2, (int64_t[]){7, 600 / 7 + 1}), 0);
    cr_assert_geq(latent_params_add(p, "b.bias", 1, (int64_t[]){7}), 0);
    cr_assert_eq(latent_params_alloc(p), LATENT_OK);
    cr_assert_eq(latent_proof_reserve(p, 3), LATENT_OK);
}

/* Every tensor recorded by threads 0 and 2 with ordinary sums, tensor spoil_tensor (or none)
 * with the sums given. */
static void record_all(latent_params *p, int spoil_tensor, double sq_a, double sq_b, int64_t rows)
{
    const latent_grad g = {NULL, 0, NULL, p};
    for (int t = 0; t < 3; t += 2) {
        latent_proof_set_thread(t);
        for (int i = 0; i < p->n_tensors; i++) {
            if (i == spoil_tensor) latent_proof_add(g, p->tensor[i].offset, sq_a, sq_b, rows);
            else latent_proof_add(g, p->tensor[i].offset, 12.5, 300.0, 16);
        }
    }
    latent_proof_set_thread(0);
}

Test(grad_proof, proves_recorded_tensors_and_their_chunks)
{
    latent_params p;
    group(&p);
    record_all(&p, 3, FLT_MAX / 16 * 0.999 / 2, FLT_MAX / 16 * 0.999 / 2, 16); /* just below */
    latent_proof_merge(&p);
    for (int i = 0; i < p.n_tensors; i++) cr_expect(p.tensor_proven[i], "tensor %d", i);
    for (int64_t c = 0; c < latent_params_chunks(&p); c++) cr_expect(p.chunk_proven[c], "chunk %lld", (long long)c);
    /* the merge cleared the ledger: nothing recorded proves nothing */
    latent_proof_merge(&p);
    for (int i = 0; i < p.n_tensors; i++) cr_expect(!p.tensor_proven[i], "tensor %d", i);
    latent_params_free(&p);
}

Test(grad_proof, leaves_unproven_what_it_cannot_show)
{
    const struct {
        double a, b;
        int64_t rows;
        const char *what;
    } bad[] = {
        {NAN, 300.0, 16, "a NaN in dy"},
        {12.5, INFINITY, 16, "an Inf in x"},
        {1e40, 1e40, 16, "a bound near FLT_MAX"},
        /* two threads' records: sqrt(2 a * 2 b) = 2 a */
        {FLT_MAX / 16 * 1.001 / 2, FLT_MAX / 16 * 1.001 / 2, 16, "a bound just above FLT_MAX / 16"},
        {12.5, 300.0, (1 << 20), "more rows than the rounding margin covers"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        latent_params p;
        group(&p);
        record_all(&p, 2, bad[k].a, bad[k].b, bad[k].rows);
        latent_proof_merge(&p);
        cr_expect(p.tensor_proven[0] && p.tensor_proven[1] && p.tensor_proven[3], "%s", bad[k].what);
        cr_expect(!p.tensor_proven[2], "%s: b.weight proven", bad[k].what);
        /* the chunks b.weight overlaps are unproven, the others proven */
        const int64_t c0 = p.tensor[2].offset / LATENT_UPDATE_CHUNK,
                      c1 = (p.tensor[2].offset + p.tensor[2].numel - 1) / LATENT_UPDATE_CHUNK;
        for (int64_t c = 0; c < latent_params_chunks(&p); c++)
            cr_expect_eq(p.chunk_proven[c], c < c0 || c > c1, "%s: chunk %lld", bad[k].what, (long long)c);
        latent_params_free(&p);
    }
}

Test(grad_proof, a_void_a_missing_tensor_or_a_thread_without_a_row_proves_nothing)
{
    latent_params p;
    group(&p);
    const latent_grad g = {NULL, 0, NULL, &p};
    record_all(&p, -1, 0, 0, 0);
    latent_proof_set_thread(2);
    latent_proof_void(g, p.tensor[1].offset);
    latent_proof_set_thread(0);
    latent_proof_merge(&p);
    cr_expect(p.tensor_proven[0] && !p.tensor_proven[1] && p.tensor_proven[2] && p.tensor_proven[3]);
    /* a record at an offset where no tensor starts, or from a thread the ledger has no row for,
     * loses the step's proof for the whole group */
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(latent_proof_reserve(&p, 3), LATENT_OK);
        record_all(&p, -1, 0, 0, 0);
        latent_proof_set_thread(k == 0 ? 0 : 3);
        latent_proof_add(g, k == 0 ? p.tensor[0].offset + 1 : p.tensor[0].offset, 1.0, 1.0, 1);
        latent_proof_set_thread(0);
        latent_proof_merge(&p);
        for (int i = 0; i < p.n_tensors; i++) cr_expect(!p.tensor_proven[i], "case %d tensor %d", k, i);
    }
    latent_params_free(&p);
}

/* The bound itself: dy and x rows at magnitudes from tiny to past float's range, the weight
 * gradient dy^T x by this level's GEMM; whenever their row norms prove it, it is finite, and at
 * ordinary magnitudes they do. */
Test(grad_proof, a_proven_product_is_finite)
{
    enum { ROWS = 48, OUT = 9, IN = 13 };
    const lk_table *t = lk_active();
    float dy[ROWS * OUT], x[ROWS * IN], dw[OUT * IN];
    latent_rng r;
    latent_rng_init(&r, 11, LATENT_STREAM_USER + 31, 0, 0);
    int proven = 0, overflowed = 0;
    for (int trial = 0; trial < 400; trial++) {
        const double ey = -10.0 + 35.0 * latent_rng_uniform(&r), ex = -10.0 + 35.0 * latent_rng_uniform(&r);
        for (int i = 0; i < ROWS * OUT; i++) dy[i] = (float)((2 * latent_rng_uniform(&r) - 1) * pow(10.0, ey));
        for (int i = 0; i < ROWS * IN; i++) x[i] = (float)(latent_rng_uniform(&r) * pow(10.0, ex));
        latent_params p;
        memset(&p, 0, sizeof p);
        cr_assert_geq(latent_params_add(&p, "l.weight", 2, (int64_t[]){OUT, IN}), 0);
        cr_assert_geq(latent_params_add(&p, "l.bias", 1, (int64_t[]){OUT}), 0);
        cr_assert_eq(latent_params_alloc(&p), LATENT_OK);
        cr_assert_eq(latent_proof_reserve(&p, 1), LATENT_OK);
        double sq_dy, sq_x;
        latent_proof_row_norms(t, ROWS, dy, OUT, x, IN, &sq_dy, &sq_x);
        const latent_grad g = {NULL, 0, NULL, &p};
        latent_proof_add(g, p.tensor[0].offset, sq_dy, sq_x, ROWS);
        latent_proof_add(g, p.tensor[1].offset, sq_dy, ROWS, ROWS);
        latent_proof_merge(&p);
        lk_sgemm(t, 1, 0, OUT, IN, ROWS, 1.0f, dy, OUT, x, IN, 0.0f, dw, IN, NULL,
                 LATENT_ACT_IDENTITY, 0.0f);
        int finite = 1;
        for (int i = 0; i < OUT * IN; i++) finite &= isfinite(dw[i]) != 0;
        float db[OUT];
        t->col_sum(ROWS, OUT, dy, OUT, db);
        int bias_finite = 1;
        for (int i = 0; i < OUT; i++) bias_finite &= isfinite(db[i]) != 0;
        if (p.tensor_proven[0]) cr_expect(finite, "trial %d: proven, but dw is not finite (1e%.1f, 1e%.1f)", trial, ey, ex);
        if (p.tensor_proven[1]) cr_expect(bias_finite, "trial %d: bias proven, but not finite", trial);
        /* (a single row's squared norm past float's range, |v| above 1.8e19, is not proven) */
        if (ey < 18.0 && ex < 18.0 && ey + ex < 30.0)
            cr_expect(p.tensor_proven[0], "trial %d: 1e%.1f x 1e%.1f not proven", trial, ey, ex);
        proven += p.tensor_proven[0];
        overflowed += !finite;
        latent_params_free(&p);
    }
    /* both sides of the line were seen */
    cr_expect(proven > 100 && overflowed > 10, "proven %d, overflowed %d", proven, overflowed);
}
