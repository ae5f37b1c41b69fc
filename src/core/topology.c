/* Machine topology from hwloc, thread count and per-core binding, and cache-derived GEMM blocking.
 * Built without hwloc (-Dhwloc=disabled: the aarch64 build that runs under qemu-user, where a
 * program linked with libhwloc hangs at its second thread), it counts the CPUs the OS reports
 * and binds nothing. */
#if LATENT_HAVE_HWLOC
#include <hwloc.h>
#endif
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "latent/topology.h"
#include "simd/kernels.h"
#include "simd/team.h"

enum { MAX_THREADS = 4096 };

#if LATENT_HAVE_HWLOC
static hwloc_topology_t topo;      /* NULL when hwloc could not read the machine */
#else
static void *topo;                 /* always NULL: no hwloc */
#endif
static latent_topology machine;    /* the static part, filled once */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int nthreads;               /* 0 until latent_set_threads or the first latent_threads */
static int bound_core[MAX_THREADS];
static int nbound;
static char binding[160];
/* The cores this process may run on, in hwloc's order: the ones its launcher bound it to (mpirun
 * binds each rank to its own), or all. Where ranks share a machine nobody bound them on, each
 * starts at its local rank's place, so they do not pile their threads onto the same cores. */
static int allowed_core[MAX_THREADS];
static int n_allowed;
static int local_rank;
static int pinned;                 /* threads an earlier call bound to cores (0: none) */
#if LATENT_HAVE_HWLOC
static hwloc_bitmap_t allowed_set; /* the PUs this process was started on */
#endif

#if LATENT_HAVE_HWLOC
static void read_cache(hwloc_obj_type_t type, latent_cache *c)
{
    hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, 0);
    if (!o || !o->attr) return;
    c->size = (int64_t)o->attr->cache.size;
    c->instances = hwloc_get_nbobjs_by_type(topo, type);
    c->pus_sharing = o->cpuset ? hwloc_bitmap_weight(o->cpuset) : 0;
    c->cores_sharing = o->cpuset ? hwloc_get_nbobjs_inside_cpuset_by_type(topo, o->cpuset,
                                                                            HWLOC_OBJ_CORE)
                                 : 0;
}

/* Fills m from hwloc; 0 when hwloc could not read the machine. */
static int load_hwloc(latent_topology *m)
{
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
        if (topo) hwloc_topology_destroy(topo);
        topo = NULL;
        return 0;
    }
    m->from_hwloc = 1;
    m->packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    m->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    m->pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    m->numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    for (int i = 0; i < m->numa_nodes; i++) {
        hwloc_obj_t n = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
        if (n && n->attr) m->numa_memory += (int64_t)n->attr->numanode.local_memory;
    }
    hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
    const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    if (!model) model = hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo), "CPUModel");
    if (model) snprintf(m->cpu_model, sizeof m->cpu_model, "%s", model);
    read_cache(HWLOC_OBJ_L1CACHE, &m->l1d);
    read_cache(HWLOC_OBJ_L2CACHE, &m->l2);
    read_cache(HWLOC_OBJ_L3CACHE, &m->l3);
    return 1;
}
#endif

static void load(void)
{
    latent_topology *m = &machine;
#if LATENT_HAVE_HWLOC
    const int from_hwloc = load_hwloc(m);
#else
    const int from_hwloc = 0;
#endif
    if (!from_hwloc) {
        /* no hwloc, or it failed (a restricted container): count what the OS says, bind nothing */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        m->packages = 1;
        m->cores = m->pus = n > 0 ? (int)n : 1;
        m->numa_nodes = 1;
#ifdef _SC_LEVEL1_DCACHE_SIZE
        /* glibc's cache sizes (CPUID on x86; 0 where it cannot tell), for the GEMM blocking */
        const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE),
                   l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
        if (l1 > 0) m->l1d.size = l1, m->l1d.instances = m->cores;
        if (l2 > 0) m->l2.size = l2;
        if (l3 > 0) m->l3.size = l3, m->l3.instances = 1;
#endif
    }
    if (m->packages < 1) m->packages = 1;
    if (m->cores < 1) m->cores = m->pus > 0 ? m->pus : 1;
    if (m->pus < m->cores) m->pus = m->cores;
    if (m->numa_nodes < 1) m->numa_nodes = 1;
    m->smt = m->pus / m->cores;
}

#if LATENT_HAVE_HWLOC
static void find_allowed(void)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    int whole = 1;
    if (set && hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0) {
        whole = hwloc_bitmap_isincluded(hwloc_topology_get_topology_cpuset(topo), set);
        allowed_set = hwloc_bitmap_dup(set);
    }
    for (int i = 0; i < machine.cores && n_allowed < MAX_THREADS; i++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)i);
        if (c && c->cpuset && (whole || hwloc_bitmap_intersects(c->cpuset, set)))
            allowed_core[n_allowed++] = i;
    }
    if (set) hwloc_bitmap_free(set);
    const char *lr = getenv("OMPI_COMM_WORLD_LOCAL_RANK");
    if (!lr) lr = getenv("MPI_LOCALRANKID");
    if (!lr) lr = getenv("SLURM_LOCALID");
    local_rank = whole && lr ? atoi(lr) : 0;
    if (local_rank < 0) local_rank = 0;
}
#endif

static void ensure(void) { pthread_once(&once, load); }

static pthread_once_t allowed_once = PTHREAD_ONCE_INIT;

static void load_allowed(void)
{
    ensure();
#if LATENT_HAVE_HWLOC
    if (topo) find_allowed();
#endif
    if (n_allowed == 0) { /* no hwloc, or a binding hwloc could not read: every core */
        for (int i = 0; i < machine.cores && i < MAX_THREADS; i++) allowed_core[n_allowed++] = i;
        local_rank = 0;
    }
}

int latent_threads_default(void)
{
    pthread_once(&allowed_once, load_allowed);
    /* OMP_NUM_THREADS, as every OpenMP program takes it; else the cores this process may use */
    const char *env = getenv("OMP_NUM_THREADS");
    const int n = env ? atoi(env) : 0;
    return n > 0 && n <= MAX_THREADS ? n : n_allowed;
}

int latent_topology_has_hwloc(void) { return LATENT_HAVE_HWLOC; }

int latent_threads(void)
{
    pthread_mutex_lock(&lock);
    int n = nthreads;
    pthread_mutex_unlock(&lock);
    return n > 0 ? n : latent_threads_default();
}

int latent_thread_core(int t)
{
    pthread_mutex_lock(&lock);
    int c = t >= 0 && t < nbound ? bound_core[t] : -1;
    pthread_mutex_unlock(&lock);
    return c;
}

/* Binds the calling OpenMP thread t to core t mod cores: the core's whole PU set, so SMT
 * siblings stay free for the OS to use, and each thread keeps its own core's caches. */
static int bind_self(int t)
{
#if LATENT_HAVE_HWLOC
    const int core = allowed_core[(local_rank * nthreads + t) % n_allowed];
    hwloc_obj_t c = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)core);
    if (!c || !c->cpuset) return -1;
    if (hwloc_set_cpubind(topo, c->cpuset, HWLOC_CPUBIND_THREAD) != 0) return -1;
    return core;
#else
    (void)t;
    return -1;
#endif
}

latent_status latent_set_threads(int n)
{
    if (n < 1 || n > MAX_THREADS)
        return latent_fail(LATENT_EINVAL, "threads: %d is out of range (1 to %d)", n, MAX_THREADS);
    pthread_once(&allowed_once, load_allowed);
    pthread_mutex_lock(&lock);
    nthreads = n;
    nbound = 0;
    omp_set_num_threads(n);
    const char *pb = getenv("OMP_PROC_BIND"), *pl = getenv("OMP_PLACES");
    if ((pb && *pb) || (pl && *pl)) {
        snprintf(binding, sizeof binding, "by the OpenMP runtime (OMP_PROC_BIND=%s OMP_PLACES=%s)",
                 pb ? pb : "", pl ? pl : "");
    } else if (!topo) {
        snprintf(binding, sizeof binding, LATENT_HAVE_HWLOC ? "not bound (hwloc could not read the machine)"
                                                            : "not bound (built without hwloc)");
    } else if (n < n_allowed) {
        /* Fewer threads than cores: the OS places them. Pinned, every such process would start
         * on the same first core, and two one-thread runs side by side shared one core while
         * the other stood idle (each at half speed). */
        snprintf(binding, sizeof binding, "not bound: %d thread%s on %d cores, placed by the OS "
                 "(bound, one per core, when the threads fill the cores)", n, n == 1 ? "" : "s",
                 n_allowed);
#if LATENT_HAVE_HWLOC
        if (pinned && allowed_set) { /* an earlier call's threads are still bound: free them */
#pragma omp parallel num_threads(pinned)
            {
                LK_REGION_ENTERED();
                hwloc_set_cpubind(topo, allowed_set, HWLOC_CPUBIND_THREAD);
            }
            pinned = 0;
        }
#endif
    } else {
        /* libgomp and libomp keep their worker threads between regions of the same size, so
         * binding them once here holds for every later region with n threads. */
        int failed = 0;
        int got = n;
#pragma omp parallel num_threads(n) reduction(+ : failed)
        {
            LK_REGION_ENTERED();
            int t = omp_get_thread_num();
            int core = bind_self(t);
            if (t < MAX_THREADS) bound_core[t] = core;
            failed += core < 0;
#pragma omp single
            got = omp_get_num_threads();
        }
        nbound = got;
        pinned = got;
        if (failed) {
            for (int t = 0; t < got; t++) bound_core[t] = -1;
            snprintf(binding, sizeof binding, "not bound (hwloc_set_cpubind refused for %d of %d "
                     "threads)", failed, got);
        } else {
            snprintf(binding, sizeof binding, "hwloc_set_cpubind: thread i on core i mod %d "
                     "(all PUs of that core), %d thread%s%s", n_allowed, got, got == 1 ? "" : "s",
                     n_allowed < machine.cores ? ", within the cores this process is bound to" : "");
        }
    }
    pthread_mutex_unlock(&lock);
    return LATENT_OK;
}

static int64_t clamp_multiple(int64_t v, int64_t unit, int64_t lo, int64_t hi)
{
    if (v > hi) v = hi;
    v -= v % unit;
    return v < lo ? lo : v;
}

void latent_blocking_for_caches(int64_t l1d, int64_t l2, int64_t l3, int mr, int nr,
                                int64_t *kc, int64_t *mc, int64_t *nc)
{
    const int64_t f = (int64_t)sizeof(float);
    if (mr < 1) mr = 1;
    if (nr < 1) nr = 1;
    /* Deep k blocks: at 2048^3 on Zen 5 (AVX-512, 12 x 32) kc = 512 ran 17% faster than the
     * L1d-sized 192 (C is read and written 4 times instead of 11, and each pass through C
     * costs a TLB miss per tile row), and it was level with it at the training shapes. */
    int64_t k = l2 > 0 ? clamp_multiple(l2 / (16 * f * nr), 16, 64, 512)
              : l1d > 0 ? clamp_multiple(l1d / (2 * f * nr), 16, 64, 512) : 0;
    /* mc and nc are sized for a kc: the derived one, or a typical 256 when L1d is unknown */
    int64_t kk = k ? k : 256;
    *kc = k;
    /* A's packed block takes a quarter of L2: B's micro-panels, C's tiles and the next block's
     * lines share it (half of L2 measured 3-5% slower at the training shapes on Zen 5) */
    *mc = l2 > 0 ? clamp_multiple(l2 / (4 * f * kk), mr, mr, 4096 - 4096 % mr) : 0;
    *nc = l3 > 0 ? clamp_multiple(l3 / (2 * f * kk), nr, nr, 8192 - 8192 % nr) : 0;
}

latent_status latent_apply_cache_blocking(void)
{
    ensure();
    const lk_table *t = lk_active();
    int64_t kc, mc, nc;
    latent_blocking_for_caches(machine.l1d.size, machine.l2.size, machine.l3.size, t->mr, t->nr,
                               &kc, &mc, &nc);
    lk_set_blocking(kc, mc, nc);
    return LATENT_OK;
}

latent_status latent_topology_get(latent_topology *out)
{
    ensure();
    *out = machine;
    out->threads = latent_threads();
    pthread_mutex_lock(&lock);
    out->bound = nbound > 0 && bound_core[0] >= 0;
    if (nthreads == 0)
        snprintf(out->binding, sizeof out->binding, "not bound yet (latent_set_threads binds)");
    else
        snprintf(out->binding, sizeof out->binding, "%s", binding);
    pthread_mutex_unlock(&lock);
    const lk_table *t = lk_active();
    out->mr = t->mr, out->nr = t->nr;
    out->kc = t->kc, out->mc = t->mc, out->nc = t->nc;
    return LATENT_OK;
}
