/* physml ising: one lattice at one temperature; `physml ising scan` is in cmd_ising_scan.c.
 * A long run can write its state as it goes (--save-state FILE, every --save-every sweeps,
 * atomically) and a killed run continues from it (--resume FILE) to the same result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ising_cli.h"

#define MAX_SIDE 1048576.0
#define MAX_SWEEPS 1e15

typedef struct ising_args {
    int64_t L, Ly, sweeps, therm, save_every;
    double T, B, J;
    uint64_t seed;
    const char *rule, *device, *out, *start, *save_state, *resume;
    int json, quiet;
    int given_Ly, given_lattice; /* given_lattice: any of L, Ly, T, B, J, rule, seed, start */
} ising_args;

/* The lattice: from the command line, or the state file of --resume (whose size, T, B, J,
 * rule, seed and sweeps done decide the rest of the run). */
static int make_lattice(const ising_args *a, pml_device *dev, pml_ising **out)
{
    pml_status s;
    if (a->resume) {
        s = pml_ising_load(dev, a->resume, out);
        if (s != PML_OK) return pml_cli_fail("ising", "--resume", s);
        pml_ising_config c;
        pml_ising_get_config(*out, &c);
        if (c.replicas != 1) {
            pml_ising_destroy(*out);
            *out = NULL;
            return pml_cli_usage("ising", "resume", "'%s' holds %lld replicas; `physml ising` "
                                 "runs one", a->resume, (long long)c.replicas);
        }
        return 0;
    }
    const int rule = pml_parse_rule(a->rule);
    const int cold = strcmp(a->start, "cold") == 0 ||
                     (strcmp(a->start, "auto") == 0 && a->J > 0 && a->T < pml_ising_tc(a->J));
    pml_ising_config cfg = {a->L, a->Ly, 1, a->J, (pml_ising_rule)rule, a->seed};
    s = pml_ising_create(dev, &cfg, &a->T, &a->B, out);
    if (s == PML_OK && !cold) s = pml_ising_init(*out, PML_ISING_HOT);
    if (s != PML_OK) return pml_cli_fail("ising", "creating the lattice", s);
    return 0;
}

/* Sweep (measure = 0) or sample until `target` of that kind are done, `*done` counting them;
 * the state is saved every a->save_every sweeps. */
static pml_status advance(const ising_args *a, pml_ising *g, int measure, int64_t target,
                          int64_t *done, pml_progress *p, int64_t base)
{
    const int64_t chunk = (a->therm + a->sweeps) / 100 + 1;
    pml_status s = PML_OK;
    while (s == PML_OK && *done < target) {
        int64_t k = target - *done < chunk ? target - *done : chunk;
        if (a->save_state) {
            const int64_t to_save = a->save_every - pml_ising_sweeps_done(g) % a->save_every;
            if (k > to_save) k = to_save;
        }
        s = measure ? pml_ising_sample(g, k) : pml_ising_sweep(g, k);
        *done += k;
        if (s == PML_OK && a->save_state && pml_ising_sweeps_done(g) % a->save_every == 0)
            s = pml_ising_save(g, a->save_state);
        pml_progress_update(p, base + *done, measure ? "measuring" : "thermalising");
    }
    return s;
}

static void print_result(const ising_args *a, const pml_ising *g, const pml_ising_stats *st,
                         pml_device *dev, double fpns)
{
    pml_ising_config c;
    pml_ising_get_config(g, &c);
    char warning[1024];
    pml_ising_warn("ising", NULL, st, warning, sizeof warning);
    if (a->json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_int(&j, "L", c.lx);
        pml_jsonl_num(&j, "T", st->T);
        pml_jsonl_num(&j, "B", st->B);
        pml_jsonl_num(&j, "J", c.J);
        pml_jsonl_str(&j, "rule", pml_rule_name(c.rule));
        pml_jsonl_int(&j, "sweeps", a->sweeps);
        pml_jsonl_int(&j, "therm", a->therm);
        pml_jsonl_str(&j, "device", pml_device_spec(dev));
        pml_ising_stats_jsonl(&j, st, warning);
        pml_jsonl_num(&j, "flips_per_ns", fpns);
        pml_jsonl_end(&j);
        return;
    }
    const char *unit = c.rule == PML_ISING_WOLFF ? "steps" : "sweeps"; /* Wolff: a cluster */
    printf("Ising %lldx%lld, T = %g, B = %g, J = %g, %s, %lld + %lld %s on %s\n",
           (long long)c.lx, (long long)c.ly, st->T, st->B, c.J, pml_rule_name(c.rule),
           (long long)a->therm, (long long)a->sweeps, unit, pml_device_spec(dev));
    printf("  e      = %+.6f +- %.6f   (tau_e = %.1f %s)\n", st->e, st->e_err, st->tau_e, unit);
    printf("  m      = %+.6f +- %.6f\n", st->m, st->m_err);
    printf("  |m|    = %.6f +- %.6f    (tau_|m| = %.1f %s)\n", st->m_abs, st->m_abs_err,
           st->tau_m, unit);
    printf("  <m^2>  = %.6f, <m^4> = %.6f\n", st->m2, st->m4);
    printf("  C      = %.4f +- %.4f, chi = %.4f +- %.4f, Binder U = %.4f +- %.4f\n", st->c,
           st->c_err, st->chi, st->chi_err, st->binder, st->binder_err);
    if (st->cluster_samples > 0) /* at B = 0 chi_m estimates N <m^2> / T, as the clusters do */
        printf("  chi_m  = %.4f +- %.4f from the spins, %.4f +- %.4f from the cluster sizes\n",
               st->chi_m, st->chi_m_err, st->chi_cluster, st->chi_cluster_err);
    if (st->B == 0.0 && c.J > 0)
        printf("  exact (infinite lattice): e = %.6f, |m| = %.6f (T_c = %.6f)\n",
               pml_ising_onsager_energy(st->T, c.J), pml_ising_yang_m(st->T, c.J),
               pml_ising_tc(c.J));
    if (c.rule == PML_ISING_WOLFF)
        printf("  speed  = %.0f steps/s\n", fpns * 1e9 / (double)(c.lx * c.ly));
    else
        printf("  speed  = %.3f flips/ns%s\n", fpns,
               c.rule == PML_ISING_SWENDSEN_WANG ? " (sites updated per ns)" : "");
}

/* The run after the lattice exists: thermalise and measure what is left, the image. */
static int run(const ising_args *a, pml_device *dev, pml_ising *g)
{
    /* a resumed state knows how far it got: every sweep before the first sample was
     * thermalisation */
    pml_ising_stats st;
    pml_status s = pml_ising_stats_get(g, &st, 1);
    const int64_t sampled = s == PML_OK ? st.samples : 0;
    int64_t therm_done = pml_ising_sweeps_done(g) - sampled, sample_done = sampled;
    /* the run it continues: measuring began after exactly --therm sweeps, and it is not past
     * the end */
    if (a->resume && (therm_done > a->therm || (sample_done > 0 && therm_done != a->therm) ||
                      sample_done > a->sweeps))
        return pml_cli_usage("ising", "resume", "'%s' measured %lld sweeps after %lld of "
                             "thermalisation: it is not a run of --therm %lld --sweeps %lld",
                             a->resume, (long long)sample_done, (long long)therm_done,
                             (long long)a->therm, (long long)a->sweeps);
    pml_ising_config c;
    pml_ising_get_config(g, &c);
    pml_progress prog;
    pml_progress_start(&prog, "ising", a->therm + a->sweeps, a->quiet);
    const int64_t before = pml_ising_sweeps_done(g);
    const double t0 = pml_now();
    if (s == PML_OK) s = advance(a, g, 0, a->therm, &therm_done, &prog, 0);
    if (s == PML_OK) s = advance(a, g, 1, a->sweeps, &sample_done, &prog, a->therm);
    /* and the state at the end, unless the last sweep just wrote it */
    if (s == PML_OK && a->save_state && pml_ising_sweeps_done(g) % a->save_every != 0)
        s = pml_ising_save(g, a->save_state);
    if (s == PML_OK) s = pml_device_synchronize(dev);
    const double dt = pml_now() - t0;
    if (s == PML_OK) s = pml_ising_stats_get(g, &st, 1);
    if (s != PML_OK) return pml_cli_fail("ising", "running", s);
    const double flips = (double)c.lx * (double)c.ly * (double)(pml_ising_sweeps_done(g) - before);
    const double fpns = dt > 0 ? flips / dt / 1e9 : 0.0;
    char summary[96];
    snprintf(summary, sizeof summary, "%.3f flips/ns", fpns);
    pml_progress_finish(&prog, summary);
    int rc = 0;
    if (a->out) {
        const size_t n = pml_ising_spin_count(g);
        int8_t *spins = malloc(n);
        char path[PML_PATH_MAX];
        if (!spins) rc = pml_cli_fail("ising", "the lattice image", PML_ERR_OUT_OF_MEMORY);
        else if ((s = pml_ising_get_spins(g, spins, n)) != PML_OK)
            rc = pml_cli_fail("ising", "the lattice image", s);
        else if ((rc = pml_cli_path("ising", path, sizeof path, a->out, "ising_lattice.png")) == 0)
            rc = pml_ising_png("ising", path, spins, c.lx, c.ly, a->quiet);
        free(spins);
    }
    print_result(a, g, &st, dev, fpns);
    return rc;
}

int pml_cmd_ising(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "scan") == 0) return pml_cmd_ising_scan(argc, argv);
    ising_args a = {.L = 64, .sweeps = 10000, .therm = 1000, .save_every = 1000, .T = 2.0,
                    .J = 1.0, .seed = 1, .rule = "metropolis", .device = "auto",
                    .start = "auto"};
    int *lat = &a.given_lattice;
    const pml_opt opts[] = {
        {"L", PML_OPT_INT, &a.L, "N", "lattice side (even), default 64", 2, MAX_SIDE, .given = lat},
        {"Ly", PML_OPT_INT, &a.Ly, "N", "other side when not square (even)", 2, MAX_SIDE,
         .given = &a.given_Ly},
        {"T", PML_OPT_DOUBLE, &a.T, "T", "temperature, k_B = 1 (2.0)", PML_CLI_T_MIN, HUGE_VAL, .given = lat},
        {"B", PML_OPT_DOUBLE, &a.B, "B", "field, B > 0 favours +1 (0)", -PML_CLI_FIELD_MAX, PML_CLI_FIELD_MAX,
         .given = lat},
        {"J", PML_OPT_DOUBLE, &a.J, "J", "coupling (1)", -PML_CLI_FIELD_MAX, PML_CLI_FIELD_MAX, .given = lat},
        {"rule", PML_OPT_CHOICE, &a.rule, "R", "update rule (metropolis)",
         .choices = PML_ISING_RULE_CHOICES, .given = lat},
        {"sweeps", PML_OPT_INT, &a.sweeps, "N",
         "measured sweeps (10000; for wolff, single-cluster steps)", 1, MAX_SWEEPS},
        {"therm", PML_OPT_INT, &a.therm, "N", "thermalisation sweeps before measuring (1000)", 0,
         MAX_SWEEPS},
        {"seed", PML_OPT_U64, &a.seed, "S", "Philox seed (1)", .given = lat},
        {"start", PML_OPT_CHOICE, &a.start, "S",
         "auto: cold below T_c (hot quenches freeze into stripes), else hot",
         .choices = "auto|hot|cold", .given = lat},
        {"device", PML_OPT_STR, &a.device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"json", PML_OPT_FLAG, &a.json, NULL, "print one JSON object"},
        {"out", PML_OPT_STR, &a.out, "DIR", "write DIR/ising_lattice.png (the final lattice)"},
        {"save-state", PML_OPT_STR, &a.save_state, "FILE",
         "write the run's state to FILE every --save-every sweeps and at the end (atomically), "
         "to --resume it"},
        {"save-every", PML_OPT_INT, &a.save_every, "N", "sweeps between states (1000)", 1,
         MAX_SWEEPS},
        {"resume", PML_OPT_STR, &a.resume, "FILE",
         "continue the run saved in FILE (its lattice, T, B, J, rule and seed) to --therm + "
         "--sweeps"},
        {"quiet", PML_OPT_FLAG, &a.quiet, NULL, "no progress on stderr"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(
        "ising",
        "ising [--L 64] [--T 2.0] [--B 0] [--J 1] [--rule metropolis|heatbath|sw|wolff] [--sweeps N] "
        "[--therm N] [--seed S] [--start auto|hot|cold] [--device D] [--json] [--out DIR] "
        "[--save-state FILE [--save-every N]] [--resume FILE]\n"
        "       physml ising scan --help",
        "Checkerboard Monte Carlo of the 2D Ising model, H = -J sum s_i s_j - B sum s_i, on a "
        "periodic lattice: energy, magnetisation, specific heat, susceptibility, Binder "
        "cumulant, binning error bars and autocorrelation times.",
        argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;
    if (!a.given_Ly) a.Ly = a.L;
    a.given_lattice |= a.given_Ly;
    if (a.resume && a.given_lattice)
        return pml_cli_usage("ising", "resume", "the lattice, T, B, J, rule, seed and start come "
                             "from the state file; give only --therm, --sweeps and outputs");
    if (!a.resume && (a.L % 2 || a.Ly % 2))
        return pml_cli_usage("ising", a.L % 2 ? "L" : "Ly", "sides must be even (%lld x %lld)",
                             (long long)a.L, (long long)a.Ly);
    if (!a.resume && (r = pml_ising_rule_check("ising", pml_parse_rule(a.rule), a.B, &a.device)))
        return r;
    /* destinations before the work */
    if (a.out && pml_cli_out_dir("ising", a.out)) return 1;
    if (a.save_state && pml_cli_out_file("ising", "--save-state", a.save_state)) return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device("ising", a.device, &dev)) != 0) return r;
    pml_ising *g = NULL;
    r = make_lattice(&a, dev, &g);
    if (r == 0) r = run(&a, dev, g);
    pml_ising_destroy(g);
    pml_device_close(dev);
    return r;
}
