/* Model files for the command: the library's, its settings under "cli.", its messages. */
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include "checkpoint.h"
#include "latent/comm.h"
#include "latent/isa.h"
#include "latent/topology.h"
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

const char *ckpt_arch(void)
{
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#else
    return "other";
#endif
}

void ckpt_machine(ckpt_extra *e)
{
    char threads[16];
    snprintf(threads, sizeof threads, "%d", omp_get_max_threads());
    ckpt_extra_set(e, "arch", ckpt_arch());
    ckpt_extra_set(e, "isa", latent_isa_name(latent_isa_active()));
    ckpt_extra_set(e, "compiler", __VERSION__);
    ckpt_extra_set(e, "version", LATENT_VERSION);
    ckpt_extra_set(e, "threads", threads);
    char ranks[16];
    snprintf(ranks, sizeof ranks, "%d", latent_comm_size());
    ckpt_extra_set(e, "ranks", ranks);
    /* what else fixes the order of a sum: the GEMM tile and its depth, the k-means screen */
    latent_topology t;
    if (latent_topology_get(&t) == LATENT_OK) {
        char kernels[96];
        snprintf(kernels, sizeof kernels, "gemm %dx%d kc %lld, kmeans screen %s", t.mr, t.nr,
                 (long long)t.kc, latent_isa_kmeans_bf16() ? "bfloat16" : "float");
        ckpt_extra_set(e, "kernels", kernels);
    }
}

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
