/* Files latent reads and writes besides datasets: NumPy .npy, safetensors, PNG pictures.
 * Every reader distrusts its input: sizes are checked against the real file length before any
 * allocation, and a refusal is LATENT_EFORMAT with a one-line message naming the file.
 * Every writer is crash-safe: FILE.tmp in the same folder, flushed, fsync'd, renamed over FILE. */
#ifndef LATENT_IO_H
#define LATENT_IO_H

#include <stddef.h>
#include <stdint.h>
#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LATENT_MAX_DIMS 8

/* Element types of arrays and tensors (little-endian in memory and in every file written). */
typedef enum latent_dtype { LATENT_F32, LATENT_F64, LATENT_I32, LATENT_I64, LATENT_U8 } latent_dtype;

/* Bytes per element of a dtype. */
size_t latent_dtype_size(latent_dtype t);

/* A dense row-major array: what .npy files and safetensors tensors hold. */
typedef struct latent_array {
    latent_dtype dtype;
    int ndim;                          /* 0 (a scalar) to LATENT_MAX_DIMS */
    int64_t shape[LATENT_MAX_DIMS];
    void *data;                        /* 64-byte aligned, owned (latent_alloc) */
    size_t nbytes;
} latent_array;

/* Frees a->data and zeroes *a; safe on a zeroed struct. */
void latent_array_free(latent_array *a);

/* ---- NumPy .npy ---- */

/* Reads an .npy file (v1, v2 or v3; gzip'd or not) of float32, float64, uint8, int32 or int64.
 * Big-endian data is byte-swapped; fortran_order True is transposed into C order (2-D at most).
 * Object and structured dtypes are refused. */
latent_status latent_npy_read(const char *path, latent_array *out);

/* As latent_npy_read from a memory block; `name` stands for the file in messages. */
latent_status latent_npy_read_mem(const char *name, const void *buf, size_t len, latent_array *out);

/* Writes data (ndim 0..8, C order) as .npy v1 (v2 if the header needs it), header padded so the
 * data starts at a multiple of 64. Crash-safe. */
latent_status latent_npy_write(const char *path, latent_dtype dtype, int ndim, const int64_t *shape,
                               const void *data);

/* ---- safetensors ---- */

/* One named tensor (writing: data borrowed; reading: data owned by the latent_safetensors). */
typedef struct latent_tensor {
    const char *name;
    latent_array a;
} latent_tensor;

/* A __metadata__ entry: both strings. */
typedef struct latent_meta {
    const char *key, *value;
} latent_meta;

/* A safetensors file as read: tensors in header order, metadata in header order. */
typedef struct latent_safetensors {
    latent_tensor *tensors;
    int n_tensors;
    latent_meta *meta;
    int n_meta;
    void *strings_;                    /* owns the names and metadata strings */
} latent_safetensors;

/* Reads a safetensors file: header length capped at 100 MB, strict JSON, dtypes F32 F64 I32 I64
 * U8, offsets in range and tiling the data buffer exactly (no gap, no overlap). */
latent_status latent_safetensors_read(const char *path, latent_safetensors *out);

/* As latent_safetensors_read from a memory block; `name` stands for the file in messages. */
latent_status latent_safetensors_read_mem(const char *name, const void *buf, size_t len,
                                          latent_safetensors *out);

/* Writes n tensors (in the given order; each one's byte count comes from its dtype and shape, its
 * nbytes is ignored) and n_meta metadata strings. Names must be unique and non-empty.
 * Crash-safe: a kill at any moment leaves the previous file whole. */
latent_status latent_safetensors_write(const char *path, const latent_tensor *tensors, int n,
                                       const latent_meta *meta, int n_meta);

/* The tensor called `name`, or NULL. */
const latent_tensor *latent_safetensors_find(const latent_safetensors *f, const char *name);

/* The metadata value under `key`, or NULL. */
const char *latent_safetensors_meta(const latent_safetensors *f, const char *key);

/* Frees everything latent_safetensors_read allocated; safe on a zeroed struct. */
void latent_safetensors_free(latent_safetensors *f);

/* ---- PNG pictures ---- */

/* Writes n grayscale images of h x w floats (row-major, one after another) tiled `cols` per
 * row with a 2-pixel mid-gray border; values map lo -> black, hi -> white, clamped (pass 0, 1
 * or -1, 1). cols <= 0 picks a near-square grid. Crash-safe. */
latent_status latent_png_write_grid(const char *path, const float *images, int64_t n, int64_t h,
                                    int64_t w, int cols, float lo, float hi);

/* One curve of a line plot: y[0..n-1] plotted against 1..n. */
typedef struct latent_curve {
    const char *label;
    const double *y;
    int64_t n;
} latent_curve;

/* Writes a width x height RGB line plot of the curves (axes, ticks with values, a legend in
 * distinct colors); non-finite points are skipped. Crash-safe. */
latent_status latent_png_write_plot(const char *path, const latent_curve *curves, int n_curves,
                                    const char *title, int width, int height);

/* ---- a caller's strings in a model file ---- */

/* Strings a caller keeps in a model file (models.h, kmeans.h) beside the model's own
 * configuration: a command's settings, a loss history. Their keys hold a dot ("cli.data"); a
 * model's own keys have none. Values are owned copies. */
#define LATENT_EXTRA_MAX 24
typedef struct latent_extra {
    int n;
    char key[LATENT_EXTRA_MAX][40];
    char *val[LATENT_EXTRA_MAX];
} latent_extra;

/* Sets (or replaces) key's value; LATENT_EINVAL for a key without a dot, too long, or a full set. */
latent_status latent_extra_set(latent_extra *e, const char *key, const char *val);
/* key's value, or NULL. */
const char *latent_extra_get(const latent_extra *e, const char *key);
/* Frees the values; leaves an empty set. */
void latent_extra_free(latent_extra *e);

#ifdef __cplusplus
}
#endif
#endif
