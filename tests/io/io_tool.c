/* Test helper for check_files.py: writes sample files of every format, or reads a safetensors
 * or .npy file and prints what it holds, so Python can compare against its own reading. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "latent/dataset.h"
#include "latent/io.h"

static int fail(void)
{
    fprintf(stderr, "%s\n", latent_last_error());
    return 1;
}

static double element(const latent_array *a, size_t i)
{
    switch (a->dtype) {
    case LATENT_F32: return ((const float *)a->data)[i];
    case LATENT_F64: return ((const double *)a->data)[i];
    case LATENT_I32: return ((const int32_t *)a->data)[i];
    case LATENT_I64: return (double)((const int64_t *)a->data)[i];
    case LATENT_U8: return ((const unsigned char *)a->data)[i];
    }
    return NAN;
}

static void print_array(const char *name, const latent_array *a)
{
    static const char *names[] = {"F32", "F64", "I32", "I64", "U8"};
    size_t n = a->nbytes / latent_dtype_size(a->dtype);
    double sum = 0, wsum = 0;
    for (size_t i = 0; i < n; i++) sum += element(a, i), wsum += element(a, i) * (double)(i % 7 + 1);
    printf("%s %s [", name, names[a->dtype]);
    for (int d = 0; d < a->ndim; d++) printf("%s%lld", d ? "," : "", (long long)a->shape[d]);
    printf("] %.17g %.17g\n", sum, wsum);
}

static int write_all(const char *dir)
{
    char p[4096];
    float w[12], codes[12];
    double b[3] = {0.5, -0.25, 1e-3};
    int32_t l32[5] = {0, 9, 3, 3, 1};
    int64_t l64[5] = {5, 4, 3, 2, 1}, step = 42;
    unsigned char u8[4] = {0, 1, 128, 255};
    for (int i = 0; i < 12; i++) w[i] = (float)i * 0.5f - 2.0f, codes[i] = (float)i / 12.0f;
    latent_tensor t[5] = {{"encoder.0.weight", {LATENT_F32, 2, {3, 4}, w, 0}},
                          {"encoder.0.bias", {LATENT_F64, 1, {3}, b, 0}},
                          {"labels", {LATENT_I32, 1, {5}, l32, 0}},
                          {"step", {LATENT_I64, 0, {0}, &step, 0}},
                          {"pixels", {LATENT_U8, 2, {2, 2}, u8, 0}}};
    latent_meta meta[2] = {{"kind", "ae"}, {"config", "{\"layers\":[4,3]}"}};
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    if (latent_safetensors_write(p, t, 5, meta, 2)) return fail();
    snprintf(p, sizeof p, "%s/codes.npy", dir);
    if (latent_npy_write(p, LATENT_F32, 2, (int64_t[]){4, 3}, codes)) return fail();
    snprintf(p, sizeof p, "%s/labels.npy", dir);
    if (latent_npy_write(p, LATENT_I32, 1, (int64_t[]){5}, l32)) return fail();
    snprintf(p, sizeof p, "%s/labels64.npy", dir);
    if (latent_npy_write(p, LATENT_I64, 1, (int64_t[]){5}, l64)) return fail();
    float img[6 * 4 * 5];
    for (int i = 0; i < 6 * 4 * 5; i++) img[i] = (float)(i % 20) / 19.0f;
    snprintf(p, sizeof p, "%s/grid.png", dir);
    if (latent_png_write_grid(p, img, 6, 4, 5, 3, 0, 1)) return fail();
    double loss[5] = {1, 0.5, 0.3, 0.25, 0.22};
    latent_curve c = {"train", loss, 5};
    snprintf(p, sizeof p, "%s/loss.png", dir);
    if (latent_png_write_plot(p, &c, 1, "loss", 400, 300)) return fail();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "write") == 0) return write_all(argv[2]);
    if (argc == 3 && strcmp(argv[1], "read-safetensors") == 0) {
        latent_safetensors f;
        if (latent_safetensors_read(argv[2], &f)) return fail();
        for (int i = 0; i < f.n_tensors; i++) print_array(f.tensors[i].name, &f.tensors[i].a);
        for (int i = 0; i < f.n_meta; i++) printf("meta %s=%s\n", f.meta[i].key, f.meta[i].value);
        latent_safetensors_free(&f);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "read-npy") == 0) {
        latent_array a;
        if (latent_npy_read(argv[2], &a)) return fail();
        print_array("array", &a);
        latent_array_free(&a);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "read-data") == 0) {
        latent_dataset ds;
        if (latent_dataset_load(argv[2], &ds)) return fail();
        latent_array a = {LATENT_F32, 2, {ds.n, ds.d}, ds.x, (size_t)(ds.n * ds.d) * 4};
        print_array("data", &a);
        latent_dataset_free(&ds);
        return 0;
    }
    fprintf(stderr, "usage: io_tool write DIR | read-safetensors F | read-npy F | read-data SPEC\n");
    return 2;
}
