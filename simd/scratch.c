/* Per-thread scratch buffers: one per slot, freed when the thread ends. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "scratch.h"

static _Thread_local float *buf[LK_SCRATCH_SLOTS];
static _Thread_local size_t cap[LK_SCRATCH_SLOTS];

/* When the runtime ends a worker thread (a region of fewer threads, or the pool's end), the
 * key's destructor frees that thread's buffers. */
static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void free_all(void *unused)
{
    (void)unused;
    for (int i = 0; i < LK_SCRATCH_SLOTS; i++) free(buf[i]), buf[i] = NULL, cap[i] = 0;
}

static void key_make(void) { pthread_key_create(&key, free_all); }

/* Buffers of a megabyte or more are asked for in 2 MiB pages where the OS has them
 * (transparent huge pages on Linux): the GEMM's packed A block must sit in L2 without set
 * conflicts, and with 4 KiB pages its physical placement, so the conflicts, changed from
 * process to process (2048^3 on one core: 161 to 198 GFLOP/s between runs of the same binary).
 * A model's weights, gradients and optimizer state stream through every step: in 2 MiB pages
 * they take one page fault where 4 KiB pages took 512 (each one costly under a hypervisor), and
 * few TLB entries. */
void *lk_alloc_pages(size_t *bytes)
{
    size_t align = 64;
    if (*bytes >= LK_HUGE_PAGE_MIN) {
        if (*bytes > SIZE_MAX - LK_HUGE_PAGE) return NULL;
        align = LK_HUGE_PAGE;
        *bytes = (*bytes + LK_HUGE_PAGE - 1) / LK_HUGE_PAGE * LK_HUGE_PAGE;
    }
    void *p = NULL;
    if (posix_memalign(&p, align, *bytes) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    if (align == LK_HUGE_PAGE) madvise(p, *bytes, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
    return p;
}

float *lk_scratch(lk_scratch_slot slot, size_t floats)
{
    if (floats <= cap[slot]) return buf[slot];
    /* at least one 2 MiB page: one fault instead of one per 4 KiB, and room to grow into */
    size_t bytes = floats * sizeof(float) > LK_HUGE_PAGE ? floats * sizeof(float) : LK_HUGE_PAGE;
    void *p = lk_alloc_pages(&bytes);
    if (!p) return NULL;
    free(buf[slot]);
    buf[slot] = p;
    cap[slot] = bytes / sizeof(float);
    pthread_once(&key_once, key_make);
    pthread_setspecific(key, (void *)1); /* any non-NULL value: the destructor frees the slots */
    return buf[slot];
}
