/* The selftest's text table, printed alike by `latent selftest` and latent-selftest. */
#ifndef LATENT_TOOLS_SELFTEST_TABLE_H
#define LATENT_TOOLS_SELFTEST_TABLE_H

#include "simd/selftest.h"

/* The header line: level, kernel, cases, worst error, its bound, result. */
void selftest_print_header(void);

/* One row; a failing row also says how many cases were over their bound and the worst. */
void selftest_print_row(const lk_selftest_row *row);

/* The closing line, "selftest: N passed, N failed" (CI counts it). */
void selftest_print_summary(int passed, int failed);

#endif
