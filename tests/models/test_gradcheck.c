/* Finite-difference gradient checks: the library's analytic minibatch gradient (float, sharded)
 * against central differences of an independent double reference of every loss and penalty. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "latent/rng.h"
#include "reference.h"
#include "src/models/model.h"

#define ROWS 70 /* two shards: 64 + 6, so the reduction is exercised */

typedef double (*loss_fn)(latent_model *m, const double *w0, const double *w1, const float *x);

static float *make_data(int64_t n, int64_t d, uint64_t seed)
{
    float *x = malloc(sizeof(float) * (size_t)(n * d));
    latent_rng r;
    latent_rng_init(&r, seed, LATENT_STREAM_USER + 9, 0, 0);
    for (int64_t i = 0; i < n * d; i++) x[i] = latent_rng_uniform(&r);
    return x;
}

static double *to_double(const latent_params *p)
{
    double *w = malloc(sizeof(double) * (size_t)p->n);
    for (int64_t i = 0; i < p->n; i++) w[i] = p->w[i];
    return w;
}

/* Runs one minibatch of all ROWS rows at step 0 with SGD(lr 0): the parameters stay, and each
 * group's g holds the reduced gradient. */
static void analytic(latent_model *m, const float *x)
{
    static int64_t idx[ROWS];
    for (int i = 0; i < ROWS; i++) idx[i] = i;
    latent_optim_config o = {LATENT_OPT_SGD, 0.0f, 0, 0, 0, 0, 0, 0};
    m->opt = o;
    latent_batch b = {0};
    b.x = x, b.d = m->d, b.idx = idx, b.rows = ROWS, b.n_shards = latent_shards_for(ROWS);
    b.seed = 7;
    cr_assert_eq(latent_loop_step(m, m->family->plan, &b, NULL), LATENT_OK, "%s", latent_last_error());
}

/* Compares group g's gradient with central differences of f on sampled entries of each tensor. */
static void check_group(latent_model *m, int g, loss_fn f, const float *x, double rtol)
{
    latent_params *p = &m->group[g];
    double *w[2] = {to_double(&m->group[0]), m->n_groups > 1 ? to_double(&m->group[1]) : NULL};
    int checked = 0;
    for (int ti = 0; ti < p->n_tensors; ti++) {
        const latent_param_tensor *t = &p->tensor[ti];
        double gmax = 0;
        for (int64_t i = 0; i < t->numel; i++) gmax = fmax(gmax, fabs(p->g[t->offset + i]));
        int64_t stride = t->numel / 23 + 1;
        for (int64_t i = 0; i < t->numel; i += stride) {
            int64_t k = t->offset + i;
            double save = w[g][k], h = 1e-5 * fmax(1.0, fabs(save));
            w[g][k] = save + h;
            double fp = f(m, w[0], w[1], x);
            w[g][k] = save - h;
            double fm = f(m, w[0], w[1], x);
            w[g][k] = save;
            double fd = (fp - fm) / (2 * h), an = p->g[k];
            cr_expect(fabs(fd - an) <= rtol * fabs(fd) + 2e-4 * gmax + 1e-7,
                      "%s[%lld]: analytic %.8g, finite difference %.8g", t->name, (long long)i,
                      an, fd);
            checked++;
        }
    }
    cr_assert_gt(checked, 10);
    free(w[0]), free(w[1]);
}

/* ---- autoencoders ----------------------------------------------------------------------- */

static void corrupted(latent_model *m, const float *x, double *xd)
{
    const latent_ae_config *c = m->cfg;
    for (int64_t i = 0; i < ROWS; i++) {
        latent_rng r;
        latent_rng_init(&r, 7, LATENT_STREAM_NOISE, 0, (uint32_t)i);
        for (int64_t j = 0; j < m->d; j++) {
            double v = x[i * m->d + j];
            if (c->noise == LATENT_NOISE_MASK) v = latent_rng_uniform(&r) < c->noise_level ? 0 : v;
            else if (c->noise == LATENT_NOISE_GAUSS) {
                float fv = x[i * m->d + j] + c->noise_level * latent_rng_normal(&r);
                v = fv < 0 ? 0 : fv > 1 ? 1 : fv;
            }
            xd[i * m->d + j] = v;
        }
    }
}

static double ae_loss(latent_model *m, const double *w, const double *w1, const float *x)
{
    (void)w1;
    const latent_ae_config *c = m->cfg;
    const latent_stack *net = &m->stack[0];
    const int L = net->n_layers, cl = c->n_sizes - 2; /* the code layer: the encoder's last */
    const int64_t D = m->d, C = m->code;
    double *xd = malloc(sizeof(double) * (size_t)(ROWS * D));
    corrupted(m, x, xd);
    double *h = ref_forward(net, w, 0, cl + 1, xd, ROWS);
    double *y = ref_forward(net, w, cl + 1, L, h, ROWS);
    double rec = 0;
    for (int64_t i = 0; i < ROWS * D; i++) {
        double t = x[i];
        rec += c->loss == LATENT_LOSS_MSE ? (y[i] - t) * (y[i] - t) : ref_bce_logit(y[i], t);
    }
    double loss = rec / (ROWS * D);
    if (c->sparse_beta > 0) {
        double rho = c->sparse_rho, kl = 0;
        for (int64_t j = 0; j < C; j++) {
            double s = 0;
            for (int64_t n = 0; n < ROWS; n++) s += h[n * C + j];
            double rh = s / ROWS;
            kl += rho * log(rho / rh) + (1 - rho) * log((1 - rho) / (1 - rh));
        }
        loss += c->sparse_beta * kl;
    }
    if (c->contractive > 0) {
        const latent_dense *l = latent_dense_of(&net->layer[cl]);
        double pen = 0;
        for (int64_t i = 0; i < C; i++) {
            double cw = 0;
            for (int64_t j = 0; j < l->in; j++) cw += w[l->w_off + i * l->in + j] * w[l->w_off + i * l->in + j];
            for (int64_t n = 0; n < ROWS; n++) {
                double hv = h[n * C + i], s = hv * (1 - hv);
                pen += s * s * cw;
            }
        }
        loss += c->contractive * pen / ROWS;
    }
    free(xd), free(h), free(y);
    return loss;
}

static void ae_case(latent_act act, latent_act out, latent_loss loss, float sparse, float contr,
                    latent_noise noise)
{
    latent_ae_config c;
    latent_ae_config_default(&c);
    c.n_sizes = 4, c.sizes[0] = 9, c.sizes[1] = 7, c.sizes[2] = 6, c.sizes[3] = 4;
    c.act = act, c.out_act = out, c.loss = loss, c.slope = 0.1f;
    c.sparse_beta = sparse, c.sparse_rho = 0.2f, c.contractive = contr;
    c.noise = noise, c.noise_level = noise == LATENT_NOISE_MASK ? 0.3f : 0.2f;
    latent_model *m;
    cr_assert_eq(latent_ae_create(&c, 3, &m), LATENT_OK, "%s", latent_last_error());
    /* nonzero biases so every activation is exercised away from 0 */
    latent_rng r;
    latent_rng_init(&r, 5, LATENT_STREAM_USER, 0, 0);
    for (int k = 0; k < m->stack[0].n_layers; k++)
        for (int64_t i = 0; i < latent_dense_of(&m->stack[0].layer[k])->out; i++)
            m->group[0].w[latent_dense_of(&m->stack[0].layer[k])->b_off + i] =
                0.3f * (2 * latent_rng_uniform(&r) - 1);
    float *x = make_data(ROWS, 9, 1);
    analytic(m, x);
    check_group(m, 0, ae_loss, x, 2e-3);
    free(x);
    latent_model_free(m);
}

Test(gradcheck, dense_identity_mse) { ae_case(LATENT_ACT_IDENTITY, LATENT_ACT_IDENTITY, LATENT_LOSS_MSE, 0, 0, 0); }
Test(gradcheck, dense_relu_mse) { ae_case(LATENT_ACT_RELU, LATENT_ACT_IDENTITY, LATENT_LOSS_MSE, 0, 0, 0); }
Test(gradcheck, dense_leaky_relu) { ae_case(LATENT_ACT_LEAKY_RELU, LATENT_ACT_SIGMOID, LATENT_LOSS_MSE, 0, 0, 0); }
Test(gradcheck, dense_sigmoid) { ae_case(LATENT_ACT_SIGMOID, LATENT_ACT_SIGMOID, LATENT_LOSS_MSE, 0, 0, 0); }
Test(gradcheck, dense_tanh) { ae_case(LATENT_ACT_TANH, LATENT_ACT_IDENTITY, LATENT_LOSS_MSE, 0, 0, 0); }
Test(gradcheck, dense_softplus) { ae_case(LATENT_ACT_SOFTPLUS, LATENT_ACT_IDENTITY, LATENT_LOSS_MSE, 0, 0, 0); }
Test(gradcheck, bce_logits) { ae_case(LATENT_ACT_TANH, LATENT_ACT_SIGMOID, LATENT_LOSS_BCE, 0, 0, 0); }
Test(gradcheck, sparse_penalty) { ae_case(LATENT_ACT_TANH, LATENT_ACT_SIGMOID, LATENT_LOSS_MSE, 0.5f, 0, 0); }
Test(gradcheck, contractive_penalty) { ae_case(LATENT_ACT_RELU, LATENT_ACT_SIGMOID, LATENT_LOSS_BCE, 0, 0.3f, 0); }
Test(gradcheck, denoising_mask) { ae_case(LATENT_ACT_RELU, LATENT_ACT_SIGMOID, LATENT_LOSS_MSE, 0, 0, LATENT_NOISE_MASK); }
Test(gradcheck, denoising_gauss) { ae_case(LATENT_ACT_SIGMOID, LATENT_ACT_SIGMOID, LATENT_LOSS_BCE, 0, 0, LATENT_NOISE_GAUSS); }

/* ---- VAE -------------------------------------------------------------------------------- */

static double vae_loss(latent_model *m, const double *w, const double *w1, const float *x)
{
    (void)w1;
    const latent_vae_config *c = m->cfg;
    const int64_t D = m->d, L = m->code;
    double *xd = malloc(sizeof(double) * (size_t)(ROWS * D)), *z = malloc(sizeof(double) * (size_t)(ROWS * L));
    for (int64_t i = 0; i < ROWS * D; i++) xd[i] = x[i];
    double *hd = ref_forward(&m->stack[0], w, 0, m->stack[0].n_layers, xd, ROWS);
    double kl = 0;
    for (int64_t n = 0; n < ROWS; n++) {
        latent_rng r;
        latent_rng_init(&r, 7, LATENT_STREAM_NOISE, 0, (uint32_t)n);
        for (int64_t j = 0; j < L; j++) {
            double mu = hd[n * 2 * L + j], lv = hd[n * 2 * L + L + j];
            z[n * L + j] = mu + exp(0.5 * lv) * latent_rng_normal(&r);
            kl += -0.5 * (1 + lv - mu * mu - exp(lv));
        }
    }
    double *y = ref_forward(&m->stack[1], w, 0, m->stack[1].n_layers, z, ROWS), rec = 0;
    const double s2 = (double)c->sigma * c->sigma;
    for (int64_t i = 0; i < ROWS * D; i++)
        rec += c->gaussian ? (xd[i] - y[i]) * (xd[i] - y[i]) / (2 * s2) + 0.5 * log(2 * M_PI * s2)
                           : ref_bce_logit(y[i], xd[i]);
    free(xd), free(z), free(hd), free(y);
    return (rec + c->beta * kl) / ROWS;
}

static void vae_case(int gaussian, latent_act act)
{
    latent_vae_config c;
    latent_vae_config_default(&c);
    c.n_sizes = 2, c.sizes[0] = 8, c.sizes[1] = 6, c.latent = 3;
    c.act = act, c.beta = 0.7f, c.gaussian = gaussian, c.sigma = 0.8f;
    latent_model *m;
    cr_assert_eq(latent_vae_create(&c, 3, &m), LATENT_OK, "%s", latent_last_error());
    float *x = make_data(ROWS, 8, 2);
    analytic(m, x);
    check_group(m, 0, vae_loss, x, 2e-3);
    free(x);
    latent_model_free(m);
}

Test(gradcheck, vae_bernoulli) { vae_case(0, LATENT_ACT_TANH); }
Test(gradcheck, vae_gaussian) { vae_case(1, LATENT_ACT_SOFTPLUS); }

/* ---- GAN -------------------------------------------------------------------------------- */

static double *gan_fake(latent_model *m, const double *wg, uint64_t a)
{
    const int64_t Z = m->code;
    double *z = malloc(sizeof(double) * (size_t)(ROWS * Z));
    for (int64_t n = 0; n < ROWS; n++) {
        latent_rng r;
        latent_rng_init(&r, 7, LATENT_STREAM_LATENT_Z, a, (uint32_t)n);
        for (int64_t j = 0; j < Z; j++) z[n * Z + j] = latent_rng_normal(&r);
    }
    double *g = ref_forward(&m->stack[0], wg, 0, m->stack[0].n_layers, z, ROWS);
    free(z);
    return g;
}

static double gan_d_loss(latent_model *m, const double *wg, const double *wd, const float *x)
{
    const int64_t D = m->d;
    double *real = malloc(sizeof(double) * (size_t)(ROWS * D));
    for (int64_t i = 0; i < ROWS * D; i++) real[i] = 2.0 * x[i] - 1.0;
    double *fake = gan_fake(m, wg, 0);
    double *lr = ref_forward(&m->stack[1], wd, 0, m->stack[1].n_layers, real, ROWS);
    double *lf = ref_forward(&m->stack[1], wd, 0, m->stack[1].n_layers, fake, ROWS), s = 0;
    for (int n = 0; n < ROWS; n++) s += ref_softplus(-lr[n]) + ref_softplus(lf[n]);
    free(real), free(fake), free(lr), free(lf);
    return s / ROWS;
}

static double gan_g_loss(latent_model *m, const double *wg, const double *wd, const float *x)
{
    (void)x;
    double *fake = gan_fake(m, wg, 1);
    double *lf = ref_forward(&m->stack[1], wd, 0, m->stack[1].n_layers, fake, ROWS), s = 0;
    for (int n = 0; n < ROWS; n++) s += ref_softplus(-lf[n]);
    free(fake), free(lf);
    return s / ROWS;
}

Test(gradcheck, gan_losses)
{
    latent_gan_config c;
    latent_gan_config_default(&c);
    c.z = 4, c.d = 10, c.n_gen = 1, c.gen[0] = 7, c.n_disc = 2, c.disc[0] = 8, c.disc[1] = 5;
    c.g_act = LATENT_ACT_LEAKY_RELU;
    latent_model *m;
    cr_assert_eq(latent_gan_create(&c, 3, &m), LATENT_OK, "%s", latent_last_error());
    float *x = make_data(ROWS, 10, 4);
    analytic(m, x);
    check_group(m, 1, gan_d_loss, x, 2e-3);
    check_group(m, 0, gan_g_loss, x, 2e-3);
    free(x);
    latent_model_free(m);
}
