/* Numeric CSV: one pass to count and validate, one to fill an exactly-sized matrix. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "src/io/readers.h"

/* A line longer than this is not a row of numbers anyone meant to feed a model. */
#define CSV_MAX_LINE (64u << 20)

typedef struct line_reader {
    latent_stream *s;
    char buf[1 << 15];
    size_t len, at;
    char *line;
    size_t cap;
    int64_t number;   /* 1-based line number of the line just read */
    latent_status err;
} line_reader;

/* Next line without its '\n' (and '\r'); 0 at the end of the data, -1 on error. */
static int next_line(line_reader *r, size_t *out_len)
{
    size_t n = 0;
    int any = 0;
    for (;;) {
        if (r->at == r->len) {
            size_t got;
            if ((r->err = latent_stream_read(r->s, r->buf, sizeof r->buf, &got)) != LATENT_OK) return -1;
            r->len = got;
            r->at = 0;
            if (!got) break;
        }
        any = 1;
        char *nl = memchr(r->buf + r->at, '\n', r->len - r->at);
        size_t take = (nl ? (size_t)(nl - r->buf) : r->len) - r->at;
        if (n + take + 1 > r->cap) {
            if (n + take + 1 > CSV_MAX_LINE) {
                r->err = latent_fail(LATENT_EFORMAT, "%s: line %lld is longer than %u bytes", r->s->name,
                            (long long)r->number + 1, CSV_MAX_LINE);
                return -1;
            }
            size_t cap = r->cap ? r->cap : 4096;
            while (cap < n + take + 1) cap *= 2;
            char *p = realloc(r->line, cap);
            if (!p) {
                r->err = latent_fail(LATENT_ENOMEM, "%s: out of memory reading line %lld", r->s->name,
                            (long long)r->number + 1);
                return -1;
            }
            r->line = p;
            r->cap = cap;
        }
        if (memchr(r->buf + r->at, 0, take)) {
            r->err = latent_fail(LATENT_EFORMAT, "%s: line %lld contains a NUL byte (not a text file)",
                                 r->s->name, (long long)r->number + 1);
            return -1;
        }
        memcpy(r->line + n, r->buf + r->at, take);
        n += take;
        r->at += take;
        if (nl) {
            r->at++;
            break;
        }
    }
    if (!any) return 0;
    if (n && r->line[n - 1] == '\r') n--;
    r->line[n] = 0;
    r->number++;
    *out_len = n;
    return 1;
}

static int is_blank(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return *p == 0;
}

/* Parses one field (already trimmed); 1 when it is a number, and *v its value. */
static int parse_number(const char *f, double *v)
{
    if (!*f) return 0;
    char *end;
    errno = 0;
    *v = strtod(f, &end);
    return *end == 0;
}

/* Splits the line in place at commas; fields trimmed of spaces and tabs. Returns the count. */
static int64_t split(char *line, char ***fields, size_t *cap)
{
    int64_t n = 0;
    char *p = line;
    for (;;) {
        if ((size_t)n == *cap) {
            size_t c = *cap ? *cap * 2 : 64;
            char **f = realloc(*fields, c * sizeof *f);
            if (!f) return -1;
            *fields = f;
            *cap = c;
        }
        while (*p == ' ' || *p == '\t') p++;
        (*fields)[n++] = p;
        char *comma = strchr(p, ',');
        char *e = comma ? comma : p + strlen(p);
        char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t')) t--;
        *t = 0;
        if (!comma) break;
        p = comma + 1;
    }
    return n;
}

/* One pass: counts rows and columns and checks every value; fills x when it is not NULL. */
static latent_status scan(latent_stream *s, float *x, int64_t *rows, int64_t *cols)
{
    line_reader *r = calloc(1, sizeof *r);
    if (!r) return latent_fail(LATENT_ENOMEM, "%s: out of memory", s->name);
    r->s = s;
    char **fields = NULL;
    size_t fcap = 0, len;
    int64_t n = 0, d = -1, d_line = 0;
    int first = 1, rc;
    latent_status st = LATENT_OK;
    while ((rc = next_line(r, &len)) > 0) {
        char *line = r->line;
        if (r->number == 1 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
            (unsigned char)line[2] == 0xBF)
            line += 3;  /* a UTF-8 byte-order mark */
        if (is_blank(line)) continue;
        int64_t nf = split(line, &fields, &fcap);
        if (nf < 0) {
            st = latent_fail(LATENT_ENOMEM, "%s: out of memory at line %lld", s->name, (long long)r->number);
            break;
        }
        if (first) {
            /* The first row is a header when none of its fields is a number. */
            first = 0;
            int numbers = 0;
            double v;
            for (int64_t j = 0; j < nf; j++) numbers += parse_number(fields[j], &v);
            if (!numbers) {
                d = nf;
                d_line = r->number;
                continue;
            }
        }
        if (d < 0) {
            d = nf;
            d_line = r->number;
        } else if (nf != d) {
            st = latent_fail(LATENT_EFORMAT, "%s: line %lld has %lld columns but line %lld has %lld",
                             s->name, (long long)r->number, (long long)nf, (long long)d_line, (long long)d);
            break;
        }
        for (int64_t j = 0; j < nf; j++) {
            double v;
            if (!parse_number(fields[j], &v)) {
                for (char *c = fields[j]; *c; c++)
                    if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';  /* one printable line */
                st = latent_fail(LATENT_EFORMAT, "%s: line %lld, column %lld: '%.40s' is not a number",
                                 s->name, (long long)r->number, (long long)j + 1, fields[j]);
                break;
            }
            if (!isfinite(v) || fabs(v) > FLT_MAX) {  /* beyond float's range the cast is undefined */
                st = latent_fail(LATENT_EFORMAT, "%s: line %lld, column %lld: '%.40s' is %s",
                                 s->name, (long long)r->number, (long long)j + 1, fields[j],
                                 isnan(v) ? "NaN (values must be finite)"
                                 : isinf(v) ? "infinite (values must be finite)" : "out of float32 range");
                break;
            }
            if (x) x[n * d + j] = (float)v;
        }
        if (st != LATENT_OK) break;
        n++;
        if (x && n == *rows) break;  /* pass 2 stops where pass 1 counted */
    }
    if (rc < 0) st = r->err;
    free(fields);
    free(r->line);
    free(r);
    if (st != LATENT_OK) return st;
    if (!x) {
        if (n == 0) return latent_fail(LATENT_EFORMAT, "%s: no data rows", s->name);
        *rows = n;
        *cols = d;
    }
    return LATENT_OK;
}

latent_status latent_csv_load_data(latent_stream *s, latent_dataset *ds, const latent_rows *keep)
{
    int64_t n = 0, d = 0;
    latent_status st = scan(s, NULL, &n, &d);
    if (st != LATENT_OK) return st;
    if ((st = latent_dataset_alloc(ds, n, d, s->name)) != LATENT_OK) return st;
    if ((st = latent_stream_rewind(s)) != LATENT_OK) return st;
    if ((st = scan(s, ds->x, &n, &d)) != LATENT_OK || !keep) return st;
    /* text rows have no fixed width to skip by: parsed whole, then cut to the rows kept */
    int64_t r0 = 0, rows = n;
    keep->pick(n, d, keep->user, &r0, &rows);
    if (r0 < 0 || rows < 0 || r0 > n || rows > n - r0)
        return latent_fail(LATENT_EINVAL, "%s: rows %lld..%lld asked of %lld", s->name,
                           (long long)r0, (long long)(r0 + rows), (long long)n);
    memmove(ds->x, ds->x + r0 * d, (size_t)(rows * d) * sizeof(float));
    ds->row0 = r0;
    ds->n = rows;
    return LATENT_OK;
}
