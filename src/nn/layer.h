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

/* What a pass over a layer sees: the team that runs it, the slab of rows, and the mode. */
typedef struct latent_pass {
    const lk_team *team;
    const latent_slab *slab;
    int train;               /* 1: training (batch statistics, dropout); 0: evaluation */
} latent_pass;

/* Where a pass writes weight gradients: shard s's at base + s * stride, laid out like the
 * group's weights. base NULL: no weight gradients (a backward pass for dx alone). */
typedef struct latent_grad {
    float *base;
    int64_t stride;
} latent_grad;

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
    int64_t rows;
} latent_layer_io;

/* One kind of layer. Every function is called by every member of the pass's team with the same
 * arguments; each member does its share and none waits for the others at the end (the stack
 * puts the team's barrier between layers). */
typedef struct latent_layer_ops {
    const char *kind;
    /* Checks l->in, sets l->out and declares the layer's tensors in p under l->name; an error
     * names what does not fit. */
    latent_status (*build)(latent_layer *l, latent_params *p);
    /* Initial values of the layer's tensors in w, drawn at (seed, LATENT_STREAM_INIT, id). */
    void (*init)(const latent_layer *l, float *w, uint64_t seed, uint64_t id);
    /* Nonzero when backward needs the pre-activation kept (else the output stands for it). */
    int (*keeps_pre)(const latent_layer *l);
    /* Floats of scratch the layer needs for a slab of `rows` rows (may be NULL: none). */
    int64_t (*scratch_floats)(const latent_layer *l, int64_t rows);
    /* io->y = the layer of io->x (io->pre receives the pre-activation when kept). */
    void (*forward)(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io);
    /* Turns dy (dL/dy; with dy_is_delta, already dL/d pre-activation) into the delta in place,
     * then writes each shard's weight gradients into g and, when dx, dL/dx (rows x in_size). */
    void (*backward)(const latent_layer *l, const latent_pass *ps, const latent_layer_io *io,
                     float *dy, int dy_is_delta, latent_grad g, float *dx);
    /* Its tensors as files name them (PyTorch state_dict names); returns how many it has (at
     * most max written). */
    int (*views)(const latent_layer *l, float *w, latent_named_tensor *out, int max);
} latent_layer_ops;

#define LATENT_LAYER_CFG 256

struct latent_layer {
    const latent_layer_ops *ops;
    char name[LATENT_NAME_MAX];          /* the module its tensors belong to, e.g. "encoder.0" */
    latent_shape in, out;
    int64_t in_size, out_size;           /* elements per row */
    _Alignas(8) unsigned char cfg[LATENT_LAYER_CFG]; /* the kind's own settings (its file's) */
};

/* A tensor view for a layer's `views`: name "<module>.<field>", data at w + offset. */
int latent_layer_view(latent_named_tensor *out, int max, int k, const char *module,
                      const char *field, float *data, int ndim, const int64_t *shape);

#endif
