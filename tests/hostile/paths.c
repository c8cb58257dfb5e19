/* Paths: destinations checked before the work, --out that is not a directory, names that a
 * shell or a gnuplot string would take for code, FIFOs where files are expected. */
#include "hostile.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/process.h"

/* --out must be a directory; --save's directory must exist; both checked before training. */
HOSTILE(destinations_checked_first)
{
    cr_expect_eq(PHYSML("meanfield", "--out", "/dev/null"), 1);
    cr_expect(strstr(hostile_err, "/dev/null") && strstr(hostile_err, "not a directory"), "%s", hostile_err);
    pml_test_write_file(pml_test_tmppath("plain"), "x", 1);
    cr_expect_eq(PHYSML("ising", "--L", "8", "--sweeps", "10", "--out", pml_test_tmppath("plain")), 1);
    cr_expect(strstr(hostile_err, "plain"), "%s", hostile_err);
    const time_t t0 = time(NULL);
    cr_expect_eq(PHYSML("train", "--epochs", "50", "--save", "/nonexistent-physml-dir/m.safetensors",
                        "--out", pml_test_tmppath("t"), "--quiet"),
                 1);
    cr_expect(strstr(hostile_err, "/nonexistent-physml-dir/m.safetensors"), "%s", hostile_err);
    cr_expect(strstr(hostile_out, "epoch") == NULL, "trained before checking --save: %s", hostile_out);
    cr_expect(time(NULL) - t0 < 30, "the check came after the work");
    cr_expect_eq(PHYSML("ising", "--L", "8", "--sweeps", "10", "--save-state",
                        "/nonexistent-physml-dir/s"),
                 1);
}

/* Directory names that a shell or a gnuplot string would take for code stay names: nothing
 * runs, every file lands in the directory asked for, and the figures render. */
HOSTILE(hostile_directory_names)
{
    static const char *const names[] = {"x';touch PWNED;'", "it's here", "a\"b $(touch PWNED2)",
                                        "semi;colon\nnewline"};
    char cwd[512];
    cr_assert(getcwd(cwd, sizeof cwd) != NULL);
    cr_assert(chdir(pml_test_tmppath("")) == 0);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
        cr_expect_eq(PHYSML("ising", "scan", "--L", "4", "--T", "2.2,2.4", "--sweeps", "40",
                            "--therm", "10", "--quiet", "--device", "cpu", "--out", names[i]),
                     0, "'%s': %s", names[i], hostile_err);
        cr_expect_eq(PHYSML("meanfield", "--quiet", "--out", names[i]), 0, "'%s': %s", names[i],
                     hostile_err);
        static const char *const files[] = {"scan.csv", "scan.dat", "exact.dat", "scan.gp",
                                            "meanfield_m.dat", "meanfield.gp", "scan.png",
                                            "meanfield.png"};
        const int with_png = pml_on_path("gnuplot");
        for (size_t k = 0; k < sizeof files / sizeof files[0]; ++k) {
            if (!with_png && strstr(files[k], ".png")) continue;
            char path[600];
            snprintf(path, sizeof path, "%s/%s", names[i], files[k]);
            struct stat st;
            cr_expect(stat(path, &st) == 0 && st.st_size > 0, "'%s' missing or empty", path);
        }
    }
    struct stat st;
    cr_expect(stat("PWNED", &st) != 0 && stat("PWNED2", &st) != 0, "a name ran as a command");
    cr_assert(chdir(cwd) == 0);
}

/* A FIFO where a file is expected is refused at once, not read forever. */
HOSTILE(fifo_inputs)
{
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s", pml_test_tmppath("fifo"));
    cr_assert(mkfifo(fifo, 0600) == 0);
    const time_t t0 = time(NULL);
    cr_expect_eq(PHYSML("eval", "--model", fifo), 1);
    cr_expect(strstr(hostile_err, "not a regular file") != NULL, "%s", hostile_err);
    cr_expect_eq(PHYSML("ising", "--resume", fifo), 1);
    cr_expect(strstr(hostile_err, "not a regular file") != NULL, "%s", hostile_err);
    cr_expect(time(NULL) - t0 < 10);
}
