/* .npy: round trips, numpy's variants (v2, 16-byte alignment, big-endian, Fortran order), refusals. */
#include <math.h>
#include "io_test.h"
#include "latent/dataset.h"
#include "latent/io.h"
#include "latent/memory.h"

/* A hand-made .npy: preamble of the given version, the dict padded to `align`, then data. */
static size_t make_npy(unsigned char *out, int version, const char *dict, size_t align,
                       const void *data, size_t n)
{
    size_t pre = version == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = (pre + dl + 1 + align - 1) / align * align, hl = total - pre;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)version;
    out[7] = 0;
    for (size_t i = 0; i < pre - 8; i++) out[8 + i] = (unsigned char)(hl >> (8 * i));
    memcpy(out + pre, dict, dl);
    memset(out + pre + dl, ' ', hl - dl - 1);
    out[total - 1] = '\n';
    memcpy(out + total, data, n);
    return total + n;
}

Test(npy, float32_2d_round_trip_and_alignment)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/a.npy", dir);
    float x[12];
    for (int i = 0; i < 12; i++) x[i] = (float)i * 0.25f - 1.0f;
    cr_assert_eq(latent_npy_write(path, LATENT_F32, 2, (int64_t[]){3, 4}, x), LATENT_OK);
    FILE *f = fopen(path, "rb");
    unsigned char head[10];
    cr_assert_eq(fread(head, 1, 10, f), 10u);
    fclose(f);
    cr_expect_eq((10 + (head[8] | head[9] << 8)) % 64, 0);
    latent_array a;
    cr_assert_eq(latent_npy_read(path, &a), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(a.dtype, LATENT_F32);
    cr_expect_eq(a.ndim, 2);
    cr_expect_eq(a.shape[0], 3);
    cr_expect_eq(a.shape[1], 4);
    cr_expect_eq(memcmp(a.data, x, sizeof x), 0);
    latent_array_free(&a);
    latent_dataset ds;
    cr_assert_eq(latent_dataset_load(path, &ds), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(ds.n, 3);
    cr_expect_eq(ds.d, 4);
    cr_expect_eq(memcmp(ds.x, x, sizeof x), 0);
    latent_dataset_free(&ds);
}

Test(npy, labels_round_trip_int32_int64)
{
    char dir[256], path[300], lp[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/x.npy", dir);
    float x[5] = {1, 2, 3, 4, 5};
    cr_assert_eq(latent_npy_write(path, LATENT_F32, 2, (int64_t[]){5, 1}, x), LATENT_OK);
    int32_t l32[5] = {3, 1, 4, 1, 5};
    int64_t l64[5] = {9, 2, 6, 5, 3};
    latent_dataset ds;
    cr_assert_eq(latent_dataset_load(path, &ds), LATENT_OK);
    snprintf(lp, sizeof lp, "%s/l32.npy", dir);
    cr_assert_eq(latent_npy_write(lp, LATENT_I32, 1, (int64_t[]){5}, l32), LATENT_OK);
    cr_assert_eq(latent_dataset_load_labels(&ds, lp), LATENT_OK, "%s", latent_last_error());
    for (int i = 0; i < 5; i++) cr_expect_eq(ds.labels[i], l32[i]);
    snprintf(lp, sizeof lp, "%s/l64.npy", dir);
    cr_assert_eq(latent_npy_write(lp, LATENT_I64, 1, (int64_t[]){5}, l64), LATENT_OK);
    cr_assert_eq(latent_dataset_load_labels(&ds, lp), LATENT_OK, "%s", latent_last_error());
    for (int i = 0; i < 5; i++) cr_expect_eq(ds.labels[i], (int32_t)l64[i]);
    /* A count that differs from the rows is refused. */
    cr_assert_eq(latent_npy_write(lp, LATENT_I64, 1, (int64_t[]){4}, l64), LATENT_OK);
    expect_refusal(latent_dataset_load_labels(&ds, lp), lp, "4 labels for 5 rows");
    /* Negative labels are refused. */
    l64[2] = -1;
    cr_assert_eq(latent_npy_write(lp, LATENT_I64, 1, (int64_t[]){5}, l64), LATENT_OK);
    expect_refusal(latent_dataset_load_labels(&ds, lp), lp, "is -1");
    latent_dataset_free(&ds);
}

Test(npy, uint8_scaled_and_float64_converted)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/u.npy", dir);
    unsigned char u[6] = {0, 51, 102, 153, 204, 255};
    cr_assert_eq(latent_npy_write(path, LATENT_U8, 2, (int64_t[]){2, 3}, u), LATENT_OK);
    latent_dataset ds;
    cr_assert_eq(latent_dataset_load(path, &ds), LATENT_OK);
    for (int i = 0; i < 6; i++) cr_expect_eq(ds.x[i], (float)u[i] / 255.0f);
    latent_dataset_free(&ds);
    double d[6] = {0.1, -2.5, 3e10, 1e-3, 7, 8};
    cr_assert_eq(latent_npy_write(path, LATENT_F64, 2, (int64_t[]){3, 2}, d), LATENT_OK);
    cr_assert_eq(latent_dataset_load(path, &ds), LATENT_OK);
    for (int i = 0; i < 6; i++) cr_expect_eq(ds.x[i], (float)d[i]);
    latent_dataset_free(&ds);
    /* 3-D images flatten to rows and keep their shape. */
    unsigned char img[2 * 2 * 3] = {0};
    cr_assert_eq(latent_npy_write(path, LATENT_U8, 3, (int64_t[]){2, 2, 3}, img), LATENT_OK);
    cr_assert_eq(latent_dataset_load(path, &ds), LATENT_OK);
    cr_expect_eq(ds.n, 2);
    cr_expect_eq(ds.d, 6);
    cr_expect_eq(ds.height, 2);
    cr_expect_eq(ds.width, 3);
    latent_dataset_free(&ds);
}

Test(npy, version2_align16_bigendian_fortran)
{
    unsigned char buf[512];
    float v[6] = {1, 2, 3, 4, 5, 6};
    /* Fortran order: stored column by column, so (2, 3) reads back as [[1,3,5],[2,4,6]]. */
    size_t n = make_npy(buf, 2, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 16, v, sizeof v);
    latent_array a;
    cr_assert_eq(latent_npy_read_mem("f.npy", buf, n, &a), LATENT_OK, "%s", latent_last_error());
    float want[6] = {1, 3, 5, 2, 4, 6};
    cr_expect_eq(memcmp(a.data, want, sizeof want), 0);
    latent_array_free(&a);
    /* Big-endian float64 is byte-swapped. */
    unsigned char be[16];
    double d[2] = {1.5, -3.25};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 8; i++) be[k * 8 + i] = ((unsigned char *)&d[k])[7 - i];
    n = make_npy(buf, 3, "{\"descr\": \">f8\", \"fortran_order\": False, \"shape\": (2,)}", 16, be, 16);
    cr_assert_eq(latent_npy_read_mem("b.npy", buf, n, &a), LATENT_OK, "%s", latent_last_error());
    cr_expect_eq(((double *)a.data)[0], 1.5);
    cr_expect_eq(((double *)a.data)[1], -3.25);
    latent_array_free(&a);
}

Test(npy, refusals_name_the_file)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/bad.npy", dir);
    unsigned char buf[512];
    float v[4] = {0};
    latent_dataset ds;
    size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }", 64, v, sizeof v);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "shape (60000, 784) needs 188160000 bytes but the file has 16");
    cr_expect_null(ds.x);
    n = make_npy(buf, 1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 64, v, 16);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "object dtype");
    n = make_npy(buf, 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 64, v, 8);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "structured");
    n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", 64, v, 8);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "overflows");
    n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), 'x': 1}", 64, v, 8);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "unexpected key 'x'");
    n = make_npy(buf, 1, "{'descr': '<f4', 'shape': (1, 2)}", 64, v, 8);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "missing key 'fortran_order'");
    n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 64, v, 16);
    write_bytes(path, buf, n - 3);
    expect_refusal(latent_dataset_load(path, &ds), path, "needs 16 bytes but the file has 13");
    write_bytes(path, buf, n + 1);  /* one byte too many */
    expect_refusal(latent_dataset_load(path, &ds), path, "needs 16 bytes but the file has 17");
    n = make_npy(buf, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", 64, v, 16);
    write_bytes(path, buf, n);
    latent_array arr;
    expect_refusal(latent_npy_read(path, &arr), path, "shape (5,) needs 40 bytes but the file has 16");
    n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 64, v, 16);
    buf[0] = 'X';
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "bad magic");
    /* A v2 header length of 4 GB is capped before anything is allocated. */
    memcpy(buf, "\x93NUMPY\x02\x00\xff\xff\xff\xff", 12);
    write_bytes(path, buf, 40);
    expect_refusal(latent_dataset_load(path, &ds), path, "exceeds");
    /* NaN in float data. */
    v[2] = NAN;
    n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 64, v, 16);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "row 1, column 0 is NaN");
    n = make_npy(buf, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", 64, v, 16);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "float32, float64 or uint8");
    n = make_npy(buf, 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", 64, v, 8);
    write_bytes(path, buf, n);
    expect_refusal(latent_dataset_load(path, &ds), path, "not supported");
}
