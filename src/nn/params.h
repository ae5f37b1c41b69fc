/* Parameter groups: named tensors in one contiguous buffer, their gradients (the reduced one and
 * one per shard) and the optimizer's moments; the update of a group (internal). */
#ifndef LATENT_SRC_NN_PARAMS_H
#define LATENT_SRC_NN_PARAMS_H

#include <stdatomic.h>
#include <stdint.h>
#include "latent/nn.h"

#define LATENT_MAX_TENSORS 48
#define LATENT_TENSOR_DIMS 4
/* The gradient reduction and the optimizer step walk the parameters in chunks of this many
 * floats; any thread may take any chunk, and every sum over chunks is taken in chunk order. */
#define LATENT_UPDATE_CHUNK 512
/* Most shards one minibatch may have (the reduction tree's depth is bounded by its log2). */
#define LATENT_MAX_SHARDS (1 << 20)

/* One named tensor of a group: `numel` floats at `offset` in the group's buffers, of shape
 * shape[0..ndim) (row-major, PyTorch's layout for the module it belongs to). */
typedef struct latent_param_tensor {
    char name[LATENT_NAME_MAX];
    int ndim;
    int64_t shape[LATENT_TENSOR_DIMS];
    int64_t offset, numel;
} latent_param_tensor;

/* A group of parameters updated by one optimizer: contiguous weights, the reduced gradient,
 * per-shard gradient buffers and the optimizer moments. */
typedef struct latent_params {
    int64_t n;               /* floats in every buffer */
    float *w;                /* parameters */
    float *g;                /* the minibatch gradient (reduced over shards) */
    float *shard_g;          /* n_shards x n, one gradient per shard */
    int n_shards;
    float *node_g;           /* MPI: this rank's node of the reduction tree (n floats), then each
                              * node's part of this rank's slice; NULL until needed */
    int n_nodes;             /* ranks node_g has room for */
    float *m, *v;            /* Adam moments (m doubles as SGD velocity); NULL until first step */
    double *chunk_stat;      /* one per LATENT_UPDATE_CHUNK floats: the parallel update's sums */
    int64_t t;               /* optimizer steps taken */
    /* the proof that a step's gradient is finite (grad_proof.h): each thread's sums per tensor,
     * whether the last merge proved each tensor and each update chunk, and whether a record
     * went missing; NULL until a step needs them */
    double *proof;
    int proof_threads;
    atomic_int proof_lost;
    unsigned char *chunk_proven;
    unsigned char tensor_proven[LATENT_MAX_TENSORS];
    int n_tensors;
    latent_param_tensor tensor[LATENT_MAX_TENSORS];
} latent_params;

/* Declares a tensor of ndim dimensions (before latent_params_alloc); returns its offset, or -1
 * with the error set when the table is full, the name too long or the shape bad. */
int64_t latent_params_add(latent_params *p, const char *name, int ndim, const int64_t *shape);

/* Allocates w (zeroed) and g for the declared tensors. */
latent_status latent_params_alloc(latent_params *p);

/* Makes room for `n_shards` shard gradients (kept; grows only). */
latent_status latent_params_reserve_shards(latent_params *p, int n_shards);

/* Allocates zeroed optimizer moments if absent. */
latent_status latent_params_alloc_state(latent_params *p);

/* Frees every buffer; leaves a zeroed group. */
void latent_params_free(latent_params *p);

/* The tensor of a given name, or NULL. */
const latent_param_tensor *latent_params_find(const latent_params *p, const char *name);

/* Sums the per-shard gradients into g over a fixed pairwise tree: shards [lo, hi) add as
 * [lo, mid) + [mid, hi) with mid - lo the largest power of two below hi - lo, so 3 shards add
 * as (s0 + s1) + s2 and 6 as ((s0 + s1) + (s2 + s3)) + (s4 + s5). The tree depends on the shard
 * count alone, never on threads, and cut at its power-of-two blocks it spans machines with the
 * same bytes. With one shard and room for one, g and the shard buffer trade places (no copy);
 * otherwise the shard buffers are left as they were. */
void latent_params_reduce(latent_params *p, int n_shards);

/* The reduction tree cut among `ranks` processes: min(ranks, n_shards) nodes of the tree,
 * contiguous and in shard order, node i holding shards [bound[i], bound[i + 1]). Starting from
 * the root, the node with the most shards (the first of equals) is split at its power-of-two
 * block until there are enough. Returns the node count; bound has room for ranks + 1. */
int latent_shard_nodes(int n_shards, int ranks, int *bound);
/* Makes room in node_g for a job of `ranks` ranks (kept; grows only). */
latent_status latent_params_reserve_nodes(latent_params *p, int ranks);
/* Rank r's slice of the parameters among `ranks`: chunks [*c0, *c1); returns its floats. */
int64_t latent_params_slice(const latent_params *p, int ranks, int r, int64_t *c0, int64_t *c1);
/* Chunks [c0, c1) of the tree sum of shards [lo, hi) into dst (n floats, chunk offsets). */
void latent_params_reduce_range(latent_params *p, int lo, int hi, float *dst, int64_t c0,
                                int64_t c1);
/* Chunks [c0, c1) of g from the whole tree where the sums of the nodes of latent_shard_nodes
 * (n_nodes of them, bounds in bound) lie in the slot of each node's first shard in shard_g.
 * The same bytes as latent_params_reduce. */
void latent_params_reduce_slot_nodes(latent_params *p, int n_shards, const int *bound,
                                     int n_nodes, int64_t c0, int64_t c1);
/* Floats [o0, o1) of the fixed-tree sum of shards [lo, hi), shard s's float at offset o at
 * base[s * stride + o], into dst[0 .. o1 - o0) (dst may be shard lo's own floats). */
void latent_tree_fold(const float *base, int64_t stride, int lo, int hi, int64_t o0, int64_t o1,
                      float *dst);
/* Chunks [c0, c1) of g from the whole tree where the sums of the nodes of latent_shard_nodes
 * (n_nodes of them, bounds in bound) are given: node i's float at offset o (o >= origin) at
 * sum[i * stride + o - origin]. The same bytes as latent_params_reduce. */
void latent_params_reduce_nodes(latent_params *p, int n_shards, const int *bound, int n_nodes,
                                const float *sum, int64_t stride, int64_t origin, int64_t c0,
                                int64_t c1);
/* Chunks of LATENT_UPDATE_CHUNK floats the group's buffers hold. */
int64_t latent_params_chunks(const latent_params *p);

/* LATENT_EDIVERGED (message: `what` of the first non-finite tensor, e.g. "gradient of
 * encoder.0.weight") when buf (w or g of p) holds a NaN or Inf. `where` prefixes the message. */
latent_status latent_params_check_finite(const latent_params *p, const float *buf,
                                         const char *what, const char *where);

/* One optimizer step on p->w from p->g (with clipping when configured). */
latent_status latent_optim_step(latent_params *p, const latent_optim_config *cfg);

#endif
