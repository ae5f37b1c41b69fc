/* Mid-sized buffers carved side by side from shared 2 MiB pages. Under a hypervisor a 4 KiB page
 * fault costs about as much as faulting a whole 2 MiB page (14 us against 150 us measured here),
 * and a model's workspaces (layer outputs, gradients, inputs: tens to hundreds of kilobytes
 * each) were faulted in 4 KiB pages during the first minibatches. */
#ifndef LATENT_CORE_PAGE_ARENA_H
#define LATENT_CORE_PAGE_ARENA_H

#include <stddef.h>
#include "simd/scratch.h"

/* Smallest and largest requests the arena takes: smaller ones come from the C heap's pages,
 * which are mostly faulted already; from a megabyte on, a buffer gets 2 MiB pages of its own. */
#define LATENT_ARENA_MIN ((size_t)16 << 10)
#define LATENT_ARENA_MAX LK_HUGE_PAGE_MIN

/* A 64-byte aligned block of `bytes` (a multiple of 64 in [LATENT_ARENA_MIN, LATENT_ARENA_MAX))
 * in an arena page, or NULL when out of memory or when the arena is off (builds with
 * AddressSanitizer, which must see each buffer's own bounds). */
void *latent_arena_alloc(size_t bytes);

/* Releases p when it came from latent_arena_alloc (returns 1); a page is returned to the system
 * when its last buffer is released. Returns 0 for any other pointer, untouched. */
int latent_arena_free(void *p);

/* Arena pages held now (for tests). */
int latent_arena_pages(void);

#endif
