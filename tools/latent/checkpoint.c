/* Model files for the command: the library's, its settings under "cli.", its messages. */
#include <stdio.h>
#include <string.h>
#include "checkpoint.h"
#include "options.h"

static void cli_key(char *buf, size_t size, const char *key) { snprintf(buf, size, "cli.%s", key); }

void ckpt_extra_set(ckpt_extra *e, const char *key, const char *val)
{
    char k[48];
    cli_key(k, sizeof k, key);
    latent_extra_set(e, k, val); /* a full set keeps what it has: the settings fit by design */
}

const char *ckpt_extra_get(const ckpt_extra *e, const char *key)
{
    char k[48];
    cli_key(k, sizeof k, key);
    return latent_extra_get(e, k);
}

void ckpt_extra_free(ckpt_extra *e) { latent_extra_free(e); }

int ckpt_save(const char *cmd, const char *path, latent_model *m, int with_state,
              const ckpt_extra *extra)
{
    if (latent_model_save_extra(m, path, with_state, extra) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    return EXIT_OK;
}

int ckpt_kind(const char *cmd, const char *path, char *kind, size_t size)
{
    if (latent_model_file_kind(path, kind, size) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    return EXIT_OK;
}

int ckpt_load(const char *cmd, const char *path, latent_model **out, ckpt_extra *extra)
{
    *out = NULL;
    if (latent_model_load_extra(path, out, extra) != LATENT_OK)
        return cli_error(cmd, EXIT_FAIL, "%s", latent_last_error());
    return EXIT_OK;
}
