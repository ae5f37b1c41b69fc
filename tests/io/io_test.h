/* Helpers shared by the io test files: scratch folders, raw files, refusal checks. */
#ifndef LATENT_TESTS_IO_TEST_H
#define LATENT_TESTS_IO_TEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latent/error.h"

/* A fresh folder under /tmp for one test; path written to dir (size 256). */
static inline void scratch_dir(char *dir)
{
    snprintf(dir, 256, "/tmp/latent-io-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static inline void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* A refusal: LATENT_EFORMAT, one line, naming the file and containing `needle`. */
#define expect_refusal(st, path, needle)                                                        \
    do {                                                                                        \
        latent_status st_ = (st);                                                               \
        const char *m_ = latent_last_error();                                                   \
        cr_expect_eq(st_, LATENT_EFORMAT, "status %d: %s", (int)st_, m_);                       \
        cr_expect(strncmp(m_, (path), strlen(path)) == 0, "message does not start with the file: %s", m_); \
        cr_expect(strstr(m_, (needle)) != NULL, "message lacks '%s': %s", (needle), m_);        \
        cr_expect(strchr(m_, '\n') == NULL, "message spans lines: %s", m_);                     \
    } while (0)

#endif
