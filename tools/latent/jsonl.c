/* A tiny JSON-lines writer: flat objects of numbers and strings, each flushed as one line. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include "jsonl.h"

static void put(jsonl *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(jsonl *j, const char *fmt, ...)
{
    if (j->len >= sizeof j->buf) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->buf + j->len, sizeof j->buf - j->len, fmt, ap);
    va_end(ap);
    if (n > 0) j->len += (size_t)n;
    if (j->len >= sizeof j->buf) j->len = sizeof j->buf; /* truncated: caught in jsonl_end */
}

static void put_string(jsonl *j, const char *s)
{
    put(j, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') put(j, "\\%c", *p);
        else if (*p < 0x20) put(j, "\\u%04x", *p);
        else put(j, "%c", *p);
    }
    put(j, "\"");
}

static void key(jsonl *j, const char *k)
{
    put(j, ",");
    put_string(j, k);
    put(j, ":");
}

void jsonl_begin(jsonl *j, const char *event)
{
    j->len = 0;
    j->fields = 0;
    put(j, "{\"event\":");
    put_string(j, event);
}

void jsonl_int(jsonl *j, const char *k, int64_t v)
{
    key(j, k);
    put(j, "%lld", (long long)v);
}

void jsonl_num(jsonl *j, const char *k, double v)
{
    key(j, k);
    if (!isfinite(v)) put(j, "null");
    else if (v == floor(v) && fabs(v) < 1e15) put(j, "%.1f", v);
    else put(j, "%.9g", v);
}

void jsonl_str(jsonl *j, const char *k, const char *s)
{
    key(j, k);
    put_string(j, s ? s : "");
}

void jsonl_strs(jsonl *j, const char *k, const char *const *s, int n)
{
    key(j, k);
    put(j, "[");
    for (int i = 0; i < n; i++) {
        if (i) put(j, ",");
        put_string(j, s[i]);
    }
    put(j, "]");
}

void jsonl_end(jsonl *j)
{
    if (j->len + 2 >= sizeof j->buf) { /* never emit a broken object */
        j->len = 0;
        put(j, "{\"event\":\"error\",\"message\":\"event too long\"");
    }
    put(j, "}");
    fputs(j->buf, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}
