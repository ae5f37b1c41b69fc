/* Denormals flushed to zero while latent trains: the one control register per architecture. */
#include "fp_mode.h"
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define FTZ_DAZ 0x8040u /* MXCSR: flush to zero (bit 15), denormals are zero (bit 6) */
#endif

lk_fp_mode lk_fp_flush_denormals(void)
{
    lk_fp_mode m = {0};
#if defined(__x86_64__) || defined(__i386__)
    unsigned csr = _mm_getcsr();
    m.saved = csr;
    _mm_setcsr(csr | FTZ_DAZ);
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    m.saved = fpcr;
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (1u << 24))); /* FZ */
#endif
    return m;
}

void lk_fp_restore(lk_fp_mode mode)
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr((unsigned)mode.saved);
#elif defined(__aarch64__)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(mode.saved));
#else
    (void)mode;
#endif
}
