/* latent info: what latent sees of this machine and what it will use. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include "checkpoint.h"
#include "commands.h"
#include "jsonl.h"
#include "latent/latent.h"
#include "latent/topology.h"
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
    if (cli_parse_only) return EXIT_OK;

    const char *supported[LATENT_ISA_COUNT];
    int nsup = 0;
    for (int i = 0; i < LATENT_ISA_COUNT; i++)
        if (latent_isa_supported((latent_isa)i)) supported[nsup++] = latent_isa_name((latent_isa)i);
    const char *detected = latent_isa_name(latent_isa_detected());
    const char *used = latent_isa_name(latent_isa_active());
    const char *screen = latent_isa_kmeans_bf16() ? "bfloat16 (AVX512_BF16)" : "float";
    int threads = omp_get_max_threads();
    const char *bind = getenv("OMP_PROC_BIND");
    latent_topology t;
    if (latent_topology_get(&t) != LATENT_OK)
        return cli_error("info", EXIT_FAIL, "%s", latent_last_error());

    if (json) {
        jsonl j;
        jsonl_begin(&j, "info");
        jsonl_str(&j, "version", LATENT_VERSION);
        jsonl_str(&j, "arch", ckpt_arch());
        jsonl_str(&j, "compiler", __VERSION__);
        jsonl_str(&j, "isa_detected", detected);
        jsonl_str(&j, "isa_used", used);
        jsonl_strs(&j, "isa_supported", supported, nsup);
        jsonl_str(&j, "kmeans_screen", screen);
        jsonl_str(&j, "cpu", t.cpu_model);
        jsonl_int(&j, "hwloc", t.from_hwloc);
        jsonl_int(&j, "packages", t.packages);
        jsonl_int(&j, "cores", t.cores);
        jsonl_int(&j, "pus", t.pus);
        jsonl_int(&j, "smt", t.smt);
        jsonl_int(&j, "numa_nodes", t.numa_nodes);
        jsonl_int(&j, "numa_memory", t.numa_memory);
        jsonl_int(&j, "l1d", t.l1d.size);
        jsonl_int(&j, "l2", t.l2.size);
        jsonl_int(&j, "l3", t.l3.size);
        jsonl_int(&j, "l3_instances", t.l3.instances);
        jsonl_int(&j, "threads", t.threads);
        jsonl_int(&j, "bound", t.bound);
        jsonl_str(&j, "binding", t.binding);
        jsonl_int(&j, "gemm_mr", t.mr);
        jsonl_int(&j, "gemm_nr", t.nr);
        jsonl_int(&j, "gemm_kc", t.kc);
        jsonl_int(&j, "gemm_mc", t.mc);
        jsonl_int(&j, "gemm_nc", t.nc);
        jsonl_int(&j, "omp_threads", threads);
        jsonl_str(&j, "omp_proc_bind", bind ? bind : "");
        jsonl_end(&j);
        return EXIT_OK;
    }
    printf("latent %s (%s, compiler %s)\n", LATENT_VERSION, ckpt_arch(), __VERSION__);
    printf("isa detected:   %s\nisa used:       %s\nisa supported: ", detected, used);
    for (int i = 0; i < nsup; i++) printf(" %s", supported[i]);
    printf("\nk-means screen: %s\n", screen);
    printf("cpu:            %s\n", t.cpu_model[0] ? t.cpu_model : "(unknown)");
    printf("topology:       %d package(s), %d core(s), %d hardware thread(s), SMT %d, %d NUMA "
           "node(s)%s\n", t.packages, t.cores, t.pus, t.smt, t.numa_nodes,
           t.from_hwloc ? " (hwloc)" : latent_topology_has_hwloc() ? " (sysconf; hwloc failed)"
                                                                    : " (sysconf; built without hwloc)");
    if (t.l1d.size || t.l2.size || t.l3.size)
        printf("caches:         L1d %lld KiB, L2 %lld KiB (per %d core(s)), L3 %lld KiB x %d\n",
               (long long)t.l1d.size >> 10, (long long)t.l2.size >> 10, t.l2.cores_sharing,
               (long long)t.l3.size >> 10, t.l3.instances);
    else /* neither hwloc nor sysfs said: the GEMM blocking below falls back to its defaults */
        printf("caches:         unknown\n");
    printf("threads:        %d%s; %s\n", t.threads, t.bound ? ", bound" : ", not bound", t.binding);
    printf("gemm blocking:  MR %d NR %d KC %lld MC %lld NC %lld\n", t.mr, t.nr, (long long)t.kc,
           (long long)t.mc, (long long)t.nc);
    printf("omp threads:    %d%s%s\n", threads, bind ? "  OMP_PROC_BIND=" : "", bind ? bind : "");
    return EXIT_OK;
}
