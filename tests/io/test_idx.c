/* IDX files and the named datasets: Fashion-MNIST itself, MNIST-like folders, and refusals. */
#include <math.h>
#include <zlib.h>
#include "io_test.h"
#include "latent/dataset.h"

/* An IDX header (type, dims) followed by `n` data bytes. */
static size_t make_idx(unsigned char *out, int type, int ndim, const uint32_t *dims,
                       const unsigned char *data, size_t n)
{
    out[0] = out[1] = 0;
    out[2] = (unsigned char)type;
    out[3] = (unsigned char)ndim;
    for (int i = 0; i < ndim; i++)
        for (int b = 0; b < 4; b++) out[4 + 4 * i + b] = (unsigned char)(dims[i] >> (24 - 8 * b));
    memcpy(out + 4 + 4 * ndim, data, n);
    return 4 + 4 * (size_t)ndim + n;
}

static void write_gz(const char *path, const void *p, size_t n)
{
    gzFile g = gzopen(path, "wb");
    cr_assert_not_null(g);
    cr_assert_eq(gzwrite(g, p, (unsigned)n), (int)n);
    gzclose(g);
}

Test(idx, images_plain_and_gzip)
{
    char dir[256], path[300];
    scratch_dir(dir);
    unsigned char data[2 * 3 * 2], buf[128];
    for (int i = 0; i < 12; i++) data[i] = (unsigned char)(i * 20);
    size_t n = make_idx(buf, 8, 3, (uint32_t[]){2, 3, 2}, data, sizeof data);
    const char *names[2] = {"a-ubyte", "a.idx.gz"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        if (k) write_gz(path, buf, n);
        else write_bytes(path, buf, n);
        latent_dataset ds;
        cr_assert_eq(latent_dataset_load(path, &ds), LATENT_OK, "%s", latent_last_error());
        cr_expect_eq(ds.n, 2);
        cr_expect_eq(ds.d, 6);
        cr_expect_eq(ds.height, 3);
        cr_expect_eq(ds.width, 2);
        for (int i = 0; i < 12; i++) cr_expect_eq(ds.x[i], (float)data[i] / 255.0f);
        latent_dataset_free(&ds);
    }
}

Test(idx, refusals_name_the_file)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/bad-ubyte", dir);
    unsigned char data[64] = {0}, buf[256];
    latent_dataset ds;
    size_t n = make_idx(buf, 0x0D, 2, (uint32_t[]){2, 2}, data, 16);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "0x0D (float32) is not supported");
    n = make_idx(buf, 8, 3, (uint32_t[]){60000, 28, 28}, data, 64);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "needs 47040000 bytes but the file has 64");
    n = make_idx(buf, 8, 4, (uint32_t[]){0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff}, data, 8);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "overflows");
    n = make_idx(buf, 8, 2, (uint32_t[]){0, 5}, data, 0);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "dimension 0 is 0");
    n = make_idx(buf, 8, 9, (uint32_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, data, 1);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "9 dimensions");
    n = make_idx(buf, 8, 2, (uint32_t[]){2, 2}, data, 4);
    buf[1] = 7;
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "bad magic");
    buf[1] = 0;
    write_bytes(path, buf, 6);
    expect_refusal(latent_dataset_load(path, &ds), path, "truncated");
    /* gzip: a truncated stream, a trailer that disagrees, and data past the end. */
    n = make_idx(buf, 8, 2, (uint32_t[]){4, 4}, data, 16);
    snprintf(path, sizeof path, "%s/bad-ubyte.gz", dir);
    write_gz(path, buf, n);
    FILE *f = fopen(path, "rb");
    unsigned char gz[512];
    size_t gl = fread(gz, 1, sizeof gz, f);
    fclose(f);
    write_bytes(path, gz, gl - 6);
    expect_refusal(latent_dataset_load(path, &ds), path, "gzip");
    n = make_idx(buf, 8, 2, (uint32_t[]){4, 5}, data, 16);  /* header claims 20 bytes, 16 present */
    write_gz(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "gzip trailer");
    cr_expect_null(ds.x);
}

Test(idx, labels_from_idx)
{
    char dir[256], path[300], lp[300];
    scratch_dir(dir);
    unsigned char buf[64], data[3] = {7, 0, 9};
    snprintf(path, sizeof path, "%s/x-ubyte", dir);
    write_bytes(path, buf, make_idx(buf, 8, 2, (uint32_t[]){3, 1}, data, 3));
    snprintf(lp, sizeof lp, "%s/l-ubyte", dir);
    write_bytes(lp, buf, make_idx(buf, 8, 1, (uint32_t[]){3}, data, 3));
    latent_dataset ds;
    cr_assert_eq(latent_dataset_load(path, &ds), LATENT_OK);
    cr_assert_eq(latent_dataset_load_labels(&ds, lp), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(ds.labels[0], 7);
    cr_expect_eq(ds.labels[2], 9);
    /* Labels must be 1-D. */
    expect_refusal(latent_dataset_load_labels(&ds, path), path, "labels are 1-D");
    latent_dataset_free(&ds);
}

static double mean(const latent_dataset *ds)
{
    double s = 0;
    for (int64_t i = 0; i < ds->n * ds->d; i++) s += ds->x[i];
    return s / (double)(ds->n * ds->d);
}

Test(dataset, fashion_mnist_train_and_test)
{
    latent_dataset ds;
    cr_assert_eq(latent_dataset_load("fashion-mnist", &ds), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(ds.n, 60000);
    cr_expect_eq(ds.d, 784);
    cr_expect_eq(ds.height, 28);
    cr_expect_eq(ds.width, 28);
    cr_assert_not_null(ds.labels);
    cr_expect_eq(ds.labels[0], 9);
    int counts[10] = {0};
    for (int i = 0; i < ds.n; i++) {
        cr_assert(ds.labels[i] >= 0 && ds.labels[i] <= 9);
        counts[ds.labels[i]]++;
    }
    for (int c = 0; c < 10; c++) cr_expect_eq(counts[c], 6000);
    double m = mean(&ds);
    cr_expect(fabs(m - 0.2860) < 0.001, "pixel mean %f", m);
    cr_expect_str_eq(ds.source, "fashion-mnist");
    latent_dataset_free(&ds);
    cr_assert_eq(latent_dataset_load("fashion-mnist:test", &ds), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(ds.n, 10000);
    cr_expect_eq(ds.d, 784);
    cr_expect_eq(ds.labels[0], 9);  /* t10k's first item is an ankle boot too */
    latent_dataset_free(&ds);
}

Test(dataset, mnist_like_folder_gunzipped_equals_fashion_test)
{
    char dir[256], path[300], spec[300];
    scratch_dir(dir);
    const char *names[2] = {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int k = 0; k < 2; k++) {
        char src[300];
        snprintf(src, sizeof src, "/usr/share/datasets/fashion-mnist/%s.gz", names[k]);
        gzFile g = gzopen(src, "rb");
        cr_assert_not_null(g);
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        FILE *f = fopen(path, "wb");
        char b[65536];
        int r;
        while ((r = gzread(g, b, sizeof b)) > 0) fwrite(b, 1, (size_t)r, f);
        fclose(f);
        gzclose(g);
    }
    latent_dataset a, b;
    snprintf(spec, sizeof spec, "mnist-like:%s:test", dir);
    cr_assert_eq(latent_dataset_load(spec, &a), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(latent_dataset_load("fashion-mnist:test", &b), LATENT_OK);
    cr_assert_eq(a.n, b.n);
    cr_expect_eq(memcmp(a.x, b.x, (size_t)(a.n * a.d) * sizeof(float)), 0);
    cr_expect_eq(memcmp(a.labels, b.labels, (size_t)a.n * sizeof(int32_t)), 0);
    latent_dataset_free(&a);
    latent_dataset_free(&b);
    /* The train split is missing there: a clear error naming the folder. */
    snprintf(spec, sizeof spec, "mnist-like:%s", dir);
    cr_expect_eq(latent_dataset_load(spec, &a), LATENT_EIO);
    cr_expect(strstr(latent_last_error(), "train-images-idx3-ubyte") != NULL, "%s", latent_last_error());
}

Test(dataset, test_spec_and_unknown)
{
    char buf[256];
    cr_expect_eq(latent_dataset_test_spec("fashion-mnist", buf, sizeof buf), 1);
    cr_expect_str_eq(buf, "fashion-mnist:test");
    cr_expect_eq(latent_dataset_test_spec("mnist-like:/d", buf, sizeof buf), 1);
    cr_expect_str_eq(buf, "mnist-like:/d:test");
    cr_expect_eq(latent_dataset_test_spec("x.npy", buf, sizeof buf), 0);
    cr_expect_eq(latent_dataset_test_spec("fashion-mnist:test", buf, sizeof buf), 0);
    latent_dataset ds;
    cr_expect_eq(latent_dataset_load("x.parquet", &ds), LATENT_EINVAL);
    cr_expect_eq(latent_dataset_load("/nonexistent/x.npy", &ds), LATENT_EIO);
    cr_expect(strstr(latent_last_error(), "/nonexistent/x.npy") != NULL);
}
