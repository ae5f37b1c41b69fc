/* Detects the CPU once and fills one kernel table per level: scalar first, then each level
 * overrides what it implements, on top of the level below it. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include "kernels.h"
#if defined(__aarch64__) && defined(LATENT_HAVE_SVE_KERNELS)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif

static lk_table tables[LATENT_ISA_COUNT];
static int supported[LATENT_ISA_COUNT];
static atomic_int active_level = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) && defined(LATENT_HAVE_AVX512BF16)
#include <cpuid.h>
/* CPUID leaf 7 sub-leaf 1, EAX bit 5 (the OS state check is avx512f's, made by the caller). */
static int cpu_has_avx512bf16(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 5) & 1u;
}
#endif

static void detect_and_fill(void)
{
    lk_fill_scalar(&tables[LATENT_ISA_SCALAR]);
    tables[LATENT_ISA_SCALAR].isa = LATENT_ISA_SCALAR;
    supported[LATENT_ISA_SCALAR] = 1;
    latent_isa best = LATENT_ISA_SCALAR;
#if defined(__x86_64__) && defined(LATENT_HAVE_X86_KERNELS)
    __builtin_cpu_init();
    /* gcc 12 and clang 14 check XCR0 here, so the OS saves the YMM/ZMM state too. */
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        tables[LATENT_ISA_AVX2] = tables[LATENT_ISA_SCALAR];
        lk_fill_avx2(&tables[LATENT_ISA_AVX2]);
        tables[LATENT_ISA_AVX2].isa = LATENT_ISA_AVX2;
        supported[LATENT_ISA_AVX2] = 1;
        best = LATENT_ISA_AVX2;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
            tables[LATENT_ISA_AVX512] = tables[LATENT_ISA_AVX2];
            lk_fill_avx512(&tables[LATENT_ISA_AVX512]);
            tables[LATENT_ISA_AVX512].isa = LATENT_ISA_AVX512;
            supported[LATENT_ISA_AVX512] = 1;
            best = LATENT_ISA_AVX512;
#ifdef LATENT_HAVE_AVX512BF16
            if (cpu_has_avx512bf16()) lk_fill_avx512bf16(&tables[LATENT_ISA_AVX512]);
#endif
        }
    }
#elif defined(__aarch64__) && defined(LATENT_HAVE_NEON_KERNELS)
    /* NEON is part of the aarch64 baseline. */
    tables[LATENT_ISA_NEON] = tables[LATENT_ISA_SCALAR];
    lk_fill_neon(&tables[LATENT_ISA_NEON]);
    tables[LATENT_ISA_NEON].isa = LATENT_ISA_NEON;
    supported[LATENT_ISA_NEON] = 1;
    best = LATENT_ISA_NEON;
#ifdef LATENT_HAVE_SVE_KERNELS
    if (getauxval(AT_HWCAP) & HWCAP_SVE) {
        tables[LATENT_ISA_SVE] = tables[LATENT_ISA_NEON];
        if (lk_fill_sve(&tables[LATENT_ISA_SVE])) {
            tables[LATENT_ISA_SVE].isa = LATENT_ISA_SVE;
            supported[LATENT_ISA_SVE] = 1;
            best = LATENT_ISA_SVE;
        }
    }
#endif
#endif
    atomic_store(&active_level, (int)best);
}

static void ensure(void) { pthread_once(&once, detect_and_fill); }

int lk_level_supported(latent_isa isa)
{
    ensure();
    return (unsigned)isa < LATENT_ISA_COUNT && supported[isa];
}

latent_isa lk_level_detected(void)
{
    ensure();
    for (int i = LATENT_ISA_COUNT - 1; i > 0; i--)
        if (supported[i]) return (latent_isa)i;
    return LATENT_ISA_SCALAR;
}

int lk_level_set(latent_isa isa)
{
    if (!lk_level_supported(isa)) return -1;
    atomic_store(&active_level, (int)isa);
    return 0;
}

latent_isa lk_level_active(void)
{
    ensure();
    return (latent_isa)atomic_load(&active_level);
}

const lk_table *lk_active(void) { return &tables[lk_level_active()]; }

const lk_table *lk_table_for(latent_isa isa)
{
    return lk_level_supported(isa) ? &tables[isa] : NULL;
}

void lk_set_blocking(int64_t kc, int64_t mc, int64_t nc)
{
    ensure();
    for (int i = 0; i < LATENT_ISA_COUNT; i++) {
        if (!supported[i]) continue;
        lk_table *t = &tables[i];
        /* Keep the blocks multiples of the tile so panels stay whole. */
        if (kc > 0) t->kc = kc;
        if (mc > 0) t->mc = mc < t->mr ? t->mr : mc - mc % t->mr;
        if (nc > 0) t->nc = nc < t->nr ? t->nr : nc - nc % t->nr;
    }
}
