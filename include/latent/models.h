/* The model families built on the dense stack: autoencoders (plain, sparse, contractive,
 * denoising), variational autoencoders and GANs; training, use and checkpoint contents.
 *
 * Data are float32 rows (n x d, row-major) in [0, 1] (a GAN maps them to [-1, 1] itself).
 * Checkpoint tensor names (PyTorch state_dict names of the equivalent modules, weights [out, in]):
 *   ae:  encoder.K.weight/bias and decoder.K.weight/bias, K the index in an nn.Sequential of
 *        alternating Linear and activation modules (no module for an identity activation), e.g.
 *        784,128,32 with ReLU and a sigmoid output: encoder.0 [128,784], encoder.2 [32,128],
 *        decoder.0 [128,32], decoder.2 [784,128] (decoder.3 is the Sigmoid).
 *   vae: encoder.K (hidden layers as above), fc_mu, fc_logvar (Linear heads), decoder.K (its last
 *        Linear gives logits for a Bernoulli decoder, the mean for a Gaussian one).
 *   gan: generator.K (Tanh last), discriminator.K (LeakyReLU between, one logit out).
 *   dcgan: as below (latent_dcgan_config).
 * Training state (for resume) is named "latent_state.<group>.m" / ".v" (flat moments of the
 * group, group "params" for ae/vae, "generator" / "discriminator" for gan) and is meant to be
 * dropped by a PyTorch loader (strict=False, or filter the prefix). */
#ifndef LATENT_MODELS_H
#define LATENT_MODELS_H

#include <stddef.h>
#include <stdint.h>
#include "latent/activation.h"
#include "latent/error.h"
#include "latent/io.h"
#include "latent/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LATENT_MAX_SIZES 8

typedef enum latent_model_kind {
    LATENT_MODEL_AE = 0,
    LATENT_MODEL_VAE,
    LATENT_MODEL_GAN,
    LATENT_MODEL_CLASSIFIER   /* the fixed feature network of the GAN's Fréchet distance */
} latent_model_kind;         /* a DCGAN is a LATENT_MODEL_GAN: every GAN use applies to it */

typedef enum latent_loss { LATENT_LOSS_MSE = 0, LATENT_LOSS_BCE } latent_loss;
typedef enum latent_noise { LATENT_NOISE_NONE = 0, LATENT_NOISE_MASK, LATENT_NOISE_GAUSS } latent_noise;

/* code_act of an autoencoder that follows `act` (sigmoid for a sparse or contractive one). */
#define LATENT_AE_CODE_AS_ACT LATENT_ACT_COUNT

/* The convolutional side of an autoencoder or VAE on images of height x width x channels (rows
 * hold their pixels in [H, W, C] order; height x width x channels = sizes[0]). n = 0: a dense
 * model. The encoder: n Conv2d (channels[i], kernel x kernel, stride 2, padding (k - 1) / 2,
 * the model's activation), Flatten, then the dense layers of sizes[1..]; the decoder: a Linear
 * from the code (or z) to the last convolution's output, Unflatten, ConvTranspose2d back through
 * channels[n-1..0] at stride 2 (output_padding 1) and a last ConvTranspose2d to `channels` at
 * stride 1 (the Keras VAE example's shape), all as PyTorch nn.Sequential modules name them. */
typedef struct latent_conv_config {
    int n;
    int64_t channels[LATENT_MAX_SIZES];
    int kernel;                  /* odd */
    int64_t height, width, image_channels;
} latent_conv_config;

/* Autoencoder: sizes[0] is the input width, sizes[1..n_sizes-1] the encoder; the decoder
 * mirrors it. `act` on every hidden layer; `code_act` on the code layer (the encoder's last),
 * LATENT_AE_CODE_AS_ACT by default: `act`, or sigmoid for a sparse or contractive autoencoder,
 * which needs a sigmoid code (any other code_act is an error for them). A model keeps the
 * code_act it resolved. BCE needs a sigmoid output (computed from logits); losses are means
 * over all elements (F.mse_loss, F.binary_cross_entropy). */
typedef struct latent_ae_config {
    int n_sizes;
    int64_t sizes[LATENT_MAX_SIZES];
    latent_act act, out_act;
    latent_act code_act;
    float slope;                 /* leaky ReLU slope (0.01) */
    latent_loss loss;
    float sparse_beta, sparse_rho; /* beta > 0: KL sparsity on the code layer */
    float contractive;           /* lambda > 0: Jacobian penalty of the code layer wrt its input */
    latent_noise noise;          /* denoising: mask (drop with probability level) or gauss */
    float noise_level;
    latent_conv_config conv;     /* convolutional (not with contractive) */
} latent_ae_config;

/* VAE: sizes[0] the input width, then the encoder's hidden layers; heads fc_mu and fc_logvar of
 * width `latent`; the decoder mirrors the hidden layers. */
typedef struct latent_vae_config {
    int n_sizes;
    int64_t sizes[LATENT_MAX_SIZES];
    int64_t latent;
    latent_act act;
    float slope;
    float beta;
    int gaussian;                /* 0: Bernoulli decoder (logits); 1: Gaussian, fixed sigma */
    float sigma;
    latent_conv_config conv;     /* convolutional */
} latent_vae_config;

/* GAN: G z -> gen... -> d (tanh), D d -> disc... -> 1 (leaky ReLU d_slope between). */
typedef struct latent_gan_config {
    int64_t z, d;
    int n_gen, n_disc;
    int64_t gen[LATENT_MAX_SIZES], disc[LATENT_MAX_SIZES];
    latent_act g_act;            /* relu or leaky_relu */
    float g_slope, d_slope;
    int d_steps;                 /* D updates per G update: each D update takes its own
                                  * minibatch; G updates after every d_steps-th */
} latent_gan_config;

/* DCGAN on images of height x width x channels (rows are their pixels in [H, W, C] order, as
 * latent reads images). G: z -> Linear (no bias) to base x base x gen[0], BatchNorm1d, leaky
 * ReLU -> Unflatten -> for each gen[i], i >= 1, ConvTranspose2d (stride 1 for the first, 2 after,
 * no bias), BatchNorm2d, leaky ReLU -> ConvTranspose2d to `channels`, stride 2, tanh; base is
 * height / 2^max(n_gen - 1, 1). D: for each disc[i] Conv2d stride 2 (bias), leaky ReLU, Dropout ->
 * Flatten -> Linear to one logit. Kernels k x k padded as PyTorch pads for 'same' sizes (padding
 * (k - 1) / 2; transposed: output_padding stride - 1). BCE with logits, the non-saturating G loss
 * on the fakes of the step's D update. Checkpoints are the state_dicts of these two
 * nn.Sequential modules ("generator.K.*", "discriminator.K.*", batch-norm buffers included). */
typedef struct latent_dcgan_config {
    int64_t z, height, width, channels;
    int n_gen, n_disc;
    int64_t gen[LATENT_MAX_SIZES], disc[LATENT_MAX_SIZES];
    int kernel;                  /* odd */
    float slope;                 /* leaky ReLU slope, G and D */
    float dropout;               /* D's dropout probability */
    float bn_eps, bn_momentum;   /* G's batch norms (PyTorch's meaning of momentum) */
    float label_smoothing;       /* one-sided: D's target on real rows is 1 - this */
    int d_steps;
} latent_dcgan_config;

/* Defaults: ae 784,128,32 ReLU (the code as act), sigmoid output, MSE; vae 784,400 latent 20
 * ReLU beta 1 Bernoulli; gan z 100, G 256,512 ReLU, D 512,256 slope 0.2, d_steps 1; dcgan
 * TensorFlow's DCGAN tutorial: 28x28x1, z 100, gen 256,128,64, disc 64,128, kernel 5, slope 0.3,
 * dropout 0.3, batch norm eps 1e-5 momentum 0.1 (PyTorch's), no label smoothing, d_steps 1. */
void latent_ae_config_default(latent_ae_config *c);
void latent_vae_config_default(latent_vae_config *c);
void latent_gan_config_default(latent_gan_config *c);
void latent_dcgan_config_default(latent_dcgan_config *c);
/* The Keras VAE example's convolutions on 28 x 28 x 1: 32 and 64 channels, kernel 3. */
void latent_conv_config_default(latent_conv_config *c);

typedef struct latent_model latent_model;

/* Builds and initialises a model (weights drawn from `seed`); LATENT_EINVAL names the bad field. */
latent_status latent_ae_create(const latent_ae_config *c, uint64_t seed, latent_model **out);
latent_status latent_vae_create(const latent_vae_config *c, uint64_t seed, latent_model **out);
latent_status latent_gan_create(const latent_gan_config *c, uint64_t seed, latent_model **out);
latent_status latent_dcgan_create(const latent_dcgan_config *c, uint64_t seed, latent_model **out);
void latent_model_free(latent_model *m);

latent_model_kind latent_model_kind_of(const latent_model *m);
/* Input width; code width (AE code layer, VAE latent, GAN z). */
int64_t latent_model_input_dim(const latent_model *m);
int64_t latent_model_code_dim(const latent_model *m);

/* Training options; `optim` defaults to Adam(1e-3) (GAN: Adam(2e-4, beta1 0.5)). */
typedef struct latent_train_options {
    int64_t epochs, batch;
    uint64_t seed;               /* shuffling and noise (the init seed is the create seed) */
    latent_optim_config optim;
    latent_epoch_fn on_epoch;    /* optional; losses per family in latent_model_train */
    void *user;
    latent_step_fn on_step;      /* optional: after each minibatch (progress bars) */
    int64_t *thread_work;        /* optional, one slot per thread: the GEMM multiply-adds each
                                  * thread did are added to its slot (how evenly work spreads) */
    const volatile int *stop;    /* optional: once *stop is nonzero (a signal handler's Ctrl-C),
                                  * training ends after the step under way, LATENT_OK, the state
                                  * where it stopped (a later call resumes from there) */
    int fixed_threads;           /* 0 (the default): each step runs on the thread count that
                                  * has run steps fastest lately (the most threads, or fewer
                                  * where the cores are far apart: every count gives the same
                                  * bytes); nonzero: every step on all latent_threads() */
} latent_train_options;

void latent_train_options_default(latent_model_kind kind, latent_train_options *o);

/* Trains from the model's training state (epoch 0 for a new model; where a checkpoint left off
 * for a loaded one) until o->epochs epochs are done in all (a total, not a count to add), so a
 * run resumed with the same options and seed ends in the same bytes. Epoch report losses: ae [objective, reconstruction, penalty],
 * vae [negative ELBO per example, reconstruction, KL, objective], gan [D loss, G loss]. The
 * same seed gives the same bytes for any thread count. LATENT_EDIVERGED on NaN/Inf. */
latent_status latent_model_train(latent_model *m, const float *x, int64_t n, int64_t d,
                                 const latent_train_options *o);

/* Where training stands (for checkpoints) and the seed it used; set before resuming. */
void latent_model_get_state(const latent_model *m, latent_train_state *s, uint64_t *train_seed);
void latent_model_set_state(latent_model *m, const latent_train_state *s, uint64_t train_seed);

/* Test losses with the epoch report's layout (VAE: one eps sample per example from seed). */
latent_status latent_model_evaluate(latent_model *m, const float *x, int64_t n, int64_t d,
                                    uint64_t seed, double loss[LATENT_LOSS_TERMS]);

/* codes: n x code_dim (AE code layer, VAE mu). */
latent_status latent_model_encode(latent_model *m, const float *x, int64_t n, int64_t d,
                                  float *codes);
/* out: n x d reconstructions in data space (probabilities for sigmoid/Bernoulli outputs). */
latent_status latent_model_reconstruct(latent_model *m, const float *x, int64_t n, int64_t d,
                                       float *out);
/* scores[i]: AE reconstruction error of row i (mean over features, the training loss);
 * VAE negative ELBO of row i in nats (one eps sample from seed). */
latent_status latent_model_anomaly(latent_model *m, const float *x, int64_t n, int64_t d,
                                   uint64_t seed, float *scores);
/* out: n x d samples in [0, 1] (VAE: decoder mean at z ~ N(0, I); GAN: (G(z) + 1) / 2). */
latent_status latent_model_sample(latent_model *m, int64_t n, uint64_t seed, float *out);
/* out: n x d what the model makes of the codes z (n x code, code = latent_model_code_dim): an
 * autoencoder's decoder output, VAE decoder means, GAN (G(z) + 1) / 2 (batch norms with their
 * running statistics). */
latent_status latent_model_decode(latent_model *m, const float *z, int64_t n, int64_t code,
                                  float *out);

/* Importance-weighted estimate of log p(x) with K samples per row (logsumexp in double):
 * *mean = the average over rows in nats; per_row (optional) each row's estimate. */
latent_status latent_vae_log_likelihood(latent_model *m, const float *x, int64_t n, int64_t d,
                                        int K, uint64_t seed, double *mean, double *per_row);

/* ---- quality of generated data -------------------------------------------------------- */

/* An MLP classifier d -> hidden... -> classes (ReLU, softmax cross-entropy) whose last hidden
 * layer is the feature space of the Fréchet distance; latent_model_encode gives its features.
 * Tensors "classifier.K.weight/bias". */
latent_status latent_classifier_create(int64_t d, int n_hidden, const int64_t *hidden,
                                       int64_t classes, uint64_t seed, latent_model **out);
/* Trains on labels in [0, classes); epoch report loss [cross-entropy, accuracy]. */
latent_status latent_classifier_train(latent_model *m, const float *x, const int32_t *labels,
                                      int64_t n, int64_t d, const latent_train_options *o);
/* Fraction of rows whose arg-max class equals the label. */
latent_status latent_classifier_accuracy(latent_model *m, const float *x, const int32_t *labels,
                                         int64_t n, int64_t d, double *accuracy);

/* Fréchet distance between the Gaussians fitted to a (na x k) and b (nb x k) in double:
 * |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2) (Jacobi eigen-decomposition). */
latent_status latent_frechet_distance(const float *a, int64_t na, const float *b, int64_t nb,
                                      int64_t k, double *out);

/* The Fréchet distance between the classifier features of samples (n x d) and of real rows. */
latent_status latent_samples_frechet(latent_model *classifier, const float *samples, int64_t n,
                                     const float *real, int64_t n_real, int64_t d, double *distance);

/* FID-style score of a GAN: the Fréchet distance between the classifier features of n samples
 * (seed) and of the rows of real (n_real x d); *floor (optional) is the distance between the
 * features of ref (n_ref rows, e.g. training images) and real, the value a perfect generator
 * would approach. */
latent_status latent_gan_frechet(latent_model *gan, latent_model *classifier, const float *real,
                                 int64_t n_real, const float *ref, int64_t n_ref, int64_t n,
                                 uint64_t seed, double *distance, double *floor);

/* ---- checkpoint contents ---------------------------------------------------------------- */

/* One named tensor view into the model (float32, row-major, shape[0..ndim-1]). */
typedef struct latent_named_tensor {
    char name[LATENT_NAME_MAX + 32];
    int ndim;
    int64_t shape[4];
    float *data;
} latent_named_tensor;

/* Lists the model's weights (PyTorch names above) and, when with_state and the model has
 * trained, its optimizer moments. Returns the count (at most max written), or -1. */
int latent_model_tensors(latent_model *m, int with_state, latent_named_tensor *out, int max);

#define LATENT_CONFIG_MAX 32
/* Configuration and training state as string pairs (keys: "kind", "layers", "act", ...,
 * "epoch", "batch_in_epoch", "step", "train_seed", "init_seed", "opt_steps"). Returns the count. */
int latent_model_config(const latent_model *m, char keys[][32], char vals[][96], int max);

/* Builds a model from a config map (as written above); weights are then filled through
 * latent_model_tensors (names and shapes must match). */
latent_status latent_model_from_config(int n, const char *const *keys, const char *const *vals,
                                       latent_model **out);

/* Writes the model as safetensors at path (crash-safe): the tensors above (with the training
 * state when with_state), the configuration map and, when extra is not NULL, its strings, all
 * as __metadata__. */
latent_status latent_model_save(latent_model *m, const char *path, int with_state);
latent_status latent_model_save_extra(latent_model *m, const char *path, int with_state,
                                      const latent_extra *extra);

/* Reads a model file written by latent_model_save: builds the model from its metadata and fills
 * every tensor, checking names, dtype (F32) and shapes; a file without the training state loads
 * for use, not for resuming. LATENT_EFORMAT names the file and what is wrong (a k-means file is
 * refused: latent_kmeans_load reads those). With extra not NULL, the file's caller strings are
 * put there (free with latent_extra_free). */
latent_status latent_model_load(const char *path, latent_model **out);
latent_status latent_model_load_extra(const char *path, latent_model **out, latent_extra *extra);

/* The "kind" of a model file ("ae", "vae", "gan", "classifier", "kmeans") into kind. */
latent_status latent_model_file_kind(const char *path, char *kind, size_t size);

#ifdef __cplusplus
}
#endif
#endif
