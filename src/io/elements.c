/* Element decoding shared by the IDX, .npy and safetensors readers: one loop, one set of checks. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "src/io/elements.h"

size_t latent_dtype_size(latent_dtype t)
{
    switch (t) {
    case LATENT_F32: case LATENT_I32: return 4;
    case LATENT_F64: case LATENT_I64: return 8;
    case LATENT_U8: return 1;
    }
    return 0;
}

int latent_dims_product(const int64_t *dims, int n, uint64_t limit, uint64_t *out)
{
    uint64_t p = 1;
    for (int i = 0; i < n; i++) {
        if (dims[i] < 0) return 0;
        uint64_t d = (uint64_t)dims[i];
        if (d != 0 && p > limit / d) return 0;
        p *= d;
    }
    *out = p;
    return 1;
}

static void swap_bytes(unsigned char *p, size_t size)
{
    for (size_t i = 0; i < size / 2; i++) {
        unsigned char t = p[i];
        p[i] = p[size - 1 - i];
        p[size - 1 - i] = t;
    }
}

static int is_float(latent_dtype t) { return t == LATENT_F32 || t == LATENT_F64; }

latent_status latent_read_elements(latent_stream *s, const latent_elements *e, void *dst,
                                   latent_convert mode, const char *what)
{
    static const float by255 = 255.0f;
    size_t isz = latent_dtype_size(e->dtype);
    size_t osz = mode == LATENT_CONVERT_RAW ? isz : 4;
    unsigned char buf[1 << 15];
    uint64_t per = sizeof buf / isz, done = 0;
    uint64_t cols = e->cols > 0 ? (uint64_t)e->cols : 1, rows = e->rows > 0 ? (uint64_t)e->rows : 1;
    if (mode == LATENT_CONVERT_LABELS && is_float(e->dtype))
        return latent_fail(LATENT_EFORMAT, "%s: %s: labels must be integers, not floats", s->name, what);
    while (done < e->count) {
        uint64_t k = e->count - done < per ? e->count - done : per;
        latent_status st = latent_stream_read_exact(s, buf, (size_t)(k * isz), what);
        if (st != LATENT_OK) return st;
        for (uint64_t i = 0; i < k; i++) {
            unsigned char *p = buf + i * isz;
            uint64_t src = done + i;
            uint64_t at = e->fortran ? (src % rows) * cols + src / rows : src;
            if (e->ranged) {
                uint64_t row = at / cols;
                if (row < (uint64_t)e->keep0 || row >= (uint64_t)(e->keep0 + e->keep)) continue;
            }
            if (e->big_endian && isz > 1) swap_bytes(p, isz);
            uint64_t stored = e->ranged ? at - (uint64_t)e->keep0 * cols : at;
            unsigned char *q = (unsigned char *)dst + stored * osz;
            if (mode == LATENT_CONVERT_RAW) {
                memcpy(q, p, isz);
                continue;
            }
            double v = 0;
            int64_t iv = 0;
            switch (e->dtype) {
            case LATENT_F32: { float f; memcpy(&f, p, 4); v = f; break; }
            case LATENT_F64: memcpy(&v, p, 8); break;
            case LATENT_I32: { int32_t x; memcpy(&x, p, 4); iv = x; v = (double)x; break; }
            case LATENT_I64: memcpy(&iv, p, 8); v = (double)iv; break;
            case LATENT_U8: iv = *p; v = *p; break;
            }
            if (mode == LATENT_CONVERT_DATA) {
                /* Converting a double beyond float's range is undefined: check before. */
                int ok = isfinite(v) && fabs(v) <= FLT_MAX;
                float f = !ok ? 0.0f : e->dtype == LATENT_U8 ? (float)iv / by255 : (float)v;
                if (!ok)
                    return latent_fail(LATENT_EFORMAT,
                                       "%s: %s: row %llu, column %llu is %s%s", s->name, what,
                                       (unsigned long long)(at / cols), (unsigned long long)(at % cols),
                                       isnan(v) ? "NaN" : isinf(v) ? "infinite" : "too large for float32",
                                       isnan(v) || isinf(v) ? " (data must be finite)" : "");
                memcpy(q, &f, 4);
            } else {
                if (iv < 0 || iv > INT32_MAX)
                    return latent_fail(LATENT_EFORMAT,
                                       "%s: %s: label %llu is %lld: labels must be in 0..2147483647",
                                       s->name, what, (unsigned long long)at, (long long)iv);
                int32_t l = (int32_t)iv;
                memcpy(q, &l, 4);
            }
        }
        done += k;
    }
    return LATENT_OK;
}
