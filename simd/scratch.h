/* Per-thread scratch buffers of the kernel layer's drivers (GEMM packing, convolution gathers):
 * kept for the thread's life and grown on demand, since a fresh allocation each call would
 * page-fault its way through megabytes for every small training GEMM. */
#ifndef LATENT_SIMD_SCRATCH_H
#define LATENT_SIMD_SCRATCH_H

#include <stddef.h>

/* The buffers a thread keeps: one per user, so nesting users never overwrite each other. */
typedef enum lk_scratch_slot {
    LK_SCRATCH_GEMM = 0,     /* the GEMM's packed panels */
    LK_SCRATCH_CONV,         /* a convolution's gathered rows and class weights */
    LK_SCRATCH_KBLOCKS,      /* a member's k blocks of a product split by weight rows */
    LK_SCRATCH_SLOTS
} lk_scratch_slot;

/* The calling thread's buffer of a slot, at least `floats` long (64-byte aligned; 2 MiB pages
 * from a megabyte up), or NULL when memory runs out. Its contents do not survive a call that
 * asks for more. */
float *lk_scratch(lk_scratch_slot slot, size_t floats);

/* The huge page lk_alloc_pages asks for, and the size from which a buffer gets such pages of its
 * own. */
#define LK_HUGE_PAGE ((size_t)2 << 20)
#define LK_HUGE_PAGE_MIN ((size_t)1 << 20)

/* At least *bytes bytes, 64-byte aligned; from LK_HUGE_PAGE_MIN up, whole LK_HUGE_PAGEs (*bytes
 * rounded up to them) with the hint to back them with huge pages. free() releases it; NULL when
 * memory runs out. */
void *lk_alloc_pages(size_t *bytes);

#endif
