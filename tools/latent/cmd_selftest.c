/* latent selftest: every kernel variant this CPU runs, checked against the scalar reference. */
#include <stdlib.h>
#include "commands.h"
#include "jsonl.h"
#include "latent/latent.h"
#include "options.h"
#include "../selftest/selftest_table.h"

static void print_row(const lk_selftest_row *row, void *ctx)
{
    const int json = *(const int *)ctx;
    const lk_case_report *r = &row->report;
    if (json) {
        jsonl j;
        jsonl_begin(&j, "kernel");
        jsonl_str(&j, "isa", latent_isa_name(row->isa));
        jsonl_str(&j, "kernel", row->kernel);
        jsonl_int(&j, "cases", r->cases);
        jsonl_int(&j, "failures", r->failures);
        jsonl_num(&j, "worst_err", r->worst_err);
        jsonl_num(&j, "bound", r->worst_bound);
        jsonl_str(&j, "worst_case", r->worst_case);
        jsonl_str(&j, "result", row->passed ? "pass" : "fail");
        jsonl_end(&j);
        return;
    }
    selftest_print_row(row);
}

int cmd_selftest(int argc, char **argv)
{
    int json = 0;
    cli_option opts[] = {
        {"json", CLI_FLAG, &json, 0, 0, NULL, NULL, "JSON lines on stdout", 0},
    };
    cli_command cmd = {"selftest", NULL,
                       "Runs the kernel conformance cases at every instruction-set level this CPU "
                       "supports (LATENT_ISA caps it) against the scalar reference.",
                       NULL, opts, 1, 0, 0, {0}, 0};
    int rc = cli_parse(&cmd, argc, argv);
    if (rc) return rc == CLI_HELPED ? EXIT_OK : rc;
    if (cli_parse_only) return EXIT_OK;
    int n = lk_selftest_count();
    lk_selftest_row *rows = calloc(n > 0 ? (size_t)n : 1, sizeof *rows);
    if (!rows) return cli_error("selftest", EXIT_FAIL, "out of memory");
    if (!json) selftest_print_header();
    int failed = lk_selftest_run(rows, print_row, &json);
    if (json) {
        jsonl j;
        jsonl_begin(&j, "done");
        jsonl_int(&j, "passed", n - failed);
        jsonl_int(&j, "failed", failed);
        jsonl_end(&j);
    } else {
        selftest_print_summary(n - failed, failed);
    }
    free(rows);
    if (failed) return cli_error("selftest", EXIT_FAIL, "%d kernel(s) failed", failed);
    return EXIT_OK;
}
