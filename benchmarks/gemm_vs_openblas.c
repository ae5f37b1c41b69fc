/* latent's lk_sgemm per level beside OpenBLAS's cblas_sgemm, timed alternately (medians), on 1
 * and 2 threads, at the training shapes and 2048^3; the only program that links a BLAS.
 * Usage: gemm_vs_openblas [repetitions [max threads [wall|cpu]]]   (OPENBLAS_CORETYPE picks
 * OpenBLAS's kernels). `cpu` times by the process's CPU time divided by the thread count: on a
 * machine shared with other jobs it leaves out the time the scheduler gave to others, while a
 * thread spinning at a barrier still counts against the program that made it wait.
 * Or: gemm_vs_openblas --only latent|openblas [options]  (see usage_only below): one library in
 * this process, one JSON line per point. On two threads the alternating table above is unfair
 * (each library's idle workers spin on the core the other needs), so benchmarks/gemm_alternate.py
 * runs one process per library, alternating, and compares medians over rounds. */
#include <cblas.h>
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "latent/isa.h"
#include "latent/memory.h"
#include "latent/topology.h"
#include "simd/conformance.h"
#include "simd/gemm.h"

void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);
char *openblas_get_config(void);

static const int64_t shapes[][3] = {{256, 784, 128}, {256, 128, 784}, {128, 784, 256},
                                    {784, 128, 256}, {256, 128, 32},  {2048, 2048, 2048}};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))
static const char *const layouts[] = {"NT", "NN", "TN"};

static clockid_t clock_id = CLOCK_MONOTONIC;
static int clock_div = 1;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct point {
    int ta, tb;
    int64_t m, k, n;
    const float *a, *b;
    float *c;
} point;

/* who < 0: OpenBLAS; otherwise latent's level `who`. */
static void run(int who, const point *p)
{
    int64_t lda = p->ta ? p->m : p->k, ldb = p->tb ? p->k : p->n;
    if (who < 0)
        cblas_sgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans,
                    p->tb ? CblasTrans : CblasNoTrans, (int)p->m, (int)p->n, (int)p->k, 1.0f,
                    p->a, (int)lda, p->b, (int)ldb, 0.0f, p->c, (int)p->n);
    else
        lk_sgemm(lk_table_for((latent_isa)who), p->ta, p->tb, p->m, p->n, p->k, 1.0f, p->a, lda,
                 p->b, ldb, 0.0f, p->c, p->n, NULL, LATENT_ACT_IDENTITY, 0.0f);
}

static double seconds_per_call(int who, const point *p, int calls)
{
    double t0 = now_s();
    for (int i = 0; i < calls; i++) run(who, p);
    return (now_s() - t0) / calls / clock_div;
}

/* Calls per timed batch, for batches of about 20 ms: doubled until one batch takes 10 ms, so
 * a call that lost its time slice during calibration cannot shrink the batches to a few calls. */
static int calls_per_batch(int who, const point *p)
{
    int calls = 1;
    double t;
    while ((t = seconds_per_call(who, p, calls)) * calls < 0.01 && calls < (1 << 20)) calls *= 2;
    return t >= 0.02 ? 1 : (int)(0.02 / t) + 1;
}

/* The GEMM blocking the latent CLI runs with: from hwloc's cache sizes for the active level,
 * unless LATENT_DEFAULT_BLOCKING asks for the tables' built-in values. */
static void use_cli_blocking(void)
{
    if (!getenv("LATENT_DEFAULT_BLOCKING")) latent_apply_cache_blocking();
}

/* A and B uniform in [-1, 1), C zero, n_max floats each; 0, or 1 after saying why. */
static int operands(size_t n_max, float **a, float **b, float **c)
{
    *a = latent_alloc(n_max, sizeof(float), "A");
    *b = latent_alloc(n_max, sizeof(float), "B");
    *c = latent_alloc(n_max, sizeof(float), "C");
    if (!*a || !*b || !*c) {
        fprintf(stderr, "gemm_vs_openblas: %s\n", latent_last_error());
        return 1;
    }
    lk_fill_uniform(*a, (int64_t)n_max, 1, -1.0f, 1.0f);
    lk_fill_uniform(*b, (int64_t)n_max, 2, -1.0f, 1.0f);
    memset(*c, 0, n_max * sizeof(float));
    return 0;
}

static int table_main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 9;
    if (reps < 1 || reps > 64) reps = 9;
    int tmax = argc > 2 ? atoi(argv[2]) : 2;
    if (tmax < 1 || tmax > 2) tmax = 2;
    int cpu = argc > 3 && strcmp(argv[3], "cpu") == 0;
    if (cpu) clock_id = CLOCK_PROCESS_CPUTIME_ID;
    if (latent_isa_init_from_env() != LATENT_OK) {
        fprintf(stderr, "gemm_vs_openblas: %s\n", latent_last_error());
        return 1;
    }
    use_cli_blocking();
    const char *ct = getenv("OPENBLAS_CORETYPE");
    printf("OpenBLAS %s, core %s (OPENBLAS_CORETYPE=%s)\n", openblas_get_config(),
           openblas_get_corename(), ct ? ct : "(unset)");
    int who[LATENT_ISA_COUNT + 1], nwho = 0;
    for (int l = LATENT_ISA_AVX2; l < LATENT_ISA_COUNT; l++)
        if (lk_table_for((latent_isa)l)) who[nwho++] = l;
    who[nwho++] = -1;

    size_t n_max = 2048 * 2048;
    float *a, *b, *c;
    if (operands(n_max, &a, &b, &c) != 0) return 1;

    printf("%-7s %-6s %-16s", "threads", "layout", "M,K,N");
    for (int w = 0; w < nwho; w++) printf(" %9s", who[w] < 0 ? "openblas" : latent_isa_name((latent_isa)who[w]));
    for (int w = 0; w + 1 < nwho; w++) printf(" %9s", who[w] < 0 ? "" : latent_isa_name((latent_isa)who[w]));
    printf("   (GFLOP/s by %s time, medians of %d; last columns: ratio to openblas)\n",
           cpu ? "CPU" : "wall", reps);
    for (int nt = 1; nt <= tmax; nt++) {
        omp_set_num_threads(nt);
        openblas_set_num_threads(nt);
        clock_div = cpu ? nt : 1;
        for (int s = 0; s < NSHAPES; s++) {
            int big = s == NSHAPES - 1;
            for (int ly = 0; ly < (big ? 1 : 3); ly++) {
                int lay = big ? 1 : ly;
                point p = {lay == 2, lay == 0, shapes[s][0], shapes[s][1], shapes[s][2], a, b, c};
                double flops = 2.0 * (double)(p.m * p.k * p.n);
                int calls[LATENT_ISA_COUNT + 1];
                double sec[LATENT_ISA_COUNT + 1][64];
                for (int w = 0; w < nwho; w++) calls[w] = calls_per_batch(who[w], &p);
                for (int r = 0; r < reps; r++)
                    for (int w = 0; w < nwho; w++) sec[w][r] = seconds_per_call(who[w], &p, calls[w]);
                double rate[LATENT_ISA_COUNT + 1];
                char sh[32];
                snprintf(sh, sizeof sh, "%lld,%lld,%lld", (long long)p.m, (long long)p.k, (long long)p.n);
                printf("%-7d %-6s %-16s", nt, layouts[lay], sh);
                for (int w = 0; w < nwho; w++) {
                    qsort(sec[w], (size_t)reps, sizeof(double), cmp_double);
                    rate[w] = flops / sec[w][reps / 2] * 1e-9;
                    printf(" %9.1f", rate[w]);
                }
                for (int w = 0; w + 1 < nwho; w++) printf(" %9.2f", rate[w] / rate[nwho - 1]);
                printf("\n");
                fflush(stdout);
            }
        }
    }
    printf("FMA peak (1 thread):");
    for (int w = 0; w + 1 < nwho; w++)
        printf(" %s %.1f", latent_isa_name((latent_isa)who[w]),
               lk_table_for((latent_isa)who[w])->fma_peak(0.3));
    printf(" GFLOP/s\n");
    latent_free(a), latent_free(b), latent_free(c);
    return 0;
}

static const char usage_only[] =
    "usage: gemm_vs_openblas --only latent|openblas [--threads N] [--reps R] [--isa LEVEL]\n"
    "         [--shapes LIST] [--layouts NT,NN,TN] [--clock wall|cpu] [--warmup SECONDS]\n"
    "  Times one library in this process; one JSON line per point (median of R batches of\n"
    "  at least 20 ms each, after a warm-up). LIST: comma-separated MxKxN, `training` (the\n"
    "  five training shapes) and `big` (2048^3, NN only); default training,big. --isa caps\n"
    "  latent's level (default: LATENT_ISA or the best one). OPENBLAS_CORETYPE picks OpenBLAS's.\n";

/* One shape of the --only mode; nn_only: timed in NN alone (2048^3, as latent bench gemm). */
typedef struct shape {
    int64_t m, k, n;
    int nn_only;
} shape;

static int only_fail(const char *what, const char *arg)
{
    fprintf(stderr, "gemm_vs_openblas: %s: `%s`\n%s", what, arg ? arg : "(missing)", usage_only);
    return 2;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

/* Appends the shapes of a --shapes list; 0 on a malformed entry or too many. */
static int parse_shapes(const char *list, shape *out, int cap, int *count)
{
    char buf[512];
    if (strlen(list) >= sizeof buf) return 0;
    strcpy(buf, list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "training") == 0 || strcmp(tok, "big") == 0) {
            int big = tok[0] == 'b';
            for (int s = big ? NSHAPES - 1 : 0; s < (big ? NSHAPES : NSHAPES - 1); s++) {
                if (*count == cap) return 0;
                out[(*count)++] = (shape){shapes[s][0], shapes[s][1], shapes[s][2], big};
            }
            continue;
        }
        long long m, k, n;
        char tail;
        if (sscanf(tok, "%lldx%lldx%lld%c", &m, &k, &n, &tail) != 3 || m < 1 || k < 1 || n < 1 ||
            m > 2048 || k > 2048 || n > 2048 || *count == cap)
            return 0;
        out[(*count)++] = (shape){m, k, n, 0};
    }
    return *count > 0;
}

/* --only: one library in this process (its thread pool alone on the cores), every point
 * warmed up, calibrated to batches of at least 20 ms, then timed `reps` times. */
static int only_main(int argc, char **argv)
{
    int who_latent = -1, cpu = 0;
    long threads = 1, reps = 5;
    double warmup = 0.3;
    const char *shape_list = "training,big", *layout_list = "NT,NN,TN", *isa_name = NULL;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            fputs(usage_only, stdout);
            return 0;
        }
        if (!val) return only_fail("option needs a value", opt);
        i++;
        if (strcmp(opt, "--only") == 0) {
            if (strcmp(val, "latent") != 0 && strcmp(val, "openblas") != 0)
                return only_fail("--only: expected latent or openblas, got", val);
            who_latent = strcmp(val, "latent") == 0;
        } else if (strcmp(opt, "--threads") == 0) {
            if (!parse_int(val, 1, 256, &threads)) return only_fail("--threads: expected 1..256, got", val);
        } else if (strcmp(opt, "--reps") == 0) {
            if (!parse_int(val, 1, 64, &reps)) return only_fail("--reps: expected 1..64, got", val);
        } else if (strcmp(opt, "--isa") == 0) {
            isa_name = val;
        } else if (strcmp(opt, "--shapes") == 0) {
            shape_list = val;
        } else if (strcmp(opt, "--layouts") == 0) {
            layout_list = val;
        } else if (strcmp(opt, "--clock") == 0) {
            if (strcmp(val, "wall") != 0 && strcmp(val, "cpu") != 0)
                return only_fail("--clock: expected wall or cpu, got", val);
            cpu = val[0] == 'c';
        } else if (strcmp(opt, "--warmup") == 0) {
            char *end;
            warmup = strtod(val, &end);
            if (end == val || *end || !(warmup >= 0 && warmup <= 10))
                return only_fail("--warmup: expected 0..10 seconds, got", val);
        } else {
            return only_fail("unknown option", opt);
        }
    }
    if (who_latent < 0) return only_fail("--only is required", NULL);

    shape sh[64];
    int nsh = 0;
    if (!parse_shapes(shape_list, sh, 64, &nsh))
        return only_fail("--shapes: expected a list of MxKxN (each 1..2048), training, big; got", shape_list);
    int lay_on[3] = {0, 0, 0};
    {
        char buf[64];
        if (strlen(layout_list) >= sizeof buf) return only_fail("--layouts: too long", layout_list);
        strcpy(buf, layout_list);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int found = 0;
            for (int l = 0; l < 3; l++)
                if (strcmp(tok, layouts[l]) == 0) lay_on[l] = found = 1;
            if (!found) return only_fail("--layouts: expected NT, NN or TN, got", tok);
        }
    }

    if (latent_isa_init_from_env() != LATENT_OK) {
        fprintf(stderr, "gemm_vs_openblas: %s\n", latent_last_error());
        return 1;
    }
    if (isa_name) {
        latent_isa want;
        if (latent_isa_parse(isa_name, &want) != LATENT_OK || latent_isa_set(want) != LATENT_OK) {
            fprintf(stderr, "gemm_vs_openblas: --isa: %s\n", latent_last_error());
            return 1;
        }
    }
    use_cli_blocking();
    int who = who_latent ? (int)latent_isa_active() : -1;
    const char *impl = who_latent ? latent_isa_name((latent_isa)who) : "openblas";
    /* Only the library being timed gets threads: the other one's pool stays unstarted. */
    if (who_latent)
        omp_set_num_threads((int)threads);
    else
        openblas_set_num_threads((int)threads);
    if (cpu) clock_id = CLOCK_PROCESS_CPUTIME_ID;
    clock_div = cpu ? (int)threads : 1;

    size_t n_max = 1;
    for (int s = 0; s < nsh; s++) {
        size_t m = (size_t)sh[s].m, k = (size_t)sh[s].k, n = (size_t)sh[s].n;
        size_t need = m * k > k * n ? m * k : k * n;
        if (m * n > need) need = m * n;
        if (need > n_max) n_max = need;
    }
    float *a, *b, *c;
    if (operands(n_max, &a, &b, &c) != 0) return 1;

    const char *ct = getenv("OPENBLAS_CORETYPE"), *wp = getenv("OMP_WAIT_POLICY");
    printf("{\"event\":\"config\",\"only\":\"%s\",\"impl\":\"%s\",\"threads\":%ld,\"reps\":%ld,"
           "\"clock\":\"%s\",\"warmup_seconds\":%g,\"openblas_core\":\"%s\","
           "\"openblas_coretype_env\":\"%s\",\"omp_wait_policy\":\"%s\"}\n",
           who_latent ? "latent" : "openblas", impl, threads, reps, cpu ? "cpu" : "wall", warmup,
           openblas_get_corename(), ct ? ct : "", wp ? wp : "");
    fflush(stdout);

    /* Warm-up: the thread pool started and hot, the buffers faulted in, the clocks up. */
    {
        point p = {0, 1, sh[0].m, sh[0].k, sh[0].n, a, b, c};
        double t0 = now_s();
        do run(who, &p);
        while (now_s() - t0 < warmup * clock_div);
    }
    for (int s = 0; s < nsh; s++) {
        for (int lay = 0; lay < 3; lay++) {
            if (sh[s].nn_only ? lay != 1 : !lay_on[lay]) continue;
            point p = {lay == 2, lay == 0, sh[s].m, sh[s].k, sh[s].n, a, b, c};
            double flops = 2.0 * (double)(p.m * p.k * p.n);
            int calls = calls_per_batch(who, &p);
            double sec[64];
            for (int r = 0; r < reps; r++) sec[r] = seconds_per_call(who, &p, calls);
            qsort(sec, (size_t)reps, sizeof(double), cmp_double);
            printf("{\"event\":\"gemm\",\"impl\":\"%s\",\"layout\":\"%s\",\"m\":%lld,\"k\":%lld,"
                   "\"n\":%lld,\"threads\":%ld,\"gflops\":%.2f,\"min_gflops\":%.2f,"
                   "\"max_gflops\":%.2f,\"calls\":%d,\"reps\":%ld}\n",
                   impl, layouts[lay], (long long)p.m, (long long)p.k, (long long)p.n, threads,
                   flops / sec[reps / 2] * 1e-9, flops / sec[reps - 1] * 1e-9,
                   flops / sec[0] * 1e-9, calls, reps);
            fflush(stdout);
        }
    }
    latent_free(a), latent_free(b), latent_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strncmp(argv[1], "--", 2) == 0) return only_main(argc, argv);
    return table_main(argc, argv);
}
