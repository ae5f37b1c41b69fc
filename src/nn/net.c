/* A network: a stack of dense layers run forward and backward over a workspace. */
#include <string.h>
#include "dense.h"
#include "latent/memory.h"

latent_status latent_net_ws_alloc(const latent_net *net, int64_t rows, latent_net_ws *ws)
{
    memset(ws, 0, sizeof *ws);
    ws->rows = rows;
    int64_t wmax = 1;
    for (int k = 0; k < net->n_layers; k++) {
        const latent_dense *l = &net->layer[k];
        if (l->in > wmax) wmax = l->in;
        if (l->out > wmax) wmax = l->out;
        ws->out[k] = latent_alloc((size_t)rows, (size_t)l->out * sizeof(float), "layer outputs");
        if (!ws->out[k]) goto fail;
        if (latent_dense_needs_pre(l->act)) {
            ws->pre[k] = latent_alloc((size_t)rows, (size_t)l->out * sizeof(float), "layer inputs");
            if (!ws->pre[k]) goto fail;
        }
    }
    for (int i = 0; i < 2; i++) {
        ws->d[i] = latent_alloc((size_t)rows, (size_t)wmax * sizeof(float), "layer gradients");
        if (!ws->d[i]) goto fail;
    }
    return LATENT_OK;
fail:
    latent_net_ws_free(ws);
    return LATENT_ENOMEM;
}

void latent_net_ws_free(latent_net_ws *ws)
{
    for (int k = 0; k < LATENT_MAX_LAYERS; k++) latent_free(ws->out[k]), latent_free(ws->pre[k]);
    latent_free(ws->d[0]);
    latent_free(ws->d[1]);
    memset(ws, 0, sizeof *ws);
}

void latent_net_forward(const latent_net *net, const latent_params *p, latent_net_ws *ws,
                        int lo, int hi, const float *x, int64_t rows, const lk_team *team)
{
    const lk_team solo = lk_team_solo();
    if (!team) team = &solo;
    const lk_table *t = lk_active();
    if (lo == 0 && team->id == 0) ws->in = x;
    for (int k = lo; k < hi; k++) {
        latent_dense_forward(team, t, &net->layer[k], p->w, x, rows, ws->pre[k], ws->out[k]);
        lk_team_sync(team);
        x = ws->out[k];
    }
}

float *latent_net_backward(const latent_net *net, const latent_params *p, latent_net_ws *ws,
                           int lo, int hi, int64_t rows, float *dy, int dy_is_delta, float *grad,
                           int accumulate, int want_dx, const lk_team *team)
{
    const lk_team solo = lk_team_solo();
    if (!team) team = &solo;
    const lk_table *t = lk_active();
    float *cur = dy;
    for (int k = hi - 1; k >= lo; k--) {
        const latent_dense *l = &net->layer[k];
        if (!(k == hi - 1 && dy_is_delta)) {
            latent_dense_delta(team, t, l, rows, ws->pre[k], ws->out[k], cur, cur);
            lk_team_sync(team);
        }
        const float *x = k > 0 ? ws->out[k - 1] : ws->in;
        float *nxt = cur == ws->d[0] ? ws->d[1] : ws->d[0];
        int need_dx = k > lo || want_dx;
        latent_dense_backprop(team, t, l, p->w, x, rows, cur, grad, accumulate, need_dx ? nxt : NULL);
        lk_team_sync(team);
        if (!need_dx) return NULL;
        cur = nxt;
    }
    return cur;
}
