/* NumPy .npy files: a strict reading of the header's dict literal, exact lengths, aligned writes. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "latent/memory.h"
#include "src/io/atomic_file.h"
#include "src/io/elements.h"
#include "src/io/readers.h"

/* numpy itself writes headers of a few hundred bytes; anything past this is not a real file. */
#define NPY_MAX_HEADER (1u << 20)
#define NPY_ALIGN 64

typedef struct npy_header {
    latent_dtype dtype;
    int big_endian, fortran, ndim;
    int64_t shape[LATENT_MAX_DIMS];
    uint64_t count;
} npy_header;

typedef struct cursor {
    const char *p, *end, *file;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static latent_status bad(cursor *c, const char *what)
{
    return latent_fail(LATENT_EFORMAT, "%s: .npy header: %s", c->file, what);
}

/* A quoted Python string without escapes (numpy never writes any in these three fields). */
static latent_status parse_str(cursor *c, char *out, size_t size)
{
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return bad(c, "expected a quoted string");
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || (unsigned char)*c->p < 0x20) return bad(c, "unexpected character in a string");
        if (n + 1 >= size) return bad(c, "string too long");
        out[n++] = *c->p++;
    }
    if (c->p >= c->end) return bad(c, "unterminated string");
    c->p++;
    out[n] = 0;
    return LATENT_OK;
}

static int accept(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

static latent_status parse_descr(cursor *c, npy_header *h)
{
    char d[32];
    skip_ws(c);
    if (c->p < c->end && *c->p == '[') return bad(c, "structured dtypes are not supported");
    latent_status st = parse_str(c, d, sizeof d);
    if (st != LATENT_OK) return st;
    const char *t = d;
    char order = '=';
    if (*t == '<' || *t == '>' || *t == '|' || *t == '=') order = *t++;
    if (t[0] == 'O')
        return latent_fail(LATENT_EFORMAT, "%s: .npy header: descr '%s' is an object dtype: refused",
                           c->file, d);
    static const struct { const char *code; latent_dtype t; } known[] = {
        {"f4", LATENT_F32}, {"f8", LATENT_F64}, {"u1", LATENT_U8}, {"i4", LATENT_I32}, {"i8", LATENT_I64}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(t, known[i].code) == 0) {
            h->dtype = known[i].t;
            h->big_endian = order == '>' && latent_dtype_size(h->dtype) > 1;
            return LATENT_OK;
        }
    return latent_fail(LATENT_EFORMAT, "%s: .npy header: descr '%s' is not supported (float32, "
                       "float64, uint8, int32, int64)", c->file, d);
}

static latent_status parse_shape(cursor *c, npy_header *h)
{
    skip_ws(c);
    if (!accept(c, "(")) return bad(c, "shape: expected '('");
    h->ndim = 0;
    for (;;) {
        skip_ws(c);
        if (accept(c, ")")) break;
        if (h->ndim == LATENT_MAX_DIMS) return bad(c, "shape: more than 8 dimensions");
        if (c->p >= c->end || !isdigit((unsigned char)*c->p)) return bad(c, "shape: expected a non-negative integer");
        int64_t v = 0;
        while (c->p < c->end && isdigit((unsigned char)*c->p)) {
            if (v > (INT64_MAX - 9) / 10) return bad(c, "shape: dimension too large");
            v = v * 10 + (*c->p++ - '0');
        }
        accept(c, "L");  /* Python 2's long suffix */
        h->shape[h->ndim++] = v;
        skip_ws(c);
        if (accept(c, ",")) continue;
        skip_ws(c);
        if (accept(c, ")")) break;
        return bad(c, "shape: expected ',' or ')'");
    }
    return LATENT_OK;
}

static latent_status parse_dict(const char *file, const char *text, size_t len, npy_header *h)
{
    cursor c = {text, text + len, file};
    int seen[3] = {0, 0, 0};
    latent_status st;
    skip_ws(&c);
    if (!accept(&c, "{")) return bad(&c, "expected a dict starting with '{'");
    for (;;) {
        skip_ws(&c);
        if (accept(&c, "}")) break;
        char key[32];
        if ((st = parse_str(&c, key, sizeof key)) != LATENT_OK) return st;
        skip_ws(&c);
        if (!accept(&c, ":")) return bad(&c, "expected ':' after a key");
        skip_ws(&c);
        int k = strcmp(key, "descr") == 0 ? 0 : strcmp(key, "fortran_order") == 0 ? 1
              : strcmp(key, "shape") == 0 ? 2 : -1;
        if (k < 0)
            return latent_fail(LATENT_EFORMAT, "%s: .npy header: unexpected key '%s'", file, key);
        if (seen[k]++)
            return latent_fail(LATENT_EFORMAT, "%s: .npy header: key '%s' twice", file, key);
        if (k == 0) st = parse_descr(&c, h);
        else if (k == 2) st = parse_shape(&c, h);
        else if (accept(&c, "True")) h->fortran = 1, st = LATENT_OK;
        else if (accept(&c, "False")) h->fortran = 0, st = LATENT_OK;
        else st = bad(&c, "fortran_order: expected True or False");
        if (st != LATENT_OK) return st;
        skip_ws(&c);
        if (accept(&c, ",")) continue;
        skip_ws(&c);
        if (accept(&c, "}")) break;
        return bad(&c, "expected ',' or '}'");
    }
    skip_ws(&c);
    if (c.p != c.end) return bad(&c, "unexpected text after the dict");
    for (int k = 0; k < 3; k++)
        if (!seen[k])
            return latent_fail(LATENT_EFORMAT, "%s: .npy header: missing key '%s'", file,
                               k == 0 ? "descr" : k == 1 ? "fortran_order" : "shape");
    return LATENT_OK;
}

static latent_status read_header(latent_stream *s, npy_header *h)
{
    memset(h, 0, sizeof *h);
    unsigned char pre[8];
    latent_status st = latent_stream_read_exact(s, pre, 8, ".npy preamble");
    if (st != LATENT_OK) return st;
    if (memcmp(pre, "\x93NUMPY", 6) != 0)
        return latent_fail(LATENT_EFORMAT, "%s: not an .npy file (bad magic)", s->name);
    uint32_t hlen;
    unsigned char b[4];
    if (pre[6] == 1) {
        if ((st = latent_stream_read_exact(s, b, 2, ".npy header length")) != LATENT_OK) return st;
        hlen = (uint32_t)b[0] | (uint32_t)b[1] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if ((st = latent_stream_read_exact(s, b, 4, ".npy header length")) != LATENT_OK) return st;
        hlen = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    } else {
        return latent_fail(LATENT_EFORMAT, "%s: .npy version %d.%d is not supported (1, 2 or 3)",
                           s->name, pre[6], pre[7]);
    }
    if (hlen > NPY_MAX_HEADER)
        return latent_fail(LATENT_EFORMAT, "%s: .npy header length %u exceeds the %u-byte cap",
                           s->name, hlen, NPY_MAX_HEADER);
    if (!s->gz && hlen > s->raw_len - s->pos)
        return latent_fail(LATENT_EFORMAT, "%s: .npy header length %u but the file has %llu bytes left",
                           s->name, hlen, (unsigned long long)(s->raw_len - s->pos));
    char *text = malloc(hlen ? hlen : 1);
    if (!text) return latent_fail(LATENT_ENOMEM, "%s: .npy header: out of memory", s->name);
    st = latent_stream_read_exact(s, text, hlen, ".npy header");
    if (st == LATENT_OK) st = parse_dict(s->name, text, hlen, h);
    free(text);
    if (st != LATENT_OK) return st;
    if (h->fortran && h->ndim > 2)
        return latent_fail(LATENT_EFORMAT, "%s: .npy header: fortran_order True with %d dimensions "
                           "is not supported (2 at most)", s->name, h->ndim);
    size_t isz = latent_dtype_size(h->dtype);
    if (!latent_dims_product(h->shape, h->ndim, UINT64_MAX / 8, &h->count))
        return latent_fail(LATENT_EFORMAT, "%s: .npy header: the shape's size overflows", s->name);
    uint64_t bytes = h->count * isz;  /* count <= 2^61, isz <= 8: no overflow */
    char what[256];
    int at = snprintf(what, sizeof what, "header: shape (");
    for (int i = 0; i < h->ndim; i++)
        at += snprintf(what + at, sizeof what - (size_t)at, "%s%" PRId64, i ? ", " : "", h->shape[i]);
    snprintf(what + at, sizeof what - (size_t)at, "%s)", h->ndim == 1 ? "," : "");
    return latent_stream_check_payload(s, bytes, what);
}

static latent_elements layout(const npy_header *h)
{
    latent_elements e = {.dtype = h->dtype, .big_endian = h->big_endian, .count = h->count,
                         .fortran = h->fortran && h->ndim == 2};
    e.rows = h->ndim >= 1 ? h->shape[0] : 1;
    e.cols = e.rows > 0 ? (int64_t)(h->count / (uint64_t)e.rows) : 0;
    return e;
}

static latent_status read_array(latent_stream *s, latent_array *out)
{
    npy_header h;
    memset(out, 0, sizeof *out);
    latent_status st = read_header(s, &h);
    if (st != LATENT_OK) return st;
    size_t isz = latent_dtype_size(h.dtype);
    void *data = latent_alloc(h.count ? (size_t)h.count : 1, isz, s->name);
    if (!data) return LATENT_ENOMEM;
    latent_elements e = layout(&h);
    st = latent_read_elements(s, &e, data, LATENT_CONVERT_RAW, ".npy data");
    if (st == LATENT_OK) st = latent_stream_expect_end(s);
    if (st != LATENT_OK) {
        latent_free(data);
        return st;
    }
    out->dtype = h.dtype;
    out->ndim = h.ndim;
    memcpy(out->shape, h.shape, sizeof h.shape);
    out->data = data;
    out->nbytes = (size_t)h.count * isz;
    return LATENT_OK;
}

latent_status latent_npy_read(const char *path, latent_array *out)
{
    latent_stream *s = malloc(sizeof *s);
    memset(out, 0, sizeof *out);
    if (!s) return latent_fail(LATENT_ENOMEM, "%s: out of memory", path);
    latent_status st = latent_stream_open_file(s, path);
    if (st == LATENT_OK) {
        st = read_array(s, out);
        latent_stream_close(s);
    }
    free(s);
    return st;
}

latent_status latent_npy_read_mem(const char *name, const void *buf, size_t len, latent_array *out)
{
    latent_stream *s = malloc(sizeof *s);
    memset(out, 0, sizeof *out);
    if (!s) return latent_fail(LATENT_ENOMEM, "%s: out of memory", name);
    latent_status st = latent_stream_open_mem(s, name, buf, len);
    if (st == LATENT_OK) st = read_array(s, out);
    latent_stream_close(s);
    free(s);
    return st;
}

void latent_array_free(latent_array *a)
{
    latent_free(a->data);
    memset(a, 0, sizeof *a);
}

latent_status latent_npy_load_data(latent_stream *s, latent_dataset *ds, const latent_rows *keep)
{
    npy_header h;
    latent_status st = read_header(s, &h);
    if (st != LATENT_OK) return st;
    if (h.dtype != LATENT_F32 && h.dtype != LATENT_F64 && h.dtype != LATENT_U8)
        return latent_fail(LATENT_EFORMAT, "%s: .npy dtype is an integer type: data must be "
                           "float32, float64 or uint8", s->name);
    if (h.ndim < 1 || h.ndim > 3)
        return latent_fail(LATENT_EFORMAT, "%s: .npy shape has %d dimensions: data must be rows x "
                           "features (or rows x height x width)", s->name, h.ndim);
    if (h.count == 0)
        return latent_fail(LATENT_EFORMAT, "%s: .npy shape holds no elements", s->name);
    latent_elements e = layout(&h);
    st = latent_dataset_alloc_rows(ds, e.rows, e.cols, keep, s->name);
    if (st != LATENT_OK) return st;
    e.ranged = keep != NULL;
    e.keep0 = ds->row0;
    e.keep = ds->n;
    st = latent_read_elements(s, &e, ds->x, LATENT_CONVERT_DATA, ".npy data");
    if (st == LATENT_OK) st = latent_stream_expect_end(s);
    if (st != LATENT_OK) return st;
    if (h.ndim == 3) {
        ds->height = h.shape[1];
        ds->width = h.shape[2];
    }
    return LATENT_OK;
}

latent_status latent_npy_load_labels(latent_stream *s, int32_t **labels, int64_t *n)
{
    npy_header h;
    *labels = NULL;
    latent_status st = read_header(s, &h);
    if (st != LATENT_OK) return st;
    if (!(h.ndim == 1 || (h.ndim == 2 && h.shape[1] == 1)))
        return latent_fail(LATENT_EFORMAT, "%s: .npy labels: shape must be (n,) or (n, 1)", s->name);
    int32_t *l = latent_alloc(h.count ? (size_t)h.count : 1, sizeof *l, s->name);
    if (!l) return LATENT_ENOMEM;
    latent_elements e = layout(&h);
    st = latent_read_elements(s, &e, l, LATENT_CONVERT_LABELS, ".npy labels");
    if (st == LATENT_OK) st = latent_stream_expect_end(s);
    if (st != LATENT_OK) {
        latent_free(l);
        return st;
    }
    *labels = l;
    *n = h.shape[0];
    return LATENT_OK;
}

static const char *descr_of(latent_dtype t)
{
    switch (t) {
    case LATENT_F32: return "<f4";
    case LATENT_F64: return "<f8";
    case LATENT_I32: return "<i4";
    case LATENT_I64: return "<i8";
    case LATENT_U8: return "|u1";
    }
    return "?";
}

latent_status latent_npy_write(const char *path, latent_dtype dtype, int ndim, const int64_t *shape,
                               const void *data)
{
    if (ndim < 0 || ndim > LATENT_MAX_DIMS)
        return latent_fail(LATENT_EINVAL, "%s: .npy: %d dimensions (0 to 8)", path, ndim);
    uint64_t count;
    if (!latent_dims_product(shape, ndim, UINT64_MAX / 8, &count))
        return latent_fail(LATENT_EINVAL, "%s: .npy: invalid or overflowing shape", path);
    char dict[512];
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                       descr_of(dtype));
    for (int i = 0; i < ndim; i++)
        len += snprintf(dict + len, sizeof dict - (size_t)len, "%s%" PRId64, i ? ", " : "", shape[i]);
    len += snprintf(dict + len, sizeof dict - (size_t)len, "%s), }", ndim == 1 ? "," : "");
    size_t pre = 10, total = pre + (size_t)len + 1;
    total = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    size_t hlen = total - pre;
    unsigned char head[640];
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    head[8] = (unsigned char)(hlen & 0xff);
    head[9] = (unsigned char)(hlen >> 8);
    memcpy(head + pre, dict, (size_t)len);
    memset(head + pre + len, ' ', hlen - (size_t)len - 1);
    head[total - 1] = '\n';
    latent_atomic_file a;
    latent_status st = latent_atomic_open(&a, path);
    if (st != LATENT_OK) return st;
    st = latent_atomic_write(&a, head, total);
    if (st == LATENT_OK) st = latent_atomic_write(&a, data, (size_t)count * latent_dtype_size(dtype));
    if (st != LATENT_OK) {
        latent_atomic_abort(&a);
        return st;
    }
    return latent_atomic_commit(&a);
}
