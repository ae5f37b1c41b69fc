/* Parameter groups: named tensors in one contiguous buffer, their gradients and moments. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "latent/memory.h"
#include "update.h"

int64_t latent_params_add(latent_params *p, const char *name, int ndim, const int64_t *shape)
{
    if (p->n_tensors >= LATENT_MAX_TENSORS) {
        latent_fail(LATENT_EINVAL, "params: %s: more than %d tensors", name, LATENT_MAX_TENSORS);
        return -1;
    }
    if (strlen(name) >= LATENT_NAME_MAX) {
        latent_fail(LATENT_EINVAL, "params: tensor name too long: %s", name);
        return -1;
    }
    int64_t numel = 1;
    int ok = ndim >= 0 && ndim <= LATENT_TENSOR_DIMS; /* 0: a scalar */
    for (int i = 0; ok && i < ndim; i++)
        ok = shape[i] > 0 && !__builtin_mul_overflow(numel, shape[i], &numel);
    if (!ok || numel > INT64_MAX / 2 - p->n) {
        latent_fail(LATENT_EINVAL, "params: %s: bad shape (%d dimensions, first %lld)", name,
                    ndim, ndim >= 1 ? (long long)shape[0] : 0LL);
        return -1;
    }
    latent_param_tensor *t = &p->tensor[p->n_tensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    for (int i = 0; i < LATENT_TENSOR_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 0;
    t->offset = p->n;
    t->numel = numel;
    /* 16-float alignment keeps every tensor on its own cache line */
    p->n += (numel + 15) & ~(int64_t)15;
    return t->offset;
}

latent_status latent_params_alloc(latent_params *p)
{
    /* Training keeps four floats per parameter (weights, gradient, two optimizer moments):
     * refuse a model whose parameters alone would not fit, before touching any of it. */
    uint64_t mem = latent_physical_memory();
    if (mem && (uint64_t)p->n > mem / (4 * sizeof(float)))
        return latent_fail(LATENT_ENOMEM, "model: %lld parameters need %.1f GiB for weights, "
                           "gradients and optimizer moments but this machine has %.1f GiB of "
                           "memory", (long long)p->n, (double)p->n * 16 / 1073741824.0,
                           (double)mem / 1073741824.0);
    p->w = latent_calloc((size_t)p->n, sizeof(float), "parameters");
    p->g = latent_calloc((size_t)p->n, sizeof(float), "gradient");
    p->chunk_stat = latent_calloc((size_t)latent_params_chunks(p), sizeof(double), "update sums");
    if (!p->w || !p->g || !p->chunk_stat) return LATENT_ENOMEM;
    return LATENT_OK;
}

latent_status latent_params_reserve_shards(latent_params *p, int n_shards)
{
    if (n_shards <= p->n_shards) return LATENT_OK;
    size_t count;
    if (!latent_mul_ok((size_t)n_shards, (size_t)p->n, &count))
        return latent_fail(LATENT_ENOMEM, "params: %d shard gradients overflow", n_shards);
    float *s = latent_calloc(count, sizeof(float), "shard gradients");
    if (!s) return LATENT_ENOMEM;
    latent_free(p->shard_g);
    p->shard_g = s;
    p->n_shards = n_shards;
    return LATENT_OK;
}

latent_status latent_params_alloc_state(latent_params *p)
{
    if (p->m) return LATENT_OK;
    p->m = latent_calloc((size_t)p->n, sizeof(float), "optimizer moments");
    p->v = latent_calloc((size_t)p->n, sizeof(float), "optimizer moments");
    if (!p->m || !p->v) return LATENT_ENOMEM;
    return LATENT_OK;
}

void latent_params_free(latent_params *p)
{
    latent_free(p->w);
    latent_free(p->g);
    latent_free(p->shard_g);
    latent_free(p->node_g);
    latent_free(p->m);
    latent_free(p->v);
    latent_free(p->chunk_stat);
    latent_free(p->proof);
    latent_free(p->chunk_proven);
    memset(p, 0, sizeof *p);
}

const latent_param_tensor *latent_params_find(const latent_params *p, const char *name)
{
    for (int i = 0; i < p->n_tensors; i++)
        if (strcmp(p->tensor[i].name, name) == 0) return &p->tensor[i];
    return NULL;
}

int64_t latent_params_chunks(const latent_params *p)
{
    return (p->n + LATENT_UPDATE_CHUNK - 1) / LATENT_UPDATE_CHUNK;
}

/* The nodes of the tree whose sums come from elsewhere (NULL: none): node i is shards
 * [bound[i], bound[i + 1]), its float at offset o at sum[i * stride + o - origin], or, with
 * in_slots, in the slot of its first shard (the shard gradients' own buffer). */
typedef struct tree_nodes {
    const int *bound;
    int n;
    const float *sum;
    int64_t stride, origin;
    int in_slots;
} tree_nodes;

/* Per-shard buffers: shard s's float at offset o at base[s * stride + o]. */
typedef struct tree_slots {
    const float *base;
    int64_t stride;
} tree_slots;

/* Node [lo, hi)'s floats from offset o on, when it is one of k's. */
static const float *known_node(const tree_slots *sl, const tree_nodes *k, int lo, int hi,
                               int64_t o)
{
    if (!k) return NULL;
    for (int i = 0; i < k->n; i++)
        if (k->bound[i] == lo && k->bound[i + 1] == hi)
            return k->in_slots ? sl->base + (int64_t)lo * sl->stride + o
                               : k->sum + (int64_t)i * k->stride + (o - k->origin);
    return NULL;
}

/* Node [lo, hi)'s floats from offset o on when they lie in one buffer already (a node whose
 * sum came from elsewhere, or a single shard), else NULL. */
static const float *ready_node(const tree_slots *sl, const tree_nodes *k, int lo, int hi, int64_t o)
{
    const float *known = known_node(sl, k, lo, hi, o);
    return known ? known : hi - lo == 1 ? sl->base + (int64_t)lo * sl->stride + o : NULL;
}

/* Shards [lo, hi) of one chunk (len floats at offset o) summed into dst by the fixed tree: the
 * first power-of-two block, then the rest, added in that order. Each half is read where it
 * already lies (a node's sum, a single shard) or summed first, the left into dst and the right
 * into tmp[0]; tmp holds one chunk per level below this one. dst may be the slot of shard lo. */
static void tree_sum(const tree_slots *sl, const tree_nodes *k, int lo, int hi, int64_t o,
                     int64_t len, float *dst, float (*tmp)[LATENT_UPDATE_CHUNK])
{
    const float *src = ready_node(sl, k, lo, hi, o);
    if (src) {
        if (src != dst) memcpy(dst, src, (size_t)len * sizeof(float));
        return;
    }
    int half = 1;
    while (half * 2 < hi - lo) half *= 2;
    const float *left = ready_node(sl, k, lo, lo + half, o), *right = ready_node(sl, k, lo + half, hi, o);
    if (!left) {
        tree_sum(sl, k, lo, lo + half, o, len, dst, tmp + 1);
        left = dst;
    }
    if (!right) {
        tree_sum(sl, k, lo + half, hi, o, len, tmp[0], tmp + 1);
        right = tmp[0];
    }
    for (int64_t i = 0; i < len; i++) dst[i] = left[i] + right[i]; /* one rounding per float */
}

/* Floats [o0, o1) of the tree sum of shards [lo, hi) into dst[0 .. o1 - o0), a chunk at a time. */
static void tree_span(const tree_slots *sl, const tree_nodes *k, int lo, int hi, int64_t o0,
                      int64_t o1, float *dst)
{
    /* depth: one level per halving of the shard count (LATENT_MAX_SHARDS = 2^20) */
    float tmp[21][LATENT_UPDATE_CHUNK];
    for (int64_t o = o0; o < o1; o += LATENT_UPDATE_CHUNK) {
        const int64_t len = o1 - o < LATENT_UPDATE_CHUNK ? o1 - o : LATENT_UPDATE_CHUNK;
        tree_sum(sl, k, lo, hi, o, len, dst + (o - o0), tmp);
    }
}

static void reduce_chunks(latent_params *p, const tree_nodes *k, int lo, int hi, float *dst,
                          int64_t c0, int64_t c1)
{
    const tree_slots sl = {p->shard_g, p->n};
    const int64_t o0 = c0 * LATENT_UPDATE_CHUNK, o1 = c1 * LATENT_UPDATE_CHUNK;
    const int64_t a = o0 < p->n ? o0 : p->n, b = o1 < p->n ? o1 : p->n;
    tree_span(&sl, k, lo, hi, a, b, dst + a);
}

void latent_params_reduce_chunks(latent_params *p, int n_shards, int64_t c0, int64_t c1)
{
    reduce_chunks(p, NULL, 0, n_shards, p->g, c0, c1);
}

void latent_params_reduce_range(latent_params *p, int lo, int hi, float *dst, int64_t c0,
                                int64_t c1)
{
    reduce_chunks(p, NULL, lo, hi, dst, c0, c1);
}

void latent_params_reduce_nodes(latent_params *p, int n_shards, const int *bound, int n_nodes,
                                const float *sum, int64_t stride, int64_t origin, int64_t c0,
                                int64_t c1)
{
    const tree_nodes k = {bound, n_nodes, sum, stride, origin, 0};
    reduce_chunks(p, &k, 0, n_shards, p->g, c0, c1);
}

void latent_params_reduce_slot_nodes(latent_params *p, int n_shards, const int *bound,
                                     int n_nodes, int64_t c0, int64_t c1)
{
    const tree_nodes k = {bound, n_nodes, NULL, 0, 0, 1};
    reduce_chunks(p, &k, 0, n_shards, p->g, c0, c1);
}

void latent_tree_fold(const float *base, int64_t stride, int lo, int hi, int64_t o0, int64_t o1,
                      float *dst)
{
    const tree_slots sl = {base, stride};
    tree_span(&sl, NULL, lo, hi, o0, o1, dst);
}

int latent_shard_nodes(int n_shards, int ranks, int *bound)
{
    const int want = ranks < n_shards ? ranks : n_shards;
    int m = 1;
    bound[0] = 0, bound[1] = n_shards;
    while (m < want) {
        int big = 0;
        for (int i = 1; i < m; i++)
            if (bound[i + 1] - bound[i] > bound[big + 1] - bound[big]) big = i;
        const int size = bound[big + 1] - bound[big];
        int half = 1;
        while (half * 2 < size) half *= 2;
        memmove(bound + big + 2, bound + big + 1, (size_t)(m - big) * sizeof *bound);
        bound[big + 1] = bound[big] + half;
        m++;
    }
    return m;
}

int64_t latent_params_slice(const latent_params *p, int ranks, int r, int64_t *c0, int64_t *c1)
{
    const int64_t chunks = latent_params_chunks(p);
    *c0 = chunks * r / ranks;
    *c1 = chunks * (r + 1) / ranks;
    const int64_t o0 = *c0 * LATENT_UPDATE_CHUNK, o1 = *c1 * LATENT_UPDATE_CHUNK;
    return (o1 < p->n ? o1 : p->n) - (o0 < p->n ? o0 : p->n);
}

latent_status latent_params_reserve_nodes(latent_params *p, int ranks)
{
    if (ranks <= p->n_nodes) return LATENT_OK;
    /* this rank's node (n floats), then every node's part of this rank's slice (at most
     * n / ranks + 1 chunks each) */
    const int64_t slice = (p->n / ranks + 2 * LATENT_UPDATE_CHUNK);
    size_t count;
    if (!latent_mul_ok((size_t)ranks, (size_t)slice, &count) || count > SIZE_MAX - (size_t)p->n)
        return latent_fail(LATENT_ENOMEM, "params: %d node gradients overflow", ranks);
    count += (size_t)p->n;
    float *s = latent_calloc(count, sizeof(float), "node gradients");
    if (!s) return LATENT_ENOMEM;
    latent_free(p->node_g);
    p->node_g = s;
    p->n_nodes = ranks;
    return LATENT_OK;
}

int latent_params_reduce_by_swap(latent_params *p, int n_shards)
{
    if (n_shards != 1 || p->n_shards != 1) return 0;
    float *g = p->g;
    p->g = p->shard_g;
    p->shard_g = g;
    return 1;
}

void latent_params_reduce(latent_params *p, int n_shards)
{
    if (!latent_params_reduce_by_swap(p, n_shards))
        latent_params_reduce_chunks(p, n_shards, 0, latent_params_chunks(p));
}

latent_status latent_params_check_finite(const latent_params *p, const float *buf,
                                         const char *what, const char *where)
{
    const lk_table *t = lk_active();
    for (int i = 0; i < p->n_tensors; i++) {
        const latent_param_tensor *tn = &p->tensor[i];
        /* a sum in double of finite floats stays finite, so only a NaN or Inf makes it so */
        if (!isfinite(t->sum(tn->numel, buf + tn->offset)))
            return latent_fail(LATENT_EDIVERGED, "%s: %s %s is not finite (NaN or Inf)", where,
                               what, tn->name);
    }
    return LATENT_OK;
}
