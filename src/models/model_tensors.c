/* A model's tensors as files name them: each layer's views (PyTorch state_dict names), then
 * each group's optimizer moments under "latent_state.<group>.m" / ".v". */
#include <stdio.h>
#include "model.h"

int latent_model_tensors(latent_model *m, int with_state, latent_named_tensor *out, int max)
{
    int k = 0;
    for (int s = 0; s < m->n_stacks; s++) {
        const latent_stack *st = &m->stack[s];
        float *w = m->group[m->stack_group[s]].w;
        for (int i = 0; i < st->n_layers; i++) {
            const latent_layer *l = &st->layer[i];
            k += l->ops->views(l, w, m->buffers.w, k < max ? out + k : out, k < max ? max - k : 0);
        }
    }
    if (with_state)
        for (int g = 0; g < m->n_groups; g++) {
            latent_params *p = &m->group[g];
            if (!p->m) continue;
            char name[96];
            const int64_t shape[1] = {p->n};
            snprintf(name, sizeof name, "latent_state.%s", m->family->group_name[g]);
            k = latent_layer_view(out, max, k, name, "m", p->m, 1, shape);
            k = latent_layer_view(out, max, k, name, "v", p->v, 1, shape);
        }
    return k;
}
