/* bench_ising_error: seconds to an error bar. The wall time each update rule needs to measure
 * the specific heat C of the 2D Ising model at T_c to a relative error --target (1 %), per
 * lattice size, rule and backend, from a thermalised start; with --numpy, the NumPy/SciPy
 * peers (bench/peers/ising_cluster_numpy.py: checkerboard Metropolis, Swendsen-Wang with
 * scipy.sparse.csgraph) run the same protocol in the same invocation.
 *
 *   bench_ising_error [--device cpu|cuda|all] [--L 32,64,128,256]
 *                     [--rule metropolis,sw,wolff] [--target 0.01] [--budget 60]
 *                     [--seed 1] [--repeats 1] [--numpy] [--peers DIR] [--json]
 *
 * Protocol (the peer's): one L x L replica at T_c = 2/ln(1 + sqrt 2), J = 1, B = 0; hot
 * start, thermalised untimed by 300 Swendsen-Wang sweeps (an equilibrium start for every
 * rule, critical slowing down or not), then the rule under test, its measurements cleared.
 * Timed: measured sweeps (Wolff: single-cluster steps) in chunks, the series growing by 25 %
 * per check from 1024 (Metropolis, heat-bath) or 64 (cluster rules); after each chunk the
 * jackknife error of C (physml's 32-64 bins); stop when c_err / C <= target or past --budget
 * seconds. seconds_to_target is the time taken when the target was reached, else the
 * extrapolation seconds (rel / target)^2 (marked). Also: the cost normalised to the target,
 * seconds (rel / target)^2, which does not depend on where the run stopped (the variance
 * of C falls as 1 / time), C against the exact finite-lattice value (Kaufman, a check that
 * the figure is of a correct run), tau_e and the update speed. With --repeats K each (rule, L)
 * runs K times with seeds seed .. seed + K - 1 (the peer too) and the ratios are of the
 * medians of the normalised seconds; every run is printed. */
#include "bench_util.h"
#include <math.h>
#include <string.h>


typedef struct result {
    int64_t sweeps;
    double seconds, c, c_err, rel, to_target, normalised, tau_e, speed;
    int reached;
} result;

static pml_status run_one(pml_device *dev, int64_t L, pml_ising_rule rule, double target,
                          double budget, uint64_t seed, result *out)
{
    const double Tc = pml_ising_tc(1.0);
    pml_ising_config c = {L, L, 1, 1.0, PML_ISING_SWENDSEN_WANG, seed};
    pml_ising *g = NULL;
    pml_status s = pml_ising_create(dev, &c, &Tc, NULL, &g);
    if (s == PML_OK) s = pml_ising_init(g, PML_ISING_HOT);
    if (s == PML_OK) s = pml_ising_sweep(g, 300);
    if (s == PML_OK) s = pml_ising_set_rule(g, rule);
    if (s == PML_OK) s = pml_ising_reset_stats(g);
    if (s == PML_OK) s = pml_device_synchronize(dev);
    const int cluster = rule == PML_ISING_SWENDSEN_WANG || rule == PML_ISING_WOLFF;
    int64_t done = 0, chunk = cluster ? 64 : 1024;
    double t = 0, sweep_t = 0;
    pml_ising_stats st = {0};
    out->reached = 0;
    while (s == PML_OK) {
        const double t0 = bench_now();
        s = pml_ising_sample(g, chunk);
        if (s == PML_OK) s = pml_device_synchronize(dev);
        const double t1 = bench_now();
        if (s == PML_OK) s = pml_ising_stats_get(g, &st, 1);
        t += bench_now() - t0;
        sweep_t += t1 - t0;
        done += chunk;
        if (s != PML_OK) break;
        const double rel = st.c_err / st.c;
        if (isfinite(rel) && rel <= target) {
            out->reached = 1;
            break;
        }
        if (t > budget) break;
        chunk = done / 4 > 0 ? done / 4 : 1;
    }
    pml_ising_destroy(g);
    if (s != PML_OK) return s;
    out->sweeps = done;
    out->seconds = t;
    out->c = st.c;
    out->c_err = st.c_err;
    out->rel = st.c_err / st.c;
    out->normalised = t * (out->rel / target) * (out->rel / target);
    out->to_target = out->reached ? t : out->normalised;
    out->tau_e = st.tau_e;
    out->speed = (double)L * (double)L * (double)done / sweep_t / 1e9;
    return PML_OK;
}

/* One run's line: JSON or a table row, with C against the exact finite-lattice value. */
static void report(const char *dev_kind, const char *dev_name, int64_t L, pml_ising_rule rule,
                   double target, const result *res, int json)
{
    double cx = NAN;
    pml_ising_exact_finite(L, L, pml_ising_tc(1.0), 1.0, NULL, NULL, &cx);
    const double z = (res->c - cx) / res->c_err;
    if (json)
        printf("{\"name\": \"bench_ising_error\", \"device\": \"%s\", \"device_name\": \"%s\", "
               "\"L\": %lld, \"rule\": \"%s\", \"T\": %.10g, \"target\": %g, \"sweeps\": %lld, "
               "\"seconds\": %.6g, \"c\": %.6g, \"c_err\": %.4g, \"rel_err\": %.4g, "
               "\"reached\": %s, \"seconds_to_target\": %.6g, \"normalised_seconds\": %.6g, "
               "\"tau_e\": %.4g, \"flips_per_ns\": %.4g, \"c_exact\": %.8g, \"z\": %.3g}\n",
               dev_kind, dev_name, (long long)L, bench_ising_rules[rule], pml_ising_tc(1.0), target,
               (long long)res->sweeps, res->seconds, res->c, res->c_err, res->rel,
               res->reached ? "true" : "false", res->to_target, res->normalised, res->tau_e,
               res->speed, cx, z);
    else
        printf("%-6s %-26.26s %6lld %-10s %9lld %9.2f %8.4f %9.2e %7.4f %10.2f%s %10.2f %7.1f "
               "%10.4f %9.1f\n",
               dev_kind, dev_name, (long long)L, bench_ising_rules[rule], (long long)res->sweeps,
               res->seconds, res->c, res->c_err, res->rel, res->to_target,
               res->reached ? " " : "*", res->normalised, res->tau_e, res->speed, z);
    fflush(stdout);
}

/* The peer's result for (rule, L): its normalised cost; NaN when it did not run. */
typedef struct peer_row {
    char rule[16];
    int64_t L;
    double normalised;
} peer_row;

static double json_num(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(line, pat);
    return p ? atof(p + strlen(pat)) : NAN;
}

static int run_peer(const char *dir, const char *Ls, double target, double budget,
                    uint64_t seed, int json, peer_row *rows, int cap)
{
    char script[1024], tg[32], bg[32], sd[32];
    snprintf(script, sizeof script, "%s/ising_cluster_numpy.py", dir);
    snprintf(tg, sizeof tg, "%g", target);
    snprintf(bg, sizeof bg, "%g", budget);
    snprintf(sd, sizeof sd, "%llu", (unsigned long long)seed);
    const char *const argv[] = {"/usr/bin/python3", script, "--json", "--L", Ls, "--rule",
                                "metropolis,sw", "--target", tg, "--budget", bg, "--seed", sd,
                                NULL};
    static char out[1 << 16];
    if (pml_run(argv, NULL, out, sizeof out, NULL, 0) != 0) {
        fprintf(stderr, "bench_ising_error: the NumPy peer did not run (script/bootstrap --bench "
                        "installs python3-scipy)\n");
        return 0;
    }
    int n = 0;
    for (char *line = strtok(out, "\n"); line && n < cap; line = strtok(NULL, "\n")) {
        const char *r = strstr(line, "\"rule\": \"");
        if (!r) continue;
        snprintf(rows[n].rule, sizeof rows[n].rule, "%.*s", (int)strcspn(r + 9, "\""), r + 9);
        rows[n].L = (int64_t)json_num(line, "L");
        const double sec = json_num(line, "seconds"), rel = json_num(line, "rel_err");
        rows[n].normalised = sec * (rel / target) * (rel / target);
        if (json) puts(line);
        else
            printf("%-6s %-26s %6lld %-10s %9.0f %9.2f %8.4f %9.2e %7.4f %10.2f%s %10.2f %7.1f "
                   "%10.4f\n",
                   "numpy", "NumPy/SciPy peer", (long long)rows[n].L, rows[n].rule,
                   json_num(line, "sweeps"), sec, json_num(line, "c"), json_num(line, "c_err"),
                   rel, json_num(line, "seconds_to_target"),
                   strstr(line, "\"extrapolated\": true") ? "*" : " ", rows[n].normalised,
                   json_num(line, "tau_e"), json_num(line, "flips_per_ns"));
        ++n;
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *device = "cpu", *Ls = "32,64,128,256", *rules_s = "metropolis,sw,wolff";
    const char *peers = "bench/peers";
    double target = 0.01, budget = 60.0;
    uint64_t seed = 1;
    int json = 0, numpy = 0, repeats = 1;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--numpy")) numpy = 1;
        else if (v && !strcmp(a, "--device")) device = argv[++i];
        else if (v && !strcmp(a, "--L")) Ls = argv[++i];
        else if (v && !strcmp(a, "--rule")) rules_s = argv[++i];
        else if (v && !strcmp(a, "--target")) target = atof(argv[++i]);
        else if (v && !strcmp(a, "--budget")) budget = atof(argv[++i]);
        else if (v && !strcmp(a, "--seed")) seed = strtoull(argv[++i], NULL, 10);
        else if (v && !strcmp(a, "--repeats")) repeats = atoi(argv[++i]);
        else if (v && !strcmp(a, "--peers")) peers = argv[++i];
        else {
            fprintf(stderr, "usage: bench_ising_error [--device cpu|cuda|all] [--L list] "
                            "[--rule metropolis,heatbath,sw,wolff] [--target 0.01] [--budget S] "
                            "[--seed S] [--repeats K] [--numpy] [--peers DIR] [--json]\n");
            return !strcmp(a, "--help") ? 0 : 2;
        }
    }
    double Lv[16];
    const int nL = bench_parse_list(Ls, Lv, 16);
    int rv[4], nr = 0;
    for (const char *p = rules_s; *p && nr < 4;) {
        const size_t k = strcspn(p, ",");
        const int found = bench_ising_rule(p, k);
        if (found < 0) {
            fprintf(stderr, "bench_ising_error: --rule: '%.*s' is not one of "
                            "metropolis, heatbath, sw, wolff\n", (int)k, p);
            return 2;
        }
        rv[nr++] = found;
        p += k + (p[k] == ',');
    }
    if (nL < 1 || nr < 1 || !(target > 0 && target < 1) || !(budget > 0) || repeats < 1 ||
        repeats > 9) {
        fprintf(stderr, "bench_ising_error: bad --L, --rule, --target (0..1), --budget or "
                        "--repeats (1..9)\n");
        return 2;
    }
    for (int i = 0; i < nL; ++i)
        if (Lv[i] < 4 || (int64_t)Lv[i] % 2) {
            fprintf(stderr, "bench_ising_error: --L: even sides >= 4\n");
            return 2;
        }
    if (!json)
        printf("%-6s %-26s %6s %-10s %9s %9s %8s %9s %7s %11s %10s %7s %10s %9s\n", "device",
               "name", "L", "rule", "sweeps", "seconds", "C", "C_err", "rel", "to_target",
               "normalised", "tau_e", "flips/ns", "C-exact/err");
    peer_row prow[32 * 9];
    int npeer = 0;
    for (int k = 0; numpy && k < repeats; ++k)
        npeer += run_peer(peers, Ls, target, budget, seed + (uint64_t)k, json, prow + npeer, 32);
    const char *names[2] = {"cpu", "cuda"};
    int rc = 0;
    for (int d = 0; d < 2; ++d) {
        pml_device *dev = bench_open("bench_ising_error", names[d], device, &rc);
        if (!dev) continue;
        for (int li = 0; li < nL; ++li) {
            const int64_t L = (int64_t)Lv[li];
            double best = NAN;
            const char *best_rule = "";
            for (int ri = 0; ri < nr; ++ri) {
                const pml_ising_rule rule = (pml_ising_rule)rv[ri];
                if (d == 1 && rule == PML_ISING_WOLFF) continue; /* CPU only */
                double norm[9];
                int got = 0;
                for (int k = 0; k < repeats; ++k) {
                    result res;
                    const pml_status s =
                        run_one(dev, L, rule, target, budget, seed + (uint64_t)k, &res);
                    if (s != PML_OK) {
                        fprintf(stderr, "bench_ising_error: %s L=%lld %s: %s: %s\n", names[d],
                                (long long)L, bench_ising_rules[rule], pml_status_string(s),
                                pml_last_error());
                        rc = 1;
                        continue;
                    }
                    report(names[d], pml_device_name(dev), L, rule, target, &res, json);
                    norm[got++] = res.normalised;
                }
                if (got == 0) continue;
                const double med = bench_median(norm, got);
                if (isnan(best) || med < best) {
                    best = med;
                    best_rule = bench_ising_rules[rule];
                }
            }
            /* the peer's median per rule, then its best rule */
            double peer_best = NAN;
            const char *peer_rule = "";
            for (int pr = 0; pr < 2; ++pr) {
                const char *name = pr ? "sw" : "metropolis";
                double v[9];
                int m = 0;
                for (int k = 0; k < npeer && m < 9; ++k)
                    if (prow[k].L == L && !strcmp(prow[k].rule, name)) v[m++] = prow[k].normalised;
                if (m == 0) continue;
                const double med = bench_median(v, m);
                if (isnan(peer_best) || med < peer_best) {
                    peer_best = med;
                    peer_rule = name;
                }
            }
            if (!isnan(best) && !isnan(peer_best)) {
                if (json)
                    printf("{\"name\": \"bench_ising_error_ratio\", \"device\": \"%s\", \"L\": %lld, "
                           "\"best_rule\": \"%s\", \"peer_best_rule\": \"%s\", "
                           "\"ratio_to_best_numpy\": %.4g}\n",
                           names[d], (long long)L, best_rule, peer_rule, peer_best / best);
                else
                    printf("  L = %lld: physml's best (%s) is %.1fx the best NumPy peer (%s), "
                           "medians of the normalised seconds\n",
                           (long long)L, best_rule, peer_best / best, peer_rule);
            }
        }
        pml_device_close(dev);
    }
    if (!json)
        printf("* extrapolated: the budget ran out first; to_target = seconds (rel/target)^2\n");
    return rc;
}
