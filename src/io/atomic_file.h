/* Crash-safe file replacement: every writer of latent goes through this. */
#ifndef LATENT_IO_ATOMIC_FILE_H
#define LATENT_IO_ATOMIC_FILE_H

#include <stdio.h>
#include "latent/error.h"

typedef struct latent_atomic_file {
    FILE *f;             /* writes go here: PATH.tmp in the target's folder */
    char path[4096];
    char tmp[4100];
} latent_atomic_file;

/* Creates PATH.tmp for writing. */
latent_status latent_atomic_open(latent_atomic_file *a, const char *path);

/* fwrite with the error turned into a status naming the file. */
latent_status latent_atomic_write(latent_atomic_file *a, const void *p, size_t n);

/* fflush, fsync, close, rename over PATH, fsync the folder. On failure the .tmp is removed and
 * PATH is untouched. */
latent_status latent_atomic_commit(latent_atomic_file *a);

/* Gives up: closes and removes PATH.tmp. Safe to call twice. */
void latent_atomic_abort(latent_atomic_file *a);

#endif
