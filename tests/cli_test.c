#define _DEFAULT_SOURCE
/* The physml tool as a user runs it: exit codes, --help, info --json, and a quick tour. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pml_test.h"

/* Run `physml ARGS`, capture stdout (up to cap bytes), return the exit code. */
static int run(const char *args, char *out, size_t cap)
{
    const char *build = getenv("PML_BUILD_DIR");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/bin/physml %s 2>/dev/null", build ? build : ".", args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char buf[1 << 16];

Test(cli, help_and_errors)
{
    cr_expect_eq(run("--help", buf, sizeof buf), 0);
    cr_expect(strstr(buf, "usage: physml <command>") != NULL);
    cr_expect(strstr(buf, "tour") != NULL && strstr(buf, "info") != NULL);
    cr_expect_eq(run("", buf, sizeof buf), 2);
    cr_expect_eq(run("frobnicate", buf, sizeof buf), 2);
    cr_expect_eq(run("info --bogus", buf, sizeof buf), 2);
    cr_expect_eq(run("tour --help", buf, sizeof buf), 0);
    cr_expect(strstr(buf, "--quick") != NULL);
    cr_expect_eq(run("--version", buf, sizeof buf), 0);
    cr_expect(strstr(buf, PML_VERSION_STRING) != NULL);
}

Test(cli, info_json)
{
    cr_assert_eq(run("info --json", buf, sizeof buf), 0);
    const char *keys[] = {"\"version\": \"" PML_VERSION_STRING "\"", "\"cuda_compiled\": ",
                          "\"blas\": \"OpenBLAS", "\"devices\": [{\"kind\": \"cpu\"",
                          "\"memory_bytes\": "};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
        cr_expect(strstr(buf, keys[i]) != NULL, "missing %s in %s", keys[i], buf);
    cr_expect(strchr(buf, '\n') == strrchr(buf, '\n'), "one line");
}

Test(cli, device_errors_are_one_line)
{
    cr_expect_eq(run("tour --device tpu --quick --out /tmp/pml-cli-test-bad", buf, sizeof buf), 1);
    if (pml_cuda_device_count() == 0)
        cr_expect_eq(run("tour --device cuda --quick --out /tmp/pml-cli-test-bad", buf, sizeof buf), 1);
}

Test(cli, quick_tour_devices_chapter)
{
    char dir[] = "/tmp/pml-cli-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char args[256];
    snprintf(args, sizeof args, "tour --quick --quiet --device cpu --only devices --out %s", dir);
    cr_expect_eq(run(args, buf, sizeof buf), 0, "%s", buf);
    cr_expect(strstr(buf, "GEMM 512^3 on cpu") != NULL, "%s", buf);
    char path[512];
    snprintf(path, sizeof path, "%s/report.md", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no report.md");
    char rep[8192];
    size_t n = fread(rep, 1, sizeof rep - 1, f);
    rep[n] = '\0';
    fclose(f);
    cr_expect(strstr(rep, "# physml tour") != NULL && strstr(rep, "## Summary") != NULL);
    remove(path);
    rmdir(dir);
}
