/* Option parsing and error reporting shared by every command. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void pml_cli_print_help(FILE *f, const char *command, const char *usage, const char *description,
                        const pml_opt *opts)
{
    fprintf(f, "usage: physml %s\n", usage);
    if (description) fprintf(f, "\n%s\n", description);
    fprintf(f, "\noptions:\n");
    for (const pml_opt *o = opts; o && o->name; ++o) {
        char left[64];
        if (o->type == PML_OPT_FLAG) snprintf(left, sizeof left, "--%s", o->name);
        else snprintf(left, sizeof left, "--%s %s", o->name, o->metavar ? o->metavar : "X");
        fprintf(f, "  %-24s %s\n", left, o->help ? o->help : "");
    }
    fprintf(f, "  %-24s %s\n", "--help", "show this help");
    (void)command;
}

static int bad_value(const char *command, const char *name, const char *value, const char *want)
{
    fprintf(stderr, "physml %s: --%s: '%s' is not %s\n", command, name, value, want);
    return 2;
}

static int set_value(const char *command, const pml_opt *o, const char *v)
{
    char *end = NULL;
    errno = 0;
    switch (o->type) {
    case PML_OPT_FLAG: *(int *)o->target = 1; return 0;
    case PML_OPT_INT: {
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end) return bad_value(command, o->name, v, "an integer");
        *(long *)o->target = x;
        return 0;
    }
    case PML_OPT_U64: {
        if (*v == '-') return bad_value(command, o->name, v, "a non-negative integer");
        unsigned long long x = strtoull(v, &end, 0);
        if (errno || end == v || *end) return bad_value(command, o->name, v, "a non-negative integer");
        *(uint64_t *)o->target = (uint64_t)x;
        return 0;
    }
    case PML_OPT_DOUBLE: {
        double x = strtod(v, &end);
        if (errno || end == v || *end) return bad_value(command, o->name, v, "a number");
        *(double *)o->target = x;
        return 0;
    }
    case PML_OPT_STR: *(const char **)o->target = v; return 0;
    }
    return 2;
}

int pml_cli_parse(const char *command, const char *usage, const char *description, int argc,
                  char **argv, int first, const pml_opt *opts)
{
    for (int i = first; i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            pml_cli_print_help(stdout, command, usage, description, opts);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "physml %s: unexpected argument '%s'\nusage: physml %s\n", command, a,
                    usage);
            return 2;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const pml_opt *o = opts;
        for (; o && o->name; ++o)
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) break;
        if (!o || !o->name) {
            fprintf(stderr, "physml %s: unknown option '%s' (see physml %s --help)\n", command, a,
                    command);
            return 2;
        }
        const char *v = NULL;
        if (o->type == PML_OPT_FLAG) {
            if (eq) {
                fprintf(stderr, "physml %s: --%s takes no value\n", command, o->name);
                return 2;
            }
        } else if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            fprintf(stderr, "physml %s: --%s needs a value (%s)\n", command, o->name,
                    o->metavar ? o->metavar : "X");
            return 2;
        }
        int r = set_value(command, o, v);
        if (r) return r;
    }
    return 0;
}

int pml_cli_fail(const char *command, const char *what, pml_status s)
{
    const char *detail = pml_last_error();
    fprintf(stderr, "physml %s: %s: %s%s%s\n", command, what, pml_status_string(s),
            detail[0] ? ": " : "", detail);
    return 1;
}

pml_status pml_cli_open_device(const char *command, const char *spec, pml_device **out)
{
    pml_status s = pml_device_open(spec ? spec : "auto", out);
    if (s != PML_OK) pml_cli_fail(command, "cannot open the device", s);
    return s;
}
