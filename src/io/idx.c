/* IDX files (MNIST, Fashion-MNIST): a whitelisted type, bounded dimensions, exact length. */
#include <stdlib.h>
#include <string.h>
#include "latent/memory.h"
#include "src/io/elements.h"
#include "src/io/readers.h"

#define IDX_MAX_DIMS 4

typedef struct idx_header {
    int ndim;
    int64_t dims[IDX_MAX_DIMS];
    uint64_t count;
} idx_header;

static const char *type_name(int t)
{
    switch (t) {
    case 0x08: return "uint8";
    case 0x09: return "int8";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    }
    return "unknown";
}

static latent_status read_header(latent_stream *s, idx_header *h)
{
    unsigned char m[4];
    latent_status st = latent_stream_read_exact(s, m, 4, "IDX header");
    if (st != LATENT_OK) return st;
    if (m[0] != 0 || m[1] != 0)
        return latent_fail(LATENT_EFORMAT, "%s: IDX header: bad magic %02x %02x %02x %02x "
                           "(expected 00 00 08 NDIM)", s->name, m[0], m[1], m[2], m[3]);
    if (m[2] != 0x08)
        return latent_fail(LATENT_EFORMAT, "%s: IDX header: element type 0x%02X (%s) is not "
                           "supported: only 0x08 (uint8)", s->name, m[2], type_name(m[2]));
    if (m[3] < 1 || m[3] > IDX_MAX_DIMS)
        return latent_fail(LATENT_EFORMAT, "%s: IDX header: %d dimensions (1 to %d supported)",
                           s->name, m[3], IDX_MAX_DIMS);
    h->ndim = m[3];
    for (int i = 0; i < h->ndim; i++) {
        unsigned char b[4];
        st = latent_stream_read_exact(s, b, 4, "IDX header dimensions");
        if (st != LATENT_OK) return st;
        uint32_t d = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (d == 0 || d > INT32_MAX)
            return latent_fail(LATENT_EFORMAT, "%s: IDX header: dimension %d is %u (must be 1 to "
                               "2147483647)", s->name, i, d);
        h->dims[i] = d;
    }
    /* Bounded so that the float matrix's byte count cannot overflow either. */
    if (!latent_dims_product(h->dims, h->ndim, UINT64_MAX / 8, &h->count))
        return latent_fail(LATENT_EFORMAT, "%s: IDX header: the dimensions' product overflows",
                           s->name);
    return latent_stream_check_payload(s, h->count, "IDX data");
}

latent_status latent_idx_load_data(latent_stream *s, latent_dataset *ds, const latent_rows *keep)
{
    idx_header h;
    latent_status st = read_header(s, &h);
    if (st != LATENT_OK) return st;
    int64_t n = h.dims[0], d = (int64_t)(h.count / (uint64_t)n);
    st = latent_dataset_alloc_rows(ds, n, d, keep, s->name);
    if (st != LATENT_OK) return st;
    latent_elements e = {.dtype = LATENT_U8, .count = h.count, .rows = n, .cols = d,
                         .ranged = keep != NULL, .keep0 = ds->row0, .keep = ds->n};
    st = latent_read_elements(s, &e, ds->x, LATENT_CONVERT_DATA, "IDX data");
    if (st == LATENT_OK) st = latent_stream_expect_end(s);
    if (st != LATENT_OK) return st;
    if (h.ndim == 3) {
        ds->height = h.dims[1];
        ds->width = h.dims[2];
    }
    return LATENT_OK;
}

latent_status latent_idx_load_labels(latent_stream *s, int32_t **labels, int64_t *n)
{
    idx_header h;
    *labels = NULL;
    latent_status st = read_header(s, &h);
    if (st != LATENT_OK) return st;
    if (h.ndim != 1)
        return latent_fail(LATENT_EFORMAT, "%s: IDX labels: %d dimensions (labels are 1-D)",
                           s->name, h.ndim);
    int32_t *l = latent_alloc((size_t)h.count, sizeof *l, s->name);
    if (!l) return LATENT_ENOMEM;
    latent_elements e = {.dtype = LATENT_U8, .count = h.count, .rows = h.dims[0], .cols = 1};
    st = latent_read_elements(s, &e, l, LATENT_CONVERT_LABELS, "IDX labels");
    if (st == LATENT_OK) st = latent_stream_expect_end(s);
    if (st != LATENT_OK) {
        latent_free(l);
        return st;
    }
    *labels = l;
    *n = h.dims[0];
    return LATENT_OK;
}
