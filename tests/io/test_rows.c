/* Loading a share of the rows (an MPI rank's): the rows kept equal the same rows of a whole
 * load, for IDX (gzip'd), C- and Fortran-order .npy and CSV; labels stay every row's. */
#include <math.h>
#include "io_test.h"
#include "latent/dataset.h"
#include "latent/io.h"

typedef struct want_rows {
    int64_t row0, rows;   /* asked for */
    int64_t seen_n, seen_d;
} want_rows;

static void pick(int64_t n_total, int64_t d, void *user, int64_t *row0, int64_t *rows)
{
    want_rows *w = user;
    w->seen_n = n_total;
    w->seen_d = d;
    *row0 = w->row0;
    *rows = w->rows;
}

/* Every share [r0, r0 + rows) of spec equals those rows of the whole data set. */
static void expect_shares(const char *spec, int64_t r0s[], int64_t rowss[], int count)
{
    latent_dataset all;
    cr_assert_eq(latent_dataset_load(spec, &all), LATENT_OK, "%s", latent_last_error());
    for (int i = 0; i < count; i++) {
        want_rows w = {r0s[i], rowss[i], 0, 0};
        latent_dataset part;
        cr_assert_eq(latent_dataset_load_rows(spec, pick, &w, &part), LATENT_OK, "%s",
                     latent_last_error());
        cr_expect_eq(w.seen_n, all.n, "%s: the choice saw %lld rows", spec, (long long)w.seen_n);
        cr_expect_eq(w.seen_d, all.d);
        cr_expect_eq(part.n, w.rows);
        cr_expect_eq(part.row0, w.row0);
        cr_expect_eq(part.n_total, all.n);
        cr_expect_eq(part.d, all.d);
        cr_expect_eq(memcmp(part.x, all.x + w.row0 * all.d, (size_t)(w.rows * all.d) * sizeof(float)), 0,
                     "%s: rows %lld..%lld differ from the whole load", spec, (long long)w.row0,
                     (long long)(w.row0 + w.rows));
        if (all.labels) {
            cr_assert_not_null(part.labels);
            cr_expect_eq(memcmp(part.labels, all.labels, (size_t)all.n * sizeof(int32_t)), 0);
        }
        latent_dataset_free(&part);
    }
    latent_dataset_free(&all);
}

Test(rows, fashion_mnist_idx_gzip_shares)
{
    int64_t r0[] = {0, 3333, 6667, 9999, 5000}, rows[] = {3333, 3334, 3333, 1, 0};
    expect_shares("fashion-mnist:test", r0, rows, 5);
}

Test(rows, npy_c_and_fortran_order_and_csv)
{
    char dir[256], path[300];
    scratch_dir(dir);
    float x[7 * 5];
    for (int i = 0; i < 35; i++) x[i] = (float)i * 0.5f - 3.0f;
    int64_t shape[2] = {7, 5};
    snprintf(path, sizeof path, "%s/c.npy", dir);
    cr_assert_eq(latent_npy_write(path, LATENT_F32, 2, shape, x), LATENT_OK, "%s", latent_last_error());
    int64_t r0[] = {0, 2, 6, 0}, rows[] = {2, 4, 1, 7};
    expect_shares(path, r0, rows, 4);

    /* Fortran order: the file holds column after column; rows are cut after the transpose */
    char hdr[128];
    int hl = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': True, 'shape': (7, 5), }");
    unsigned char buf[512] = "\x93NUMPY\x01\x00";
    size_t pre = 10, total = (pre + (size_t)hl + 1 + 63) / 64 * 64;
    buf[8] = (unsigned char)(total - pre);
    buf[9] = 0;
    memcpy(buf + pre, hdr, (size_t)hl);
    memset(buf + pre + hl, ' ', total - pre - (size_t)hl - 1);
    buf[total - 1] = '\n';
    memcpy(buf + total, x, sizeof x);
    snprintf(path, sizeof path, "%s/f.npy", dir);
    write_bytes(path, buf, total + sizeof x);
    expect_shares(path, r0, rows, 4);

    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 7; i++)
        fprintf(f, "%g,%g,%g,%g,%g\n", x[i * 5], x[i * 5 + 1], x[i * 5 + 2], x[i * 5 + 3], x[i * 5 + 4]);
    fclose(f);
    expect_shares(path, r0, rows, 4);
}

Test(rows, a_choice_beyond_the_rows_is_refused)
{
    want_rows w = {9990, 20, 0, 0};
    latent_dataset part;
    cr_expect_eq(latent_dataset_load_rows("fashion-mnist:test", pick, &w, &part), LATENT_EINVAL);
    cr_expect(strstr(latent_last_error(), "t10k-images") != NULL, "%s", latent_last_error());
    cr_expect_null(part.x);
}
