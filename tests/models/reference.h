/* An independent double-precision reference of the models' losses, for finite differences:
 * plain loops, no kernel table. */
#ifndef LATENT_TESTS_MODELS_REFERENCE_H
#define LATENT_TESTS_MODELS_REFERENCE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "src/nn/layer_dense.h"
#include "src/nn/stack.h"

static double ref_act(latent_act a, double x, double slope)
{
    switch (a) {
    case LATENT_ACT_RELU: return x > 0 ? x : 0;
    case LATENT_ACT_LEAKY_RELU: return x > 0 ? x : slope * x;
    case LATENT_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case LATENT_ACT_TANH: return tanh(x);
    case LATENT_ACT_SOFTPLUS: return log1p(exp(x));
    default: return x;
    }
}

/* Layers [lo, hi) of a stack of dense layers on rows x (width of layer lo's input) in double.
 * Returns the final output in a malloc'd buffer. */
static double *ref_forward(const latent_stack *net, const double *w, int lo, int hi,
                           const double *x, int64_t rows)
{
    const double *in = x;
    double *cur = NULL;
    for (int k = lo; k < hi; k++) {
        const latent_dense *l = latent_dense_of(&net->layer[k]);
        double *o = malloc(sizeof(double) * (size_t)(rows * l->out));
        for (int64_t n = 0; n < rows; n++)
            for (int64_t i = 0; i < l->out; i++) {
                double s = w[l->b_off + i];
                for (int64_t j = 0; j < l->in; j++) s += w[l->w_off + i * l->in + j] * in[n * l->in + j];
                o[n * l->out + i] = ref_act(l->act, s, l->slope);
            }
        if (cur) free(cur);
        cur = o;
        in = o;
    }
    return cur;
}

static double ref_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

/* max(l,0) - l z + log1p(exp(-|l|)) = softplus(l) - l z */
static double ref_bce_logit(double l, double z) { return ref_softplus(l) - l * z; }

#endif
