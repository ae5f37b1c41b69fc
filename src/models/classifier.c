/* The feature network for the GAN's Fréchet distance: an MLP classifier trained with softmax
 * cross-entropy through the shared loop; its last hidden layer gives the features. */
#include <math.h>
#include <string.h>
#include "latent/memory.h"
#include "model.h"

latent_status latent_classifier_create(int64_t d, int n_hidden, const int64_t *hidden,
                                       int64_t classes, uint64_t seed, latent_model **out)
{
    if (n_hidden < 1 || n_hidden > LATENT_MAX_SIZES - 2)
        return latent_fail(LATENT_EINVAL, "classifier: 1 to %d hidden layers, got %d",
                           LATENT_MAX_SIZES - 2, n_hidden);
    if (d <= 0 || classes < 2 || classes > 4096)
        return latent_fail(LATENT_EINVAL, "classifier: width %lld and %lld classes", (long long)d,
                           (long long)classes);
    latent_ae_config sizes;
    latent_ae_config_default(&sizes);
    sizes.n_sizes = n_hidden + 2;
    sizes.sizes[0] = d;
    for (int i = 0; i < n_hidden; i++) {
        if (hidden[i] <= 0 || hidden[i] > (1 << 24))
            return latent_fail(LATENT_EINVAL, "classifier: hidden size %d is %lld", i,
                               (long long)hidden[i]);
        sizes.sizes[i + 1] = hidden[i];
    }
    sizes.sizes[n_hidden + 1] = classes;
    latent_status st;
    latent_model *m;
    if ((st = latent_model_new(LATENT_MODEL_CLASSIFIER, &m))) return st;
    m->ae = sizes; /* the size list, as an autoencoder keeps it */
    m->n_groups = 1;
    m->plan = NULL;
    m->init_seed = seed;
    m->d = d, m->code = hidden[n_hidden - 1];
    char name[64];
    int idx = 0;
    for (int i = 0; i <= n_hidden && !st; i++) {
        latent_act a = i == n_hidden ? LATENT_ACT_IDENTITY : LATENT_ACT_RELU;
        latent_seq_name(name, sizeof name, "classifier", &idx, a);
        st = latent_net_add(&m->net[0], &m->P[0], name, sizes.sizes[i], sizes.sizes[i + 1], a, 0.0f);
        if (sizes.sizes[i] > m->wmax) m->wmax = sizes.sizes[i];
    }
    if (classes > m->wmax) m->wmax = classes;
    if (!st) st = latent_params_alloc(&m->P[0]);
    if (st) {
        latent_model_free(m);
        return st;
    }
    latent_net_init(&m->net[0], &m->P[0], seed, 0);
    *out = m;
    return LATENT_OK;
}

/* Softmax cross-entropy of one row of logits against label y, in double; grad (optional) =
 * gscale * (softmax - onehot). Sets *hit when the arg-max is y. */
static double xent(int64_t k, const float *l, int32_t y, float *grad, float gscale, int *hit)
{
    double mx = l[0];
    int64_t am = 0;
    for (int64_t j = 1; j < k; j++)
        if (l[j] > mx) mx = l[j], am = j;
    double s = 0.0;
    for (int64_t j = 0; j < k; j++) s += exp(l[j] - mx);
    if (grad)
        for (int64_t j = 0; j < k; j++)
            grad[j] = gscale * (float)(exp(l[j] - mx) / s - (j == y ? 1.0 : 0.0));
    *hit = am == y;
    return mx + log(s) - l[y];
}

static void shard_step(void *mv, const latent_batch *b, int s, int64_t row0, int64_t rows,
                       const lk_team *team)
{
    latent_model *m = mv;
    latent_shard *sh = &m->sh[s];
    const latent_net *net = &m->net[0];
    const int L = net->n_layers;
    const int64_t K = net->layer[L - 1].out;
    int64_t lo, hi;
    lk_team_split(team, rows, &lo, &hi);
    latent_batch_gather(b, row0 + lo, hi - lo, sh->x0 + lo * b->d, 1.0f, 0.0f);
    lk_team_sync(team);
    latent_net_forward(net, &m->P[0], &sh->ws[0], 0, L, sh->x0, rows, team);
    float *dy = sh->ws[0].d[0];
    for (int64_t i = lo; i < hi; i++) {
        int hit;
        sh->row_loss[0][i] = xent(K, sh->ws[0].out[L - 1] + i * K, m->labels[b->idx[row0 + i]],
                                  dy + i * K, 1.0f / (float)b->rows, &hit);
        sh->row_loss[1][i] = hit;
    }
    const double loss = latent_rows_sum(team, sh->row_loss[0], rows);
    const double hits = latent_rows_sum(team, sh->row_loss[1], rows);
    latent_net_backward(net, &m->P[0], &sh->ws[0], 0, L, rows, dy, 0,
                        m->P[0].shard_g + (int64_t)s * m->P[0].n, 0, 0, team);
    if (team->id == 0) sh->loss[0] = loss, sh->loss[1] = hits;
}

static latent_status after_step(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    double loss = 0.0, hits = 0.0;
    for (int s = 0; s < b->n_shards; s++) loss += m->sh[s].loss[0], hits += m->sh[s].loss[1];
    b->loss[0] = loss / (double)b->rows, b->loss[1] = hits / (double)b->rows;
    return LATENT_OK;
}

static int plan(void *mv, const latent_batch *b, latent_phase *ph)
{
    (void)b;
    latent_model *m = mv;
    ph[0] = (latent_phase){shard_step, after_step, &m->P[0], &m->opt};
    return 1;
}

static latent_status check_labels(const latent_model *m, const int32_t *labels, int64_t n)
{
    const int64_t K = m->net[0].layer[m->net[0].n_layers - 1].out;
    if (!labels) return latent_fail(LATENT_EINVAL, "classifier: no labels");
    for (int64_t i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= K)
            return latent_fail(LATENT_EINVAL, "classifier: label %lld is %d, outside [0, %lld)",
                               (long long)i, labels[i], (long long)K);
    return LATENT_OK;
}

latent_status latent_classifier_train(latent_model *m, const float *x, const int32_t *labels,
                                      int64_t n, int64_t d, const latent_train_options *o)
{
    if (m->kind != LATENT_MODEL_CLASSIFIER) return latent_fail(LATENT_EINVAL, "classifier: not a classifier");
    latent_status st = check_labels(m, labels, n);
    if (st) return st;
    m->labels = labels;
    m->plan = plan;
    st = latent_model_train(m, x, n, d, o);
    m->labels = NULL;
    return st;
}

void latent_classifier_eval_chunk(latent_model *m, latent_shard *sh, const float *x,
                                  int64_t row0, int64_t rows, void *arg)
{
    latent_eval_out *o = arg;
    const latent_net *net = &m->net[0];
    const int L = net->n_layers;
    const int64_t K = net->layer[L - 1].out;
    latent_net_forward(net, &m->P[0], &sh->ws[0], 0, L, x, rows, NULL);
    if (o->codes)
        memcpy(o->codes + row0 * m->code, sh->ws[0].out[L - 2], (size_t)(rows * m->code) * sizeof(float));
    if (o->loss_parts) {
        double loss = 0.0, hits = 0.0;
        for (int64_t i = 0; i < rows; i++) {
            int hit;
            loss += xent(K, sh->ws[0].out[L - 1] + i * K, o->labels[row0 + i], NULL, 0.0f, &hit);
            hits += hit;
        }
        double *p = o->loss_parts + (row0 / LATENT_SHARD_ROWS) * LATENT_LOSS_TERMS;
        p[0] = loss, p[1] = hits;
    }
}

latent_status latent_classifier_accuracy(latent_model *m, const float *x, const int32_t *labels,
                                         int64_t n, int64_t d, double *accuracy)
{
    if (m->kind != LATENT_MODEL_CLASSIFIER) return latent_fail(LATENT_EINVAL, "classifier: not a classifier");
    latent_status st = check_labels(m, labels, n);
    if (st) return st;
    const int64_t nchunks = (n + LATENT_SHARD_ROWS - 1) / LATENT_SHARD_ROWS;
    double *parts = latent_calloc((size_t)nchunks, LATENT_LOSS_TERMS * sizeof(double), "losses");
    if (!parts) return LATENT_ENOMEM;
    latent_eval_out o = {.loss_parts = parts, .labels = labels};
    st = latent_model_run_eval(m, x, n, d, &o);
    double hits = 0.0;
    for (int64_t c = 0; c < nchunks; c++) hits += parts[c * LATENT_LOSS_TERMS + 1];
    *accuracy = hits / (double)n;
    latent_free(parts);
    return st;
}

latent_status latent_gan_frechet(latent_model *gan, latent_model *classifier, const float *real,
                                 int64_t n_real, const float *ref, int64_t n_ref, int64_t n,
                                 uint64_t seed, double *distance, double *floor)
{
    if (gan->kind != LATENT_MODEL_GAN || classifier->kind != LATENT_MODEL_CLASSIFIER)
        return latent_fail(LATENT_EINVAL, "frechet: needs a GAN and a classifier");
    const int64_t d = gan->d, k = classifier->code;
    int64_t most = n > n_real ? n : n_real;
    if (ref && n_ref > most) most = n_ref;
    float *samples = latent_alloc((size_t)n, (size_t)d * sizeof(float), "samples");
    float *fa = latent_alloc((size_t)most, (size_t)k * sizeof(float), "features");
    float *fb = latent_alloc((size_t)n_real, (size_t)k * sizeof(float), "features");
    latent_status st = !samples || !fa || !fb ? LATENT_ENOMEM : LATENT_OK;
    if (!st) st = latent_model_sample(gan, n, seed, samples);
    if (!st) st = latent_model_encode(classifier, real, n_real, d, fb);
    if (!st) st = latent_model_encode(classifier, samples, n, d, fa);
    if (!st) st = latent_frechet_distance(fa, n, fb, n_real, k, distance);
    if (!st && floor && ref) {
        st = latent_model_encode(classifier, ref, n_ref, d, fa);
        if (!st) st = latent_frechet_distance(fa, n_ref, fb, n_real, k, floor);
    }
    latent_free(samples), latent_free(fa), latent_free(fb);
    return st;
}
