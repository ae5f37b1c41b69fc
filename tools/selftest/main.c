/* latent-selftest [LEVEL...]: runs every kernel variant of this CPU (or of the levels named) over
 * the conformance cases and prints a table; exit status 1 on any failure or on a level this CPU
 * or build lacks. CI runs it natively and under qemu-aarch64 (SVE at several vector lengths). */
#include <stdio.h>
#include <stdlib.h>
#include "latent/isa.h"
#include "selftest_table.h"

static void print_row(const lk_selftest_row *row, void *ctx)
{
    (void)ctx;
    selftest_print_row(row);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        int only[LATENT_ISA_COUNT] = {0};
        for (int i = 1; i < argc; i++) {
            latent_isa isa;
            if (latent_isa_parse(argv[i], &isa) != LATENT_OK || !latent_isa_supported(isa)) {
                fprintf(stderr, "latent-selftest: %s: not a level this CPU and build run "
                        "(best: %s)\n", argv[i], latent_isa_name(latent_isa_detected()));
                return 1;
            }
            only[isa] = 1;
        }
        lk_selftest_only(only);
    }
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
