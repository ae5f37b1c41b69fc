/* The dataset readers behind latent_dataset_load, each pulling from a latent_stream so that the
 * same code serves files, gzip'd files and the fuzz harnesses' memory blocks. */
#ifndef LATENT_IO_READERS_H
#define LATENT_IO_READERS_H

#include "latent/dataset.h"
#include "src/io/stream.h"

/* The rows a reader keeps (NULL: all of them). */
typedef struct latent_rows {
    latent_rows_fn pick;
    void *user;
} latent_rows;

/* IDX (MNIST's format): uint8 only; rows = first dimension, features = the rest. */
latent_status latent_idx_load_data(latent_stream *s, latent_dataset *ds, const latent_rows *keep);
/* A 1-D uint8 IDX file of labels. */
latent_status latent_idx_load_labels(latent_stream *s, int32_t **labels, int64_t *n);

/* .npy of float32, float64 or uint8, 2-D (or 3-D images: n x h x w), 1-D as one column. */
latent_status latent_npy_load_data(latent_stream *s, latent_dataset *ds, const latent_rows *keep);
/* A 1-D .npy of uint8, int32 or int64 labels (n x 1 accepted too). */
latent_status latent_npy_load_labels(latent_stream *s, int32_t **labels, int64_t *n);

/* Numeric CSV, optional header row, every row the same number of columns, finite values. */
latent_status latent_csv_load_data(latent_stream *s, latent_dataset *ds, const latent_rows *keep);

/* Allocates ds->x for n x d floats after checking the size against overflow and physical
 * memory; `name` is the file for messages. */
latent_status latent_dataset_alloc(latent_dataset *ds, int64_t n, int64_t d, const char *name);
/* As latent_dataset_alloc for the rows of n that keep chooses (all when keep is NULL): sets
 * ds->n, row0 and n_total. */
latent_status latent_dataset_alloc_rows(latent_dataset *ds, int64_t n, int64_t d,
                                        const latent_rows *keep, const char *name);

#endif
