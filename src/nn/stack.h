/* A stack of layers over one parameter group: built with its shapes checked layer to layer, run
 * forward and backward over a slab's workspace (internal). */
#ifndef LATENT_SRC_NN_STACK_H
#define LATENT_SRC_NN_STACK_H

#include "layer.h"

#define LATENT_MAX_LAYERS 16

typedef struct latent_stack {
    latent_shape in;         /* the shape of its input rows */
    int n_layers;
    latent_layer layer[LATENT_MAX_LAYERS];
    latent_params *buf;      /* where its layers keep what is not trained (running statistics) */
    double *shared[LATENT_MAX_LAYERS]; /* each layer's step-shared doubles (the model's) */
} latent_stack;

/* An empty stack taking rows of shape `in`, its layers' buffers (running statistics) in buf
 * (NULL: a stack of layers that keep none). */
void latent_stack_begin(latent_stack *s, latent_shape in, latent_params *buf);

/* Appends l (set up by its kind, e.g. latent_dense_setup) under the module name `name`: its
 * input is the stack's output so far; its kind builds it and declares its tensors in p. */
latent_status latent_stack_add(latent_stack *s, latent_params *p, latent_layer *l,
                               const char *name);

/* The shape of the stack's output rows, and their elements. */
latent_shape latent_stack_out(const latent_stack *s);
int64_t latent_stack_out_size(const latent_stack *s);

/* Each layer's initial weights, layer k drawn at (seed, LATENT_STREAM_INIT, id0 + k); id0 + k
 * is its random stream's id too. */
void latent_stack_init(latent_stack *s, latent_params *p, uint64_t seed, uint64_t id0);

/* Doubles layer k shares across a step's slabs for n_shards shards (0: none). */
int64_t latent_stack_shared_doubles(const latent_stack *s, int k, int n_shards);

/* A slab's buffers for running a stack on up to `rows` rows: each layer's output (and its
 * pre-activation where its backward pass needs it) and two gradient buffers. */
typedef struct latent_stack_ws {
    int64_t rows;
    const float *in;         /* the input of the last forward pass (not owned) */
    float *out[LATENT_MAX_LAYERS];
    float *pre[LATENT_MAX_LAYERS];
    float *scratch[LATENT_MAX_LAYERS]; /* each layer's own, kept from forward to backward */
    float *d[2];             /* rows x (widest row), for backward */
} latent_stack_ws;

latent_status latent_stack_ws_alloc(const latent_stack *s, int64_t rows, latent_stack_ws *ws);
void latent_stack_ws_free(latent_stack_ws *ws);

/* Runs layers [lo, hi) on `rows` rows of x (each of layer lo's input size); the result is
 * ws->out[hi - 1]. Every member of the pass's team calls it, and it returns when the result is
 * complete for all of them; so does latent_stack_backward. */
void latent_stack_forward(const latent_stack *s, const float *w, latent_stack_ws *ws, int lo,
                          int hi, const float *x, int64_t rows, const latent_pass *ps);

/* Backpropagates through layers hi-1 down to lo. `dy` (ws->d[0] or ws->d[1]) holds dL/d of
 * layer hi-1's output (its pre-activation when dy_is_delta); it is overwritten. Each shard's
 * weight gradients go to g (g.base NULL: none). Returns the ws buffer holding dL/d(input of
 * layer lo) when want_dx, else NULL. */
float *latent_stack_backward(const latent_stack *s, const float *w, latent_stack_ws *ws, int lo,
                             int hi, int64_t rows, float *dy, int dy_is_delta, latent_grad g,
                             int want_dx, const latent_pass *ps);

/* The solo pass of evaluation: the calling thread alone, one shard of `rows` rows. */
typedef struct latent_solo_pass {
    lk_team team;
    latent_slab_seg seg;
    latent_slab slab;
    latent_pass pass;
} latent_solo_pass;
const latent_pass *latent_solo(latent_solo_pass *sp, int64_t rows);

#endif
