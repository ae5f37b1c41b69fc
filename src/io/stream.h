/* Byte streams every reader pulls from: a file or a memory block, gzip-decoded when it is gzip. */
#ifndef LATENT_IO_STREAM_H
#define LATENT_IO_STREAM_H

#include <stdint.h>
#include <stdio.h>
#include <zlib.h>
#include "latent/error.h"

/* Deflate cannot expand input by more than about 1032:1; a claim beyond this bound is a lie. */
#define LATENT_GZIP_MAX_RATIO 1040u

typedef struct latent_stream {
    char name[512];                /* the file name every message starts with */
    FILE *file;                    /* NULL when reading from memory */
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    uint64_t raw_len;              /* bytes in the file or memory block */
    int gz;                        /* the source starts with the gzip magic */
    int z_ready, z_done;           /* inflate initialised / all members ended */
    uint32_t gz_isize;             /* the last member's trailer: length mod 2^32, a hint only */
    z_stream z;
    uint64_t pos;                  /* decoded bytes delivered so far */
    unsigned char inbuf[1 << 16];  /* raw input for inflate (file sources) */
} latent_stream;

/* Opens a file; gzip is detected by its magic bytes, not by the name. */
latent_status latent_stream_open_file(latent_stream *s, const char *path);

/* Reads from memory (not copied; it must outlive the stream). `name` appears in messages. */
latent_status latent_stream_open_mem(latent_stream *s, const char *name, const void *buf, size_t len);

/* Reads up to n decoded bytes; *got < n only at the end of the data. */
latent_status latent_stream_read(latent_stream *s, void *buf, size_t n, size_t *got);

/* Reads exactly n bytes or fails naming `what` as truncated. */
latent_status latent_stream_read_exact(latent_stream *s, void *buf, size_t n, const char *what);

/* Before allocating for a payload the header describes: the rest of the data must be exactly
 * `need` bytes (plain sources), or could be (gzip: expansion bound and trailer hint). */
latent_status latent_stream_check_payload(latent_stream *s, uint64_t need, const char *what);

/* Fails when any byte is left after the payload (for gzip this also verifies the CRCs). */
latent_status latent_stream_expect_end(latent_stream *s);

/* Back to the first byte (CSV reads twice: once to count, once to fill). */
latent_status latent_stream_rewind(latent_stream *s);

void latent_stream_close(latent_stream *s);

#endif
