/* physml hopfield with bad input: every bad number and every unfit patterns or probe file is
 * a one-line error naming the option or the file, before any work. */
#include "hostile.h"

#include <stdio.h>
#include <string.h>

/* A .npy written by the library: dtype dt, rows x cols, every element `value`. */
static const char *npy(const char *name, pml_dtype dt, int64_t rows, int64_t cols, double value)
{
    pml_device *cpu = NULL;
    pml_tensor *t = NULL;
    cr_assert_eq(pml_device_open("cpu", &cpu), PML_OK);
    cr_assert_eq(pml_tensor_create_2d(cpu, dt, rows, cols, &t), PML_OK);
    cr_assert_eq(pml_tensor_fill(t, value), PML_OK);
    const char *path = pml_test_tmppath(name);
    cr_assert_eq(pml_npy_write(path, t), PML_OK);
    pml_tensor_destroy(t);
    pml_device_close(cpu);
    return path;
}

HOSTILE(hopfield_bad_numbers)
{
    USAGE("--noise", "hopfield", "recall", "--noise", "1.5");
    USAGE("--noise", "hopfield", "recall", "--noise", "nan");
    USAGE("--occlude", "hopfield", "recall", "--occlude", "-0.1");
    USAGE("--T", "hopfield", "recall", "--mode", "glauber", "--T", "0");
    USAGE("--beta", "hopfield", "recall", "--beta", "-1");
    USAGE("--sweeps", "hopfield", "recall", "--sweeps", "0");
    USAGE("--rule", "hopfield", "recall", "--rule", "hebbian");
    USAGE("--mode", "hopfield", "recall", "--mode", "parallel");
    USAGE("--classes", "hopfield", "recall", "--data", "/nonexistent", "--classes", "1,x");
    USAGE("--patterns", "hopfield", "recall", "--stripes", "--patterns", "/nonexistent.npy");
    USAGE("--probe", "hopfield", "recall", "--noise", "0.1", "--probe", "/nonexistent.npy");
    USAGE("--N", "hopfield", "capacity", "--N", "1");
    USAGE("--N", "hopfield", "capacity", "--N", "100,70000");
    USAGE("--alpha", "hopfield", "capacity", "--alpha", "0.3:0.1:0.01");
    USAGE("--alpha", "hopfield", "capacity", "--alpha", "0.1,1.5");
    USAGE("--sets", "hopfield", "capacity", "--sets", "1");
    USAGE("--flip", "hopfield", "capacity", "--flip", "0.7");
    USAGE("--threshold", "hopfield", "capacity", "--threshold", "0");
    USAGE("--rule", "hopfield", "capacity", "--rule", "modern");
    USAGE("--T", "hopfield", "capacity", "--mode", "glauber", "--T", "-1");
}

HOSTILE(hopfield_unfit_files)
{
    /* values other than +-1 or 0/1 */
    USAGE("--patterns", "hopfield", "recall", "--patterns", npy("half.npy", PML_F32, 3, 16, 0.5));
    USAGE("--patterns", "hopfield", "recall", "--patterns", npy("twos.npy", PML_I32, 3, 16, 2));
    /* probes with another number of neurons than the patterns */
    const char *pat = npy("pat.npy", PML_I8, 2, 16, 1);
    USAGE("--probe", "hopfield", "recall", "--patterns", pat, "--probe",
          npy("probe.npy", PML_I8, 2, 15, -1));
    /* P = 0: a header-only .npy of 0 x 16 */
    const char *p0 = pml_test_tmppath("p0.npy");
    char hdr[128] = "\x93NUMPY\x01\x00";
    const char *dict = "{'descr': '|i1', 'fortran_order': False, 'shape': (0, 16), }";
    const size_t hl = 128 - 10;
    hdr[8] = (char)(hl & 0xff);
    hdr[9] = (char)(hl >> 8);
    memset(hdr + 10, ' ', hl);
    memcpy(hdr + 10, dict, strlen(dict));
    hdr[127] = '\n';
    pml_test_write_file(p0, hdr, sizeof hdr);
    USAGE("--patterns", "hopfield", "recall", "--patterns", p0);
    cr_expect(strstr(hostile_err, "0 x 16") != NULL && strstr(hostile_err, "----") == NULL, "%s",
              hostile_err);
    /* N = 1: refused by the library, named */
    cr_expect_eq(PHYSML("hopfield", "recall", "--device", "cpu", "--patterns",
                        npy("one.npy", PML_I8, 1, 1, 1), "--out", pml_test_tmppath("o1")), 1);
    cr_expect(strstr(hostile_err, "n = 1") != NULL, "%s", hostile_err);
    /* a patterns file that is not an array: named */
    const char *junk = pml_test_tmppath("junk.npy");
    pml_test_write_file(junk, "not an npy", 10);
    cr_expect_eq(PHYSML("hopfield", "recall", "--device", "cpu", "--patterns", junk), 1);
    cr_expect(strstr(hostile_err, "junk.npy") != NULL, "%s", hostile_err);
    /* 0/1 patterns are accepted (the primer's form) */
    cr_expect_eq(PHYSML("hopfield", "recall", "--device", "cpu", "--quiet", "--patterns",
                        npy("zeros.npy", PML_U8, 2, 16, 0), "--out", pml_test_tmppath("o2")), 0);
}
