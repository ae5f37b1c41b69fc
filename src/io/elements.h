/* Reading stored array elements into memory: byte order, C or Fortran order, conversion. */
#ifndef LATENT_IO_ELEMENTS_H
#define LATENT_IO_ELEMENTS_H

#include "latent/io.h"
#include "src/io/stream.h"

typedef enum latent_convert {
    LATENT_CONVERT_RAW,     /* keep the dtype (destination dtype = stored dtype) */
    LATENT_CONVERT_DATA,    /* to float32: uint8 / 255, floats must be finite and fit float32 */
    LATENT_CONVERT_LABELS   /* to int32: integer dtypes only, each value in 0..INT32_MAX */
} latent_convert;

/* Where the elements come from and how they are laid out. */
typedef struct latent_elements {
    latent_dtype dtype;     /* as stored */
    int big_endian;         /* stored most significant byte first */
    uint64_t count;         /* elements to read */
    int64_t rows, cols;     /* the 2-D view for messages and Fortran order (cols = count / rows) */
    int fortran;            /* stored column by column: transposed into C order while reading */
    int ranged;             /* only rows [keep0, keep0 + keep) are stored (dst holds those
                             * rows); the others are read past */
    int64_t keep0, keep;
} latent_elements;

/* Reads e->count elements from s into dst (count elements of the converted dtype). The caller
 * has already checked the payload length; `what` names the field in messages. */
latent_status latent_read_elements(latent_stream *s, const latent_elements *e, void *dst,
                                   latent_convert mode, const char *what);

/* Product of dims, each >= 0, into *out; 0 on overflow of `limit`. */
int latent_dims_product(const int64_t *dims, int n, uint64_t limit, uint64_t *out);

#endif
