/* physml meanfield: every root of m = tanh((J q m + B) / T) and the primer's Fig. 3. */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "cli/ising_cli.h"

/* The stable root: the one of largest |m| on the side the field favours (+ at B = 0). */
static double mf_stable(double T, double B, double J, int q)
{
    double r[8];
    int n = 0;
    if (pml_meanfield_roots(T, B, J, q, r, 8, &n) != PML_OK || n < 1) return NAN;
    if (n > 8) n = 8;
    return B < 0 ? r[0] : r[n - 1];
}

int pml_cmd_meanfield(int argc, char **argv)
{
    double T = 3.0, B = 0.0, J = 1.0;
    long q = 4;
    int json = 0, quiet = 0;
    const char *out = "out/meanfield";
    const pml_opt opts[] = {
        {"T", PML_OPT_DOUBLE, &T, "T", "temperature (3.0)"},
        {"B", PML_OPT_DOUBLE, &B, "B", "field, B > 0 favours +1 (0)"},
        {"J", PML_OPT_DOUBLE, &J, "J", "coupling (1)"},
        {"q", PML_OPT_INT, &q, "Q", "coordination number (4: square lattice)"},
        {"json", PML_OPT_FLAG, &json, NULL, "print one JSON object"},
        {"out", PML_OPT_STR, &out, "DIR", "meanfield.gp, .dat and meanfield.png (out/meanfield)"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse("meanfield", "meanfield [--T 3.0] [--B 0] [--J 1] [--q 4] [--json] [--out DIR]",
                          "Mean-field Ising (primer Eq. 18, sign convention of ERRATA.md): every "
                          "solution of m = tanh((J q m + B)/T), T_c^MF = qJ, the graphical "
                          "solution of Fig. 3 and m_MF(T).",
                          argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;
    if (q < 1 || q > 1000) {
        fprintf(stderr, "physml meanfield: --q %ld: needs 1 <= q <= 1000\n", q);
        return 2;
    }
    double roots[8];
    int n = 0;
    pml_status s = pml_meanfield_roots(T, B, J, (int)q, roots, 8, &n);
    if (s != PML_OK) return pml_cli_fail("meanfield", "solving", s);
    if (n > 8) n = 8;
    const double tc = pml_meanfield_tc(J, (int)q);
    if (json) {
        char arr[512];
        int k = snprintf(arr, sizeof arr, "[");
        for (int i = 0; i < n; ++i)
            k += snprintf(arr + k, sizeof arr - (size_t)k, "%s%.15g", i ? ", " : "", roots[i]);
        snprintf(arr + k, sizeof arr - (size_t)k, "]");
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_num(&j, "T", T);
        pml_jsonl_num(&j, "B", B);
        pml_jsonl_num(&j, "J", J);
        pml_jsonl_int(&j, "q", q);
        pml_jsonl_num(&j, "tc_mf", tc);
        pml_jsonl_raw(&j, "roots", arr);
        pml_jsonl_num(&j, "m_stable", mf_stable(T, B, J, (int)q));
        pml_jsonl_end(&j);
    } else {
        printf("mean field: m = tanh((J q m + B)/T), J = %g, q = %ld, B = %g, T = %g "
               "(T_c^MF = qJ = %g)\n",
               J, q, B, T, tc);
        for (int i = 0; i < n; ++i)
            printf("  root %d: m = %+.12f\n", i + 1, roots[i]);
        printf("  stable: m = %+.12f\n", mf_stable(T, B, J, (int)q));
    }
    /* Fig. 3: y = tanh(x) against the lines y = m = (x T - B)/(J q), x = (J q m + B)/T, for
     * the T asked and for 1.5 T_c^MF and 0.6 T_c^MF; and m_MF(T). */
    if (pml_mkdirs(out) != 0) {
        fprintf(stderr, "physml meanfield: cannot create '%s'\n", out);
        return 1;
    }
    char abs[PATH_MAX], path[PATH_MAX + 64];
    if (!realpath(out, abs)) snprintf(abs, sizeof abs, "%s", out);
    snprintf(path, sizeof path, "%s/meanfield_m.dat", abs);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "physml meanfield: cannot write '%s'\n", path);
        return 1;
    }
    fprintf(f, "# T m_stable (J = %g, q = %ld, B = %g)\n", J, q, B);
    for (int i = 1; i <= 300; ++i) {
        const double t = 1.6 * tc * i / 300.0;
        fprintf(f, "%.6g %.10g\n", t, mf_stable(t, B, J, (int)q));
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/meanfield.gp", abs);
    if (!(f = fopen(path, "w"))) {
        fprintf(stderr, "physml meanfield: cannot write '%s'\n", path);
        return 1;
    }
    const double th = 1.5 * tc, tl = 0.6 * tc;
    fprintf(f, "# physml meanfield: render with `gnuplot meanfield.gp`\ncd '%s'\n", abs);
    fprintf(f, "set terminal pngcairo size 1200,500 font ',10'\nset output 'meanfield.png'\n");
    fprintf(f, "set multiplot layout 1,2\nset grid\nset key left top\n");
    fprintf(f, "set title 'Fig. 3: tanh(x) = m, x = (Jqm + B)/T (J = %g, q = %ld, B = %g)'\n", J, q, B);
    fprintf(f, "set xlabel 'x = (J q m + B) / T'\nset ylabel 'm'\nset xrange [-3:3]\nset yrange [-1.3:1.3]\n");
    fprintf(f, "plot tanh(x) lw 2 lc 'black' title 'tanh(x)', "
               "(x*%.10g - %.10g)/%.10g lw 2 lc rgb '#1f77b4' title 'T = %.3g (above T_c^{MF})', "
               "(x*%.10g - %.10g)/%.10g lw 2 lc rgb '#ff7f0e' title 'T = %.3g (below)', "
               "(x*%.10g - %.10g)/%.10g lw 2 dt 2 lc rgb '#2ca02c' title 'T = %g (asked)'",
            th, B, J * q, th, tl, B, J * q, tl, T, B, J * q, T);
    for (int i = 0; i < n; ++i)
        fprintf(f, ", '+' using ((%.10g*%.10g + %.10g)/%.10g):(%.10g) every ::0::0 with points "
                   "pt 7 ps 1.5 lc rgb '#d62728' %s",
                J * q, roots[i], B, T, roots[i], i ? "notitle" : "title 'roots'");
    fprintf(f, "\nset title 'm_{MF}(T), stable root'\nset key right top\n"
               "set xlabel 'T'\nset ylabel 'm'\nset xrange [0:%g]\nset yrange [-1.05:1.05]\n"
               "set arrow from %g, graph 0 to %g, graph 1 nohead dt 3 lc 'gray'\n"
               "plot 'meanfield_m.dat' using 1:2 with lines lw 2 title 'm_{MF}(T)'\n"
               "unset multiplot\n",
            1.6 * tc, tc, tc);
    fclose(f);
    const int g = pml_gnuplot_render(path);
    if (!quiet) {
        if (g == 0) fprintf(stderr, "wrote %s/meanfield.png\n", abs);
        else if (g == 1) fprintf(stderr, "gnuplot not found: %s kept for later\n", path);
        else fprintf(stderr, "physml meanfield: gnuplot failed on %s\n", path);
    }
    return g < 0 ? 1 : 0;
}
