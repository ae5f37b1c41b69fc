/* safetensors: round trips with metadata, every header corruption refused, kill -9 safety. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "io_test.h"
#include "latent/io.h"
#include "src/io/json.h"

/* A file of 8-byte length + header text + `data` bytes of zeros. */
static void write_st(const char *path, const char *header, size_t data)
{
    size_t h = strlen(header);
    unsigned char *b = calloc(1, 8 + h + data);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(b + 8, header, h);
    write_bytes(path, b, 8 + h + data);
    free(b);
}

Test(safetensors, round_trip_all_dtypes_and_metadata)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    float w[6] = {1, -2, 3.5f, 4, 5, 6};
    double b64[2] = {0.25, -1e300};
    int64_t steps[1] = {1234567890123LL};
    int32_t i32[3] = {-1, 0, 7};
    unsigned char u8[5] = {1, 2, 3, 4, 250};
    latent_tensor t[5] = {
        {"encoder.0.weight", {LATENT_F32, 2, {2, 3}, w, 0}},
        {"encoder.0.bias", {LATENT_F64, 1, {2}, b64, 0}},
        {"state.step", {LATENT_I64, 0, {0}, steps, 0}},
        {"q\"uote\\d", {LATENT_I32, 1, {3}, i32, 0}},
        {"bytes", {LATENT_U8, 2, {5, 1}, u8, 0}}};
    latent_meta meta[2] = {{"kind", "ae"}, {"config", "{\"layers\": [784, 32]}\n\ttab"}};
    cr_assert_eq(latent_safetensors_write(path, t, 5, meta, 2), LATENT_OK, "%s", latent_last_error());
    FILE *f = fopen(path, "rb");
    unsigned char len8[8];
    cr_assert_eq(fread(len8, 1, 8, f), 8u);
    fclose(f);
    cr_expect_eq(len8[0] % 8, 0);  /* the data starts 8-byte aligned */
    latent_safetensors r;
    cr_assert_eq(latent_safetensors_read(path, &r), LATENT_OK, "%s", latent_last_error());
    cr_assert_eq(r.n_tensors, 5);
    for (int i = 0; i < 5; i++) {
        const latent_tensor *x = latent_safetensors_find(&r, t[i].name);
        cr_assert_not_null(x, "%s", t[i].name);
        cr_expect_eq(x->a.dtype, t[i].a.dtype);
        cr_expect_eq(x->a.ndim, t[i].a.ndim);
        for (int d = 0; d < x->a.ndim; d++) cr_expect_eq(x->a.shape[d], t[i].a.shape[d]);
        cr_expect_eq(memcmp(x->a.data, t[i].a.data, x->a.nbytes), 0);
        cr_expect_eq((uintptr_t)x->a.data % 64, 0);
    }
    cr_expect_str_eq(latent_safetensors_meta(&r, "kind"), "ae");
    cr_expect_str_eq(latent_safetensors_meta(&r, "config"), meta[1].value);
    cr_expect_null(latent_safetensors_meta(&r, "nope"));
    latent_safetensors_free(&r);
    char tmp[320];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    cr_expect_neq(access(tmp, F_OK), 0, "the temporary file was left behind");
}

Test(safetensors, header_refusals)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/bad.safetensors", dir);
    latent_safetensors r;
    const struct { const char *header; size_t data; const char *needle; } cases[] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, "a gap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "a gap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4, "non-negative"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes but data_offsets span 8"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "needs 8 bytes but the file has 4"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 5, "needs 4 bytes but the file has 5"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "overflows"},
        {"{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2, "'BF16' is not supported"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "appears twice"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],}}", 4, "header JSON"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "exactly dtype, shape and data_offsets"},
        {"{\"__metadata__\":{\"k\":1}}", 0, "not a string"},
        {"[1,2]", 0, "does not start with '{'"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551620]}}", 4, "non-negative"},
        {"{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "control character 0x0a"},
        {"{\"__metadata__\":{\"k\\n\":\"1\",\"k\\n\":\"2\"}}", 0, "metadata key 'k?' appears twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_st(path, cases[i].header, cases[i].data);
        expect_refusal(latent_safetensors_read(path, &r), path, cases[i].needle);
        cr_expect_null(r.tensors);
    }
    /* A header length of 2^62, and one past the end of a small file. */
    unsigned char b[16] = {0, 0, 0, 0, 0, 0, 0, 0x40, '{', '}'};
    write_bytes(path, b, 10);
    expect_refusal(latent_safetensors_read(path, &r), path, "exceeds the 100 MB cap");
    b[7] = 0, b[0] = 200;
    write_bytes(path, b, 10);
    expect_refusal(latent_safetensors_read(path, &r), path, "header length 200 but the file has 2");
    write_bytes(path, b, 5);
    expect_refusal(latent_safetensors_read(path, &r), path, "truncated");
}

static latent_status parse(const char *s)
{
    latent_json_doc d;
    latent_status st = latent_json_parse("t.json", s, strlen(s), &d);
    if (st == LATENT_OK) latent_json_free(&d);
    return st;
}

Test(json, strict_grammar)
{
    const char *good[] = {"{}", " [ ] ", "{\"a\":[1,-0,2.5e-3,true,false,null,\"\\u00e9\\ud83d\\ude00\"]}",
                          "\"caf\xc3\xa9\"", "-9223372036854775808"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_expect_eq(parse(good[i]), LATENT_OK, "%s: %s", good[i], latent_last_error());
    const char *badj[] = {"{,}", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "\"\\x\"", "\"a\tb\"",
                          "\"\\ud800\"", "\"\\u0000\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "tru",
                          "{\"a\" 1}", "[1] [2]", "'a'", "NaN", "", "{\"a\":1"};
    for (size_t i = 0; i < sizeof badj / sizeof *badj; i++) {
        cr_expect_eq(parse(badj[i]), LATENT_EFORMAT, "accepted: %s", badj[i]);
        cr_expect(strncmp(latent_last_error(), "t.json: header JSON", 19) == 0, "%s", latent_last_error());
    }
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[199] = 0;
    cr_expect_eq(parse(deep), LATENT_EFORMAT);
    latent_json_doc d;
    const char *s = "{\"n\":18446744073709551615,\"m\":9223372036854775807}";
    cr_assert_eq(latent_json_parse("t", s, strlen(s), &d), LATENT_OK);
    cr_expect_eq(latent_json_get(&d, &d.nodes[0], "n")->is_int, 0);
    cr_expect_eq(latent_json_get(&d, &d.nodes[0], "m")->integer, INT64_MAX);
    latent_json_free(&d);
}

/* A child rewrites the file again and again (each version's tensor filled with its number);
 * killed at a random moment, the file must still read whole and uniform. */
Test(safetensors, kill_9_leaves_a_whole_file)
{
    char dir[256], path[300];
    scratch_dir(dir);
    snprintf(path, sizeof path, "%s/ckpt.safetensors", dir);
    enum { N = 1 << 18 };
    float *w = malloc(N * sizeof *w);
    for (int i = 0; i < N; i++) w[i] = 0;
    latent_tensor t = {"w", {LATENT_F32, 1, {N}, w, 0}};
    cr_assert_eq(latent_safetensors_write(path, &t, 1, NULL, 0), LATENT_OK);
    srand((unsigned)time(NULL));
    for (int round = 0; round < 20; round++) {
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
            for (int v = 1;; v++) {
                for (int i = 0; i < N; i++) w[i] = (float)v;
                latent_safetensors_write(path, &t, 1, NULL, 0);
            }
        }
        usleep((useconds_t)(2000 + rand() % 30000));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        latent_safetensors r;
        cr_assert_eq(latent_safetensors_read(path, &r), LATENT_OK, "round %d: %s", round, latent_last_error());
        const float *x = r.tensors[0].a.data;
        for (int i = 1; i < N; i++) cr_assert_eq(x[i], x[0], "round %d: mixed versions", round);
        latent_safetensors_free(&r);
    }
    free(w);
}
