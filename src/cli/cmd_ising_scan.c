/* physml ising scan: e, |m|, C, chi and U against T for several L, the Binder-crossing T_c,
 * files and plots. The engine (pml_ising_scan_run/_write) is shared with the tour. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/ising_cli.h"

void pml_ising_scan_free(pml_ising_scan *s)
{
    free(s->stats);
    s->stats = NULL;
}

/* The Binder crossing of sizes a and b (L[a] < L[b]) from the library, or NaN when there
 * is none (pml_last_error() says why); u is scratch for 2 nT cumulants. */
static double binder_crossing(const pml_ising_scan *s, int a, int b, double *u)
{
    const int n = s->nT;
    for (int k = 0; k < n; ++k) {
        u[k] = s->stats[a * n + k].binder;
        u[n + k] = s->stats[b * n + k].binder;
    }
    double tc = NAN;
    (void)pml_ising_binder_crossing(s->T, u, u + n, n, &tc); /* tc stays NaN on failure */
    return tc;
}

/* Whether scan replica (l, i) runs the cluster rule. */
static int in_window(const pml_ising_scan *s, int i)
{
    return s->cluster >= 0 && fabs(s->T[i] - pml_ising_tc(fabs(s->J))) <= s->window;
}

/* The state file of batch b (0: the base rule, 1: the cluster window) for `path`. */
static int state_path(const char *command, const char *option, const char *path, int b,
                      char *out, size_t cap)
{
    if (snprintf(out, cap, "%s%s", path, b ? ".cluster" : "") < (int)cap) return 0;
    return pml_cli_usage(command, option, "'%.200s': path too long", path);
}

/* Batch b of the scan from its state file: the scan's batch as the command line makes it
 * (n replicas: sides lx, temperatures Ts, fields Bs, rule, J, seed) or a usage error (2)
 * naming what differs; then how far it got, which must be a point of this scan's schedule
 * (thermalisation todo[0] before any measurement, at most todo[1] measured sweeps). */
static int resume_batch(pml_device *dev, const pml_ising_scan *s, const char *command, int b,
                        int64_t n, const int64_t *lx, const double *Ts, const double *Bs,
                        pml_ising_rule rule, const int64_t todo[2], pml_ising **out,
                        int64_t done[2])
{
    char path[4096];
    if (state_path(command, "resume", s->resume, b, path, sizeof path)) return 2;
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) /* the state of another scan's batches */
        return pml_cli_usage(command, "resume", "'%.200s' is of another scan: it has no %s "
                             "(this scan's %s)", s->resume, b ? "FILE.cluster" : "base batch",
                             b ? "--cluster window" : "--rule temperatures");
    pml_ising *g = NULL;
    pml_status st = pml_ising_load(dev, path, &g);
    if (st != PML_OK) return pml_cli_fail(command, path, st);
    pml_ising_config c;
    pml_ising_get_config(g, &c);
    pml_ising_stats *stats = malloc((size_t)(c.replicas > 0 ? c.replicas : 1) * sizeof *stats);
    const char *what = NULL;
    if (!stats) what = "could not be read (out of memory)";
    else if (c.replicas != n) what = "holds another number of (L, T) pairs";
    else if (c.rule != rule) what = "has another rule";
    else if (c.J != s->J) what = "has another J";
    else if (c.seed != s->seed) what = "has another seed";
    else if (pml_ising_stats_get(g, stats, n) != PML_OK) what = "has no statistics";
    for (int64_t k = 0; !what && k < n; ++k) {
        int64_t x = 0, y = 0;
        if (pml_ising_replica_size(g, k, &x, &y) != PML_OK || x != lx[k] || y != lx[k])
            what = "has other sides";
        else if (stats[k].T != Ts[k]) what = "has other temperatures";
        else if (stats[k].B != Bs[k]) what = "has another B";
    }
    int rc = 0;
    if (what) {
        rc = pml_cli_usage(command, "resume", "'%.200s' is of another scan: it %s", path, what);
    } else {
        /* every replica of a batch has as many samples; the sweeps before them thermalised */
        const int64_t sampled = n > 0 ? stats[0].samples : 0;
        done[0] = pml_ising_sweeps_done(g) - sampled;
        done[1] = sampled;
        if (done[0] > todo[0] || (done[1] > 0 && done[0] != todo[0]) || done[1] > todo[1])
            rc = pml_cli_usage(command, "resume", "'%.200s' measured %lld sweeps after %lld of "
                               "thermalisation: not a point of --therm %lld --sweeps %lld", path,
                               (long long)done[1], (long long)done[0], (long long)todo[0],
                               (long long)todo[1]);
    }
    free(stats);
    if (rc) {
        pml_ising_destroy(g);
        return rc;
    }
    *out = g;
    return 0;
}

int pml_ising_scan_run(pml_device *dev, pml_ising_scan *s, int quiet, const char *command)
{
    /* One mixed batch per rule: replica l*nT + i is the L[l] x L[l] lattice at T[i]; each
     * batch keeps that order, so each size is a run of consecutive replicas (one kernel
     * launch per half-sweep and size). */
    const int64_t R = (int64_t)s->nL * s->nT;
    s->stats = calloc((size_t)R, sizeof *s->stats);
    double *Ts = malloc((size_t)R * sizeof *Ts), *Bs = malloc((size_t)R * sizeof *Bs);
    int64_t *lx = malloc((size_t)R * sizeof *lx), *where = malloc((size_t)R * sizeof *where);
    pml_ising_stats *got = malloc((size_t)R * sizeof *got);
    if (!s->stats || !Ts || !Bs || !lx || !where || !got) {
        free(Ts);
        free(Bs);
        free(lx);
        free(where);
        free(got);
        return pml_cli_fail(command, "allocating", PML_ERR_OUT_OF_MEMORY);
    }
    char sizes[160] = "";
    for (int l = 0; l < s->nL; ++l) {
        const size_t k = strlen(sizes);
        snprintf(sizes + k, sizeof sizes - k, "%s%lld", l ? "," : "", (long long)s->L[l]);
    }
    /* batch b = 0: the base rule, b = 1: the cluster window; where[] the scan's index of
     * each batch entry, batch 0's first */
    int64_t n[2] = {0, 0};
    for (int b = 0; b < 2; ++b)
        for (int l = 0; l < s->nL; ++l)
            for (int i = 0; i < s->nT; ++i) {
                if (in_window(s, i) != b) continue;
                const int64_t k = n[0] + n[1];
                Ts[k] = s->T[i];
                Bs[k] = s->B;
                lx[k] = s->L[l];
                where[k] = (int64_t)l * s->nT + i;
                n[b] += 1;
            }
    s->flips = 0;
    const double t0 = pml_now();
    pml_ising *g[2] = {NULL, NULL};
    pml_status st = PML_OK;
    /* the cluster batch runs cluster_sweeps measured sweeps (0: --sweeps) and thermalises in
     * proportion; both batches advance together, in 50 steps of each phase */
    const int64_t csw = s->cluster_sweeps > 0 ? s->cluster_sweeps : s->sweeps;
    const int64_t todo[2][2] = {{s->therm, s->sweeps},
                                {(int64_t)((double)s->therm * (double)csw / (double)s->sweeps), csw}};
    /* done[b][phase]: the sweeps batch b has done of each phase (a resumed batch: its file's) */
    int64_t done[2][2] = {{0, 0}, {0, 0}};
    /* Cold start (create's default): a hot start quenched below T_c can freeze into stripe
     * domains that outlive any reasonable run (seen at T = 1.55 on 64^2), while the ordered
     * state melts within a few sweeps above T_c. */
    int urc = 0; /* a usage error or failure already reported while resuming */
    for (int b = 0; b < 2 && st == PML_OK && !urc; ++b) {
        if (n[b] == 0) continue;
        const pml_ising_rule rule = b ? (pml_ising_rule)s->cluster : s->rule;
        const int64_t o = b ? n[0] : 0;
        if (s->resume) {
            urc = resume_batch(dev, s, command, b, n[b], lx + o, Ts + o, Bs + o, rule, todo[b],
                               &g[b], done[b]);
            continue;
        }
        pml_ising_config cfg = {0, 0, n[b], s->J, rule, s->seed};
        st = pml_ising_create_mixed(dev, &cfg, lx + o, lx + o, Ts + o, Bs + o, &g[b]);
    }
    char state_file[2][4096];
    for (int b = 0; b < 2 && s->save_state && !urc; ++b)
        urc = state_path(command, "save-state", s->save_state, b, state_file[b],
                         sizeof state_file[b]);
    if (urc) {
        pml_ising_destroy(g[0]);
        pml_ising_destroy(g[1]);
        free(Ts);
        free(Bs);
        free(lx);
        free(where);
        free(got);
        return urc;
    }
    /* the sweeps each batch had done before this call (a resumed one: its file's) */
    const int64_t before[2] = {done[0][0] + done[0][1], done[1][0] + done[1][1]};
    if (s->resume && !quiet)
        fprintf(stderr, "physml %s: resumed from %s: %lld of %lld sweeps done%s\n", command,
                s->resume, (long long)before[0], (long long)(todo[0][0] + todo[0][1]),
                n[1] ? " (the base rule's replicas)" : "");
    char label[224];
    snprintf(label, sizeof label, "scan L=%s x %d temperatures, %lld replicas%s", sizes, s->nT,
             (long long)R, n[1] ? " (cluster rule near T_c)" : "");
    pml_progress p;
    pml_progress_start(&p, label, 100, quiet);
    /* each batch goes to the step's point of its own schedule from wherever it is (a resumed
     * batch may be ahead of the other: the two files are written one after the other); a run
     * split anywhere gives the same trajectory and statistics */
    for (int phase = 0; phase < 2 && st == PML_OK; ++phase)
        for (int64_t step = 1; step <= 50 && st == PML_OK; ++step) {
            int moved = 0;
            for (int b = 0; b < 2 && st == PML_OK; ++b) {
                if (!g[b]) continue;
                const int64_t target = todo[b][phase] * step / 50;
                const int64_t k = target - done[b][phase];
                if (k <= 0) continue;
                st = phase ? pml_ising_sample(g[b], k) : pml_ising_sweep(g[b], k);
                done[b][phase] = target;
                moved = 1;
            }
            for (int b = 0; b < 2 && st == PML_OK && moved && s->save_state; ++b)
                if (g[b]) st = pml_ising_save(g[b], state_file[b]);
            pml_progress_update(&p, 50 * phase + step, phase ? "measuring" : "thermalising");
        }
    for (int b = 0; b < 2 && st == PML_OK; ++b)
        if (g[b]) st = pml_ising_stats_get(g[b], got + (b ? n[0] : 0), n[b]);
    for (int64_t k = 0; st == PML_OK && k < R; ++k) s->stats[where[k]] = got[k];
    pml_progress_finish(&p, NULL);
    for (int64_t r = 0; st == PML_OK && r < R; ++r) {
        char at[64], text[1024];
        snprintf(at, sizeof at, "L = %lld, T = %g", (long long)s->L[r / s->nT], s->T[r % s->nT]);
        pml_ising_warn(command, at, &s->stats[r], text, sizeof text);
    }
    pml_ising_destroy(g[0]);
    pml_ising_destroy(g[1]);
    int rc = st != PML_OK ? pml_cli_fail(command, "scan", st) : 0;
    for (int l = 0; l < s->nL; ++l)
        for (int i = 0; i < s->nT; ++i) {
            const int b = in_window(s, i);
            s->flips += (double)(s->L[l] * s->L[l]) * (double)(todo[b][0] + todo[b][1] - before[b]);
        }
    s->seconds = pml_now() - t0;
    free(Ts);
    free(Bs);
    free(lx);
    free(where);
    free(got);
    s->tc = s->tc_lo = s->tc_hi = NAN;
    double *u = rc == 0 && s->nL >= 2 ? malloc(2 * (size_t)s->nT * sizeof *u) : NULL;
    if (u) {
        /* sizes sorted ascending by the callers' order: find the two largest */
        int big = 0, second = -1;
        for (int l = 1; l < s->nL; ++l)
            if (s->L[l] > s->L[big]) big = l;
        for (int l = 0; l < s->nL; ++l)
            if (l != big && (second < 0 || s->L[l] > s->L[second])) second = l;
        if (s->L[second] == s->L[big])
            fprintf(stderr, "physml %s: no T_c estimate: the two largest sizes are equal\n",
                    command);
        else if (isnan(s->tc = binder_crossing(s, second, big, u)))
            fprintf(stderr, "physml %s: no T_c estimate: %s\n", command, pml_last_error());
        /* the spread over every pair of sizes that crosses */
        for (int a = 0; a < s->nL; ++a)
            for (int b = 0; b < s->nL; ++b) {
                if (s->L[b] <= s->L[a]) continue;
                const double c = binder_crossing(s, a, b, u);
                if (isnan(c)) continue;
                if (isnan(s->tc_lo) || c < s->tc_lo) s->tc_lo = c;
                if (isnan(s->tc_hi) || c > s->tc_hi) s->tc_hi = c;
            }
        free(u);
    }
    return rc;
}

/* scan.csv: one row per (L, T). */
static void write_csv(FILE *f, const pml_ising_scan *s)
{
    fprintf(f, "L,T,B,e,e_err,m_abs,m_abs_err,m2,m4,c,c_err,chi,chi_err,binder,binder_err,"
               "tau_e,tau_m,samples,frozen\n");
    for (int l = 0; l < s->nL; ++l)
        for (int i = 0; i < s->nT; ++i) {
            const pml_ising_stats *t = &s->stats[l * s->nT + i];
            fprintf(f, "%lld,%.6g,%.6g,%.8g,%.3g,%.8g,%.3g,%.8g,%.8g,%.6g,%.3g,%.6g,%.3g,%.6g,"
                       "%.3g,%.3g,%.3g,%lld,%d\n",
                    (long long)s->L[l], t->T, t->B, t->e, t->e_err, t->m_abs, t->m_abs_err, t->m2,
                    t->m4, t->c, t->c_err, t->chi, t->chi_err, t->binder, t->binder_err,
                    t->tau_e, t->tau_m, (long long)t->samples, (int)t->frozen);
        }
}

/* scan.dat: gnuplot data, one block per L (index l). */
static void write_dat(FILE *f, const pml_ising_scan *s)
{
    for (int l = 0; l < s->nL; ++l) {
        fprintf(f, "# L = %lld: T e e_err m_abs m_abs_err c chi binder c_err chi_err "
                   "binder_err\n", (long long)s->L[l]);
        for (int i = 0; i < s->nT; ++i) {
            const pml_ising_stats *t = &s->stats[l * s->nT + i];
            fprintf(f, "%.6g %.8g %.3g %.8g %.3g %.6g %.6g %.6g %.3g %.3g %.3g\n", t->T, t->e,
                    t->e_err, t->m_abs, t->m_abs_err, t->c, t->chi, t->binder, t->c_err,
                    t->chi_err, t->binder_err);
        }
        fprintf(f, "\n\n");
    }
}

/* Whether Onsager's and Yang's curves describe the scan: a ferromagnet without a field. */
static int has_exact(const pml_ising_scan *s) { return s->J > 0 && s->B == 0; }

/* exact.dat: the infinite-lattice curves over the scanned range (a comment alone when they
 * do not apply). */
static void write_exact(FILE *f, const pml_ising_scan *s)
{
    const double tc = pml_ising_tc(s->J);
    if (!has_exact(s)) {
        fprintf(f, "# no exact curves: they are for J > 0 and B = 0 (here J = %g, B = %g)\n",
                s->J, s->B);
        return;
    }
    fprintf(f, "# infinite lattice, B = 0: T u(Onsager) C(Onsager) m(Yang) U(limit)\n");
    for (int i = 0; i <= 400; ++i) {
        const double T = s->T[0] + (s->T[s->nT - 1] - s->T[0]) * i / 400.0;
        const double c = pml_ising_onsager_c(T, s->J);
        fprintf(f, "%.6g %.8g ", T, pml_ising_onsager_energy(T, s->J));
        if (isnan(c) || c > 5) fprintf(f, "NaN ");
        else fprintf(f, "%.6g ", c);
        fprintf(f, "%.8g %.6g\n", pml_ising_yang_m(T, s->J), T < tc ? 2.0 / 3.0 : 0.0);
    }
}

/* scan.gp: five panels; every file it names is relative to its own directory. */
static void write_gp(FILE *f, const pml_ising_scan *s)
{
    const double tc = pml_ising_tc(s->J);
    fprintf(f, "# physml ising scan: render with `gnuplot scan.gp` in this directory\n");
    pml_gnuplot_output(f, "scan.png", "set terminal pngcairo size 1500,900 font ',10'");
    char rules[96];
    if (s->cluster >= 0)
        snprintf(rules, sizeof rules, "%s, %s within %g of T_c", pml_rule_name(s->rule),
                 pml_rule_name((pml_ising_rule)s->cluster), s->window);
    else
        snprintf(rules, sizeof rules, "%s", pml_rule_name(s->rule));
    fprintf(f, "set multiplot layout 2,3 title 'physml ising scan (%s, B = %g): T_c(Binder) = "
               "%.4f, exact 2/ln(1+sqrt 2) = %.4f'\n",
            rules, s->B, s->tc, tc);
    fprintf(f, "set xlabel 'T'\nset grid\n");
    if (has_exact(s))
        fprintf(f, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 3 lc 'gray'\n", tc, tc);
    /* C, chi and U carry their jackknife error bars when every point has one (runs of fewer
     * than 32 samples have none: plain points then, not bars that hide them) */
    int jk = 1;
    for (int r = 0; r < s->nL * s->nT; ++r)
        jk &= isfinite(s->stats[r].c_err) && isfinite(s->stats[r].chi_err) &&
              isfinite(s->stats[r].binder_err);
    /* title, columns with and without error bars, exact column, and the corner the data
     * leave empty for the key */
    const char *panel[5][5] = {{"energy per spin e", "2:3", "2:3", "2", "left top"},
                               {"|m|", "4:5", "4:5", "4", "right top"},
                               {"specific heat C", "6:9", "6", "3", "right top"},
                               {"susceptibility chi = N(<m^2>-<|m|>^2)/T", "7:10", "7", NULL,
                                "left top"},
                               {"Binder cumulant U", "8:11", "8", "5", "right top"}};
    for (int p = 0; p < 5; ++p) {
        const char *cols = jk || p < 2 ? panel[p][1] : panel[p][2];
        const int errbars = strchr(cols, ':') != NULL;
        fprintf(f, "set title '%s'\nset key %s\nplot ", panel[p][0], panel[p][4]);
        for (int l = 0; l < s->nL; ++l)
            fprintf(f, "'scan.dat' index %d using 1:%s with %s pt 7 ps 0.6 title 'L = %lld', ",
                    l, cols, errbars ? "yerrorbars" : "linespoints", (long long)s->L[l]);
        if (panel[p][3] && has_exact(s))
            fprintf(f, "'exact.dat' using 1:%s with lines lw 2 lc 'black' title 'exact, L = inf'",
                    panel[p][3]);
        else
            fprintf(f, "1/0 notitle");
        fprintf(f, "\n");
    }
    fprintf(f, "unset multiplot\n");
}

int pml_ising_scan_write(const pml_ising_scan *s, const char *dir, const char *command,
                         int quiet, int *png)
{
    static const struct {
        const char *name;
        void (*write)(FILE *f, const pml_ising_scan *s);
    } files[] = {{"scan.csv", write_csv},
                 {"scan.dat", write_dat},
                 {"exact.dat", write_exact},
                 {"scan.gp", write_gp}};
    *png = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
        char path[PML_PATH_MAX];
        pml_wfile w;
        if (pml_cli_path(command, path, sizeof path, dir, files[i].name) ||
            pml_cli_open(command, path, &w))
            return 1;
        files[i].write(w.f, s);
        if (pml_cli_commit(command, &w, quiet)) return 1;
    }
    const int r = pml_gnuplot_render(command, dir, "scan.gp", "scan.png", quiet);
    *png = r == 0;
    return r < 0;
}

int pml_cmd_ising_scan(int argc, char **argv)
{
    const char *Ls = "32,64", *Ts = "1.5:3.5:0.05", *rule_s = "metropolis", *device = "auto";
    const char *cluster_s = "none";
    double window = 0.25;
    int64_t cluster_sweeps = 0;
    const char *out = "out/ising-scan";
    double B = 0.0, J = 1.0;
    int64_t sweeps = 20000, therm = 2000;
    uint64_t seed = 1;
    int json = 0, quiet = 0;
    const char *save_state = NULL, *resume = NULL;
    const pml_opt opts[] = {
        {"L", PML_OPT_STR, &Ls, "L1,L2", "lattice sides, even (32,64)"},
        {"T", PML_OPT_STR, &Ts, "A:B:STEP", "temperatures: a range or a list (1.5:3.5:0.05)"},
        {"B", PML_OPT_DOUBLE, &B, "B", "field (0)", -PML_CLI_FIELD_MAX, PML_CLI_FIELD_MAX},
        {"J", PML_OPT_DOUBLE, &J, "J", "coupling (1)", -PML_CLI_FIELD_MAX, PML_CLI_FIELD_MAX},
        {"rule", PML_OPT_CHOICE, &rule_s, "R", "update rule (metropolis)",
         .choices = PML_ISING_RULE_CHOICES},
        {"cluster", PML_OPT_CHOICE, &cluster_s, "R",
         "a cluster rule for the temperatures near T_c (none)", .choices = "none|sw|wolff"},
        {"cluster-window", PML_OPT_DOUBLE, &window, "W",
         "|T - T_c| <= W runs --cluster (0.25)", 0, HUGE_VAL},
        {"cluster-sweeps", PML_OPT_INT, &cluster_sweeps, "N",
         "measured sweeps of the --cluster temperatures (--sweeps; thermalisation in proportion)",
         1, 1e15},
        {"sweeps", PML_OPT_INT, &sweeps, "N", "measured sweeps (20000)", 1, 1e15},
        {"therm", PML_OPT_INT, &therm, "N", "thermalisation sweeps (2000)", 0, 1e15},
        {"seed", PML_OPT_U64, &seed, "S", "Philox seed (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object per (L, T) line, then a summary"},
        {"out", PML_OPT_STR, &out, "DIR", "scan.csv, scan.dat, exact.dat, scan.gp, scan.png"},
        {"save-state", PML_OPT_STR, &save_state, "FILE",
         "the scan's state every hundredth of the run and at the end (atomically): the base "
         "rule's replicas in FILE, the --cluster window's in FILE.cluster"},
        {"resume", PML_OPT_STR, &resume, "FILE",
         "continue the scan saved in FILE (and FILE.cluster), given the same options, to the "
         "result of an uninterrupted scan"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no progress on stderr"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse("ising scan",
                          "ising scan [--L 32,64] [--T 1.5:3.5:0.05] [--B 0] [--rule R] "
                          "[--cluster sw|wolff [--cluster-window W] [--cluster-sweeps N]] "
                          "[--sweeps N] [--therm N] "
                          "[--device D] [--json] [--out DIR] [--save-state FILE] [--resume FILE]",
                          "Every (L, T) in one batch of replicas: "
                          "e, |m|, C, chi, U against T with the exact infinite-lattice curves, "
                          "and T_c from the crossing of the Binder cumulants.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    pml_ising_scan s = {0};
    s.nL = pml_parse_i64_list(Ls, s.L, PML_SCAN_MAX_L);
    for (int l = 0; l < s.nL; ++l)
        if (s.L[l] < 2 || s.L[l] % 2 || s.L[l] > 65536) s.nL = -1;
    if (s.nL < 1)
        return pml_cli_usage("ising scan", "L", "'%.200s': a list of at most %d even sides in "
                             "2..65536", Ls, PML_SCAN_MAX_L);
    double T[4096];
    s.nT = pml_parse_range(Ts, T, 4096);
    for (int i = 0; i < s.nT; ++i)
        if (!(T[i] >= PML_CLI_T_MIN) || (i && !(T[i] > T[i - 1]))) s.nT = -1;
    if (s.nT < 1)
        return pml_cli_usage("ising scan", "T", "'%.200s': A:B:STEP or an increasing list, all "
                             "T >= %g, at most 4096 temperatures", Ts, PML_CLI_T_MIN);
    const int rule = pml_parse_rule(rule_s);
    const int cluster = strcmp(cluster_s, "none") == 0 ? -1 : pml_parse_rule(cluster_s);
    if ((r = pml_ising_rule_check("ising scan", rule, B, &device)) != 0) return r;
    if (cluster >= 0 && (r = pml_ising_rule_check("ising scan", cluster, B, &device)) != 0)
        return r;
    if (pml_cli_out_dir("ising scan", out)) return 1;
    if (save_state) { /* both files creatable before the work */
        char cl[4096];
        if (snprintf(cl, sizeof cl, "%s.cluster", save_state) >= (int)sizeof cl)
            return pml_cli_usage("ising scan", "save-state", "'%.200s': path too long", save_state);
        if (pml_cli_out_file("ising scan", "--save-state", save_state) ||
            (cluster >= 0 && pml_cli_out_file("ising scan", "--save-state", cl)))
            return 1;
    }
    s.save_state = save_state;
    s.resume = resume;
    s.T = T;
    s.B = B;
    s.J = J;
    s.rule = (pml_ising_rule)rule;
    s.cluster = cluster;
    s.window = window;
    s.cluster_sweeps = cluster_sweeps;
    s.sweeps = sweeps;
    s.therm = therm;
    s.seed = seed;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device("ising scan", device, &dev)) != 0) return r;
    int rc = pml_ising_scan_run(dev, &s, quiet, "ising scan");
    if (rc == 0) {
        for (int l = 0; l < s.nL; ++l)
            for (int i = 0; i < s.nT; ++i) {
                const pml_ising_stats *t = &s.stats[l * s.nT + i];
                if (json) {
                    pml_jsonl j;
                    pml_jsonl_begin(&j, stdout);
                    pml_jsonl_int(&j, "L", s.L[l]);
                    pml_jsonl_num(&j, "T", t->T);
                    pml_jsonl_num(&j, "B", B);
                    pml_jsonl_num(&j, "J", J);
                    pml_jsonl_str(&j, "rule", in_window(&s, i) ? cluster_s : rule_s);
                    pml_jsonl_int(&j, "sweeps", (long long)(in_window(&s, i) && cluster_sweeps
                                                                ? cluster_sweeps : sweeps));
                    pml_jsonl_int(&j, "therm", (long long)therm);
                    pml_jsonl_str(&j, "device", pml_device_spec(dev));
                    char warning[1024] = "";
                    pml_ising_warning_text(t, warning, sizeof warning);
                    pml_ising_stats_jsonl(&j, t, warning);
                    pml_jsonl_end(&j);
                } else {
                    if (l == 0 && i == 0)
                        printf("%6s %7s %11s %9s %9s %8s %8s %9s %8s %8s %8s %7s\n", "L",
                               "T", "e", "e_err", "|m|", "C", "C_err", "chi", "chi_err", "U",
                               "U_err", "tau_m");
                    printf("%6lld %7.4f %+11.6f %9.2e %9.6f %8.4f %8.2e %9.3f %8.2e %8.5f "
                           "%8.2e %7.1f\n",
                           (long long)s.L[l], t->T, t->e, t->e_err, t->m_abs, t->c, t->c_err,
                           t->chi, t->chi_err, t->binder, t->binder_err, t->tau_m);
                }
            }
        const double tc = pml_ising_tc(J);
        const double fpns = s.flips / s.seconds / 1e9;
        if (json) {
            pml_jsonl j;
            pml_jsonl_begin(&j, stdout);
            pml_jsonl_str(&j, "summary", "ising scan");
            pml_jsonl_num(&j, "tc_binder", s.tc);
            pml_jsonl_num(&j, "tc_binder_lo", s.tc_lo);
            pml_jsonl_num(&j, "tc_binder_hi", s.tc_hi);
            pml_jsonl_num(&j, "tc_exact", tc);
            pml_jsonl_num(&j, "seconds", s.seconds);
            pml_jsonl_num(&j, "flips_per_ns", fpns);
            pml_jsonl_end(&j);
        } else {
            if (isnan(s.tc))
                printf("T_c from the Binder crossing: none");
            else
                printf("T_c from the Binder crossing: %.4f (pairs of sizes: %.4f .. %.4f)", s.tc,
                       s.tc_lo, s.tc_hi);
            printf("; exact 2/ln(1+sqrt 2) = %.4f\n%.1f s, %.3f flips/ns\n", tc, s.seconds,
                   fpns);
        }
        int png = 0;
        rc = pml_ising_scan_write(&s, out, "ising scan", quiet, &png);
    }
    pml_ising_scan_free(&s);
    pml_device_close(dev);
    return rc;
}
