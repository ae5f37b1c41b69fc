/* Command-line options: one declarative table per command, parsed strictly. */
#ifndef LATENT_CLI_OPTIONS_H
#define LATENT_CLI_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

/* Exit statuses every command returns (cli.md). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* What cli_parse returns besides EXIT_USAGE: done (go on) or help printed (exit 0). */
enum { CLI_PARSED = 0, CLI_HELPED = -1 };

#define CLI_MAX_INTS 32
#define CLI_MAX_POS 4

typedef enum cli_kind {
    CLI_FLAG,    /* int *: set to 1 */
    CLI_STR,     /* const char **: the argument as typed (non-empty) */
    CLI_INT,     /* int64_t *: strict decimal integer within [min, max] */
    CLI_REAL,    /* double *: finite number within [min, max] */
    CLI_INTS,    /* cli_ints *: comma-separated integers, each within [min, max] */
    CLI_CHOICE   /* const char **: one of the '|'-separated words of `choices` */
} cli_kind;

typedef struct cli_ints {
    int n;
    int64_t v[CLI_MAX_INTS];
} cli_ints;

typedef struct cli_option {
    const char *name;    /* without the leading "--" */
    cli_kind kind;
    void *dest;
    double min, max;
    const char *choices; /* CLI_CHOICE only */
    const char *metavar; /* shown in --help, e.g. "N" */
    const char *help;
    int given;           /* set by cli_parse when the option appears */
} cli_option;

typedef struct cli_command {
    const char *name;      /* "train ae", "eval" ... (for messages and usage) */
    const char *args;      /* positional arguments in the usage line, e.g. "MODEL.safetensors" */
    const char *summary;   /* one line of what it does */
    const char *notes;     /* extra --help text, or NULL */
    cli_option *opts;
    int nopts;
    int min_pos, max_pos;  /* how many positional arguments it takes */
    const char *pos[CLI_MAX_POS];
    int npos;
} cli_command;

/* When set (by the option-parser fuzz harness), every command returns EXIT_OK once its options
 * are parsed and checked, before it opens a file or does any work. */
extern int cli_parse_only;

/* Parses argv (the arguments after the command words) against cmd. Prints --help to stdout and
 * returns CLI_HELPED; prints one line to stderr and returns EXIT_USAGE on any bad usage. */
int cli_parse(cli_command *cmd, int argc, char **argv);

/* Prints the command's usage and option table. */
void cli_help(const cli_command *cmd, FILE *to);

/* Prints "latent <cmd>: <message>" on stderr as one line; returns `code`. */
int cli_error(const char *cmd, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Strict number parsing shared with options whose values are compound ("BETA,RHO"): the whole
 * text must be a number in [min, max]; on failure prints the usage error naming `opt`. */
int cli_real(const char *cmd, const char *opt, const char *text, double min, double max,
             double *out);
int cli_int(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max,
            int64_t *out);

/* The option named `name` in cmd's table (NULL when absent): to ask whether it was given. */
const cli_option *cli_find(const cli_command *cmd, const char *name);
int cli_given(const cli_command *cmd, const char *name);

#endif
