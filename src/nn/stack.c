/* Stacks of layers: shapes checked as they are built, workspaces, forward and backward passes
 * with the team's barrier between layers. */
#include <stdio.h>
#include <string.h>
#include "latent/memory.h"
#include "stack.h"

int64_t latent_shape_numel(latent_shape s)
{
    int64_t n = 1;
    for (int i = 0; i < s.ndim; i++) n *= s.dim[i];
    return n;
}

latent_shape latent_shape_1d(int64_t n)
{
    latent_shape s = {1, {n, 0, 0}};
    return s;
}

latent_slab latent_slab_one(latent_slab_seg *seg, int shard, int64_t rows, int64_t row0)
{
    *seg = (latent_slab_seg){shard, 0, rows, row0};
    latent_slab s = {1, seg, rows};
    return s;
}

int latent_layer_view(latent_named_tensor *out, int max, int k, const char *module,
                      const char *field, float *data, int ndim, const int64_t *shape)
{
    if (k < max) {
        latent_named_tensor *t = &out[k];
        snprintf(t->name, sizeof t->name, "%s.%s", module, field);
        t->data = data;
        t->ndim = ndim;
        for (int i = 0; i < 4; i++) t->shape[i] = i < ndim ? shape[i] : 0;
    }
    return k + 1;
}

void latent_stack_begin(latent_stack *s, latent_shape in, latent_params *buf)
{
    memset(s, 0, sizeof *s);
    s->in = in;
    s->buf = buf;
}

int latent_pass_shards(const latent_pass *ps)
{
    if (ps->n_shards) return ps->n_shards;
    int most = 0;
    for (int i = 0; i < ps->slab->n; i++)
        if (ps->slab->seg[i].shard + 1 > most) most = ps->slab->seg[i].shard + 1;
    return most;
}

int64_t latent_pass_rows(const latent_pass *ps) { return ps->total_rows ? ps->total_rows : ps->slab->rows; }

float *latent_grad_node(const latent_pass *ps, latent_grad g)
{
    if (!ps->node || !g.base || ps->slab->n == 0) return NULL;
    if (ps->slab->n == latent_pass_shards(ps)) return g.whole;
    return g.base + (int64_t)ps->slab->seg[0].shard * g.stride;
}

void latent_grad_fold(const latent_pass *ps, latent_grad g, int64_t off, int64_t len)
{
    float *node = latent_grad_node(ps, g);
    if (!node) return;
    lk_team_sync(ps->team);
    int64_t lo, hi;
    lk_team_split(ps->team, len, &lo, &hi);
    const int first = ps->slab->seg[0].shard;
    if (hi > lo)
        latent_tree_fold(g.base, g.stride, first, first + ps->slab->n, off + lo, off + hi,
                         node + off + lo);
}

latent_shape latent_stack_out(const latent_stack *s)
{
    return s->n_layers ? s->layer[s->n_layers - 1].out : s->in;
}

int64_t latent_stack_out_size(const latent_stack *s) { return latent_shape_numel(latent_stack_out(s)); }

latent_status latent_stack_add(latent_stack *s, latent_params *p, latent_layer *l,
                               const char *name)
{
    if (s->n_layers >= LATENT_MAX_LAYERS)
        return latent_fail(LATENT_EINVAL, "net: more than %d layers", LATENT_MAX_LAYERS);
    if (strlen(name) >= sizeof l->name)
        return latent_fail(LATENT_EINVAL, "net: module name too long: %s", name);
    latent_layer *dst = &s->layer[s->n_layers];
    *dst = *l;
    snprintf(dst->name, sizeof dst->name, "%s", name);
    dst->in = latent_stack_out(s);
    dst->in_size = latent_shape_numel(dst->in);
    latent_params none = {0};
    latent_status st = dst->ops->build(dst, p, s->buf ? s->buf : &none);
    if (!s->buf && none.n_tensors)
        return latent_fail(LATENT_EINVAL, "net: %s: keeps running statistics but its stack has "
                           "no place for them", name);
    if (st) return st;
    dst->out_size = latent_shape_numel(dst->out);
    s->n_layers++;
    return LATENT_OK;
}

void latent_stack_init(latent_stack *s, latent_params *p, uint64_t seed, uint64_t id0)
{
    for (int k = 0; k < s->n_layers; k++) {
        s->layer[k].id = (uint32_t)(id0 + (uint64_t)k);
        s->layer[k].ops->init(&s->layer[k], p->w, s->buf ? s->buf->w : NULL, seed, id0 + (uint64_t)k);
    }
}

int64_t latent_stack_shared_doubles(const latent_stack *s, int k, int n_shards)
{
    const latent_layer *l = &s->layer[k];
    return l->ops->shared_doubles ? l->ops->shared_doubles(l, n_shards) : 0;
}

latent_status latent_stack_ws_alloc(const latent_stack *s, int64_t rows, latent_stack_ws *ws)
{
    memset(ws, 0, sizeof *ws);
    ws->rows = rows;
    int64_t wmax = latent_shape_numel(s->in);
    for (int k = 0; k < s->n_layers; k++) {
        const latent_layer *l = &s->layer[k];
        if (l->out_size > wmax) wmax = l->out_size;
        ws->out[k] = latent_alloc((size_t)rows, (size_t)l->out_size * sizeof(float), "layer outputs");
        if (!ws->out[k]) goto fail;
        if (l->ops->keeps_pre && l->ops->keeps_pre(l)) {
            ws->pre[k] = latent_alloc((size_t)rows, (size_t)l->out_size * sizeof(float), "layer inputs");
            if (!ws->pre[k]) goto fail;
        }
        const int64_t sf = l->ops->scratch_floats ? l->ops->scratch_floats(l, rows) : 0;
        if (sf > 0 && !(ws->scratch[k] = latent_alloc((size_t)sf, sizeof(float), "layer scratch")))
            goto fail;
    }
    for (int i = 0; i < 2; i++) {
        ws->d[i] = latent_alloc((size_t)rows, (size_t)wmax * sizeof(float), "layer gradients");
        if (!ws->d[i]) goto fail;
    }
    return LATENT_OK;
fail:
    latent_stack_ws_free(ws);
    return LATENT_ENOMEM;
}

void latent_stack_ws_free(latent_stack_ws *ws)
{
    for (int k = 0; k < LATENT_MAX_LAYERS; k++)
        latent_free(ws->out[k]), latent_free(ws->pre[k]), latent_free(ws->scratch[k]);
    latent_free(ws->d[0]);
    latent_free(ws->d[1]);
    memset(ws, 0, sizeof *ws);
}

void latent_stack_forward(const latent_stack *s, const float *w, latent_stack_ws *ws, int lo,
                          int hi, const float *x, int64_t rows, const latent_pass *ps)
{
    if (lo == 0 && ps->team->id == 0) ws->in = x;
    for (int k = lo; k < hi; k++) {
        const latent_layer *l = &s->layer[k];
        const latent_layer_io io = {w, x, ws->pre[k], ws->out[k], ws->scratch[k],
                                    s->buf ? s->buf->w : NULL, s->shared[k], rows};
        l->ops->forward(l, ps, &io);
        lk_team_sync(ps->team);
        x = ws->out[k];
    }
}

float *latent_stack_backward(const latent_stack *s, const float *w, latent_stack_ws *ws, int lo,
                             int hi, int64_t rows, float *dy, int dy_is_delta, latent_grad g,
                             int want_dx, const latent_pass *ps)
{
    float *cur = dy;
    for (int k = hi - 1; k >= lo; k--) {
        const latent_layer *l = &s->layer[k];
        const float *x = k > 0 ? ws->out[k - 1] : ws->in;
        float *nxt = cur == ws->d[0] ? ws->d[1] : ws->d[0];
        int need_dx = k > lo || want_dx;
        const latent_layer_io io = {w, x, ws->pre[k], ws->out[k], ws->scratch[k],
                                    s->buf ? s->buf->w : NULL, s->shared[k], rows};
        l->ops->backward(l, ps, &io, cur, k == hi - 1 && dy_is_delta, g, need_dx ? nxt : NULL);
        lk_team_sync(ps->team);
        if (!need_dx) return NULL;
        cur = nxt;
    }
    return cur;
}

const latent_pass *latent_solo(latent_solo_pass *sp, int64_t rows)
{
    sp->team = lk_team_solo();
    sp->slab = latent_slab_one(&sp->seg, 0, rows, 0);
    sp->pass = (latent_pass){.team = &sp->team, .slab = &sp->slab, .train = 0};
    return &sp->pass;
}
