/* physml ising: one lattice at one temperature; `physml ising scan` is in cmd_ising_scan.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ising_cli.h"

int pml_cmd_ising(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "scan") == 0) return pml_cmd_ising_scan(argc, argv);
    long L = 64, Ly = 0;
    double T = 2.0, B = 0.0, J = 1.0;
    long sweeps = 10000, therm = 1000;
    uint64_t seed = 1;
    const char *rule_s = "metropolis", *device = "auto", *out = NULL, *start_s = "auto";
    int json = 0, quiet = 0;
    const pml_opt opts[] = {
        {"L", PML_OPT_INT, &L, "N", "lattice side (even), default 64"},
        {"Ly", PML_OPT_INT, &Ly, "N", "other side when not square (even)"},
        {"T", PML_OPT_DOUBLE, &T, "T", "temperature, k_B = 1 (2.0)"},
        {"B", PML_OPT_DOUBLE, &B, "B", "field, B > 0 favours +1 (0)"},
        {"J", PML_OPT_DOUBLE, &J, "J", "coupling (1)"},
        {"rule", PML_OPT_STR, &rule_s, "R", "metropolis (default) or heatbath"},
        {"sweeps", PML_OPT_INT, &sweeps, "N", "measured sweeps (10000)"},
        {"therm", PML_OPT_INT, &therm, "N", "thermalisation sweeps before measuring (1000)"},
        {"seed", PML_OPT_U64, &seed, "S", "Philox seed (1)"},
        {"start", PML_OPT_STR, &start_s, "S",
         "hot, cold, or auto (default: cold below T_c, where hot quenches freeze into stripes)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"json", PML_OPT_FLAG, &json, NULL, "print one JSON object"},
        {"out", PML_OPT_STR, &out, "DIR", "write DIR/ising_lattice.png (the final lattice)"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no progress on stderr"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(
        "ising",
        "ising [--L 64] [--T 2.0] [--B 0] [--J 1] [--rule metropolis|heatbath] [--sweeps N] "
        "[--therm N] [--seed S] [--start auto|hot|cold] [--device D] [--json] [--out DIR]\n"
        "       physml ising scan --help",
        "Checkerboard Monte Carlo of the 2D Ising model, H = -J sum s_i s_j - B sum s_i, on a "
        "periodic lattice: energy, magnetisation, specific heat, susceptibility, Binder "
        "cumulant, binning error bars and autocorrelation times.",
        argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;
    const int rule = pml_parse_rule(rule_s);
    if (rule < 0) {
        fprintf(stderr, "physml ising: --rule '%s': use metropolis or heatbath\n", rule_s);
        return 2;
    }
    int cold;
    if (strcmp(start_s, "hot") == 0) cold = 0;
    else if (strcmp(start_s, "cold") == 0) cold = 1;
    else if (strcmp(start_s, "auto") == 0) cold = J > 0 && T < pml_ising_tc(J);
    else {
        fprintf(stderr, "physml ising: --start '%s': use hot, cold or auto\n", start_s);
        return 2;
    }
    if (Ly == 0) Ly = L;
    if (L < 2 || L % 2 || Ly < 2 || Ly % 2) {
        fprintf(stderr, "physml ising: --L %ld --Ly %ld: sides must be even and >= 2\n", L, Ly);
        return 2;
    }
    if (sweeps < 1 || therm < 0) {
        fprintf(stderr, "physml ising: --sweeps must be >= 1 and --therm >= 0\n");
        return 2;
    }
    pml_device *dev = NULL;
    if (pml_cli_open_device("ising", device, &dev) != PML_OK) return 1;
    pml_ising_config cfg = {L, Ly, 1, J, (pml_ising_rule)rule, seed};
    pml_ising *g = NULL;
    pml_status s = pml_ising_create(dev, &cfg, &T, &B, &g);
    if (s == PML_OK && !cold) s = pml_ising_init(g, PML_ISING_HOT);
    if (s != PML_OK) {
        pml_device_close(dev);
        return pml_cli_fail("ising", "creating the lattice", s);
    }
    pml_progress prog;
    pml_progress_start(&prog, "ising", therm + sweeps, quiet);
    const int64_t chunk = (therm + sweeps) / 100 + 1;
    double t0 = pml_now();
    for (int64_t done = 0; s == PML_OK && done < therm;) {
        int64_t k = therm - done < chunk ? therm - done : chunk;
        s = pml_ising_sweep(g, k);
        done += k;
        pml_progress_update(&prog, done, "thermalising");
    }
    for (int64_t done = 0; s == PML_OK && done < sweeps;) {
        int64_t k = sweeps - done < chunk ? sweeps - done : chunk;
        s = pml_ising_sample(g, k);
        done += k;
        pml_progress_update(&prog, therm + done, "measuring");
    }
    if (s == PML_OK) s = pml_device_synchronize(dev);
    const double dt = pml_now() - t0;
    pml_ising_stats st;
    if (s == PML_OK) s = pml_ising_stats_get(g, &st, 1);
    int8_t *spins = NULL;
    if (s == PML_OK && out) {
        spins = malloc((size_t)(L * Ly));
        if (!spins) s = PML_ERR_OUT_OF_MEMORY;
        if (s == PML_OK) s = pml_ising_get_spins(g, spins, (size_t)(L * Ly));
    }
    if (s != PML_OK) {
        free(spins);
        pml_ising_destroy(g);
        pml_device_close(dev);
        return pml_cli_fail("ising", "running", s);
    }
    const double fpns = (double)L * (double)Ly * (double)(therm + sweeps) / dt / 1e9;
    char summary[96];
    snprintf(summary, sizeof summary, "%.3f flips/ns", fpns);
    pml_progress_finish(&prog, summary);
    int rc = 0;
    if (out) {
        char path[4096];
        if (pml_mkdirs(out) != 0) {
            fprintf(stderr, "physml ising: cannot create '%s'\n", out);
            rc = 1;
        } else {
            snprintf(path, sizeof path, "%s/ising_lattice.png", out);
            if (pml_ising_png(path, spins, L, Ly) != 0) {
                fprintf(stderr, "physml ising: cannot write '%s'\n", path);
                rc = 1;
            } else if (!quiet) {
                fprintf(stderr, "wrote %s\n", path);
            }
        }
    }
    if (json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_int(&j, "L", L);
        pml_jsonl_num(&j, "T", T);
        pml_jsonl_num(&j, "B", B);
        pml_jsonl_num(&j, "J", J);
        pml_jsonl_str(&j, "rule", pml_rule_name((pml_ising_rule)rule));
        pml_jsonl_int(&j, "sweeps", sweeps);
        pml_jsonl_int(&j, "therm", therm);
        pml_jsonl_str(&j, "device", pml_device_spec(dev));
        pml_jsonl_num(&j, "e", st.e);
        pml_jsonl_num(&j, "e_err", st.e_err);
        pml_jsonl_num(&j, "m", st.m);
        pml_jsonl_num(&j, "m_err", st.m_err);
        pml_jsonl_num(&j, "m_abs", st.m_abs);
        pml_jsonl_num(&j, "m_abs_err", st.m_abs_err);
        pml_jsonl_num(&j, "m2", st.m2);
        pml_jsonl_num(&j, "m4", st.m4);
        pml_jsonl_num(&j, "c", st.c);
        pml_jsonl_num(&j, "chi", st.chi);
        pml_jsonl_num(&j, "binder", st.binder);
        pml_jsonl_num(&j, "tau_e", st.tau_e);
        pml_jsonl_num(&j, "tau_m", st.tau_m);
        pml_jsonl_num(&j, "flips_per_ns", fpns);
        pml_jsonl_end(&j);
    } else {
        printf("Ising %ldx%ld, T = %g, B = %g, J = %g, %s, %ld + %ld sweeps on %s\n", L, Ly, T, B,
               J, pml_rule_name((pml_ising_rule)rule), therm, sweeps, pml_device_spec(dev));
        printf("  e      = %+.6f +- %.6f   (tau_e = %.1f sweeps)\n", st.e, st.e_err, st.tau_e);
        printf("  m      = %+.6f +- %.6f\n", st.m, st.m_err);
        printf("  |m|    = %.6f +- %.6f    (tau_|m| = %.1f sweeps)\n", st.m_abs, st.m_abs_err,
               st.tau_m);
        printf("  <m^2>  = %.6f, <m^4> = %.6f\n", st.m2, st.m4);
        printf("  C      = %.4f, chi = %.4f, Binder U = %.4f\n", st.c, st.chi, st.binder);
        if (B == 0.0 && J > 0) {
            printf("  exact (infinite lattice): e = %.6f, |m| = %.6f (T_c = %.6f)\n",
                   pml_ising_onsager_energy(T, J), pml_ising_yang_m(T, J), pml_ising_tc(J));
        }
        printf("  speed  = %.3f flips/ns\n", fpns);
    }
    free(spins);
    pml_ising_destroy(g);
    pml_device_close(dev);
    return rc;
}
