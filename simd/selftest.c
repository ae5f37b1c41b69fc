/* Walks the conformance kernels over every supported level and records one row per pair. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "selftest.h"

/* LATENT_SELFTEST_KERNELS=a,b,...: only those conformance kernels (the longer SVE lengths under
 * qemu, where every case would take too long). */
static int kernel_chosen(const char *name)
{
    const char *only = getenv("LATENT_SELFTEST_KERNELS");
    if (!only || !*only) return 1;
    const size_t len = strlen(name);
    for (const char *p = only; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0) return 1;
        if (!comma) break;
        p = comma + 1;
    }
    return 0;
}

static int kernels_chosen(const lk_conformance_kernel *k, int nk)
{
    int n = 0;
    for (int i = 0; i < nk; i++) n += kernel_chosen(k[i].name);
    return n;
}

static int chosen[LATENT_ISA_COUNT], restricted;

void lk_selftest_only(const int *only)
{
    restricted = only != NULL;
    for (int i = 0; i < LATENT_ISA_COUNT; i++) chosen[i] = only ? only[i] : 1;
}

static int levels(latent_isa out[LATENT_ISA_COUNT])
{
    int n = 0;
    for (int i = 0; i < LATENT_ISA_COUNT; i++)
        if (lk_table_for((latent_isa)i) && (!restricted || chosen[i])) out[n++] = (latent_isa)i;
    return n;
}

int lk_selftest_count(void)
{
    latent_isa lv[LATENT_ISA_COUNT];
    int nk;
    const lk_conformance_kernel *k = lk_conformance_kernels(&nk);
    return kernels_chosen(k, nk) * levels(lv);
}

int lk_selftest_run(lk_selftest_row *rows, lk_selftest_progress_fn progress, void *ctx)
{
    latent_isa lv[LATENT_ISA_COUNT];
    int nl = levels(lv), nk, failed = 0, r = 0;
    const lk_conformance_kernel *k = lk_conformance_kernels(&nk);
    const lk_table *ref = lk_table_for(LATENT_ISA_SCALAR);
    for (int l = 0; l < nl; l++) {
        /* The scalar level runs as its own variant: the cases measure the variant against
         * references they take in double, so the scalar kernels are checked too. */
        const lk_table *var = lk_table_for(lv[l]);
        for (int i = 0; i < nk; i++) {
            if (!kernel_chosen(k[i].name)) continue;
            lk_selftest_row *row = &rows[r++];
            *row = (lk_selftest_row){.isa = lv[l], .kernel = k[i].name};
            k[i].run(ref, var, &row->report);
            row->passed = row->report.cases > 0 && row->report.failures == 0 &&
                          row->report.worst_ratio <= 1.0;
            failed += !row->passed;
            if (progress) progress(row, ctx);
        }
    }
    return failed;
}
