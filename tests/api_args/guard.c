/* The api_args guard: every function declared in an include/physml header is in a group's table
 * (tests/api_args_test.c registers the groups) or in `exempt` below with the reason, and the
 * tables name no function the headers do not declare. */
#define _DEFAULT_SOURCE /* dirent */
#include <ctype.h>
#include <dirent.h>

#include "api_args.h"

/* Declared functions with no argument worth a case. */
static const struct {
    const char *fn, *why;
} exempt[] = {
    {"pml_last_error", "no arguments (read after every status case above)"},
    {"pml_clear_error", "no arguments (called before every status case above)"},
    {"pml_version_string", "no arguments"},
    {"pml_version_number", "no arguments"},
    {"pml_cuda_compiled", "no arguments"},
    {"pml_blas_name", "no arguments"},
    {"pml_blas_core", "no arguments"},
    {"pml_blas_core_suggested", "no arguments"},
    {"pml_cuda_device_count", "no arguments"},
    {"pml_data_default_dir", "no arguments"},
    {"pml_dense_defaults", "no arguments"},
    {"pml_train_defaults", "no arguments"},
    {"pml_rng_u32", "integer coordinates only: every (seed, stream, index) is a valid draw"},
    {"pml_rng_uniform", "integer coordinates only: every (seed, stream, index) is a valid draw"},
    {"pml_rng_normal", "integer coordinates only: every (seed, stream, index) is a valid draw"},
    {"pml_hopfield_recall_defaults", "no arguments"},
    {"pml_hopfield_capacity_defaults", "no arguments"},
    {"pml_ising_tc", "a formula of one number, no pointer or size"},
    {"pml_meanfield_tc", "a formula of two numbers, no pointer or size"},
    {"pml_schedule_constant", "a value constructor from one number (pml_train checks the rate)"},
};

#define MAX_FUNCS 1024

typedef struct func_list {
    int n;
    char name[MAX_FUNCS][64];
    char header[MAX_FUNCS][32];
} func_list;

/* Remove comments, then preprocessor lines (with their continuations), in place. */
static void strip(char *s)
{
    char *w = s;
    for (char *p = s; *p;) {
        if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            *w++ = ' ';
        } else if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n') ++p;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    w = s;
    int line_start = 1;
    for (char *p = s; *p;) {
        if (line_start && *p == '#') {
            while (*p && !(*p == '\n' && p[-1] != '\\')) ++p;
        } else {
            if (*p != ' ' && *p != '\t') line_start = *p == '\n';
            *w++ = *p++;
        }
    }
    *w = '\0';
}

/* Every pml_* identifier followed by '(' outside any parentheses: the declared functions. */
static void declared_functions(const char *path, const char *header, func_list *out)
{
    FILE *fp = fopen(path, "rb");
    cr_assert(fp != NULL, "cannot read %s", path);
    static char text[1 << 20];
    const size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = '\0';
    strip(text);
    int depth = 0;
    for (const char *p = text; *p;) {
        if (*p == '(') ++depth;
        if (*p == ')') --depth;
        if (!ident_char(*p) || (p > text && ident_char(p[-1]))) {
            ++p;
            continue;
        }
        const char *e = p;
        while (ident_char(*e)) ++e;
        const char *q = e;
        while (isspace((unsigned char)*q)) ++q;
        if (depth == 0 && *q == '(' && strncmp(p, "pml_", 4) == 0 && e - p < 64) {
            cr_assert(out->n < MAX_FUNCS);
            snprintf(out->name[out->n], sizeof out->name[0], "%.*s", (int)(e - p), p);
            snprintf(out->header[out->n], sizeof out->header[0], "%s", header);
            ++out->n;
        }
        p = e;
    }
}

static int in_tables(const char *fn, int *error_cases)
{
    int found = 0;
    *error_cases = 0;
    for (size_t g = 0; g < api_args_group_count; ++g) {
        for (int i = 0; api_args_groups[g]->status[i].fn; ++i)
            if (strcmp(api_args_groups[g]->status[i].fn, fn) == 0) {
                found = 1;
                if (api_args_groups[g]->status[i].want != PML_OK) ++*error_cases;
            }
        for (int i = 0; api_args_groups[g]->checks[i].fn; ++i)
            if (strcmp(api_args_groups[g]->checks[i].fn, fn) == 0) found = 2;
    }
    for (size_t i = 0; i < sizeof exempt / sizeof exempt[0]; ++i)
        if (strcmp(exempt[i].fn, fn) == 0) found = found ? -1 : 3; /* -1: listed twice */
    return found;
}

static int is_declared(const func_list *decl, const char *fn)
{
    for (int i = 0; i < decl->n; ++i)
        if (strcmp(decl->name[i], fn) == 0) return 1;
    return 0;
}

Test(api_args, every_public_function_is_covered)
{
    static func_list decl;
    char dir[512], path[1024];
    pml_test_source_path("include/physml", dir, sizeof dir);
    DIR *d = opendir(dir);
    cr_assert(d != NULL, "cannot list %s (PML_SOURCE_DIR not set?)", dir);
    struct dirent *e;
    int headers = 0;
    while ((e = readdir(d)) != NULL) {
        const size_t len = strlen(e->d_name);
        if (len < 3 || strcmp(e->d_name + len - 2, ".h") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        declared_functions(path, e->d_name, &decl);
        ++headers;
    }
    closedir(d);
    /* the parser must see the API, or this test would pass on nothing */
    cr_assert(headers >= 10 && decl.n >= 150, "%d functions in %d headers under %s", decl.n,
              headers, dir);
    cr_assert(is_declared(&decl, "pml_tensor_create") && is_declared(&decl, "pml_train"));

    char missing[4096] = "", twice[1024] = "", no_error[1024] = "";
    int covered = 0, exempted = 0;
    for (int i = 0; i < decl.n; ++i) {
        int error_cases = 0;
        const int where = in_tables(decl.name[i], &error_cases);
        char item[128];
        snprintf(item, sizeof item, " %s (%s)", decl.name[i], decl.header[i]);
        if (where == 0) strncat(missing, item, sizeof missing - strlen(missing) - 1);
        if (where == -1) strncat(twice, item, sizeof twice - strlen(twice) - 1);
        if (where == 1 && error_cases == 0)
            strncat(no_error, item, sizeof no_error - strlen(no_error) - 1);
        if (where == 3) ++exempted;
        else if (where != 0) ++covered;
    }
    cr_expect(missing[0] == '\0',
              "public functions with no case in tests/api_args/ (add X or Y cases to the "
              "header's group file, or an exemption with the reason to guard.c; a new header "
              "gets a group file, registered in tests/api_args_test.c):%s",
              missing);
    cr_expect(twice[0] == '\0', "exempted but also tested:%s", twice);
    cr_expect(no_error[0] == '\0', "status functions with no error case:%s", no_error);
    int cases = 0, checks = 0;
    for (size_t g = 0; g < api_args_group_count; ++g) {
        for (int i = 0; api_args_groups[g]->status[i].fn; ++i) ++cases;
        for (int i = 0; api_args_groups[g]->checks[i].fn; ++i) ++checks;
    }
    cr_log_info("%d public functions in %d headers: %d covered by %d status cases and %d "
                "checks, %d exempt", decl.n, headers, covered, cases, checks, exempted);

    /* and nothing in the tables that the headers do not declare (typos, removed functions) */
    for (size_t g = 0; g < api_args_group_count; ++g) {
        for (int i = 0; api_args_groups[g]->status[i].fn; ++i)
            cr_expect(is_declared(&decl, api_args_groups[g]->status[i].fn), "%s is not declared",
                      api_args_groups[g]->status[i].fn);
        for (int i = 0; api_args_groups[g]->checks[i].fn; ++i)
            cr_expect(is_declared(&decl, api_args_groups[g]->checks[i].fn), "%s is not declared",
                      api_args_groups[g]->checks[i].fn);
    }
    for (size_t i = 0; i < sizeof exempt / sizeof exempt[0]; ++i) {
        cr_expect(is_declared(&decl, exempt[i].fn), "exempt %s is not declared", exempt[i].fn);
        cr_expect(exempt[i].why[0] != '\0', "exempt %s has no reason", exempt[i].fn);
    }
}
