/* Statistics that never pretend, as the tool reports them: a run that cannot move says so on
 * stderr and in the JSON; the start that used to trap a 4 x 4 lattice no longer does; every
 * run carries error bars for C, chi and U; a model that gives NaN, or whose metadata names a
 * loss physml does not know, is an error, not a number. */
#include "hostile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number after "key": in a JSON line, NAN when absent or null. */
static double json_num(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(line, pat);
    if (p == NULL) return NAN;
    p += strlen(pat);
    return strncmp(p, "null", 4) == 0 ? NAN : strtod(p, NULL);
}

/* J = 0 and T = 1e30: Metropolis flips every spin every sweep; the numbers describe one
 * state and the tool says so. */
HOSTILE(runs_that_cannot_move_say_so)
{
    static const char *const cases[][2] = {{"--J", "0"}, {"--T", "1e30"}};
    for (int i = 0; i < 2; ++i) {
        cr_assert_eq(PHYSML("ising", "--L", "8", "--sweeps", "200", "--therm", "10",
                            cases[i][0], cases[i][1], "--json", "--quiet", "--device", "cpu"),
                     0, "%s", hostile_err);
        cr_expect(strstr(hostile_err, "warning: frozen") != NULL, "%s %s: %s", cases[i][0],
                  cases[i][1], hostile_err);
        cr_expect(strstr(hostile_out, "\"warning\": \"frozen") != NULL, "%s", hostile_out);
        cr_expect(strstr(hostile_out, "\"frozen\": true") != NULL, "%s", hostile_out);
    }
    /* the scan says which (L, T) */
    cr_assert_eq(PHYSML("ising", "scan", "--L", "4", "--T", "2.3", "--J", "0", "--sweeps",
                        "100", "--therm", "0", "--quiet", "--device", "cpu", "--json", "--out",
                        pml_test_tmppath("scan")),
                 0, "%s", hostile_err);
    cr_expect(strstr(hostile_err, "warning: L = 4, T = 2.3: frozen") != NULL, "%s", hostile_err);
}

/* physml ising --L 4 --T 2.3 --rule metropolis --seed 1034 printed e = 0 +- 0, U = nan:
 * its hot start was a trapped state. Now: near the exact -1.5413 (enumeration), no warning. */
HOSTILE(the_trapped_start_is_avoided)
{
    cr_assert_eq(PHYSML("ising", "--L", "4", "--T", "2.3", "--rule", "metropolis", "--seed",
                        "1034", "--sweeps", "20000", "--json", "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
    const double e = json_num(hostile_out, "e"), err = json_num(hostile_out, "e_err");
    cr_expect(fabs(e + 1.5413) < 5 * err && err > 0, "e = %g +- %g", e, err);
    cr_expect(strstr(hostile_err, "warning") == NULL, "%s", hostile_err);
    cr_expect(isfinite(json_num(hostile_out, "binder")), "%s", hostile_out);
}

/* Error bars for C, chi and U in the JSON, the table, the CSV and the scan's plots. */
HOSTILE(every_run_has_error_bars_for_c_chi_u)
{
    cr_assert_eq(PHYSML("ising", "--L", "16", "--T", "2.3", "--sweeps", "4000", "--json",
                        "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
    static const char *const keys[] = {"c_err", "chi_err", "chi_m_err", "binder_err"};
    for (int k = 0; k < 4; ++k) {
        const double v = json_num(hostile_out, keys[k]);
        cr_expect(isfinite(v) && v > 0, "%s = %g in %s", keys[k], v, hostile_out);
    }
    cr_assert_eq(PHYSML("ising", "--L", "16", "--T", "2.3", "--sweeps", "4000", "--quiet",
                        "--device", "cpu"),
                 0, "%s", hostile_err);
    cr_expect(strstr(hostile_out, "C      = ") && strstr(hostile_out, "Binder U = ") &&
                  strstr(strstr(hostile_out, "Binder U = "), "+-"),
              "%s", hostile_out);
    /* too few samples for a jackknife: null, and said */
    cr_assert_eq(PHYSML("ising", "--L", "8", "--sweeps", "10", "--json", "--quiet", "--device",
                        "cpu"),
                 0, "%s", hostile_err);
    cr_expect(strstr(hostile_out, "\"c_err\": null") != NULL, "%s", hostile_out);
    const char *dir = pml_test_tmppath("scan");
    cr_assert_eq(PHYSML("ising", "scan", "--L", "8,16", "--T", "2.2,2.4", "--sweeps", "2000",
                        "--therm", "200", "--quiet", "--device", "cpu", "--out", dir),
                 0, "%s", hostile_err);
    cr_expect(strstr(hostile_out, "C_err") && strstr(hostile_out, "chi_err") &&
                  strstr(hostile_out, "U_err"),
              "%s", hostile_out);
    char path[400];
    unsigned char text[1 << 14];
    snprintf(path, sizeof path, "%s/scan.csv", dir);
    size_t n = pml_test_read_file(path, text, sizeof text - 1);
    text[n] = '\0';
    cr_expect(strstr((char *)text, ",c,c_err,chi,chi_err,binder,binder_err,") != NULL, "%s",
              text);
    snprintf(path, sizeof path, "%s/scan.gp", dir);
    n = pml_test_read_file(path, text, sizeof text - 1);
    text[n] = '\0';
    cr_expect(strstr((char *)text, "using 1:6:9 with yerrorbars") &&
                  strstr((char *)text, "using 1:7:10 with yerrorbars") &&
                  strstr((char *)text, "using 1:8:11 with yerrorbars"),
              "the plots of C, chi and U have no error bars");
}

/* A model whose weights are NaN evaluates to an error; so does a loss name physml does not
 * know in a model's metadata (it used to fall back to cross-entropy). */
HOSTILE(models_that_cannot_be_evaluated_are_errors)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_from_spec(dev, "dense:10", 784, 16, PML_INIT_HE, 0, 1, &m));
    const char *unknown = pml_test_tmppath("unknown.safetensors");
    const char *meta[] = {"physml_loss", "hinge", NULL};
    PML_ASSERT_OK(pml_model_save(m, unknown, meta));
    PML_ASSERT_OK(pml_tensor_fill(pml_layer_param(pml_model_layer(m, 0), 0), NAN));
    const char *nan_model = pml_test_tmppath("nan.safetensors");
    PML_ASSERT_OK(pml_model_save(m, nan_model, NULL));
    pml_model_destroy(m);
    pml_device_close(dev);
    cr_expect_eq(PHYSML("eval", "--model", unknown), 1);
    cr_expect(strstr(hostile_err, "hinge") != NULL, "%s", hostile_err);
    cr_expect_eq(PHYSML("eval", "--model", nan_model), 1);
    cr_expect(strstr(hostile_err, "not finite") != NULL, "%s", hostile_err);
    cr_expect(strstr(hostile_out, "loss") == NULL, "a loss was reported: %s", hostile_out);
}
