/* Aligned allocation with the size product checked before anything is asked of the system. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "latent/error.h"
#include "latent/memory.h"
#include "page_arena.h"
#include "simd/scratch.h"

uint64_t latent_physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

int latent_mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

void *latent_alloc(size_t count, size_t size, const char *what)
{
    size_t bytes;
    if (!latent_mul_ok(count, size, &bytes) || bytes > SIZE_MAX - 64) {
        latent_fail(LATENT_ENOMEM, "%s: %zu x %zu bytes overflows", what, count, size);
        return NULL;
    }
    /* Round up to whole cache lines; never ask for zero bytes. */
    bytes = (bytes + 63) & ~(size_t)63;
    if (bytes == 0) bytes = 64;
    void *p = latent_arena_alloc(bytes);
    if (!p) p = lk_alloc_pages(&bytes);
    if (!p) latent_fail(LATENT_ENOMEM, "%s: cannot allocate %zu bytes", what, bytes);
    return p;
}

void *latent_calloc(size_t count, size_t size, const char *what)
{
    void *p = latent_alloc(count, size, what);
    if (p) memset(p, 0, count * size);
    return p;
}

void latent_free(void *p)
{
    if (!latent_arena_free(p)) free(p);
}
