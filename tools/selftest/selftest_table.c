/* The selftest's text table, printed alike by `latent selftest` and latent-selftest. */
#include <stdio.h>
#include "latent/isa.h"
#include "selftest_table.h"

void selftest_print_header(void)
{
    printf("%-7s %-24s %6s %11s %11s  %s\n", "level", "kernel", "cases", "worst err", "bound",
           "result");
}

void selftest_print_row(const lk_selftest_row *row)
{
    const lk_case_report *r = &row->report;
    printf("%-7s %-24s %6lld %11.3g %11.3g  %-4s", latent_isa_name(row->isa), row->kernel,
           (long long)r->cases, r->worst_err, r->worst_bound, row->passed ? "pass" : "FAIL");
    if (!row->passed) {
        if (r->cases == 0) printf("  no cases ran");
        else printf("  %lld over bound; worst: %s", (long long)r->failures, r->worst_case);
    }
    printf("\n");
    fflush(stdout);
}

void selftest_print_summary(int passed, int failed)
{
    printf("selftest: %d passed, %d failed\n", passed, failed);
}
