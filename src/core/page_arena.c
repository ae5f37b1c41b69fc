/* Mid-sized buffers bump-allocated from 2 MiB pages; a page goes back when its last buffer does. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "page_arena.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_OFF 1
#endif
#endif
#ifndef ARENA_OFF
#define ARENA_OFF 0
#endif

#define PAGE LK_HUGE_PAGE

typedef struct arena_page {
    char *base;  /* 2 MiB aligned, PAGE bytes */
    size_t used; /* bytes handed out from the start, never reused until the page is empty */
    int live;    /* buffers not yet released */
} arena_page;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static arena_page *pages;
static int n_pages, cap_pages;

/* The page with room for `bytes`: the last one opened, or a new one. */
static arena_page *page_with_room(size_t bytes)
{
    if (n_pages && pages[n_pages - 1].used + bytes <= PAGE) return &pages[n_pages - 1];
    if (n_pages == cap_pages) {
        const int cap = cap_pages ? 2 * cap_pages : 16;
        arena_page *p = realloc(pages, (size_t)cap * sizeof *p);
        if (!p) return NULL;
        pages = p, cap_pages = cap;
    }
    size_t size = PAGE;
    char *base = lk_alloc_pages(&size); /* PAGE aligned, in huge pages */
    if (!base) return NULL;
    pages[n_pages] = (arena_page){base, 0, 0};
    return &pages[n_pages++];
}

void *latent_arena_alloc(size_t bytes)
{
    if (ARENA_OFF || bytes < LATENT_ARENA_MIN || bytes >= LATENT_ARENA_MAX || bytes % 64)
        return NULL;
    pthread_mutex_lock(&lock);
    arena_page *pg = page_with_room(bytes);
    void *p = NULL;
    if (pg) {
        p = pg->base + pg->used;
        pg->used += bytes;
        pg->live++;
    }
    pthread_mutex_unlock(&lock);
    return p;
}

int latent_arena_free(void *p)
{
    if (!p || ARENA_OFF) return 0;
    const char *base = (const char *)((uintptr_t)p & ~(uintptr_t)(PAGE - 1));
    int owned = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_pages; i++) {
        if (pages[i].base != base) continue;
        owned = 1;
        if (--pages[i].live == 0) {
            free(pages[i].base);
            /* in order: the last page stays the one being filled */
            memmove(&pages[i], &pages[i + 1], (size_t)(n_pages - i - 1) * sizeof *pages);
            n_pages--;
        }
        break;
    }
    pthread_mutex_unlock(&lock);
    return owned;
}

int latent_arena_pages(void)
{
    pthread_mutex_lock(&lock);
    const int n = n_pages;
    pthread_mutex_unlock(&lock);
    return n;
}
