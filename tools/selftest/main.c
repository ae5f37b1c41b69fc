/* latent-selftest: runs every kernel variant of this CPU over the conformance cases and prints a
 * table; exit status 1 on any failure. CI runs it natively and under qemu-aarch64. */
#include <stdio.h>
#include <stdlib.h>
#include "latent/isa.h"
#include "simd/selftest.h"

static void print_row(const lk_selftest_row *row, void *ctx)
{
    (void)ctx;
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

int main(void)
{
    int n = lk_selftest_count();
    lk_selftest_row *rows = calloc(n > 0 ? (size_t)n : 1, sizeof *rows);
    if (!rows) {
        fprintf(stderr, "latent-selftest: out of memory\n");
        return 1;
    }
    printf("%-7s %-24s %6s %11s %11s  %s\n", "level", "kernel", "cases", "worst err", "bound",
           "result");
    int failed = lk_selftest_run(rows, print_row, NULL);
    printf("selftest: %d passed, %d failed\n", n - failed, failed);
    free(rows);
    return failed ? 1 : 0;
}
