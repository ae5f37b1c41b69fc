/* CSV: headers, blank lines, CRLF, and the refusals (ragged rows, NaN, Inf, words). */
#include <zlib.h>
#include "io_test.h"
#include "latent/dataset.h"

static latent_status load_text(const char *dir, const char *text, latent_dataset *ds, char *path)
{
    snprintf(path, 300, "%s/d.csv", dir);
    write_bytes(path, text, strlen(text));
    return latent_dataset_load(path, ds);
}

Test(csv, header_blank_lines_crlf)
{
    char dir[256], path[300];
    scratch_dir(dir);
    latent_dataset ds;
    cr_assert_eq(load_text(dir, "a, b ,c\r\n1,2,3\r\n\r\n-4.5, 5e-1 ,6\r\n", &ds, path), LATENT_OK,
                 "%s", latent_last_error());
    cr_expect_eq(ds.n, 2);
    cr_expect_eq(ds.d, 3);
    float want[6] = {1, 2, 3, -4.5f, 0.5f, 6};
    cr_expect_eq(memcmp(ds.x, want, sizeof want), 0);
    latent_dataset_free(&ds);
    cr_assert_eq(load_text(dir, "1,2\n3,4", &ds, path), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(ds.n, 2);
    cr_expect_eq(ds.x[3], 4.0f);
    latent_dataset_free(&ds);
}

Test(csv, refusals_name_line_and_column)
{
    char dir[256], path[300];
    scratch_dir(dir);
    latent_dataset ds;
    latent_status st = load_text(dir, "x,y\n1,2\n3\n", &ds, path);
    expect_refusal(st, path, "line 3 has 1 columns but line 1 has 2");
    st = load_text(dir, "1,2\n3,nan\n", &ds, path);
    expect_refusal(st, path, "line 2, column 2: 'nan' is NaN");
    st = load_text(dir, "1,2\n-inf,4\n", &ds, path);
    expect_refusal(st, path, "line 2, column 1: '-inf' is infinite");
    st = load_text(dir, "1,2\n1e39,4\n", &ds, path);
    expect_refusal(st, path, "out of float32 range");
    st = load_text(dir, "1,2\n3,four\n", &ds, path);
    expect_refusal(st, path, "line 2, column 2: 'four' is not a number");
    st = load_text(dir, "1,,3\n", &ds, path);
    expect_refusal(st, path, "line 1, column 2");
    snprintf(path, 300, "%s/d.csv", dir);
    write_bytes(path, "1,2\n3,4\0,5\n", 11);
    expect_refusal(latent_dataset_load(path, &ds), path, "line 2 contains a NUL byte");
    st = load_text(dir, "1,2\n3,\x01\n", &ds, path);
    expect_refusal(st, path, "'?' is not a number");
    st = load_text(dir, "a,b\n", &ds, path);
    expect_refusal(st, path, "no data rows");
    st = load_text(dir, "", &ds, path);
    expect_refusal(st, path, "no data rows");
    cr_expect_null(ds.x);
}

Test(csv, gzip_members_and_trailing_garbage)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/d.csv.gz", dir);
    /* Two gzip members one after the other: the rows of both, in order. */
    for (int k = 0; k < 2; k++) {
        gzFile g = gzopen(path, k ? "ab" : "wb");
        gzputs(g, k ? "3,4\n" : "x,y\n1,2\n");
        gzclose(g);
    }
    latent_dataset ds;
    cr_assert_eq(latent_dataset_load(path, &ds), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(ds.n, 2);
    cr_expect_eq(ds.x[3], 4.0f);
    latent_dataset_free(&ds);
    FILE *f = fopen(path, "ab");
    fputs("garbage!", f);
    fclose(f);
    expect_refusal(latent_dataset_load(path, &ds), path, "gzip: corrupt data");
}
