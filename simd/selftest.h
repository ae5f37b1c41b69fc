/* The selftest: every kernel variant this CPU runs, compared over the conformance cases with the
 * scalar reference (and the scalar level with its double references). `latent selftest` and the
 * latent-selftest program (CI's runner under qemu-aarch64) print what it returns. */
#ifndef LATENT_SIMD_SELFTEST_H
#define LATENT_SIMD_SELFTEST_H

#include "conformance.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One kernel at one level. */
typedef struct lk_selftest_row {
    latent_isa isa;
    const char *kernel;      /* the conformance kernel's name */
    lk_case_report report;   /* cases, worst error, its bound, the worst case */
    int passed;              /* cases > 0, no failure and worst_ratio <= 1 */
} lk_selftest_row;

/* Called after each row, so a slow run (qemu) can show progress; may be NULL. */
typedef void (*lk_selftest_progress_fn)(const lk_selftest_row *row, void *ctx);

/* Restricts the next runs to the levels whose flag is set in only[LATENT_ISA_COUNT] (NULL: every
 * supported level again). Under qemu each SVE vector length is a run of its own. */
void lk_selftest_only(const int *only);

/* The number of rows lk_selftest_run fills: conformance kernels x levels this CPU supports. */
int lk_selftest_count(void);

/* Runs every row (scalar first, then each supported level against scalar) into rows[0..count),
 * calling `progress` after each; returns the number of failed rows. */
int lk_selftest_run(lk_selftest_row *rows, lk_selftest_progress_fn progress, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
