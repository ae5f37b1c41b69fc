/* Model files as the command keeps them: the library's files (latent_model_save_extra /
 * latent_model_load_extra), with the command's own settings as "cli.*" strings beside the
 * model's configuration, and every failure turned into the command's one-line message. */
#ifndef LATENT_CLI_CHECKPOINT_H
#define LATENT_CLI_CHECKPOINT_H

#include "latent/models.h"

/* The command's strings in a model file (data spec, optimizer, loss history, ...): keys are
 * given without the "cli." the file stores them under. */
typedef latent_extra ckpt_extra;

/* Sets (or replaces) an extra string. */
void ckpt_extra_set(ckpt_extra *e, const char *key, const char *val);
/* The extra string under key, or NULL. */
const char *ckpt_extra_get(const ckpt_extra *e, const char *key);
void ckpt_extra_free(ckpt_extra *e);

/* Writes the model (weights, optimizer moments when with_state) and its configuration. */
/* "x86_64" or "aarch64": what this binary was built for. */
const char *ckpt_arch(void);

/* Records the machine a file is written on (cli.arch, cli.isa, cli.compiler, cli.version,
 * cli.threads), so `latent compare` can say why two files differ. */
void ckpt_machine(ckpt_extra *e);

int ckpt_save(const char *cmd, const char *path, latent_model *m, int with_state,
              const ckpt_extra *extra);

/* Reads a model file (k-means files are refused: see ckpt_kind). Weights and, when the file has
 * them, optimizer moments are loaded. On failure prints one line naming the file. */
int ckpt_load(const char *cmd, const char *path, latent_model **m, ckpt_extra *extra);

/* The "kind" metadata of a model file ("ae", "vae", "gan", "kmeans"), written to kind. */
int ckpt_kind(const char *cmd, const char *path, char *kind, size_t size);

#endif
