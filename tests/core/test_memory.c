/* latent_alloc's buffers: aligned, disjoint, zeroed by latent_calloc, and the page arena that
 * holds the mid-sized ones returns each 2 MiB page when its last buffer is freed. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "latent/memory.h"
#include "src/core/page_arena.h"

#define N 40

static void skip_without_arena(void)
{
    void *p = latent_arena_alloc(LATENT_ARENA_MIN);
    if (!p) cr_skip_test("the page arena is off in this build (AddressSanitizer)");
    latent_arena_free(p);
}

/* Sizes across the arena's range and both sides of it, in a fixed pseudo-random order. */
static size_t size_of(int i)
{
    static const size_t sizes[] = {64, 4096, 16 << 10, 100000, 300 << 10, (1 << 20) - 64,
                                   1 << 20, 3 << 20, 1000, 700 << 10};
    return sizes[(i * 7) % 10];
}

Test(memory, buffers_are_aligned_disjoint_and_keep_their_bytes)
{
    unsigned char *p[N];
    for (int i = 0; i < N; i++) {
        const size_t n = size_of(i);
        p[i] = latent_alloc(n, 1, "test buffer");
        cr_assert_not_null(p[i]);
        cr_assert_eq((uintptr_t)p[i] % 64, 0, "buffer %d of %zu bytes not 64-byte aligned", i, n);
        if (n >= (1 << 20)) cr_expect_eq((uintptr_t)p[i] % (2 << 20), 0, "a megabyte buffer starts a 2 MiB page");
        memset(p[i], i + 1, n);
    }
    /* every byte of every buffer is still its own: no two buffers overlap */
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < size_of(i); k++)
            cr_assert_eq(p[i][k], (unsigned char)(i + 1), "buffer %d byte %zu overwritten", i, k);
    for (int i = 0; i < N; i += 2) latent_free(p[i]);
    unsigned char *q = latent_calloc(300 << 10, 1, "test buffer");
    cr_assert_not_null(q);
    for (size_t k = 0; k < (300 << 10); k++) cr_assert_eq(q[k], 0);
    for (int i = 1; i < N; i += 2)
        for (size_t k = 0; k < size_of(i); k++) cr_assert_eq(p[i][k], (unsigned char)(i + 1));
    for (int i = 1; i < N; i += 2) latent_free(p[i]);
    latent_free(q);
    latent_free(NULL);
}

Test(memory, arena_pages_go_back_with_their_last_buffer)
{
    skip_without_arena();
    const int before = latent_arena_pages();
    /* 24 buffers of 256 KiB: eight to a page, three pages */
    void *p[24];
    for (int i = 0; i < 24; i++) cr_assert_not_null(p[i] = latent_alloc(256 << 10, 1, "test buffer"));
    cr_assert_eq(latent_arena_pages(), before + 3);
    /* a page stays while any of its buffers lives, freed in an order unlike the allocation's */
    for (int i = 0; i < 24; i++)
        if (i % 8 != 5) latent_free(p[i]);
    cr_assert_eq(latent_arena_pages(), before + 3);
    latent_free(p[13]);
    cr_assert_eq(latent_arena_pages(), before + 2);
    latent_free(p[5]), latent_free(p[21]);
    cr_assert_eq(latent_arena_pages(), before);
}

Test(memory, only_mid_sized_buffers_come_from_the_arena)
{
    skip_without_arena();
    cr_expect_null(latent_arena_alloc(LATENT_ARENA_MIN - 64));
    cr_expect_null(latent_arena_alloc(LATENT_ARENA_MAX));
    cr_expect_null(latent_arena_alloc(LATENT_ARENA_MIN + 1), "sizes are whole cache lines");
    void *heap = malloc(LATENT_ARENA_MIN);
    cr_expect_eq(latent_arena_free(heap), 0, "a pointer the arena did not give is not its own");
    free(heap);
    const int before = latent_arena_pages();
    void *big = latent_alloc(LATENT_ARENA_MAX, 1, "test buffer");
    cr_expect_eq(latent_arena_pages(), before);
    cr_expect_eq(latent_arena_free(big), 0);
    latent_free(big);
}

Test(memory, calloc_zeroes_megabytes_over_the_threads)
{
    /* a big buffer dirtied and freed, so the next ones of its size may reuse its memory (glibc
     * raises its mmap threshold after such a free); sizes not divisible by the thread count */
    const size_t sizes[] = {(9 << 20) + 4, (5 << 20) + 12, (4 << 20) + 64 * 3 + 4};
    for (int i = 0; i < 3; i++) {
        for (int round = 0; round < 2; round++) {
            unsigned char *dirty = latent_alloc(sizes[i], 1, "test buffer");
            cr_assert_not_null(dirty);
            memset(dirty, 0xa5, sizes[i]);
            latent_free(dirty);
        }
        unsigned char *z = latent_calloc(sizes[i] / 4, 4, "test buffer");
        cr_assert_not_null(z);
        for (size_t k = 0; k < sizes[i]; k++) cr_assert_eq(z[k], 0, "byte %zu of %zu not zero", k, sizes[i]);
        latent_free(z);
    }
}
