/* What --data names, turned into one float32 matrix: Fashion-MNIST, MNIST-like folders, files. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "latent/memory.h"
#include "src/io/readers.h"

/* Debian's dataset-fashion-mnist; LATENT_FASHION_MNIST_DIR overrides it (a copy elsewhere). */
#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

latent_status latent_dataset_alloc(latent_dataset *ds, int64_t n, int64_t d, const char *name)
{
    if (n <= 0 || d <= 0)
        return latent_fail(LATENT_EFORMAT, "%s: %lld rows x %lld features: empty", name,
                           (long long)n, (long long)d);
    uint64_t count;
    if (!latent_mul_ok((size_t)n, (size_t)d, &count) || count > SIZE_MAX / sizeof(float))
        return latent_fail(LATENT_ENOMEM, "%s: %lld x %lld floats overflow", name, (long long)n,
                           (long long)d);
    uint64_t mem = latent_physical_memory();
    if (mem && count > mem / sizeof(float))
        return latent_fail(LATENT_ENOMEM, "%s: %lld x %lld floats need %.1f GiB but this machine "
                           "has %.1f GiB of memory", name, (long long)n, (long long)d,
                           (double)count * 4 / 1073741824.0, (double)mem / 1073741824.0);
    ds->x = latent_alloc(count ? (size_t)count : 1, sizeof(float), name);
    if (!ds->x) return LATENT_ENOMEM;
    ds->n = n;
    ds->d = d;
    ds->row0 = 0;
    ds->n_total = n;
    return LATENT_OK;
}

latent_status latent_dataset_alloc_rows(latent_dataset *ds, int64_t n, int64_t d,
                                        const latent_rows *keep, const char *name)
{
    if (!keep) return latent_dataset_alloc(ds, n, d, name);
    if (n <= 0 || d <= 0)
        return latent_fail(LATENT_EFORMAT, "%s: %lld rows x %lld features: empty", name,
                           (long long)n, (long long)d);
    int64_t r0 = 0, rows = n;
    keep->pick(n, d, keep->user, &r0, &rows);
    if (r0 < 0 || rows < 0 || r0 > n || rows > n - r0)
        return latent_fail(LATENT_EINVAL, "%s: rows %lld..%lld asked of %lld", name,
                           (long long)r0, (long long)(r0 + rows), (long long)n);
    /* a share of no rows still gets a (one-row) buffer: callers need not test for NULL */
    latent_status st = latent_dataset_alloc(ds, rows ? rows : 1, d, name);
    if (st != LATENT_OK) return st;
    ds->n = rows;
    ds->row0 = r0;
    ds->n_total = n;
    return LATENT_OK;
}

void latent_dataset_free(latent_dataset *ds)
{
    latent_free(ds->x);
    latent_free(ds->labels);
    memset(ds, 0, sizeof *ds);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

typedef enum { FMT_UNKNOWN, FMT_NPY, FMT_CSV, FMT_IDX } file_format;

static file_format format_of(const char *path)
{
    char base[4096];
    snprintf(base, sizeof base, "%s", path);
    if (ends_with(base, ".gz")) base[strlen(base) - 3] = 0;
    if (ends_with(base, ".npy")) return FMT_NPY;
    if (ends_with(base, ".csv")) return FMT_CSV;
    if (ends_with(base, "-ubyte") || ends_with(base, ".idx")) return FMT_IDX;
    return FMT_UNKNOWN;
}

/* Opens `path` and runs one reader on it; the stream is large (its inflate buffer), so heap. */
typedef latent_status (*data_reader)(latent_stream *, latent_dataset *, const latent_rows *);

static latent_status read_file(const char *path, data_reader reader, latent_dataset *ds,
                               const latent_rows *keep)
{
    latent_stream *s = malloc(sizeof *s);
    if (!s) return latent_fail(LATENT_ENOMEM, "%s: out of memory", path);
    latent_status st = latent_stream_open_file(s, path);
    if (st == LATENT_OK) {
        st = reader(s, ds, keep);
        latent_stream_close(s);
    }
    free(s);
    return st;
}

static latent_status read_labels(const char *path, int32_t **labels, int64_t *n)
{
    latent_stream *s = malloc(sizeof *s);
    if (!s) return latent_fail(LATENT_ENOMEM, "%s: out of memory", path);
    latent_status st = latent_stream_open_file(s, path);
    if (st == LATENT_OK) {
        st = format_of(path) == FMT_NPY ? latent_npy_load_labels(s, labels, n)
                                        : latent_idx_load_labels(s, labels, n);
        latent_stream_close(s);
    }
    free(s);
    return st;
}

latent_status latent_dataset_load_labels(latent_dataset *ds, const char *path)
{
    int32_t *labels = NULL;
    int64_t n = 0;
    latent_status st = read_labels(path, &labels, &n);
    if (st != LATENT_OK) return st;
    const int64_t rows = ds->n_total ? ds->n_total : ds->n;
    if (n != rows) {
        latent_free(labels);
        return latent_fail(LATENT_EFORMAT, "%s: %lld labels for %lld rows of %s", path,
                           (long long)n, (long long)rows, ds->source);
    }
    latent_free(ds->labels);
    ds->labels = labels;
    return LATENT_OK;
}

/* The first of DIR/NAME.gz and DIR/NAME that exists, into out. */
static latent_status find_file(const char *dir, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s.gz", dir, name);
    if (access(out, R_OK) == 0) return LATENT_OK;
    snprintf(out, size, "%s/%s", dir, name);
    if (access(out, R_OK) == 0) return LATENT_OK;
    return latent_fail(LATENT_EIO, "%s: no %s or %s.gz there", dir, name, name);
}

static latent_status load_split(const char *dir, int test, latent_dataset *ds,
                                const latent_rows *keep)
{
    const char *split = test ? "t10k" : "train";
    char name[64], images[4200], labels[4200];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", split);
    latent_status st = find_file(dir, name, images, sizeof images);
    if (st != LATENT_OK) return st;
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", split);
    if ((st = find_file(dir, name, labels, sizeof labels)) != LATENT_OK) return st;
    if ((st = read_file(images, latent_idx_load_data, ds, keep)) != LATENT_OK) return st;
    return latent_dataset_load_labels(ds, labels);
}

/* Splits "mnist-like:DIR[:test]" into DIR and the test flag. */
static int strip_test(const char *rest, char *dir, size_t size)
{
    snprintf(dir, size, "%s", rest);
    if (ends_with(dir, ":test")) {
        dir[strlen(dir) - 5] = 0;
        return 1;
    }
    return 0;
}

static latent_status load(const char *spec, const latent_rows *keep, latent_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (!spec || !*spec) return latent_fail(LATENT_EINVAL, "--data: empty dataset name");
    snprintf(out->source, sizeof out->source, "%s", spec);
    latent_status st;
    const char *fm = getenv("LATENT_FASHION_MNIST_DIR");
    char dir[4096];
    if (strcmp(spec, "fashion-mnist") == 0 || strcmp(spec, "fashion-mnist:test") == 0) {
        st = load_split(fm && *fm ? fm : FASHION_MNIST_DIR, spec[13] == ':', out, keep);
    } else if (strncmp(spec, "mnist-like:", 11) == 0) {
        int test = strip_test(spec + 11, dir, sizeof dir);
        st = *dir ? load_split(dir, test, out, keep)
                  : latent_fail(LATENT_EINVAL, "%s: mnist-like needs a folder (mnist-like:DIR)", spec);
    } else {
        switch (format_of(spec)) {
        case FMT_NPY: st = read_file(spec, latent_npy_load_data, out, keep); break;
        case FMT_CSV: st = read_file(spec, latent_csv_load_data, out, keep); break;
        case FMT_IDX: st = read_file(spec, latent_idx_load_data, out, keep); break;
        default:
            st = latent_fail(LATENT_EINVAL, "%s: unknown dataset (fashion-mnist, mnist-like:DIR, or a "
                             ".npy, .csv or IDX file, optionally .gz)", spec);
        }
    }
    if (st != LATENT_OK) {
        latent_dataset_free(out);
        return st;
    }
    return LATENT_OK;
}

latent_status latent_dataset_load(const char *spec, latent_dataset *out)
{
    return load(spec, NULL, out);
}

latent_status latent_dataset_load_rows(const char *spec, latent_rows_fn pick, void *user,
                                       latent_dataset *out)
{
    if (!pick) return latent_fail(LATENT_EINVAL, "%s: no row choice given", spec ? spec : "--data");
    latent_rows keep = {pick, user};
    return load(spec, &keep, out);
}

int latent_dataset_test_spec(const char *spec, char *buf, size_t size)
{
    int n;
    if (strcmp(spec, "fashion-mnist") == 0)
        n = snprintf(buf, size, "fashion-mnist:test");
    else if (strncmp(spec, "mnist-like:", 11) == 0 && !ends_with(spec, ":test"))
        n = snprintf(buf, size, "%s:test", spec);
    else
        n = -1;
    if (n < 0 || (size_t)n >= size) {
        if (size) buf[0] = 0;
        return 0;
    }
    return 1;
}
