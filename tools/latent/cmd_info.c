/* latent info: what latent sees of this machine and what it will use. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include "commands.h"
#include "jsonl.h"
#include "latent/latent.h"
#include "options.h"

int cmd_info(int argc, char **argv)
{
    int json = 0;
    cli_option opts[] = {
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "one JSON object on stdout", 0},
    };
    cli_command cmd = {"info", NULL, "Shows the CPU, the instruction sets detected and used, cores, "
                       "SMT, caches, NUMA nodes (hwloc) and the OpenMP threads and their binding.",
                       NULL, opts, 1, 0, 0, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;

    const char *supported[LATENT_ISA_COUNT];
    int nsup = 0;
    for (int i = 0; i < LATENT_ISA_COUNT; i++)
        if (latent_isa_supported((latent_isa)i)) supported[nsup++] = latent_isa_name((latent_isa)i);
    const char *detected = latent_isa_name(latent_isa_detected());
    const char *used = latent_isa_name(latent_isa_active());
    int threads = omp_get_max_threads();
    const char *bind = getenv("OMP_PROC_BIND");

    if (json) {
        jsonl j;
        jsonl_begin(&j, "info");
        jsonl_str(&j, "version", LATENT_VERSION);
        jsonl_str(&j, "isa_detected", detected);
        jsonl_str(&j, "isa_used", used);
        jsonl_strs(&j, "isa_supported", supported, nsup);
        jsonl_int(&j, "omp_threads", threads);
        jsonl_str(&j, "omp_proc_bind", bind ? bind : "");
        jsonl_end(&j);
        return EXIT_OK;
    }
    printf("latent %s\n", LATENT_VERSION);
    printf("isa detected:   %s\nisa used:       %s\nisa supported: ", detected, used);
    for (int i = 0; i < nsup; i++) printf(" %s", supported[i]);
    printf("\nomp threads:    %d%s%s\n", threads, bind ? "  OMP_PROC_BIND=" : "", bind ? bind : "");
    return EXIT_OK;
}
