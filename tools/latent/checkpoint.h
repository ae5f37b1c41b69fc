/* Model files: a model's PyTorch-named tensors and its configuration and training state in one
 * safetensors file, written crash-safely; read back into a model ready to use or to resume. */
#ifndef LATENT_CLI_CHECKPOINT_H
#define LATENT_CLI_CHECKPOINT_H

#include "latent/models.h"

#define CKPT_EXTRA_MAX 16

/* Strings the command stores beside the model's own configuration (data spec, optimizer,
 * loss history, ...): keys are prefixed "cli." in the file. */
typedef struct ckpt_extra {
    int n;
    char key[CKPT_EXTRA_MAX][32];
    char *val[CKPT_EXTRA_MAX];   /* owned (malloc) */
} ckpt_extra;

/* Sets (or replaces) an extra string. */
void ckpt_extra_set(ckpt_extra *e, const char *key, const char *val);
/* The extra string under key, or NULL. */
const char *ckpt_extra_get(const ckpt_extra *e, const char *key);
void ckpt_extra_free(ckpt_extra *e);

/* Writes the model (weights, optimizer moments when with_state) and its configuration. */
int ckpt_save(const char *cmd, const char *path, latent_model *m, int with_state,
              const ckpt_extra *extra);

/* Reads a model file: kind "kmeans" files are refused here (see ckpt_kind). Weights and, when
 * the file has them, optimizer moments are loaded. On failure prints one line naming the file. */
int ckpt_load(const char *cmd, const char *path, latent_model **m, ckpt_extra *extra);

/* The "kind" metadata of a model file ("ae", "vae", "gan", "kmeans"), written to kind. */
int ckpt_kind(const char *cmd, const char *path, char *kind, size_t size);

#endif
