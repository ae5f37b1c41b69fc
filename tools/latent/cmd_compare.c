/* latent compare: two model files (or two .npy arrays), e.g. written on an x86 and an ARM
 * machine: per tensor, how far apart they are; exit 0 within tolerance, 1 otherwise. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "jsonl.h"
#include "latent/compare.h"
#include "latent/io.h"
#include "options.h"

static int is_npy(const char *p)
{
    const size_t n = strlen(p);
    return n > 4 && strcmp(p + n - 4, ".npy") == 0;
}

/* Reads a .npy as one tensor named "array", or a safetensors file. */
static int read_file(const char *path, latent_safetensors *f, latent_array *npy, latent_tensor *one)
{
    memset(f, 0, sizeof *f);
    if (is_npy(path)) {
        if (latent_npy_read(path, npy)) return cli_error("compare", EXIT_FAIL, "%s", latent_last_error());
        *one = (latent_tensor){"array", *npy};
        f->tensors = one, f->n_tensors = 1;
        return 0;
    }
    if (latent_safetensors_read(path, f)) return cli_error("compare", EXIT_FAIL, "%s", latent_last_error());
    return 0;
}

static void shape_text(const latent_array *a, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < a->ndim && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%lld", i ? "," : "", (long long)a->shape[i]);
    if (at < size) snprintf(buf + at, size - at, "]");
}

/* What each file says of the machine that wrote it, when the two differ. */
static void machines(const latent_safetensors *a, const latent_safetensors *b, int json)
{
    static const char *const keys[] = {"cli.arch", "cli.isa", "cli.kernels", "cli.compiler",
                                       "cli.version", "cli.threads", "cli.ranks"};
    char ta[600] = "", tb[600] = "";
    int differ = 0;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *x = latent_safetensors_meta(a, keys[i]), *y = latent_safetensors_meta(b, keys[i]);
        if (!x && !y) continue;
        differ |= !x || !y || strcmp(x, y) != 0;
        const size_t la = strlen(ta), lb = strlen(tb);
        snprintf(ta + la, sizeof ta - la, "%s%s=%s", la ? " " : "", keys[i] + 4, x ? x : "?");
        snprintf(tb + lb, sizeof tb - lb, "%s%s=%s", lb ? " " : "", keys[i] + 4, y ? y : "?");
    }
    if (!differ) return;
    if (json) {
        jsonl j;
        jsonl_begin(&j, "machines");
        jsonl_str(&j, "a", ta);
        jsonl_str(&j, "b", tb);
        jsonl_end(&j);
    } else {
        printf("written on different machines or builds:\n  A: %s\n  B: %s\n", ta, tb);
    }
}

static void report(const char *name, const latent_array *a, const latent_array *b,
                   const latent_diff *d, int json)
{
    char sa[128], sb[128];
    shape_text(a, sa, sizeof sa);
    shape_text(b, sb, sizeof sb);
    if (json) {
        jsonl j;
        jsonl_begin(&j, "tensor");
        jsonl_str(&j, "name", name);
        jsonl_str(&j, "shape", sa);
        if (!d->same_shape) jsonl_str(&j, "shape_b", sb);
        jsonl_int(&j, "elements", d->n);
        jsonl_int(&j, "differ", d->n_diff);
        jsonl_int(&j, "outside", d->n_outside);
        jsonl_num(&j, "max_abs", d->max_abs);
        jsonl_num(&j, "max_rel", d->max_rel);
        jsonl_int(&j, "max_ulp", d->max_ulp);
        char hist[160];
        size_t at = 0;
        for (int k = 0; k < LATENT_ULP_BUCKETS; k++)
            at += (size_t)snprintf(hist + at, sizeof hist - at, "%s%lld", k ? "," : "", (long long)d->ulp_hist[k]);
        jsonl_str(&j, "ulp_histogram", hist);
        if (d->first >= 0) {
            jsonl_int(&j, "first", d->first);
            jsonl_num(&j, "first_a", d->first_a);
            jsonl_num(&j, "first_b", d->first_b);
        }
        jsonl_int(&j, "within", d->within);
        jsonl_end(&j);
        return;
    }
    if (!d->same_shape) {
        printf("%-32s shapes differ: %s against %s\n", name, sa, sb);
        return;
    }
    if (!d->n_diff) {
        printf("%-32s %s equal\n", name, sa);
        return;
    }
    printf("%-32s %s %lld of %lld differ, max abs %.3g, max rel %.3g, max ULP %lld; first at %lld: "
           "%.9g vs %.9g; ULPs 0|1|2-3|4-15|16-255|256-65535|more:", name, sa, (long long)d->n_diff,
           (long long)d->n, d->max_abs, d->max_rel, (long long)d->max_ulp, (long long)d->first,
           d->first_a, d->first_b);
    for (int k = 0; k < LATENT_ULP_BUCKETS; k++) printf("%s%lld", k ? "|" : " ", (long long)d->ulp_hist[k]);
    printf("%s\n", d->within ? "" : "  OUTSIDE");
}

int cmd_compare(int argc, char **argv)
{
    double rtol = 0, atol = 0;
    int json = 0;
    cli_option opts[] = {
        {"rtol", CLI_REAL, &rtol, 0, 1e6, NULL, "X", "relative tolerance: |a - b| <= atol + rtol |b| (0)", 0},
        {"atol", CLI_REAL, &atol, 0, 1e300, NULL, "X", "absolute tolerance (0; both 0: bit-equal)", 0},
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "JSON lines: one per tensor, then done", 0},
    };
    cli_command cmd = {"compare", "A B", "Compares two model files (safetensors) or two .npy arrays, "
                       "tensor by tensor (shape, max absolute and relative difference, ULP "
                       "histogram, first difference); exit 0 when every element is within "
                       "tolerance, 1 otherwise.", NULL, opts, sizeof opts / sizeof *opts, 2, 2, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (cli_parse_only) return EXIT_OK;
    const char *pa = cmd.pos[0], *pb = cmd.pos[1];
    if (is_npy(pa) != is_npy(pb))
        return cli_error("compare", EXIT_USAGE, "%s and %s: compare two model files or two .npy "
                         "arrays", pa, pb);
    latent_safetensors fa, fb;
    latent_array na = {0}, nb = {0};
    latent_tensor oa, ob;
    if (read_file(pa, &fa, &na, &oa)) return EXIT_FAIL;
    if (read_file(pb, &fb, &nb, &ob)) {
        if (!is_npy(pa)) latent_safetensors_free(&fa);
        latent_array_free(&na);
        return EXIT_FAIL;
    }
    if (!is_npy(pa)) machines(&fa, &fb, json);
    int tensors = 0, outside = 0, differ = 0, missing = 0;
    const char *first_bad = NULL;
    for (int i = 0; i < fa.n_tensors; i++) {
        const latent_tensor *ta = &fa.tensors[i];
        const latent_tensor *tb = is_npy(pa) ? &fb.tensors[0] : latent_safetensors_find(&fb, ta->name);
        tensors++;
        if (!tb) {
            missing++;
            if (!first_bad) first_bad = ta->name;
            if (json) {
                jsonl j;
                jsonl_begin(&j, "tensor");
                jsonl_str(&j, "name", ta->name);
                jsonl_str(&j, "missing_in", "b");
                jsonl_end(&j);
            } else {
                printf("%-32s only in %s\n", ta->name, pa);
            }
            continue;
        }
        latent_diff d;
        latent_compare_arrays(&ta->a, &tb->a, rtol, atol, &d);
        differ += d.n_diff > 0 || !d.same_shape;
        if (!d.within) {
            outside++;
            if (!first_bad) first_bad = ta->name;
        }
        report(ta->name, &ta->a, &tb->a, &d, json);
    }
    for (int i = 0; !is_npy(pb) && i < fb.n_tensors; i++)
        if (!latent_safetensors_find(&fa, fb.tensors[i].name)) {
            missing++, tensors++;
            if (!first_bad) first_bad = fb.tensors[i].name;
            if (json) {
                jsonl j;
                jsonl_begin(&j, "tensor");
                jsonl_str(&j, "name", fb.tensors[i].name);
                jsonl_str(&j, "missing_in", "a");
                jsonl_end(&j);
            } else {
                printf("%-32s only in %s\n", fb.tensors[i].name, pb);
            }
        }
    const int ok = !outside && !missing;
    char verdict[256];
    if (ok && !differ)
        snprintf(verdict, sizeof verdict, "equal: %d tensor%s bit for bit", tensors, tensors == 1 ? "" : "s");
    else if (ok)
        snprintf(verdict, sizeof verdict, "within tolerance: %d of %d tensors differ, all within rtol "
                 "%g atol %g", differ, tensors, rtol, atol);
    else
        snprintf(verdict, sizeof verdict, "DIFFERENT: %d of %d tensors outside rtol %g atol %g, %d "
                 "missing from one file (first: %s)", outside, tensors, rtol, atol, missing,
                 first_bad ? first_bad : "?");
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_int(&j, "tensors", tensors);
        jsonl_int(&j, "differ", differ);
        jsonl_int(&j, "outside", outside);
        jsonl_int(&j, "missing", missing);
        jsonl_int(&j, "within", ok);
        jsonl_str(&j, "verdict", verdict);
        jsonl_end(&j);
    } else {
        printf("%s\n", verdict);
    }
    if (!is_npy(pa)) latent_safetensors_free(&fa);
    if (!is_npy(pb)) latent_safetensors_free(&fb);
    latent_array_free(&na), latent_array_free(&nb);
    /* exit 1 says so on stderr in one line, as every failure does */
    return ok ? EXIT_OK : cli_error("compare", EXIT_FAIL, "%s and %s: %s", pa, pb, verdict);
}
