/* Strict command-line parsing: typed options, range checks, one-line usage errors. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

int cli_parse_only;

int cli_error(const char *cmd, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Whatever the user typed is echoed in messages: keep the message on one line. */
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    fflush(stdout);
    fprintf(stderr, "latent%s%s: %s\n", cmd && *cmd ? " " : "", cmd ? cmd : "", msg);
    return code;
}

int cli_int(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max,
            int64_t *out)
{
    const char *p = text;
    if (*p == '+' || *p == '-') p++;
    if (*p < '0' || *p > '9')
        return cli_error(cmd, EXIT_USAGE, "%s: '%.80s' is not an integer", opt, text);
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (*end != '\0')
        return cli_error(cmd, EXIT_USAGE, "%s: '%.80s' is not an integer", opt, text);
    if (errno == ERANGE || v < min || v > max)
        return cli_error(cmd, EXIT_USAGE, "%s: %.80s is out of range (%lld to %lld)", opt, text,
                         (long long)min, (long long)max);
    *out = v;
    return 0;
}

int cli_real(const char *cmd, const char *opt, const char *text, double min, double max,
             double *out)
{
    const char *p = text;
    if (*p == '+' || *p == '-') p++;
    if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')))
        return cli_error(cmd, EXIT_USAGE, "%s: '%.80s' is not a number", opt, text);
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (*end != '\0')
        return cli_error(cmd, EXIT_USAGE, "%s: '%.80s' is not a number", opt, text);
    if (errno == ERANGE || !isfinite(v) || v < min || v > max)
        return cli_error(cmd, EXIT_USAGE, "%s: %.80s is out of range (%g to %g)", opt, text, min,
                         max);
    *out = v;
    return 0;
}

static int parse_ints(const char *cmd, const char *opt, const char *text, const cli_option *o,
                      cli_ints *out)
{
    out->n = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[32];
        if (len == 0 || len >= sizeof item)
            return cli_error(cmd, EXIT_USAGE,
                             "%s: '%.80s' is not a comma-separated list of integers", opt, text);
        if (out->n == CLI_MAX_INTS)
            return cli_error(cmd, EXIT_USAGE, "%s: more than %d entries", opt, CLI_MAX_INTS);
        memcpy(item, p, len);
        item[len] = '\0';
        int64_t v;
        if (cli_int(cmd, opt, item, (int64_t)o->min, (int64_t)o->max, &v)) return EXIT_USAGE;
        out->v[out->n++] = v;
        if (!comma) return 0;
        p = comma + 1;
    }
}

static int parse_choice(const char *cmd, const char *opt, const char *text, const char *choices)
{
    size_t len = strlen(text);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, text, n) == 0) return 0;
        if (!bar) break;
        p = bar + 1;
    }
    return cli_error(cmd, EXIT_USAGE, "%s: '%.80s' is not one of %s", opt, text, choices);
}

static int set_value(const cli_command *cmd, cli_option *o, const char *opt, const char *val)
{
    switch (o->kind) {
    case CLI_FLAG: *(int *)o->dest = 1; return 0;
    case CLI_STR:
        if (!*val) return cli_error(cmd->name, EXIT_USAGE, "%s: empty value", opt);
        *(const char **)o->dest = val;
        return 0;
    case CLI_INT: return cli_int(cmd->name, opt, val, (int64_t)o->min, (int64_t)o->max, o->dest);
    case CLI_REAL: return cli_real(cmd->name, opt, val, o->min, o->max, o->dest);
    case CLI_INTS: return parse_ints(cmd->name, opt, val, o, o->dest);
    case CLI_CHOICE:
        if (parse_choice(cmd->name, opt, val, o->choices)) return EXIT_USAGE;
        *(const char **)o->dest = val;
        return 0;
    }
    return EXIT_USAGE;
}

const cli_option *cli_find(const cli_command *cmd, const char *name)
{
    for (int i = 0; i < cmd->nopts; i++)
        if (strcmp(cmd->opts[i].name, name) == 0) return &cmd->opts[i];
    return NULL;
}

int cli_given(const cli_command *cmd, const char *name)
{
    const cli_option *o = cli_find(cmd, name);
    return o && o->given;
}

int cli_parse(cli_command *cmd, int argc, char **argv)
{
    int only_pos = 0;
    cmd->npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            cli_help(cmd, stdout);
            return CLI_HELPED;
        }
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (cmd->npos >= cmd->max_pos)
                return cli_error(cmd->name, EXIT_USAGE, "unexpected argument '%.80s' (see --help)",
                                 a);
            cmd->pos[cmd->npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) { only_pos = 1; continue; }
        if (a[1] != '-')
            return cli_error(cmd->name, EXIT_USAGE, "unknown option '%.80s' (see --help)", a);
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        cli_option *o = NULL;
        for (int k = 0; k < cmd->nopts; k++)
            if (strlen(cmd->opts[k].name) == nlen && strncmp(cmd->opts[k].name, name, nlen) == 0)
                o = &cmd->opts[k];
        char opt[96];
        snprintf(opt, sizeof opt, "--%.*s", (int)(nlen < 80 ? nlen : 80), name);
        if (!o)
            return cli_error(cmd->name, EXIT_USAGE, "unknown option %s (see latent %s --help)",
                             opt, cmd->name);
        const char *val;
        if (o->kind == CLI_FLAG) {
            if (eq) return cli_error(cmd->name, EXIT_USAGE, "%s takes no value", opt);
            val = "";
        } else if (eq) {
            val = eq + 1;
        } else {
            if (i + 1 >= argc)
                return cli_error(cmd->name, EXIT_USAGE, "%s needs a value (%s)", opt,
                                 o->metavar ? o->metavar : "VALUE");
            val = argv[++i];
        }
        if (set_value(cmd, o, opt, val)) return EXIT_USAGE;
        o->given = 1;
    }
    if (cmd->npos < cmd->min_pos)
        return cli_error(cmd->name, EXIT_USAGE, "missing %s (usage: latent %s %s)",
                         cmd->args ? cmd->args : "argument", cmd->name,
                         cmd->args ? cmd->args : "");
    return CLI_PARSED;
}

void cli_help(const cli_command *cmd, FILE *to)
{
    fprintf(to, "usage: latent %s%s%s [options]\n\n%s\n", cmd->name, cmd->args ? " " : "",
            cmd->args ? cmd->args : "", cmd->summary);
    if (cmd->notes) fprintf(to, "\n%s\n", cmd->notes);
    fprintf(to, "\noptions:\n");
    for (int i = 0; i < cmd->nopts; i++) {
        const cli_option *o = &cmd->opts[i];
        char left[96];
        const char *mv = o->kind == CLI_CHOICE ? o->choices : o->metavar;
        if (o->kind == CLI_FLAG || !mv)
            snprintf(left, sizeof left, "--%s", o->name);
        else
            snprintf(left, sizeof left, "--%s %s", o->name, mv);
        if (strlen(left) > 28)
            fprintf(to, "  %s\n  %-28s  %s\n", left, "", o->help);
        else
            fprintf(to, "  %-28s  %s\n", left, o->help);
    }
    fprintf(to, "  %-28s  %s\n", "--help", "show this help and exit");
}
