/* The counter-based generator: reproducible by coordinates, and statistically sound. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "latent/isa.h"
#include "latent/rng.h"
#include "simd/kernels.h"
#include "simd/portable_math.h"

Test(rng, same_coordinates_same_stream)
{
    latent_rng a, b;
    latent_rng_init(&a, 42, LATENT_STREAM_NOISE, 7, 3);
    latent_rng_init(&b, 42, LATENT_STREAM_NOISE, 7, 3);
    for (int i = 0; i < 100; i++) cr_expect_eq(latent_rng_u32(&a), latent_rng_u32(&b));
    latent_rng_init(&b, 42, LATENT_STREAM_NOISE, 7, 4);
    latent_rng_init(&a, 42, LATENT_STREAM_NOISE, 7, 3);
    int same = 0;
    for (int i = 0; i < 100; i++) same += latent_rng_u32(&a) == latent_rng_u32(&b);
    cr_expect_lt(same, 3);
}

Test(rng, philox_known_answer)
{
    /* Random123's known-answer test for philox4x32-10 with zero key and counter is
     * 6627e8d5 e169c58d bc57ac4c 9b00dbd8; our stream (seed 0, stream 0, a 0, b 0) starts there. */
    latent_rng r;
    latent_rng_init(&r, 0, 0, 0, 0);
    cr_expect_eq(latent_rng_u32(&r), 0x6627e8d5u);
    cr_expect_eq(latent_rng_u32(&r), 0xe169c58du);
    cr_expect_eq(latent_rng_u32(&r), 0xbc57ac4cu);
    cr_expect_eq(latent_rng_u32(&r), 0x9b00dbd8u);
}

Test(rng, uniform_and_normal_moments)
{
    latent_rng r;
    latent_rng_init(&r, 1, LATENT_STREAM_USER, 0, 0);
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0;
    for (int i = 0; i < n; i++) {
        float u = latent_rng_uniform(&r);
        cr_assert(u >= 0.0f && u < 1.0f);
        su += u;
        float z = latent_rng_normal(&r);
        sn += z;
        sn2 += (double)z * z;
    }
    cr_expect(fabs(su / n - 0.5) < 0.005, "uniform mean %f", su / n);
    cr_expect(fabs(sn / n) < 0.01, "normal mean %f", sn / n);
    cr_expect(fabs(sn2 / n - 1.0) < 0.015, "normal variance %f", sn2 / n);
}

Test(rng, permutation_is_a_permutation)
{
    latent_rng r;
    latent_rng_init(&r, 5, LATENT_STREAM_SHUFFLE, 0, 0);
    int64_t p[1000];
    int seen[1000] = {0};
    latent_rng_permutation(&r, 1000, p);
    for (int i = 0; i < 1000; i++) seen[p[i]]++;
    for (int i = 0; i < 1000; i++) cr_expect_eq(seen[i], 1);
}

/* Filling many words at once gives the stream word by word, from any position in a block and
 * across the 2^32 wrap of the block counter. */
Test(rng, fill_equals_word_by_word)
{
    const int64_t lens[] = {0, 1, 3, 8, 9, 16, 17, 32, 33, 63, 64, 65, 200, 1000};
    for (int skip = 0; skip < 6; skip++)
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            latent_rng a, b;
            latent_rng_init(&a, 99, LATENT_STREAM_USER + 5, 7, 3);
            if (skip == 5) a.ctr[0] = 0xFFFFFFF8u; /* the counter wraps inside the fill */
            b = a;
            for (int k = 0; k < skip % 5; k++) latent_rng_u32(&a), latent_rng_u32(&b);
            uint32_t got[1000];
            latent_rng_fill_u32(&a, lens[li], got);
            for (int64_t i = 0; i < lens[li]; i++)
                cr_assert_eq(got[i], latent_rng_u32(&b), "skip %d, length %lld: word %lld", skip,
                             (long long)lens[li], (long long)i);
            cr_assert_eq(latent_rng_u32(&a), latent_rng_u32(&b), "the stream goes on alike");
        }
}

/* Many normals or uniforms at once give the one-by-one draws: the same floats (bit for bit) and
 * the same stream after, from any word of a block and with a Box-Muller spare pending or not. */
Test(rng, normals_and_uniforms_equal_one_by_one)
{
    const int64_t lens[] = {0, 1, 2, 3, 64, 127, 128, 129, 300, 1000};
    for (int start = 0; start < 4; start++)
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)
            for (int uni = 0; uni < 2; uni++) {
                latent_rng a, b;
                latent_rng_init(&a, 5, LATENT_STREAM_NOISE, 11, (uint32_t)li);
                /* start 1-2: part of a block drawn; 3: a normal drawn, its pair's spare pending */
                for (int k = 0; k < start && start < 3; k++) latent_rng_u32(&a);
                if (start == 3) latent_rng_normal(&a);
                b = a;
                float got[1000];
                if (uni) latent_rng_uniforms(&a, lens[li], got);
                else latent_rng_normals(&a, lens[li], got);
                for (int64_t i = 0; i < lens[li]; i++) {
                    const float want = uni ? latent_rng_uniform(&b) : latent_rng_normal(&b);
                    cr_assert(memcmp(&got[i], &want, sizeof want) == 0,
                              "%s, start %d, length %lld: draw %lld is %a, one by one %a",
                              uni ? "uniforms" : "normals", start, (long long)lens[li],
                              (long long)i, (double)got[i], (double)want);
                }
                const float na = latent_rng_normal(&a), nb = latent_rng_normal(&b);
                cr_assert(memcmp(&na, &nb, sizeof na) == 0, "the next normal alike");
                cr_assert_eq(latent_rng_u32(&a), latent_rng_u32(&b), "the stream goes on alike");
            }
}

/* The normals every model's noise comes from, frozen: a hash of 2000 rows of 301 normals each
 * (the values checkpoints were trained with, on x86-64 and aarch64 alike). */
Test(rng, normals_frozen)
{
    for (int batched = 0; batched < 2; batched++) {
        uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the floats' bytes */
        for (uint32_t row = 0; row < 2000; row++) {
            latent_rng r;
            latent_rng_init(&r, 1234567, LATENT_STREAM_NOISE, 99, row);
            float v[301];
            if (batched) latent_rng_normals(&r, 301, v);
            else for (int j = 0; j < 301; j++) v[j] = latent_rng_normal(&r);
            const unsigned char *p = (const unsigned char *)v;
            for (size_t i = 0; i < sizeof v; i++) h = (h ^ p[i]) * 0x100000001b3ull;
        }
        cr_expect_eq(h, 0xcffbb182b7e92050ull, "%s: hash %016llx", batched ? "batched" : "one by one",
                     (unsigned long long)h);
    }
}

/* Every level's random kernels give the scalar words and values: philox_x16 the blocks one
 * block at a time gives (latent_rng_u32), normal_pairs Box-Muller with the one-value lk_log and
 * lk_sincos, for counters that wrap the first word and every pair count. */
Test(rng, every_level_draws_the_same_bits)
{
    for (int isa = 0; isa < LATENT_ISA_COUNT; isa++) {
        const lk_table *t = lk_table_for((latent_isa)isa);
        if (!t) continue;
        for (int c = 0; c < 3; c++) {
            latent_rng r;
            latent_rng_init(&r, 0x123456789abcull + (uint64_t)c, LATENT_STREAM_NOISE, 7, (uint32_t)c);
            r.ctr[0] = c == 2 ? 0xFFFFFFF8u : (uint32_t)(c * 1000); /* c 2: the counter wraps */
            uint32_t got[64], want[64];
            const uint32_t ctr[4] = {r.ctr[0], r.ctr[1], r.ctr[2], r.ctr[3]};
            t->philox_x16(ctr, r.key, got);
            for (int i = 0; i < 64; i++) want[i] = latent_rng_u32(&r);
            cr_assert(memcmp(got, want, sizeof got) == 0, "%s: philox_x16 words differ (counter %u)",
                      latent_isa_name((latent_isa)isa), ctr[0]);
        }
        uint32_t w[4 * 64];
        latent_rng r;
        latent_rng_init(&r, 42, LATENT_STREAM_NOISE, 3, 4);
        for (int i = 0; i < 4 * 64; i++) w[i] = latent_rng_u32(&r);
        w[0] = w[1] = 0xFFFFFFFFu; /* u1 at its smallest (2^-53), the log at its largest */
        w[4] = w[5] = 0;           /* u1 = 1: a zero radius */
        for (int pairs = 1; pairs <= 64; pairs++) {
            float first[64], second[64];
            t->normal_pairs(pairs, w, first, second);
            for (int p = 0; p < pairs; p++) {
                const double u1 = 1.0 - (double)((uint64_t)(w[4 * p] >> 5) * 67108864.0 + (w[4 * p + 1] >> 6)) * 0x1p-53;
                const double u2 = (double)((uint64_t)(w[4 * p + 2] >> 5) * 67108864.0 + (w[4 * p + 3] >> 6)) * 0x1p-53;
                double s, c;
                lk_sincos(6.283185307179586 * u2, &s, &c);
                const double rad = sqrt(-2.0 * lk_log(u1));
                const float f = (float)(rad * c), g = (float)(rad * s);
                cr_assert(memcmp(&first[p], &f, 4) == 0 && memcmp(&second[p], &g, 4) == 0,
                          "%s: pair %d of %d: %a %a, one value at a time %a %a",
                          latent_isa_name((latent_isa)isa), p, pairs, (double)first[p],
                          (double)second[p], (double)f, (double)g);
            }
        }
    }
}

/* Every level's expf_n gives each value lk_expf's bits, in place or not: both sides of where its
 * lanes hand over to the one-value path (|x| = 700 in double), overflow and subnormal results,
 * the infinities and NaN at every position of a block, every length up to a few blocks. */
Test(rng, every_level_expf_n_is_lk_expf)
{
    enum { N = 300 };
    static const float special[] = {700.0f, -700.0f, 700.00006f, -700.00006f, 88.7f, 88.8f, -87.4f,
                                    -103.9f, -104.0f, 709.9f, -745.3f, INFINITY, -INFINITY, NAN,
                                    0.0f, -0.0f, 0x1p-149f, 1e30f, -1e30f};
    float x[N], y[N], z[N];
    latent_rng r;
    latent_rng_init(&r, 9, LATENT_STREAM_NOISE, 1, 2);
    for (int i = 0; i < N; i++) {
        const float u = latent_rng_uniform(&r);
        x[i] = i % 3 ? (u - 0.5f) * 220.0f : (u - 0.5f) * 1500.0f;
        if (i % 7 == 2) x[i] = special[(i / 7) % (sizeof special / sizeof *special)];
    }
    for (int isa = 0; isa < LATENT_ISA_COUNT; isa++) {
        const lk_table *t = lk_table_for((latent_isa)isa);
        if (!t) continue;
        for (int n = 0; n <= N; n += n < 70 ? 1 : 23) {
            t->expf_n(n, x, y);
            memcpy(z, x, sizeof z);
            t->expf_n(n, z, z);
            for (int i = 0; i < n; i++) {
                const float want = lk_expf(x[i]);
                cr_assert(memcmp(&y[i], &want, 4) == 0 && memcmp(&z[i], &want, 4) == 0,
                          "%s: expf_n(%a) = %a (in place %a), lk_expf %a (n %d)",
                          latent_isa_name((latent_isa)isa), (double)x[i], (double)y[i],
                          (double)z[i], (double)want, n);
            }
        }
    }
}
