/* The machine as hwloc describes it, the OpenMP threads latent runs (one per physical core by
 * default, each bound to its own core) and the GEMM cache blocking derived from the cache sizes. */
#ifndef LATENT_TOPOLOGY_H
#define LATENT_TOPOLOGY_H

#include <stdint.h>
#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One cache level: the size of one instance and who shares it (0 everywhere when unknown). */
typedef struct latent_cache {
    int64_t size;        /* bytes per instance */
    int instances;       /* how many the machine has */
    int cores_sharing;   /* physical cores sharing one instance */
    int pus_sharing;     /* hardware threads sharing one instance */
} latent_cache;

/* What `latent info` prints: filled by latent_topology_get, no pointers inside. */
typedef struct latent_topology {
    char cpu_model[128];  /* as the OS reports it, "" when unknown */
    int from_hwloc;       /* 1: hwloc read the machine; 0: it failed and counts come from sysconf */
    int packages;         /* sockets */
    int cores;            /* physical cores */
    int pus;              /* hardware threads (processing units) */
    int smt;              /* hardware threads per core (pus / cores) */
    int numa_nodes;
    int64_t numa_memory;  /* bytes of memory over all NUMA nodes, 0 when unknown */
    latent_cache l1d, l2, l3;
    /* the threads latent uses now and how they are bound */
    int threads;
    int bound;            /* 1 when latent bound each thread to its own core */
    char binding[160];    /* e.g. "hwloc: thread i on core i mod 2 (one PU set per core)" */
    /* the GEMM blocking of the kernel table in use */
    int mr, nr;
    int64_t kc, mc, nc;
} latent_topology;

/* Fills *out with the machine (read once per process), the threads and the blocking in use. */
latent_status latent_topology_get(latent_topology *out);

/* OMP_NUM_THREADS when set; otherwise one thread per physical core this process may run on (all
 * of them, or those a launcher such as mpirun bound it to); at least 1. */
int latent_threads_default(void);

/* 1 when this build reads the machine through hwloc (0: built with -Dhwloc=disabled). */
int latent_topology_has_hwloc(void);

/* The number of threads latent's parallel loops use (latent_threads_default until set). */
int latent_threads(void);

/* Uses n threads (1 <= n <= 4096) and binds thread i to core i mod cores with hwloc, unless the
 * OpenMP runtime was told to bind (OMP_PROC_BIND or OMP_PLACES set); LATENT_EINVAL for a bad n.
 * Call it outside any parallel region; the thread that calls it becomes thread 0. */
latent_status latent_set_threads(int n);

/* The core thread t was bound to by latent_set_threads, or -1 when it was not bound. */
int latent_thread_core(int t);

/* GEMM blocking from cache sizes for an mr x nr micro-kernel (sizes in bytes, 0 = unknown):
 *   kc = L2 / (16 * 4 * nr): the kc x nr B micro-panel takes a sixteenth of L2 (both
 *        micro-panels stream from L2; a deep kc revisits C fewest times); a multiple of 16 in
 *        [64, 512] (the driver packs at most 512 deep); from L1d / (2 * 4 * nr) when L2 is
 *        unknown;
 *   mc = L2 / (4 * 4 * kc): the packed mc x kc A block fills a quarter of L2; a multiple of mr in
 *        [mr, 4096];
 *   nc = L3 / (2 * 4 * kc): the packed kc x nc B block fills half of one L3 instance; a multiple
 *        of nr in [nr, 8192].
 * A value whose cache size is unknown is returned as 0 (keep the table's default). */
void latent_blocking_for_caches(int64_t l1d, int64_t l2, int64_t l3, int mr, int nr,
                                int64_t *kc, int64_t *mc, int64_t *nc);

/* Derives the blocking from this machine's caches for the table in use and installs it in the
 * kernel tables. */
latent_status latent_apply_cache_blocking(void);

#ifdef __cplusplus
}
#endif
#endif
