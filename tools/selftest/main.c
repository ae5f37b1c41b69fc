/* latent-selftest: runs every kernel variant of this CPU over the conformance cases and prints a
 * table; exit status 1 on any failure. CI runs it natively and under qemu-aarch64. */
#include <stdio.h>
#include <stdlib.h>
#include "latent/isa.h"
#include "selftest_table.h"

static void print_row(const lk_selftest_row *row, void *ctx)
{
    (void)ctx;
    selftest_print_row(row);
}

int main(void)
{
    int n = lk_selftest_count();
    lk_selftest_row *rows = calloc(n > 0 ? (size_t)n : 1, sizeof *rows);
    if (!rows) {
        fprintf(stderr, "latent-selftest: out of memory\n");
        return 1;
    }
    selftest_print_header();
    int failed = lk_selftest_run(rows, print_row, NULL);
    selftest_print_summary(n - failed, failed);
    free(rows);
    return failed ? 1 : 0;
}
