/* Proving weight gradients finite from their rows' norms (grad_proof.h). */
#include "grad_proof.h"
#include <float.h>
#include <math.h>
#include <string.h>
#include "latent/memory.h"

/* Each ledger entry: sq_a, sq_b, rows. */
enum { ENTRY = 3 };
/* Rows up to which the rounding margin below holds: with n <= 2^20 products summed in float in
 * any order (FMA chains, k blocks, the shards' tree), each partial sum is within (1 + n u) of
 * the sum of the terms' sizes, u = 2^-24: at most 1 + 2^-4. */
#define PROOF_MAX_ROWS (1 << 20)
/* The bound must stay this far below FLT_MAX: the rounding above, the squared norms' own float
 * rounding, and room to spare. */
#define PROOF_MARGIN 16.0

static _Thread_local int proof_thread;

void latent_proof_set_thread(int tid) { proof_thread = tid; }

latent_status latent_proof_reserve(latent_params *p, int threads)
{
    if (threads > p->proof_threads) {
        double *rows = latent_calloc((size_t)threads * LATENT_MAX_TENSORS * ENTRY, sizeof(double),
                                     "gradient proof");
        if (!rows) return LATENT_ENOMEM;
        latent_free(p->proof);
        p->proof = rows;
        p->proof_threads = threads;
    } else {
        memset(p->proof, 0, sizeof(double) * (size_t)p->proof_threads * LATENT_MAX_TENSORS * ENTRY);
    }
    if (!p->chunk_proven) {
        p->chunk_proven = latent_calloc((size_t)latent_params_chunks(p), 1, "gradient proof");
        if (!p->chunk_proven) return LATENT_ENOMEM;
    }
    atomic_store_explicit(&p->proof_lost, 0, memory_order_relaxed);
    return LATENT_OK;
}

/* The ledger entry of the tensor at `off` for the calling thread, or NULL (no ledger, no such
 * tensor, or a thread without a row: then the group's proof is lost for the step). */
static double *entry(latent_grad g, int64_t off)
{
    latent_params *p = g.params;
    if (!p || !p->proof) return NULL;
    if (proof_thread < 0 || proof_thread >= p->proof_threads) {
        atomic_store_explicit(&p->proof_lost, 1, memory_order_relaxed);
        return NULL;
    }
    for (int i = 0; i < p->n_tensors; i++)
        if (p->tensor[i].offset == off)
            return p->proof + ((int64_t)proof_thread * LATENT_MAX_TENSORS + i) * ENTRY;
    atomic_store_explicit(&p->proof_lost, 1, memory_order_relaxed);
    return NULL;
}

void latent_proof_add(latent_grad g, int64_t off, double sq_a, double sq_b, int64_t rows)
{
    double *e = entry(g, off);
    if (!e) return;
    e[0] += sq_a, e[1] += sq_b, e[2] += (double)rows;
}

void latent_proof_void(latent_grad g, int64_t off)
{
    double *e = entry(g, off);
    if (e) e[0] = INFINITY;
}

void latent_proof_merge(latent_params *p)
{
    const int lost = atomic_load_explicit(&p->proof_lost, memory_order_relaxed);
    for (int i = 0; i < p->n_tensors; i++) {
        double a = 0.0, b = 0.0, rows = 0.0;
        for (int t = 0; t < p->proof_threads; t++) {
            const double *e = p->proof + ((int64_t)t * LATENT_MAX_TENSORS + i) * ENTRY;
            a += e[0], b += e[1], rows += e[2];
        }
        /* NaN and Inf fail every comparison or the first; nothing recorded proves nothing */
        const double bound = sqrt(a) * sqrt(b);
        p->tensor_proven[i] = !lost && rows > 0.0 && rows <= PROOF_MAX_ROWS &&
                              bound <= FLT_MAX / PROOF_MARGIN;
    }
    /* a chunk is proven when every tensor it overlaps is */
    const int64_t chunks = latent_params_chunks(p);
    memset(p->chunk_proven, 1, (size_t)chunks);
    for (int i = 0; i < p->n_tensors; i++) {
        const latent_param_tensor *tn = &p->tensor[i];
        if (p->tensor_proven[i] || tn->numel == 0) continue;
        const int64_t c0 = tn->offset / LATENT_UPDATE_CHUNK,
                      c1 = (tn->offset + tn->numel - 1) / LATENT_UPDATE_CHUNK;
        memset(p->chunk_proven + c0, 0, (size_t)(c1 - c0 + 1));
    }
    memset(p->proof, 0, sizeof(double) * (size_t)p->proof_threads * LATENT_MAX_TENSORS * ENTRY);
}

void latent_proof_row_norms(const lk_table *t, int64_t rows, const float *dy, int64_t dy_cols,
                            const float *x, int64_t x_cols, double *sq_dy, double *sq_x)
{
    enum { BLOCK = 64 };
    float nd[BLOCK], nx[BLOCK];
    double sd = 0.0, sx = 0.0;
    for (int64_t r = 0; r < rows; r += BLOCK) {
        const int64_t n = rows - r < BLOCK ? rows - r : BLOCK;
        t->sqnorm_rows(n, dy_cols, dy + r * dy_cols, dy_cols, nd);
        t->sqnorm_rows(n, x_cols, x + r * x_cols, x_cols, nx);
        for (int64_t i = 0; i < n; i++) sd += nd[i], sx += nx[i];
    }
    *sq_dy = sd, *sq_x = sx;
}
