/* safetensors: a capped, strictly parsed JSON header whose offsets must tile the data exactly. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "latent/memory.h"
#include "src/io/atomic_file.h"
#include "src/io/elements.h"
#include "src/io/json.h"

/* The reference implementation's cap on the header. */
#define ST_MAX_HEADER (100u * 1000u * 1000u)

static const char *const dtype_names[] = {[LATENT_F32] = "F32", [LATENT_F64] = "F64",
                                          [LATENT_I32] = "I32", [LATENT_I64] = "I64",
                                          [LATENT_U8] = "U8"};

typedef struct entry {
    int index;               /* position in the header */
    uint64_t begin, end;
} entry;

static int by_offset(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->index - y->index;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Up to 100 bytes of s with control characters shown as '?', so a message stays one line. */
static const char *printable(const char *s, char *buf)
{
    size_t i = 0;
    for (; s[i] && i < 100; i++) buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    buf[i] = 0;
    return buf;
}

static latent_status bad(const char *file, const char *name, const char *what)
{
    return latent_fail(LATENT_EFORMAT, "%s: tensor '%.100s': %s", file, name, what);
}

static latent_status parse_tensor(const char *file, const latent_json_doc *doc, const latent_json *v,
                                  latent_tensor *t, entry *e)
{
    const char *name = t->name;
    if (v->type != LATENT_JSON_OBJECT) return bad(file, name, "entry is not an object");
    const latent_json *dt = latent_json_get(doc, v, "dtype"), *sh = latent_json_get(doc, v, "shape"),
                      *off = latent_json_get(doc, v, "data_offsets");
    if (!dt || !sh || !off || v->count != 3)
        return bad(file, name, "entry must have exactly dtype, shape and data_offsets");
    if (dt->type != LATENT_JSON_STRING) return bad(file, name, "dtype is not a string");
    int found = 0;
    for (int k = 0; k < 5; k++)
        if (strcmp(dt->str, dtype_names[k]) == 0) t->a.dtype = (latent_dtype)k, found = 1;
    if (!found)
        return latent_fail(LATENT_EFORMAT, "%s: tensor '%.100s': dtype '%.20s' is not supported "
                           "(F32, F64, I32, I64, U8)", file, name, dt->str);
    if (sh->type != LATENT_JSON_ARRAY) return bad(file, name, "shape is not an array");
    if (sh->count > LATENT_MAX_DIMS) return bad(file, name, "shape has more than 8 dimensions");
    t->a.ndim = sh->count;
    int i = 0;
    for (int32_t c = sh->child; c >= 0; c = doc->nodes[c].next, i++) {
        const latent_json *d = &doc->nodes[c];
        if (d->type != LATENT_JSON_NUMBER || !d->is_int || d->integer < 0)
            return bad(file, name, "shape holds something other than a non-negative integer");
        t->a.shape[i] = d->integer;
    }
    if (off->type != LATENT_JSON_ARRAY || off->count != 2)
        return bad(file, name, "data_offsets is not a pair");
    const latent_json *b = &doc->nodes[off->child], *en = &doc->nodes[b->next];
    if (b->type != LATENT_JSON_NUMBER || !b->is_int || b->integer < 0 ||
        en->type != LATENT_JSON_NUMBER || !en->is_int || en->integer < 0)
        return bad(file, name, "data_offsets must be non-negative integers");
    e->begin = (uint64_t)b->integer;
    e->end = (uint64_t)en->integer;
    if (e->end < e->begin) return bad(file, name, "data_offsets end before they begin");
    uint64_t count;
    size_t isz = latent_dtype_size(t->a.dtype);
    if (!latent_dims_product(t->a.shape, t->a.ndim, UINT64_MAX / 8, &count))
        return bad(file, name, "shape's size overflows");
    if (count * isz != e->end - e->begin)
        return latent_fail(LATENT_EFORMAT, "%s: tensor '%.100s': %s of %" PRIu64 " elements needs %"
                           PRIu64 " bytes but data_offsets span %" PRIu64, file, name,
                           dtype_names[t->a.dtype], count, count * isz, e->end - e->begin);
    t->a.nbytes = (size_t)(count * isz);
    return LATENT_OK;
}

static latent_status read_st(latent_stream *s, latent_safetensors *out)
{
    unsigned char b[8];
    latent_json_doc doc = {0};
    entry *order = NULL;
    const char **names = NULL;
    latent_status st = latent_stream_read_exact(s, b, 8, "header length");
    if (st != LATENT_OK) return st;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | b[i];
    if (hlen > ST_MAX_HEADER)
        return latent_fail(LATENT_EFORMAT, "%s: header length %" PRIu64 " exceeds the 100 MB cap",
                           s->name, hlen);
    if (hlen < 2) return latent_fail(LATENT_EFORMAT, "%s: header length %" PRIu64 " is too small",
                                     s->name, hlen);
    if (!s->gz && hlen > s->raw_len - s->pos)
        return latent_fail(LATENT_EFORMAT, "%s: header length %" PRIu64 " but the file has %" PRIu64
                           " bytes after it", s->name, hlen, s->raw_len - s->pos);
    char *text = malloc((size_t)hlen);
    if (!text) return latent_fail(LATENT_ENOMEM, "%s: header: out of memory", s->name);
    st = latent_stream_read_exact(s, text, (size_t)hlen, "header");
    if (st == LATENT_OK && text[0] != '{')
        st = latent_fail(LATENT_EFORMAT, "%s: header does not start with '{'", s->name);
    if (st == LATENT_OK) st = latent_json_parse(s->name, text, (size_t)hlen, &doc);
    free(text);
    if (st != LATENT_OK) return st;
    const latent_json *root = &doc.nodes[0];
    if (root->type != LATENT_JSON_OBJECT) {
        latent_json_free(&doc);
        return latent_fail(LATENT_EFORMAT, "%s: header is not a JSON object", s->name);
    }
    int nt = 0, nm = 0;
    const latent_json *meta = latent_json_get(&doc, root, "__metadata__");
    nt = root->count - (meta != NULL);
    if (meta) {
        if (meta->type != LATENT_JSON_OBJECT) {
            st = latent_fail(LATENT_EFORMAT, "%s: __metadata__ is not an object", s->name);
            goto fail;
        }
        nm = meta->count;
    }
    out->tensors = calloc((size_t)nt + 1, sizeof *out->tensors);
    out->meta = calloc((size_t)nm + 1, sizeof *out->meta);
    order = calloc((size_t)nt + 1, sizeof *order);
    names = calloc((size_t)nt + nm + 1, sizeof *names);
    if (!out->tensors || !out->meta || !order || !names) {
        st = latent_fail(LATENT_ENOMEM, "%s: out of memory", s->name);
        goto fail;
    }
    int it = 0;
    for (int32_t c = root->child; c >= 0; c = doc.nodes[c].next) {
        const latent_json *v = &doc.nodes[c];
        if (v == meta) continue;
        if (strcmp(v->key, "__metadata__") == 0) {
            st = latent_fail(LATENT_EFORMAT, "%s: __metadata__ appears twice", s->name);
            goto fail;
        }
        for (const unsigned char *c = (const unsigned char *)v->key; *c; c++)
            if (*c < 0x20 || *c == 0x7f) {
                st = latent_fail(LATENT_EFORMAT, "%s: a tensor name contains control character 0x%02x",
                                 s->name, *c);
                goto fail;
            }
        latent_tensor *t = &out->tensors[it];
        t->name = v->key;
        order[it].index = it;
        if ((st = parse_tensor(s->name, &doc, v, t, &order[it])) != LATENT_OK) goto fail;
        names[it] = v->key;
        it++;
    }
    out->n_tensors = nt;
    if (meta)
        for (int32_t c = meta->child, im = 0; c >= 0; c = doc.nodes[c].next, im++) {
            const latent_json *v = &doc.nodes[c];
            if (v->type != LATENT_JSON_STRING) {
                st = latent_fail(LATENT_EFORMAT, "%s: __metadata__ entry %d is not a string", s->name, im);
                goto fail;
            }
            out->meta[im].key = v->key;
            out->meta[im].value = v->str;
            names[nt + im] = v->key;
        }
    out->n_meta = nm;
    /* Duplicate names: among tensors, and among metadata keys. */
    qsort(names, (size_t)nt, sizeof *names, by_name);
    qsort(names + nt, (size_t)nm, sizeof *names, by_name);
    for (int i = 1; i < nt + nm; i++)
        if (i != nt && strcmp(names[i - 1], names[i]) == 0) {
            char shown[104];
            st = latent_fail(LATENT_EFORMAT, "%s: %s '%s' appears twice in the header", s->name,
                             i < nt ? "tensor" : "metadata key", printable(names[i], shown));
            goto fail;
        }
    /* The tensors must tile [0, buffer length) exactly. */
    qsort(order, (size_t)nt, sizeof *order, by_offset);
    uint64_t at = 0;
    for (int i = 0; i < nt; i++) {
        const char *name = out->tensors[order[i].index].name;
        if (order[i].begin > at) {
            st = latent_fail(LATENT_EFORMAT, "%s: tensor '%.100s': a gap before its data_offsets "
                             "[%" PRIu64 ", %" PRIu64 ") (previous data ends at %" PRIu64 ")",
                             s->name, name, order[i].begin, order[i].end, at);
            goto fail;
        }
        if (order[i].begin < at) {
            st = latent_fail(LATENT_EFORMAT, "%s: tensor '%.100s': data_offsets [%" PRIu64 ", %"
                             PRIu64 ") overlap the previous tensor's (ending at %" PRIu64 ")",
                             s->name, name, order[i].begin, order[i].end, at);
            goto fail;
        }
        at = order[i].end;
    }
    if ((st = latent_stream_check_payload(s, at, "data buffer (as the offsets say)")) != LATENT_OK) goto fail;
    for (int i = 0; i < nt; i++) {
        latent_tensor *t = &out->tensors[order[i].index];
        t->a.data = latent_alloc(t->a.nbytes ? t->a.nbytes : 1, 1, s->name);
        if (!t->a.data) {
            st = LATENT_ENOMEM;
            goto fail;
        }
        latent_elements e = {.dtype = t->a.dtype, .count = t->a.nbytes / latent_dtype_size(t->a.dtype)};
        if ((st = latent_read_elements(s, &e, t->a.data, LATENT_CONVERT_RAW, t->name)) != LATENT_OK) goto fail;
    }
    if ((st = latent_stream_expect_end(s)) != LATENT_OK) goto fail;
    free(order);
    free(names);
    /* The names and values point into the document's string block, which the result now owns. */
    out->strings_ = doc.strings;
    free(doc.nodes);
    return LATENT_OK;
fail:
    free(order);
    free(names);
    latent_json_free(&doc);
    doc.strings = NULL;
    latent_safetensors_free(out);
    return st;
}

latent_status latent_safetensors_read(const char *path, latent_safetensors *out)
{
    memset(out, 0, sizeof *out);
    latent_stream *s = malloc(sizeof *s);
    if (!s) return latent_fail(LATENT_ENOMEM, "%s: out of memory", path);
    latent_status st = latent_stream_open_file(s, path);
    if (st == LATENT_OK) {
        st = read_st(s, out);
        latent_stream_close(s);
    }
    free(s);
    return st;
}

latent_status latent_safetensors_read_mem(const char *name, const void *buf, size_t len,
                                          latent_safetensors *out)
{
    memset(out, 0, sizeof *out);
    latent_stream *s = malloc(sizeof *s);
    if (!s) return latent_fail(LATENT_ENOMEM, "%s: out of memory", name);
    latent_status st = latent_stream_open_mem(s, name, buf, len);
    if (st == LATENT_OK) st = read_st(s, out);
    latent_stream_close(s);
    free(s);
    return st;
}

const latent_tensor *latent_safetensors_find(const latent_safetensors *f, const char *name)
{
    for (int i = 0; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

const char *latent_safetensors_meta(const latent_safetensors *f, const char *key)
{
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
    return NULL;
}

void latent_safetensors_free(latent_safetensors *f)
{
    if (f->tensors)
        for (int i = 0; i < f->n_tensors; i++) latent_free(f->tensors[i].a.data);
    free(f->tensors);
    free(f->meta);
    free(f->strings_);
    memset(f, 0, sizeof *f);
}

/* ---- writing ---- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void put_s(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static void put_json_string(sbuf *b, const char *s)
{
    put_s(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\', esc[1] = (char)*p;
            put(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put_s(b, esc);
        } else {
            put(b, (const char *)p, 1);
        }
    }
    put_s(b, "\"");
}

latent_status latent_safetensors_write(const char *path, const latent_tensor *tensors, int n,
                                       const latent_meta *meta, int n_meta)
{
    sbuf h = {0};
    char num[64];
    uint64_t at = 0;
    put_s(&h, "{");
    if (n_meta > 0) {
        put_s(&h, "\"__metadata__\":{");
        for (int i = 0; i < n_meta; i++) {
            if (i) put_s(&h, ",");
            put_json_string(&h, meta[i].key);
            put_s(&h, ":");
            put_json_string(&h, meta[i].value);
        }
        put_s(&h, "}");
    }
    for (int i = 0; i < n; i++) {
        const latent_array *a = &tensors[i].a;
        uint64_t count;
        if (!tensors[i].name || !*tensors[i].name || strcmp(tensors[i].name, "__metadata__") == 0 ||
            a->ndim < 0 || a->ndim > LATENT_MAX_DIMS || (unsigned)a->dtype > LATENT_U8 ||
            !latent_dims_product(a->shape, a->ndim, UINT64_MAX / 8, &count)) {
            free(h.p);
            return latent_fail(LATENT_EINVAL, "%s: tensor %d ('%s'): invalid name, dtype or shape", path,
                               i, tensors[i].name ? tensors[i].name : "(null)");
        }
        for (int k = 0; k < i; k++)
            if (strcmp(tensors[k].name, tensors[i].name) == 0) {
                free(h.p);
                return latent_fail(LATENT_EINVAL, "%s: tensor '%s' given twice", path, tensors[i].name);
            }
        uint64_t bytes = count * latent_dtype_size(a->dtype);
        put_s(&h, n_meta > 0 || i ? "," : "");
        put_json_string(&h, tensors[i].name);
        put_s(&h, ":{\"dtype\":\"");
        put_s(&h, dtype_names[a->dtype]);
        put_s(&h, "\",\"shape\":[");
        for (int d = 0; d < a->ndim; d++) {
            snprintf(num, sizeof num, "%s%" PRId64, d ? "," : "", a->shape[d]);
            put_s(&h, num);
        }
        snprintf(num, sizeof num, "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}", at, at + bytes);
        put_s(&h, num);
        at += bytes;
    }
    put_s(&h, "}");
    /* Spaces pad the header so the data buffer starts 8-byte aligned in the file. */
    while (!h.oom && (8 + h.len) % 8) put_s(&h, " ");
    if (h.oom) {
        free(h.p);
        return latent_fail(LATENT_ENOMEM, "%s: header: out of memory", path);
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)h.len >> (8 * i));
    latent_atomic_file f;
    latent_status st = latent_atomic_open(&f, path);
    if (st == LATENT_OK) st = latent_atomic_write(&f, len8, 8);
    if (st == LATENT_OK) st = latent_atomic_write(&f, h.p, h.len);
    for (int i = 0; i < n && st == LATENT_OK; i++) {
        const latent_array *a = &tensors[i].a;
        uint64_t count;
        latent_dims_product(a->shape, a->ndim, UINT64_MAX / 8, &count);
        st = latent_atomic_write(&f, a->data, (size_t)(count * latent_dtype_size(a->dtype)));
    }
    free(h.p);
    if (st != LATENT_OK) {
        latent_atomic_abort(&f);
        return st;
    }
    return latent_atomic_commit(&f);
}
