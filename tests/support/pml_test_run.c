/* Running the physml tool from tests: an argument vector, no shell (src/core/process.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/process.h"
#include "pml_test.h"

#define MAX_ARGS 64

int pml_test_physml(const char *const *args, char *out, size_t out_cap, char *err,
                    size_t err_cap)
{
    static char tool[512];
    const char *build = getenv("PML_BUILD_DIR");
    snprintf(tool, sizeof tool, "%s/bin/physml", build ? build : ".");
    const char *argv[MAX_ARGS + 2] = {tool};
    int n = 1;
    for (; args[n - 1] != NULL; ++n) {
        cr_assert(n <= MAX_ARGS, "too many arguments");
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    const int r = pml_run(argv, NULL, out, out_cap, err, err_cap);
    cr_assert(r >= 0 && r != 127, "cannot run %s", tool);
    return r;
}

int pml_test_physml_line(const char *line, char *out, size_t out_cap, char *err,
                         size_t err_cap)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", line);
    const char *args[MAX_ARGS + 1];
    int n = 0;
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        cr_assert(n < MAX_ARGS, "too many arguments in '%s'", line);
        args[n++] = tok;
    }
    args[n] = NULL;
    return pml_test_physml(args, out, out_cap, err, err_cap);
}

int pml_test_have_python_module(const char *module)
{
    char code[64];
    snprintf(code, sizeof code, "import %s", module);
    const char *const argv[] = {"/usr/bin/python3", "-c", code, NULL};
    return pml_run(argv, NULL, NULL, 0, NULL, 0) == 0;
}

int pml_test_have_numpy(void) { return pml_test_have_python_module("numpy"); }
