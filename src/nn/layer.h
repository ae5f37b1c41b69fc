/* The layer interface every layer kind implements (dense now; convolutions, batch norm, dropout
 * and reshapes are kinds of their own), what a pass over a layer sees of the training step, and
 * the shapes of rows (internal). */
#ifndef LATENT_SRC_NN_LAYER_H
#define LATENT_SRC_NN_LAYER_H

#include <stdint.h>
#include "latent/models.h"
#include "params.h"
#include "simd/kernels.h"
#include "simd/team.h"

/* The shape of one row (one example), the batch dimension left out: [features] for dense data,
 * [height, width, channels] for images (NHWC with the batch outermost). */
#define LATENT_SHAPE_DIMS 3
typedef struct latent_shape {
    int ndim;
    int64_t dim[LATENT_SHAPE_DIMS];
} latent_shape;

/* Elements of one row of this shape. */
int64_t latent_shape_numel(latent_shape s);
/* A one-dimensional shape of n features. */
latent_shape latent_shape_1d(int64_t n);

/* ---- the rows a pass runs on ---------------------------------------------------------------
 * A team runs a slab: the rows of one or more shards side by side. Whatever is summed over rows
 * (weight gradients, batch statistics) is summed per shard, so it never depends on which shards
 * a team was given. */
typedef struct latent_slab_seg {
    int shard;               /* the shard's index in the minibatch */
    int64_t at;              /* its first row in the slab */
    int64_t rows;
    int64_t row0;            /* its first row in the minibatch (random streams key on it) */
} latent_slab_seg;

typedef struct latent_slab {
    int n;                   /* segments, in shard order */
    const latent_slab_seg *seg;
    int64_t rows;            /* all segments' rows */
} latent_slab;

/* A slab of one segment: rows [0, rows) as shard `shard` (evaluation chunks, tests). */
latent_slab latent_slab_one(latent_slab_seg *seg, int shard, int64_t rows, int64_t row0);

/* The barrier every thread of a training step meets: what a layer that needs the whole
 * minibatch (batch statistics) waits at, between its per-shard sums and their use. share is
 * that barrier for per-shard values: shard s's `bytes` at base + s * bytes, written by the
 * shard's slab before it, are everywhere after it (on every rank of an MPI job). */
typedef struct latent_sync {
    void (*wait)(const struct latent_sync *s);
    void (*share)(const struct latent_sync *s, void *base, int64_t bytes);
} latent_sync;

/* What a pass over a layer sees: the team that runs it, the slab of rows, and the mode. */
typedef struct latent_pass {
    const lk_team *team;
    const latent_slab *slab;
    int train;               /* 1: training (batch statistics, dropout); 0: evaluation */
    const latent_sync *sync; /* the step's barrier; NULL: this slab is the whole minibatch */
    int n_shards;            /* shards of the whole minibatch (0: the slab's) */
    int64_t total_rows;      /* rows of the whole minibatch on this stack (0: the slab's) */
    uint64_t seed, step;     /* the random streams of a training pass (dropout) */
    int first_shard;         /* the first shard of this process's part of the minibatch */
    int node;                /* 1: the slab's shards are one node of the gradient reduction's
                              * tree, and its weight gradients go there as one sum (below) */
} latent_pass;

/* The shards and rows of the whole minibatch a pass belongs to. */
int latent_pass_shards(const latent_pass *ps);
int64_t latent_pass_rows(const latent_pass *ps);

/* Where a pass writes weight gradients, laid out like the group's weights: shard s's at
 * base + s * stride; or, when the pass is a node (latent_pass.node), the sum of the slab's shards
 * by the reduction's fixed tree at latent_grad_node (the slots of its shards are then scratch).
 * whole is the group's reduced gradient, the node of a slab that holds every shard. base NULL:
 * no weight gradients (a backward pass for dx alone). */
typedef struct latent_grad {
    float *base;
    int64_t stride;
    float *whole;
    latent_params *params;   /* the group, whose proof of finiteness layers add to (grad_proof.h);
                              * NULL: none kept */
} latent_grad;

/* Where the pass's node sum of the weight gradients goes: whole when the slab holds every shard
 * of the minibatch, else the slot of its first shard; NULL when the pass is not a node (each
 * shard then writes its own slot) or writes no gradients. */
float *latent_grad_node(const latent_pass *ps, latent_grad g);

/* For a layer that writes each shard's slot even in a node pass: once every member has written
 * the slots' floats [off, off + len), their tree sum into latent_grad_node. Every member of the
 * team calls it (it opens with the team's barrier and splits the floats); nothing when the pass
 * is not a node. */
void latent_grad_fold(const latent_pass *ps, latent_grad g, int64_t off, int64_t len);

/* ---- layers ----------------------------------------------------------------------------- */

typedef struct latent_layer latent_layer;

/* What one pass over a layer works on: the group's weights, the layer's input rows and outputs
 * on the slab's workspace, and the layer's own scratch there. */
typedef struct latent_layer_io {
    const float *w;          /* the weights of the layer's group */
    const float *x;          /* rows x in_size */
    float *pre;              /* rows x out_size, the pre-activation (when keeps_pre), else NULL */
    float *y;                /* rows x out_size */
    float *scratch;          /* scratch_floats(l, rows) floats, the layer's alone; kept from the
                              * forward pass to the backward pass of the same step */
    float *buf;              /* the model's buffers (running statistics: not trained) */
    double *shared;          /* shared_doubles(l, shards) doubles, one region for every slab of
                              * the step (per-shard sums a layer reduces over the minibatch) */
    int64_t rows;
} latent_layer_io;

/* One kind of layer. Every function is called by every member of the pass's team with the same
 * arguments; each member does its share and none waits for the others at the end (the stack
 * puts the team's barrier between layers). */
typedef struct latent_layer_ops {
    const char *kind;
    /* Checks l->in, sets l->out and declares the layer's tensors in p (trained) and buf (kept:
     * running statistics) under l->name; an error names what does not fit. */
    latent_status (*build)(latent_layer *l, latent_params *p, latent_params *buf);
    /* Initial values of the layer's tensors in w and buf, drawn at (seed, LATENT_STREAM_INIT, id). */
    void (*init)(const latent_layer *l, float *w, float *buf, uint64_t seed, uint64_t id);
    /* Nonzero when backward needs the pre-activation kept (else the output stands for it). */
    int (*keeps_pre)(const latent_layer *l);
    /* Floats of scratch the layer needs for a slab of `rows` rows (may be NULL: none). */
    int64_t (*scratch_floats)(const latent_layer *l, int64_t rows);
    /* Doubles it shares across a step's slabs for a minibatch of n_shards (may be NULL: none). */
    int64_t (*shared_doubles)(const latent_layer *l, int n_shards);
    /* io->y = the layer of io->x (io->pre receives the pre-activation when kept). */
    void (*forward)(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io);
    /* Turns dy (dL/dy; with dy_is_delta, already dL/d pre-activation) into the delta in place,
     * then writes each shard's weight gradients into g and, when dx, dL/dx (rows x in_size). */
    void (*backward)(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io,
                     float *dy, int dy_is_delta, latent_grad g, float *dx);
    /* Its tensors as files name them (PyTorch state_dict names); returns how many it has (at
     * most max written). */
    int (*views)(const latent_layer *l, float *w, float *buf, latent_named_tensor *out, int max);
} latent_layer_ops;

#define LATENT_LAYER_CFG 256

struct latent_layer {
    const latent_layer_ops *ops;
    char name[LATENT_NAME_MAX];          /* the module its tensors belong to, e.g. "encoder.0" */
    uint32_t id;                         /* its random stream (dropout): unique in the model */
    latent_shape in, out;
    int64_t in_size, out_size;           /* elements per row */
    _Alignas(8) unsigned char cfg[LATENT_LAYER_CFG]; /* the kind's own settings (its file's) */
};

/* A tensor view for a layer's `views`: name "<module>.<field>", data at w + offset. */
int latent_layer_view(latent_named_tensor *out, int max, int k, const char *module,
                      const char *field, float *data, int ndim, const int64_t *shape);

#endif
