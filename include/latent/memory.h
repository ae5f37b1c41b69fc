/* Aligned, overflow-checked allocation for tensors and working buffers. */
#ifndef LATENT_MEMORY_H
#define LATENT_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 64-byte aligned block of count * size bytes, or NULL (with latent_last_error set) on overflow
 * or failure. `what` names the buffer in the message. Free with latent_free. */
void *latent_alloc(size_t count, size_t size, const char *what);

/* As latent_alloc, zero-filled. */
void *latent_calloc(size_t count, size_t size, const char *what);

void latent_free(void *p);

/* This machine's physical memory in bytes (0 when unknown): what sizes are refused against
 * before a large allocation, so a run that cannot fit fails up front instead of swapping. */
uint64_t latent_physical_memory(void);

/* Nonzero (and *out = a * b) when the product fits in a size_t. */
int latent_mul_ok(size_t a, size_t b, size_t *out);

#ifdef __cplusplus
}
#endif
#endif
