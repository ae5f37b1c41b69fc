/* The feature network for the GAN's Fréchet distance: an MLP classifier trained with softmax
 * cross-entropy through the shared loop; its last hidden layer gives the features. */
#include <math.h>
#include <string.h>
#include "latent/memory.h"
#include "config_map.h"
#include "model.h"
#include "simd/portable_math.h"

extern const latent_family latent_classifier_family;

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
    /* its configuration is its size list, kept as an autoencoder keeps one */
    if ((st = latent_model_new(&latent_classifier_family, &sizes, sizeof sizes, &m))) return st;
    m->n_groups = 1, m->n_stacks = 1;
    m->d = d, m->code = hidden[n_hidden - 1];
    latent_stack_begin(&m->stack[0], latent_shape_1d(d), &m->buffers);
    char name[64];
    int idx = 0;
    for (int i = 0; i <= n_hidden && !st; i++) {
        latent_act a = i == n_hidden ? LATENT_ACT_IDENTITY : LATENT_ACT_RELU;
        latent_seq_name(name, sizeof name, "classifier", &idx, a);
        st = latent_model_dense(m, 0, name, sizes.sizes[i + 1], a, 0.0f);
    }
    if (!st) st = latent_model_finish(m, seed);
    if (st) {
        latent_model_free(m);
        return st;
    }
    *out = m;
    return LATENT_OK;
}

static int64_t classes_of(const latent_model *m) { return latent_stack_out_size(&m->stack[0]); }

/* Softmax cross-entropy of one row of logits against label y, in double; grad (optional) =
 * gscale * (softmax - onehot). Sets *hit when the arg-max is y. */
static double xent(int64_t k, const float *l, int32_t y, float *grad, float gscale, int *hit)
{
    double mx = l[0];
    int64_t am = 0;
    for (int64_t j = 1; j < k; j++)
        if (l[j] > mx) mx = l[j], am = j;
    double s = 0.0;
    for (int64_t j = 0; j < k; j++) s += lk_exp(l[j] - mx);
    if (grad)
        for (int64_t j = 0; j < k; j++)
            grad[j] = gscale * (float)(lk_exp(l[j] - mx) / s - (j == y ? 1.0 : 0.0));
    *hit = am == y;
    return mx + lk_log(s) - l[y];
}

static void slab_step(void *mv, const latent_batch *b, const latent_slab *slab, int si,
                      const lk_team *team)
{
    latent_model *m = mv;
    latent_work *w = &m->work[si];
    const latent_stack *net = &m->stack[0];
    const float *W = latent_model_weights(m, 0);
    const latent_pass ps = latent_batch_pass(b, team, slab);
    const int L = net->n_layers;
    const int64_t K = classes_of(m);
    const int32_t *labels = m->priv;
    int64_t lo, hi;
    lk_team_split(team, slab->rows, &lo, &hi);
    latent_slab_gather(b, slab, lo, hi, w->x0, 1.0f, 0.0f);
    lk_team_sync(team);
    latent_stack_forward(net, W, &w->ws[0], 0, L, w->x0, slab->rows, &ps);
    float *dy = w->ws[0].d[0];
    for (int g = 0; g < slab->n; g++) {
        const latent_slab_seg *sg = &slab->seg[g];
        for (int64_t i = sg->at > lo ? sg->at : lo; i < sg->at + sg->rows && i < hi; i++) {
            const int64_t r = sg->row0 + i - sg->at;
            int hit;
            m->row_loss[0][r] = xent(K, w->ws[0].out[L - 1] + i * K, labels[b->idx[r]], dy + i * K,
                                     1.0f / (float)b->rows, &hit);
            m->row_loss[1][r] = hit;
        }
    }
    latent_slab_loss(m, team, slab, 0, 0);
    latent_slab_loss(m, team, slab, 1, 1);
    latent_stack_backward(net, W, &w->ws[0], 0, L, slab->rows, dy, 0, latent_model_grad(m, 0), 0, &ps);
}

static latent_status after_step(void *mv, latent_batch *b)
{
    latent_model *m = mv;
    b->loss[0] = latent_shards_loss(m, b->n_shards, 0) / (double)b->rows;
    b->loss[1] = latent_shards_loss(m, b->n_shards, 1) / (double)b->rows;
    return LATENT_OK;
}

static latent_status plan(void *mv, latent_batch *b, latent_phase *ph, int *n)
{
    latent_model *m = mv;
    latent_status st = latent_model_prepare(m, b);
    if (st) return st;
    ph[0] = (latent_phase){slab_step, after_step, &m->group[0], &m->opt, {latent_shards_loss_span(m)}};
    *n = 1;
    return LATENT_OK;
}

static latent_status check_labels(const latent_model *m, const int32_t *labels, int64_t n)
{
    const int64_t K = classes_of(m);
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
    if (m->family != &latent_classifier_family)
        return latent_fail(LATENT_EINVAL, "classifier: not a classifier");
    latent_status st = check_labels(m, labels, n);
    if (st) return st;
    /* the labels are the step's for the length of this call */
    m->priv = (void *)labels;
    st = latent_model_train_with(m, x, n, d, o, plan);
    m->priv = NULL;
    return st;
}

static void eval_chunk(latent_model *m, latent_work *w, const float *x, int64_t row0,
                       int64_t rows, void *arg)
{
    latent_eval_out *o = arg;
    const latent_stack *net = &m->stack[0];
    const int L = net->n_layers;
    const int64_t K = classes_of(m);
    latent_solo_pass sp;
    latent_stack_forward(net, latent_model_weights(m, 0), &w->ws[0], 0, L, x, rows, latent_solo(&sp, rows));
    if (o->codes)
        memcpy(o->codes + row0 * m->code, w->ws[0].out[L - 2], (size_t)(rows * m->code) * sizeof(float));
    if (o->loss_parts) {
        double loss = 0.0, hits = 0.0;
        for (int64_t i = 0; i < rows; i++) {
            int hit;
            loss += xent(K, w->ws[0].out[L - 1] + i * K, o->labels[row0 + i], NULL, 0.0f, &hit);
            hits += hit;
        }
        double *p = o->loss_parts + (row0 / LATENT_SHARD_ROWS) * LATENT_LOSS_TERMS;
        p[0] = loss, p[1] = hits;
    }
}

latent_status latent_classifier_accuracy(latent_model *m, const float *x, const int32_t *labels,
                                         int64_t n, int64_t d, double *accuracy)
{
    if (m->family != &latent_classifier_family)
        return latent_fail(LATENT_EINVAL, "classifier: not a classifier");
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

latent_status latent_samples_frechet(latent_model *classifier, const float *samples, int64_t n,
                                     const float *real, int64_t n_real, int64_t d, double *distance)
{
    if (classifier->family != &latent_classifier_family)
        return latent_fail(LATENT_EINVAL, "frechet: needs a classifier");
    if (d != classifier->d)
        return latent_fail(LATENT_EINVAL, "frechet: rows of %lld features, the classifier takes %lld",
                           (long long)d, (long long)classifier->d);
    if (n < 2 || n_real < 2) return latent_fail(LATENT_EINVAL, "frechet: needs at least 2 rows a side");
    const int64_t k = classifier->code;
    float *fa = latent_alloc((size_t)n, (size_t)k * sizeof(float), "features");
    float *fb = latent_alloc((size_t)n_real, (size_t)k * sizeof(float), "features");
    latent_status st = !fa || !fb ? LATENT_ENOMEM : LATENT_OK;
    if (!st) st = latent_model_encode(classifier, real, n_real, d, fb);
    if (!st) st = latent_model_encode(classifier, samples, n, d, fa);
    if (!st) st = latent_frechet_distance(fa, n, fb, n_real, k, distance);
    latent_free(fa), latent_free(fb);
    return st;
}

latent_status latent_gan_frechet(latent_model *gan, latent_model *classifier, const float *real,
                                 int64_t n_real, const float *ref, int64_t n_ref, int64_t n,
                                 uint64_t seed, double *distance, double *floor)
{
    if (latent_model_kind_of(gan) != LATENT_MODEL_GAN || classifier->family != &latent_classifier_family)
        return latent_fail(LATENT_EINVAL, "frechet: needs a GAN and a classifier");
    float *samples = latent_alloc((size_t)n, (size_t)gan->d * sizeof(float), "samples");
    latent_status st = !samples ? LATENT_ENOMEM : latent_model_sample(gan, n, seed, samples);
    if (!st) st = latent_samples_frechet(classifier, samples, n, real, n_real, gan->d, distance);
    if (!st && floor && ref) st = latent_samples_frechet(classifier, ref, n_ref, real, n_real, gan->d, floor);
    latent_free(samples);
    return st;
}

/* ---- the configuration map ---- */

static void config_out(const latent_model *m, latent_kv_out *kv)
{
    const latent_ae_config *sizes = m->cfg;
    latent_kv_put_list(kv, "layers", sizes->n_sizes, sizes->sizes);
}

static latent_status config_in(const latent_kv_in *c, uint64_t init_seed, latent_model **out)
{
    int64_t s[LATENT_MAX_SIZES];
    int ns = 0;
    latent_status st = latent_kv_list(c, "layers", &ns, s, LATENT_MAX_SIZES);
    if (st) return st;
    if (ns < 3) return latent_kv_bad("layers", latent_kv_get(c, "layers") ? latent_kv_get(c, "layers") : "");
    return latent_classifier_create(s[0], ns - 2, s + 1, s[ns - 1], init_seed, out);
}

/* The labels a training call lends (m->priv) are not the model's to free. */
static void release(latent_model *m) { m->priv = NULL; }

const latent_family latent_classifier_family = {
    .name = "classifier",
    .kind = LATENT_MODEL_CLASSIFIER,
    .group_name = {"params"},
    .rows_factor = {1, 1},
    .eval = eval_chunk,
    .release = release,
    .config_out = config_out,
    .config_in = config_in,
};
