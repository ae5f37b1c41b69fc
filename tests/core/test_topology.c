/* Topology, threads and binding, and the cache-derived GEMM blocking: hwloc's view checked
 * against what Linux's sysfs (or, without its cache entries, CPUID) says independently, the
 * blocking against its written formula. */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdlib.h>
#include <dirent.h>
#include <hwloc.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include "latent/topology.h"
#include "simd/kernels.h"

/* Reads the first line of a sysfs file; 0 when absent. */
static int read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int ok = fgets(buf, (int)n, f) != NULL;
    fclose(f);
    if (ok) buf[strcspn(buf, "\n")] = 0;
    return ok;
}

/* The size in bytes of cpu0's cache of this level and type ("Data", "Unified"), 0 if none. */
static long long sysfs_cache(int level, const char *type_a, const char *type_b)
{
    for (int i = 0; i < 8; i++) {
        char p[128], v[64], t[64], s[64];
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        if (!read_line(p, v, sizeof v)) break;
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        read_line(p, t, sizeof t);
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        read_line(p, s, sizeof s);
        if (atoi(v) == level && (strcmp(t, type_a) == 0 || strcmp(t, type_b) == 0)) {
            char *end;
            long long k = strtoll(s, &end, 10);
            return *end == 'M' ? k << 20 : *end == 'K' ? k << 10 : k;
        }
    }
    return 0;
}

/* Distinct (package, core) pairs over the online CPUs, and the online CPU count. */
static void sysfs_cores(int *cores, int *pus)
{
    static long long seen[4096];
    int n = 0;
    *pus = 0;
    for (int c = 0; c < 4096; c++) {
        char p[128], a[32], b[32];
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%d/topology/core_id", c);
        if (!read_line(p, a, sizeof a)) continue;
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", c);
        if (!read_line(p, b, sizeof b)) continue;
        (*pus)++;
        long long key = atoll(b) * 1000000 + atoll(a);
        int dup = 0;
        for (int i = 0; i < n; i++) dup |= seen[i] == key;
        if (!dup) seen[n++] = key;
    }
    *cores = n;
}

static int sysfs_numa_nodes(void)
{
    DIR *d = opendir("/sys/devices/system/node");
    if (!d) return 1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' && e->d_name[4] <= '9') n++;
    closedir(d);
    return n ? n : 1;
}

Test(topology, counts_match_sysfs)
{
    latent_topology t;
    cr_assert_eq(latent_topology_get(&t), LATENT_OK);
    cr_assert(t.from_hwloc, "hwloc could not read the machine");
    int cores, pus;
    sysfs_cores(&cores, &pus);
    cr_assert(pus > 0, "no sysfs topology to compare with");
    cr_expect_eq(t.cores, cores, "cores: hwloc %d, sysfs %d", t.cores, cores);
    cr_expect_eq(t.pus, pus, "PUs: hwloc %d, sysfs %d", t.pus, pus);
    cr_expect_eq(t.smt, pus / cores);
    cr_expect_eq(t.numa_nodes, sysfs_numa_nodes());
    cr_expect_geq(t.packages, 1);
    cr_expect_gt(t.numa_memory, 0);
    /* the default: OMP_NUM_THREADS when set, else the cores this process may run on */
    const char *env = getenv("OMP_NUM_THREADS");
    if (env && atoi(env) > 0) {
        cr_expect_eq(latent_threads_default(), atoi(env));
    } else {
        cpu_set_t set;
        cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
        int allowed = CPU_COUNT(&set) / t.smt;
        cr_expect_eq(latent_threads_default(), allowed < 1 ? 1 : allowed,
                     "default threads %d, cores this process may use %d", latent_threads_default(), allowed);
    }
}

/* Where sysfs has no cache entries (many VMs and containers), x86's CPUID describes the caches
 * independently of hwloc's parsing: leaf 4 (Intel) or 0x8000001D (AMD) lists each cache with
 * its level, type, ways, partitions, line size and sets. 0 when absent or not x86. */
static long long cpuid_cache(int level, int want_data)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    const int amd = b == 0x68747541; /* "Auth"enticAMD */
    unsigned leaf = amd ? 0x8000001Du : 4u;
    if (amd ? __get_cpuid_max(0x80000000u, NULL) < leaf : a < leaf) return 0;
    for (unsigned i = 0; i < 16; i++) {
        __cpuid_count(leaf, i, a, b, c, d);
        unsigned type = a & 31, lvl = (a >> 5) & 7;
        if (type == 0) break;            /* no more caches */
        if ((int)lvl != level) continue;
        if (want_data ? type == 2 : type != 3) continue; /* 1 data, 2 instruction, 3 unified */
        return (long long)((b >> 22) + 1) * (((b >> 12) & 1023) + 1) * ((b & 4095) + 1) *
               ((long long)c + 1);
    }
#else
    (void)level, (void)want_data;
#endif
    return 0;
}

Test(topology, caches_match_sysfs_or_cpuid)
{
    latent_topology t;
    latent_topology_get(&t);
    long long l1 = sysfs_cache(1, "Data", "Unified"), l2 = sysfs_cache(2, "Unified", "Data"),
              l3 = sysfs_cache(3, "Unified", "Data");
    const char *source = "sysfs";
    if (!l1 && !l2 && !l3) {
        source = "CPUID";
        l1 = cpuid_cache(1, 1), l2 = cpuid_cache(2, 0), l3 = cpuid_cache(3, 0);
        if (!l1 && !l2 && !l3)
            cr_skip_test("neither sysfs (/sys/devices/system/cpu/cpu0/cache) nor CPUID describes "
                         "this machine's caches: nothing independent to check hwloc against");
    }
    cr_expect_eq(t.l1d.size, l1, "L1d: hwloc %lld, %s %lld", (long long)t.l1d.size, source, l1);
    cr_expect_eq(t.l2.size, l2, "L2: hwloc %lld, %s %lld", (long long)t.l2.size, source, l2);
    cr_expect_eq(t.l3.size, l3, "L3: hwloc %lld, %s %lld", (long long)t.l3.size, source, l3);
    /* sharing is consistent: instances x cores sharing covers every core */
    if (t.l1d.size) cr_expect_eq(t.l1d.instances * t.l1d.cores_sharing, t.cores);
    if (t.l2.size) cr_expect_eq(t.l2.instances * t.l2.cores_sharing, t.cores);
    if (t.l3.size) cr_expect_eq(t.l3.instances * t.l3.cores_sharing, t.cores);
}

Test(topology, bad_thread_count_is_an_error)
{
    cr_expect_eq(latent_set_threads(0), LATENT_EINVAL);
    cr_expect_eq(latent_set_threads(-3), LATENT_EINVAL);
    cr_expect_eq(latent_set_threads(100000), LATENT_EINVAL);
    cr_expect(strstr(latent_last_error(), "threads") != NULL);
}

/* Each thread ends on the core latent_thread_core names, one core each while n <= cores. */
Test(topology, threads_bound_to_distinct_cores)
{
    unsetenv("OMP_PROC_BIND");
    unsetenv("OMP_PLACES");
    unsetenv("OMP_NUM_THREADS"); /* one thread per core this process may use */
    int n = latent_threads_default();
    cr_assert_eq(latent_set_threads(n), LATENT_OK);
    cr_expect_eq(latent_threads(), n);
    latent_topology t;
    latent_topology_get(&t);
    cr_assert(t.bound, "not bound: %s", t.binding);
    hwloc_topology_t h;
    cr_assert_eq(hwloc_topology_init(&h), 0);
    cr_assert_eq(hwloc_topology_load(h), 0);
    int where[4096], team = 0;
#pragma omp parallel
    {
        /* the PU set this thread runs on now, as the kernel reports it, mapped to its core */
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        int core = -2;
        if (hwloc_get_cpubind(h, set, HWLOC_CPUBIND_THREAD) == 0) {
            hwloc_obj_t c = hwloc_get_next_obj_covering_cpuset_by_type(h, set, HWLOC_OBJ_CORE, NULL);
            /* bound to one core means the set lies inside that core's PUs */
            core = c && hwloc_bitmap_isincluded(set, c->cpuset) ? (int)c->logical_index : -1;
        }
        hwloc_bitmap_free(set);
        where[omp_get_thread_num()] = core;
#pragma omp single
        team = omp_get_num_threads();
    }
    hwloc_topology_destroy(h);
    cr_expect_eq(team, n);
    for (int i = 0; i < team; i++) {
        cr_expect_eq(where[i], latent_thread_core(i), "thread %d on core %d, expected %d", i,
                     where[i], latent_thread_core(i));
        for (int j = 0; j < i; j++) cr_expect_neq(where[i], where[j], "threads %d and %d share", j, i);
    }
}

/* Fewer threads than cores are placed by the OS: pinned, two one-thread runs side by side both
 * sat on the first core. Threads an earlier call bound (the whole machine's team) are freed. */
Test(topology, fewer_threads_than_cores_are_not_bound)
{
    unsetenv("OMP_PROC_BIND");
    unsetenv("OMP_PLACES");
    unsetenv("OMP_NUM_THREADS");
    const int cores = latent_threads_default();
    if (cores < 2) cr_skip_test("one core: a single thread fills it and is bound");
    cr_assert_eq(latent_set_threads(cores), LATENT_OK);
    latent_topology t;
    latent_topology_get(&t);
    cr_assert(t.bound, "the whole machine's team is bound: %s", t.binding);
    cr_assert_eq(latent_set_threads(1), LATENT_OK);
    latent_topology_get(&t);
    cr_expect(!t.bound, "one thread of %d cores: %s", cores, t.binding);
    cr_expect(strstr(t.binding, "placed by the OS") != NULL, "%s", t.binding);
    cr_expect_eq(latent_thread_core(0), -1);
    /* the calling thread may run on more than one core again */
    hwloc_topology_t h;
    cr_assert_eq(hwloc_topology_init(&h), 0);
    cr_assert_eq(hwloc_topology_load(h), 0);
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    int pus = -1;
#pragma omp parallel num_threads(1)
    if (hwloc_get_cpubind(h, set, HWLOC_CPUBIND_THREAD) == 0) pus = hwloc_bitmap_weight(set);
    hwloc_bitmap_free(set);
    hwloc_topology_destroy(h);
    const int pus_per_core = t.pus / (t.cores > 0 ? t.cores : 1);
    cr_expect_gt(pus, pus_per_core, "thread 0 still on %d PU(s) of one core", pus);
}

Test(topology, more_threads_than_cores_wrap_around)
{
    unsetenv("OMP_PROC_BIND");
    unsetenv("OMP_PLACES");
    int cores = latent_threads_default();
    cr_assert_eq(latent_set_threads(cores + 1), LATENT_OK);
    cr_expect_eq(latent_threads(), cores + 1);
    cr_expect_eq(latent_thread_core(cores), latent_thread_core(0), "thread %d wraps to thread 0's core", cores);
    cr_expect_eq(latent_thread_core(cores + 1), -1);
}

/* The formula of topology.h, worked by hand for this machine kind's caches. */
Test(topology, blocking_formula)
{
    int64_t kc, mc, nc;
    /* L1d 48 KiB, L2 1 MiB, L3 32 MiB, 8 x 12 tile: kc = 1 MiB/768 = 1365 -> 512; mc = 1 MiB/8192
     * = 128; nc = 32 MiB/4096 = 8192 -> clamp 8192 - 8192 % 12 = 8184 */
    latent_blocking_for_caches(48 << 10, 1 << 20, 32 << 20, 8, 12, &kc, &mc, &nc);
    cr_expect_eq(kc, 512);
    cr_expect_eq(mc, 128);
    cr_expect_eq(nc, 8184);
    /* 12 x 32 tile (AVX-512): kc = 1 MiB/2048 = 512; mc = 1 MiB/8192 = 128 -> 120 (x12);
     * nc = 32 MiB/4096 = 8192 */
    latent_blocking_for_caches(48 << 10, 1 << 20, 32 << 20, 12, 32, &kc, &mc, &nc);
    cr_expect_eq(kc, 512);
    cr_expect_eq(mc, 120);
    cr_expect_eq(nc, 8192);
    /* a 256 KiB L2: kc = 256 KiB/2048 = 128; mc = 256 KiB/2048 = 128 -> 120 */
    latent_blocking_for_caches(48 << 10, 256 << 10, 32 << 20, 12, 32, &kc, &mc, &nc);
    cr_expect_eq(kc, 128);
    cr_expect_eq(mc, 120);
    /* L2 unknown: kc from L1d, 49152/256 = 192 */
    latent_blocking_for_caches(48 << 10, 0, 32 << 20, 14, 32, &kc, &mc, &nc);
    cr_expect_eq(kc, 192);
    cr_expect_eq(mc, 0);
    /* tiny caches clamp up to a working minimum; unknown sizes give 0 (keep the default) */
    latent_blocking_for_caches(4096, 8192, 0, 8, 12, &kc, &mc, &nc);
    cr_expect_eq(kc, 64);
    cr_expect_eq(mc, 8);
    cr_expect_eq(nc, 0);
    latent_blocking_for_caches(0, 0, 0, 8, 12, &kc, &mc, &nc);
    cr_expect(kc == 0 && mc == 0 && nc == 0);
}

Test(topology, apply_blocking_sets_the_tables)
{
    latent_topology t;
    latent_topology_get(&t);
    cr_assert_eq(latent_apply_cache_blocking(), LATENT_OK);
    const lk_table *a = lk_active();
    int64_t kc, mc, nc;
    latent_blocking_for_caches(t.l1d.size, t.l2.size, t.l3.size, a->mr, a->nr, &kc, &mc, &nc);
    if (kc) cr_expect_eq(a->kc, kc);
    if (mc) cr_expect_eq(a->mc, mc);
    if (nc) cr_expect_eq(a->nc, nc);
    latent_topology_get(&t);
    cr_expect_eq(t.kc, a->kc);
    cr_expect(a->kc >= 64 && a->mc >= a->mr && a->nc >= a->nr);
}
