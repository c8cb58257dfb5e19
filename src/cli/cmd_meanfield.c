/* physml meanfield: every root of m = tanh((J q m + B) / T) and the primer's Fig. 3. */
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

typedef struct mf_args {
    double T, B, J;
    int64_t q;
    double roots[8];
    int n;
} mf_args;

/* meanfield_m.dat: m_MF(T), the stable root, from 0 to 1.6 T_c^MF. */
static void write_m(FILE *f, const mf_args *a)
{
    const double tc = pml_meanfield_tc(a->J, (int)a->q);
    fprintf(f, "# T m_stable (J = %g, q = %lld, B = %g)\n", a->J, (long long)a->q, a->B);
    for (int i = 1; i <= 300; ++i) {
        const double t = 1.6 * tc * i / 300.0;
        fprintf(f, "%.6g %.10g\n", t, mf_stable(t, a->B, a->J, (int)a->q));
    }
}

/* meanfield.gp: Fig. 3, y = tanh(x) against the lines y = m = (x T - B)/(J q) for the T
 * asked and for 1.5 T_c^MF and 0.6 T_c^MF, the roots; and m_MF(T). Files relative to its
 * own directory. */
static void write_gp(FILE *f, const mf_args *a)
{
    const double tc = pml_meanfield_tc(a->J, (int)a->q), th = 1.5 * tc, tl = 0.6 * tc;
    const double Jq = a->J * (double)a->q, T = a->T, B = a->B;
    fprintf(f, "# physml meanfield: render with `gnuplot meanfield.gp` in this directory\n");
    pml_gnuplot_output(f, "meanfield.png", "set terminal pngcairo size 1200,500 font ',10'");
    fprintf(f, "set multiplot layout 1,2\nset grid\nset key left top\n");
    fprintf(f, "set title 'Fig. 3: tanh(x) = m, x = (Jqm + B)/T (J = %g, q = %lld, B = %g)'\n",
            a->J, (long long)a->q, B);
    fprintf(f, "set xlabel 'x = (J q m + B) / T'\nset ylabel 'm'\nset xrange [-3:3]\n"
               "set yrange [-1.3:1.3]\n");
    fprintf(f, "plot tanh(x) lw 2 lc 'black' title 'tanh(x)', "
               "(x*%.10g - %.10g)/%.10g lw 2 lc rgb '#1f77b4' title 'T = %.3g (above T_c^{MF})', "
               "(x*%.10g - %.10g)/%.10g lw 2 lc rgb '#ff7f0e' title 'T = %.3g (below)', "
               "(x*%.10g - %.10g)/%.10g lw 2 dt 2 lc rgb '#2ca02c' title 'T = %g (asked)'",
            th, B, Jq, th, tl, B, Jq, tl, T, B, Jq, T);
    for (int i = 0; i < a->n; ++i)
        fprintf(f, ", '+' using ((%.10g*%.10g + %.10g)/%.10g):(%.10g) every ::0::0 with points "
                   "pt 7 ps 1.5 lc rgb '#d62728' %s",
                Jq, a->roots[i], B, T, a->roots[i], i ? "notitle" : "title 'roots'");
    fprintf(f, "\nset title 'm_{MF}(T), stable root'\nset key right top\n"
               "set xlabel 'T'\nset ylabel 'm'\nset xrange [0:%g]\nset yrange [-1.05:1.05]\n"
               "set arrow from %g, graph 0 to %g, graph 1 nohead dt 3 lc 'gray'\n"
               "plot 'meanfield_m.dat' using 1:2 with lines lw 2 title 'm_{MF}(T)'\n"
               "unset multiplot\n",
            1.6 * tc, tc, tc);
}

static void print_roots(const mf_args *a, int json)
{
    const double tc = pml_meanfield_tc(a->J, (int)a->q);
    const double stable = mf_stable(a->T, a->B, a->J, (int)a->q);
    if (json) {
        char arr[512];
        int k = snprintf(arr, sizeof arr, "[");
        for (int i = 0; i < a->n; ++i)
            k += snprintf(arr + k, sizeof arr - (size_t)k, "%s%.15g", i ? ", " : "", a->roots[i]);
        snprintf(arr + k, sizeof arr - (size_t)k, "]");
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_num(&j, "T", a->T);
        pml_jsonl_num(&j, "B", a->B);
        pml_jsonl_num(&j, "J", a->J);
        pml_jsonl_int(&j, "q", (long long)a->q);
        pml_jsonl_num(&j, "tc_mf", tc);
        pml_jsonl_raw(&j, "roots", arr);
        pml_jsonl_num(&j, "m_stable", stable);
        pml_jsonl_end(&j);
        return;
    }
    printf("mean field: m = tanh((J q m + B)/T), J = %g, q = %lld, B = %g, T = %g "
           "(T_c^MF = qJ = %g)\n",
           a->J, (long long)a->q, a->B, a->T, tc);
    for (int i = 0; i < a->n; ++i) printf("  root %d: m = %+.12f\n", i + 1, a->roots[i]);
    printf("  stable: m = %+.12f\n", stable);
}

int pml_cmd_meanfield(int argc, char **argv)
{
    mf_args a = {.T = 3.0, .B = 0.0, .J = 1.0, .q = 4};
    int json = 0, quiet = 0;
    const char *out = "out/meanfield";
    const pml_opt opts[] = {
        {"T", PML_OPT_DOUBLE, &a.T, "T", "temperature (3.0)", PML_CLI_T_MIN, HUGE_VAL},
        {"B", PML_OPT_DOUBLE, &a.B, "B", "field, B > 0 favours +1 (0)", -PML_CLI_FIELD_MAX, PML_CLI_FIELD_MAX},
        {"J", PML_OPT_DOUBLE, &a.J, "J", "coupling (1); T_c^MF = qJ must be > 0 for the plots",
         -PML_CLI_FIELD_MAX, PML_CLI_FIELD_MAX},
        {"q", PML_OPT_INT, &a.q, "Q", "coordination number (4: square lattice)", 1, 1000},
        {"json", PML_OPT_FLAG, &json, NULL, "print one JSON object"},
        {"out", PML_OPT_STR, &out, "DIR", "meanfield_m.dat, meanfield.gp and meanfield.png (out/meanfield)"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse("meanfield",
                          "meanfield [--T 3.0] [--B 0] [--J 1] [--q 4] [--json] [--out DIR]",
                          "Mean-field Ising (primer Eq. 18, sign convention of ERRATA.md): every "
                          "solution of m = tanh((J q m + B)/T), T_c^MF = qJ, the graphical "
                          "solution of Fig. 3 and m_MF(T).",
                          argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;
    pml_status s = pml_meanfield_roots(a.T, a.B, a.J, (int)a.q, a.roots, 8, &a.n);
    if (s != PML_OK) return pml_cli_fail("meanfield", "solving", s);
    if (a.n > 8) a.n = 8;
    print_roots(&a, json);
    /* the figures span 0 .. 1.6 T_c^MF: they need a ferromagnet; the roots above stand */
    if (!(a.J > 0)) {
        fprintf(stderr, "physml meanfield: note: no figures for J = %g (they span T up to "
                        "1.6 qJ, which needs J > 0)\n", a.J);
        return 0;
    }
    if (pml_cli_out_dir("meanfield", out)) return 1;
    static const struct {
        const char *name;
        void (*write)(FILE *f, const mf_args *a);
    } files[] = {{"meanfield_m.dat", write_m}, {"meanfield.gp", write_gp}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
        char path[PML_PATH_MAX];
        pml_wfile w;
        if (pml_cli_path("meanfield", path, sizeof path, out, files[i].name) ||
            pml_cli_open("meanfield", path, &w))
            return 1;
        files[i].write(w.f, &a);
        if (pml_cli_commit("meanfield", &w, quiet)) return 1;
    }
    return pml_gnuplot_render("meanfield", out, "meanfield.gp", "meanfield.png", quiet) < 0;
}
