/* Datasets: what --data names, loaded into one float32 matrix (and labels when there are some). */
#ifndef LATENT_DATASET_H
#define LATENT_DATASET_H

#include <stdint.h>
#include "latent/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct latent_dataset {
    int64_t n, d;            /* rows (examples) and features */
    float *x;                /* n x d, row-major, owned; uint8 images are scaled to [0, 1] */
    int32_t *labels;         /* n class labels, or NULL */
    int64_t height, width;   /* image shape when the rows are images (28 x 28), else 0 */
    char source[512];        /* the spec or path it came from, for messages */
    int64_t row0, n_total;   /* x holds rows [row0, row0 + n) of the n_total rows the source has
                              * (0 and n unless loaded with latent_dataset_load_rows) */
} latent_dataset;

/* Chooses, once a source's shape is known (n_total rows of d features), the rows to keep:
 * [*row0, *row0 + *rows), within 0..n_total. */
typedef void (*latent_rows_fn)(int64_t n_total, int64_t d, void *user, int64_t *row0, int64_t *rows);

/* Loads a dataset named as cli.md's --data says: "fashion-mnist", "fashion-mnist:test",
 * "mnist-like:DIR" (":test" suffix for the test split), or a path to an .npy, .csv or IDX file
 * (optionally .gz). Fills *out (zeroed on failure, with latent_last_error naming the file). */
latent_status latent_dataset_load(const char *spec, latent_dataset *out);

/* As latent_dataset_load, but x holds only the rows `pick` chooses: an MPI rank's share, without
 * the whole data set in memory (IDX and .npy stream past the other rows; CSV is parsed whole
 * and cut). labels, when the source has them, stay those of every row (n_total of them): they
 * are small, and scoring a clustering needs all of them. */
latent_status latent_dataset_load_rows(const char *spec, latent_rows_fn pick, void *user,
                                       latent_dataset *out);

/* The test split that goes with a spec ("fashion-mnist" -> "fashion-mnist:test"), written to
 * buf; returns 0 when the spec has no test split. */
int latent_dataset_test_spec(const char *spec, char *buf, size_t size);

/* Attaches labels from an .npy or IDX file; their count must equal ds->n_total (the source's
 * rows: ds->n unless loaded with latent_dataset_load_rows). */
latent_status latent_dataset_load_labels(latent_dataset *ds, const char *path);

/* Frees what latent_dataset_load allocated; safe on a zeroed struct. */
void latent_dataset_free(latent_dataset *ds);

#ifdef __cplusplus
}
#endif
#endif
