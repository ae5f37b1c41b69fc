/* Strict JSON: the grammar of RFC 8259 exactly, valid UTF-8, no NUL in strings, bounded depth. */
#include <stdlib.h>
#include <string.h>
#include "src/io/json.h"

#define JSON_MAX_DEPTH 64

typedef struct parser {
    const unsigned char *p, *start, *end;
    const char *file;
    latent_json_doc *doc;
    char *out;               /* next free byte of doc->strings */
} parser;

static latent_status fail(parser *ps, const char *what)
{
    return latent_fail(LATENT_EFORMAT, "%s: header JSON: at byte %lld: %s", ps->file,
                       (long long)(ps->p - ps->start), what);
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int32_t new_node(parser *ps, latent_json_type t)
{
    latent_json_doc *d = ps->doc;
    if (d->n == d->cap) {
        if (d->cap > INT32_MAX / 2) return -1;
        int32_t cap = d->cap ? d->cap * 2 : 64;
        latent_json *nodes = realloc(d->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes) return -1;
        d->nodes = nodes;
        d->cap = cap;
    }
    latent_json *j = &d->nodes[d->n];
    memset(j, 0, sizeof *j);
    j->type = t;
    j->child = j->next = -1;
    return d->n++;
}

static void put_utf8(parser *ps, uint32_t c)
{
    if (c < 0x80) {
        *ps->out++ = (char)c;
    } else if (c < 0x800) {
        *ps->out++ = (char)(0xC0 | c >> 6);
        *ps->out++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *ps->out++ = (char)(0xE0 | c >> 12);
        *ps->out++ = (char)(0x80 | (c >> 6 & 0x3F));
        *ps->out++ = (char)(0x80 | (c & 0x3F));
    } else {
        *ps->out++ = (char)(0xF0 | c >> 18);
        *ps->out++ = (char)(0x80 | (c >> 12 & 0x3F));
        *ps->out++ = (char)(0x80 | (c >> 6 & 0x3F));
        *ps->out++ = (char)(0x80 | (c & 0x3F));
    }
}

static int hex4(const unsigned char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (h < 0) return 0;
        *v = *v << 4 | (uint32_t)h;
    }
    return 1;
}

/* Length of a valid UTF-8 sequence at p (no overlongs, no surrogates, <= U+10FFFF), or 0. */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || end - p < n) return 0;
    uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (p[i] & 0x3Fu);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    return n;
}

/* Decodes a string into doc->strings; *out points at its start. */
static latent_status parse_string(parser *ps, const char **out, size_t *len)
{
    ps->p++;  /* the opening quote */
    char *begin = ps->out;
    for (;;) {
        if (ps->p >= ps->end) return fail(ps, "unterminated string");
        unsigned char c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) return fail(ps, "control character in a string");
        if (c == '\\') {
            if (ps->end - ps->p < 2) return fail(ps, "unterminated escape");
            unsigned char e = ps->p[1];
            ps->p += 2;
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char map[] = "\"\\/\b\f\n\r\t";
                *ps->out++ = map[simple - "\"\\/bfnrt"];
                continue;
            }
            if (e != 'u') return fail(ps, "invalid escape");
            uint32_t u, lo;
            if (ps->end - ps->p < 4 || !hex4(ps->p, &u)) return fail(ps, "invalid \\u escape");
            ps->p += 4;
            if (u >= 0xDC00 && u <= 0xDFFF) return fail(ps, "lone low surrogate");
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || !hex4(ps->p + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return fail(ps, "high surrogate without its low half");
                ps->p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (u == 0) return fail(ps, "NUL character in a string");
            put_utf8(ps, u);
            continue;
        }
        int n = utf8_len(ps->p, ps->end);
        if (!n) return fail(ps, "invalid UTF-8");
        memcpy(ps->out, ps->p, (size_t)n);
        ps->out += n;
        ps->p += n;
    }
    *len = (size_t)(ps->out - begin);
    *ps->out++ = 0;
    *out = begin;
    return LATENT_OK;
}

static int digit(parser *ps) { return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; }

static latent_status parse_number(parser *ps, latent_json *j)
{
    int neg = 0, overflow = 0;
    uint64_t v = 0;
    if (*ps->p == '-') neg = 1, ps->p++;
    if (!digit(ps)) return fail(ps, "invalid number");
    if (*ps->p == '0') {
        ps->p++;
        if (digit(ps)) return fail(ps, "leading zero in a number");
    } else {
        while (digit(ps)) {
            unsigned d = *ps->p++ - '0';
            if (v > (UINT64_MAX - d) / 10) overflow = 1;
            else v = v * 10 + d;
        }
    }
    int frac = 0;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++, frac = 1;
        if (!digit(ps)) return fail(ps, "invalid number: digits must follow '.'");
        while (digit(ps)) ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++, frac = 1;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        if (!digit(ps)) return fail(ps, "invalid number: digits must follow the exponent");
        while (digit(ps)) ps->p++;
    }
    j->type = LATENT_JSON_NUMBER;
    if (!frac && !overflow && v <= (uint64_t)INT64_MAX + (uint64_t)neg) {
        j->is_int = 1;
        j->integer = neg ? (int64_t)(0 - v) : (int64_t)v;
    }
    return LATENT_OK;
}

static int literal(parser *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) return 0;
    ps->p += n;
    return 1;
}

static latent_status parse_value(parser *ps, int32_t *out, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end) return fail(ps, "unexpected end");
    if (depth > JSON_MAX_DEPTH) return fail(ps, "nested too deeply");
    unsigned char c = *ps->p;
    int32_t id = new_node(ps, LATENT_JSON_NULL);
    if (id < 0) return latent_fail(LATENT_ENOMEM, "%s: header JSON: out of memory", ps->file);
    *out = id;
    latent_status st = LATENT_OK;
    if (c == '{' || c == '[') {
        int obj = c == '{';
        ps->doc->nodes[id].type = obj ? LATENT_JSON_OBJECT : LATENT_JSON_ARRAY;
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
            ps->p++;
            return LATENT_OK;
        }
        int32_t last = -1;
        for (;;) {
            const char *key = NULL;
            size_t klen;
            if (obj) {
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "expected a string key");
                if ((st = parse_string(ps, &key, &klen)) != LATENT_OK) return st;
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') return fail(ps, "expected ':'");
                ps->p++;
            }
            int32_t child;
            if ((st = parse_value(ps, &child, depth + 1)) != LATENT_OK) return st;
            latent_json *nodes = ps->doc->nodes;  /* may have moved */
            nodes[child].key = key;
            if (last < 0) nodes[id].child = child;
            else nodes[last].next = child;
            last = child;
            nodes[id].count++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
                ps->p++;
                return LATENT_OK;
            }
            return fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    latent_json *j = &ps->doc->nodes[id];
    if (c == '"') {
        j->type = LATENT_JSON_STRING;
        return parse_string(ps, &j->str, &j->str_len);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(ps, j);
    if (literal(ps, "true")) j->type = LATENT_JSON_BOOL, j->boolean = 1;
    else if (literal(ps, "false")) j->type = LATENT_JSON_BOOL;
    else if (literal(ps, "null")) j->type = LATENT_JSON_NULL;
    else st = fail(ps, "unexpected character");
    return st;
}

latent_status latent_json_parse(const char *file, const char *src, size_t len, latent_json_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    /* A decoded string never outgrows its quoted source, so one block of len + 1 holds them all. */
    doc->strings = malloc(len + 1);
    if (!doc->strings) return latent_fail(LATENT_ENOMEM, "%s: header JSON: out of memory", file);
    parser ps = {(const unsigned char *)src, (const unsigned char *)src, (const unsigned char *)src + len,
                 file, doc, doc->strings};
    int32_t root;
    latent_status st = parse_value(&ps, &root, 0);
    if (st == LATENT_OK) {
        skip_ws(&ps);
        if (ps.p != ps.end) st = fail(&ps, "unexpected text after the value");
    }
    if (st != LATENT_OK) latent_json_free(doc);
    return st;
}

const latent_json *latent_json_get(const latent_json_doc *doc, const latent_json *obj, const char *key)
{
    if (obj->type != LATENT_JSON_OBJECT) return NULL;
    for (int32_t i = obj->child; i >= 0; i = doc->nodes[i].next)
        if (strcmp(doc->nodes[i].key, key) == 0) return &doc->nodes[i];
    return NULL;
}

void latent_json_free(latent_json_doc *doc)
{
    free(doc->nodes);
    free(doc->strings);
    memset(doc, 0, sizeof *doc);
}
