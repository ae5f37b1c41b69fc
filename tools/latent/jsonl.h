/* JSON lines on stdout: one object per event, nothing else (cli.md). */
#ifndef LATENT_CLI_JSONL_H
#define LATENT_CLI_JSONL_H

#include <stddef.h>
#include <stdint.h>

typedef struct jsonl {
    char buf[8192];
    size_t len;
    int fields;
} jsonl;

/* Starts {"event":"<event>" ... */
void jsonl_begin(jsonl *j, const char *event);
void jsonl_int(jsonl *j, const char *key, int64_t v);
/* A number; NaN and infinities (which JSON lacks) become null. */
void jsonl_num(jsonl *j, const char *key, double v);
void jsonl_str(jsonl *j, const char *key, const char *s);
/* An array of n strings. */
void jsonl_strs(jsonl *j, const char *key, const char *const *s, int n);
/* Closes the object and writes it to stdout as one line, flushed. */
void jsonl_end(jsonl *j);

#endif
