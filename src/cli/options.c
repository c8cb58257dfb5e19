/* Option parsing and error reporting shared by every command: every value is checked here,
 * against the option's type and range, before a command sees it. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "cli/cli.h"

static int is_number(pml_opt_type t) { return t == PML_OPT_INT || t == PML_OPT_DOUBLE; }

/* x in the fewest digits that read back as x: 0.999999, not 0.99999899999999997. */
static const char *shortest(double x, char buf[32])
{
    for (int digits = 6; digits <= 17; ++digits) {
        snprintf(buf, 32, "%.*g", digits, x);
        if (pml_strtod_dec(buf, NULL) == x) break;
    }
    return buf;
}

/* The range as words, "an integer in 1..1000000", "a number > 0", for help and errors. */
static void describe(const pml_opt *o, char *buf, size_t n)
{
    char lo[32], hi[32];
    switch (o->type) {
    case PML_OPT_INT:
        snprintf(buf, n, "an integer in %.0f..%.0f", o->lo, o->hi);
        return;
    case PML_OPT_DOUBLE:
        if (o->lo == -HUGE_VAL && o->hi == HUGE_VAL) snprintf(buf, n, "a finite number");
        else if (o->hi == HUGE_VAL)
            snprintf(buf, n, "a number %s %s", o->above ? ">" : ">=", shortest(o->lo, lo));
        else
            snprintf(buf, n, "a number in %s%s, %s]", o->above ? "(" : "[", shortest(o->lo, lo),
                     shortest(o->hi, hi));
        return;
    case PML_OPT_U64: snprintf(buf, n, "an unsigned 64-bit integer"); return;
    case PML_OPT_CHOICE: snprintf(buf, n, "one of %s", o->choices); return;
    case PML_OPT_STR: snprintf(buf, n, "at most %d bytes", PML_OPT_STR_MAX); return;
    case PML_OPT_FLAG: break;
    }
    buf[0] = '\0';
}

void pml_cli_print_help(FILE *f, const char *command, const char *usage, const char *description,
                        const pml_opt *opts)
{
    (void)command;
    fprintf(f, "usage: physml %s\n", usage);
    if (description) fprintf(f, "\n%s\n", description);
    fprintf(f, "\noptions:\n");
    for (const pml_opt *o = opts; o && o->name; ++o) {
        char left[64];
        if (o->type == PML_OPT_FLAG) snprintf(left, sizeof left, "--%s", o->name);
        else snprintf(left, sizeof left, "--%s %s", o->name, o->metavar ? o->metavar : "X");
        fprintf(f, "  %-24s %s", left, o->help ? o->help : "");
        if (is_number(o->type) || o->type == PML_OPT_CHOICE) {
            char range[96];
            describe(o, range, sizeof range);
            fprintf(f, " [%s]", range);
        }
        fputc('\n', f);
    }
    fprintf(f, "  %-24s %s\n", "--help", "show this help");
}

int pml_cli_usage(const char *command, const char *option, const char *fmt, ...)
{
    fprintf(stderr, "physml %s: --%s: ", command, option);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

static int refuse(const char *command, const pml_opt *o, const char *value)
{
    char want[128];
    describe(o, want, sizeof want);
    return pml_cli_usage(command, o->name, "'%.200s' is not %s", value, want);
}

/* Whether `word` is one of the '|'-separated words of `choices`. */
static int is_choice(const char *choices, const char *word)
{
    const size_t n = strlen(word);
    for (const char *p = choices; p && *p;) {
        const char *bar = strchr(p, '|');
        const size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0) return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

static int set_value(const char *command, const pml_opt *o, const char *v)
{
    char *end = NULL;
    errno = 0;
    switch (o->type) {
    case PML_OPT_FLAG: *(int *)o->target = 1; return 0;
    case PML_OPT_INT: {
        /* an optional minus and digits: not strtoll's leading space or plus */
        const long long x = pml_strtoll_dec(v, &end);
        /* the range is checked on the 64-bit value, before any narrowing */
        if (errno || end == v || *end || (double)x < o->lo || (double)x > o->hi)
            return refuse(command, o, v);
        *(int64_t *)o->target = x;
        return 0;
    }
    case PML_OPT_U64: {
        /* decimal digits, or 0x and hex digits: no space, sign or octal (strtoull's base 0
         * read "010" as 8, and skipped a tab before a minus that it then wrapped around) */
        const int hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
        const char *p = hex ? v + 2 : v;
        /* every character a digit of its base (strtoull's base 16 would take a second 0x) */
        if (!*p) return refuse(command, o, v);
        for (const char *q = p; *q; ++q)
            if (!(hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q)))
                return refuse(command, o, v);
        const unsigned long long x = strtoull(p, &end, hex ? 16 : 10);
        if (errno || end == p || *end) return refuse(command, o, v);
        *(uint64_t *)o->target = (uint64_t)x;
        return 0;
    }
    case PML_OPT_DOUBLE: {
        double x = 0.0;
        if (!pml_real_dec(v, &end, &x) || *end || x < o->lo || x > o->hi ||
            (o->above && x == o->lo))
            return refuse(command, o, v);
        *(double *)o->target = x;
        return 0;
    }
    case PML_OPT_STR:
        if (!*v) return pml_cli_usage(command, o->name, "an empty value");
        if (strlen(v) > PML_OPT_STR_MAX) return refuse(command, o, "(a longer string)");
        *(const char **)o->target = v;
        return 0;
    case PML_OPT_CHOICE:
        if (!is_choice(o->choices, v)) return refuse(command, o, v);
        *(const char **)o->target = v;
        return 0;
    }
    return 2;
}

/* A number option without a range, or a choice without words: the command's table is
 * wrong. Reported on every call, so any test of the command finds it. */
static int check_table(const char *command, const pml_opt *opts)
{
    for (const pml_opt *o = opts; o && o->name; ++o)
        if ((is_number(o->type) && o->lo == 0 && o->hi == 0) ||
            (is_number(o->type) && !(o->lo <= o->hi)) ||
            (o->type == PML_OPT_CHOICE && (o->choices == NULL || !*o->choices))) {
            fprintf(stderr, "physml %s: internal error: option --%s declares no range\n",
                    command, o->name);
            return 2;
        }
    return 0;
}

int pml_cli_parse(const char *command, const char *usage, const char *description, int argc,
                  char **argv, int first, const pml_opt *opts)
{
    if (check_table(command, opts)) return 2;
    for (int i = first; i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            pml_cli_print_help(stdout, command, usage, description, opts);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "physml %s: unexpected argument '%.200s' (see physml %s --help)\n",
                    command, a, command);
            return 2;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const pml_opt *o = opts;
        for (; o && o->name; ++o)
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) break;
        if (!o || !o->name) {
            fprintf(stderr, "physml %s: unknown option '%.200s' (see physml %s --help)\n",
                    command, a, command);
            return 2;
        }
        const char *v = NULL;
        if (o->type == PML_OPT_FLAG) {
            if (eq) return pml_cli_usage(command, o->name, "takes no value");
        } else if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
            v = argv[++i];
        } else if (i + 1 < argc) { /* "--out --quiet": the value forgotten, not "--quiet" */
            return pml_cli_usage(command, o->name, "needs a value (%s), not the option '%.200s'",
                                 o->metavar ? o->metavar : "X", argv[i + 1]);
        } else {
            return pml_cli_usage(command, o->name, "needs a value (%s)",
                                 o->metavar ? o->metavar : "X");
        }
        const int r = set_value(command, o, v);
        if (r) return r;
        if (o->given) *o->given = 1;
    }
    return 0;
}

int pml_cli_fits(const char *command, const char *option, int64_t n, int64_t size, const char *of)
{
    if (n <= size) return 0;
    return pml_cli_usage(command, option, "%lld: more than the %lld %s", (long long)n,
                         (long long)size, of);
}

int pml_cli_head(const char *command, const char *option, const pml_dataset *ds, int64_t n,
                 const char *of, pml_dataset **part)
{
    *part = NULL;
    const int64_t size = pml_dataset_size(ds);
    if (option && pml_cli_fits(command, option, n, size, of)) return 2;
    if (n <= 0 || n >= size) return 0;
    const pml_status s = pml_dataset_head(ds, n, part);
    return s == PML_OK ? 0 : pml_cli_fail(command, option ? option : "subset", s);
}

int pml_cli_fail(const char *command, const char *what, pml_status s)
{
    const char *detail = pml_last_error();
    fprintf(stderr, "physml %s: %s: %s%s%s\n", command, what, pml_status_string(s),
            detail[0] ? ": " : "", detail);
    return 1;
}

const char *pml_cli_device_kind(const pml_device *dev)
{
    return pml_device_get_kind(dev) == PML_DEVICE_CUDA ? "cuda" : "cpu";
}

int pml_cli_open_device(const char *command, const char *spec, pml_device **out)
{
    const pml_status s = pml_device_open(spec ? spec : "auto", out);
    if (s == PML_OK) return 0;
    if (s == PML_ERR_INVALID_ARGUMENT) return pml_cli_usage(command, "device", "%s", pml_last_error());
    return pml_cli_fail(command, "cannot open the device", s);
}

int pml_cli_subcommand(const char *name, const pml_command *sub, int argc, char **argv)
{
    if (argc >= 3)
        for (const pml_command *c = sub; c->name; ++c)
            if (strcmp(argv[2], c->name) == 0) return c->run(argc, argv);
    FILE *f = argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)
                  ? stdout : stderr;
    if (argc >= 3 && f == stderr) { /* one line, as every usage error */
        fprintf(f, "physml %s: unknown subcommand '%.200s' (see physml %s --help)\n", name,
                argv[2], name);
        return 2;
    }
    fprintf(f, "usage: physml %s <subcommand> [options]   (physml %s <subcommand> --help)\n\n",
            name, name);
    for (const pml_command *c = sub; c->name; ++c) fprintf(f, "  %-9s %s\n", c->name, c->summary);
    return f == stdout ? 0 : 2;
}
