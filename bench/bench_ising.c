/* bench_ising: Ising checkerboard throughput (spin updates per ns) per backend, for single
 * lattices and batches of replicas, at T = 1.5, 2.269, 3.0; optionally with the NumPy peer
 * (bench/peers/ising_numpy.py) run in the same invocation and the ratio printed.
 *
 *   bench_ising [--device cpu|cuda|all] [--L 256,1024,4096] [--T 1.5,2.269,3.0]
 *               [--replicas 1,8] [--flips 2^27] [--repeats 5] [--rule metropolis]
 *               [--measure] [--numpy] [--peers DIR] [--json]
 *
 * A timing is the median over repeats of n sweeps, n chosen so that one repeat does about
 * --flips updates; flips/ns = R L^2 n / time. The sweeps are unmeasured (pml_ising_sweep);
 * --measure times measured ones too (pml_ising_sample: e and m of every replica after each
 * sweep, summed in the update's pass and pushed into its accumulator, which is what a run
 * spends its time on), alternating with the bare ones, and prints both and the overhead. */
#include "bench_util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "physml/physml.h"

typedef struct result {
    double fpns, sec_per_sweep;
    double fpns_measured, sec_per_sweep_measured; /* NaN unless measured */
    int64_t sweeps;
} result;

/* Median time of n sweeps over `repeats`, unmeasured (pml_ising_sweep); with `measure` also
 * of n measured sweeps (pml_ising_sample) on the same lattice, the two alternating repeat by
 * repeat so that both see the same machine. */
static pml_status time_one(pml_device *dev, int64_t L, int64_t R, double T, pml_ising_rule rule,
                           double flips, int repeats, int measure, result *out)
{
    pml_ising_config c = {L, L, R, 1.0, rule, 7};
    double *Ts = malloc((size_t)R * sizeof *Ts);
    if (!Ts) return PML_ERR_OUT_OF_MEMORY;
    for (int64_t r = 0; r < R; ++r) Ts[r] = T;
    pml_ising *g = NULL;
    pml_status s = pml_ising_create(dev, &c, Ts, NULL, &g);
    free(Ts);
    if (s != PML_OK) return s;
    s = pml_ising_init(g, PML_ISING_HOT);
    int64_t n = (int64_t)(flips / ((double)L * (double)L * (double)R));
    if (n < 2) n = 2;
    if (s == PML_OK) s = pml_ising_sweep(g, n / 2 + 1); /* warm-up */
    if (s == PML_OK && measure) s = pml_ising_sample(g, n / 2 + 1);
    if (s == PML_OK) s = pml_device_synchronize(dev);
    double t[2][64];
    if (repeats > 64) repeats = 64;
    for (int i = 0; i < repeats && s == PML_OK; ++i)
        for (int m = 0; m <= measure && s == PML_OK; ++m) {
            const double t0 = bench_now();
            s = m ? pml_ising_sample(g, n) : pml_ising_sweep(g, n);
            if (s == PML_OK) s = pml_device_synchronize(dev);
            t[m][i] = bench_now() - t0;
        }
    pml_ising_destroy(g);
    if (s != PML_OK) return s;
    const double sites = (double)L * (double)L * (double)R * (double)n;
    const double med = bench_median(t[0], repeats);
    out->sweeps = n;
    out->sec_per_sweep = med / (double)n;
    out->fpns = sites / med / 1e9;
    out->fpns_measured = out->sec_per_sweep_measured = NAN;
    if (measure) {
        const double mm = bench_median(t[1], repeats);
        out->sec_per_sweep_measured = mm / (double)n;
        out->fpns_measured = sites / mm / 1e9;
    }
    return PML_OK;
}

/* The NumPy peer's flips/ns for (L, T), from its --json lines; NaN when it did not run. */
typedef struct peer_row {
    int64_t L;
    double T, fpns;
} peer_row;

static int run_numpy(const char *dir, const char *Ls, const char *Ts, peer_row *rows, int cap)
{
    char script[1024];
    snprintf(script, sizeof script, "%s/ising_numpy.py", dir);
    const char *const argv[] = {"/usr/bin/python3", script, "--json", "--L", Ls, "--T", Ts,
                                "--repeats", "3", NULL};
    static char out[1 << 16];
    if (pml_run(argv, NULL, out, sizeof out, NULL, 0) != 0) return 0;
    int n = 0;
    for (char *line = strtok(out, "\n"); line && n < cap; line = strtok(NULL, "\n")) {
        const char *a = strstr(line, "\"L\": "), *b = strstr(line, "\"T\": "),
                   *c = strstr(line, "\"flips_per_ns\": ");
        if (!a || !b || !c) continue;
        rows[n].L = atoll(a + 5);
        rows[n].T = atof(b + 5);
        rows[n].fpns = atof(c + 16);
        puts(line); /* the peer's own JSON line, as it printed it */
        ++n;
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *device = "all", *Ls = NULL, *Ts = "1.5,2.269,3.0", *Rs = "1,8", *peers = "bench/peers";
    const char *rule_s = "metropolis";
    double flips = 134217728.0;
    int repeats = 5, json = 0, numpy = 0, measure = 0;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--numpy")) numpy = 1;
        else if (!strcmp(a, "--measure")) measure = 1;
        else if (v && !strcmp(a, "--device")) device = argv[++i];
        else if (v && !strcmp(a, "--L")) Ls = argv[++i];
        else if (v && !strcmp(a, "--T")) Ts = argv[++i];
        else if (v && !strcmp(a, "--replicas")) Rs = argv[++i];
        else if (v && !strcmp(a, "--flips")) flips = atof(argv[++i]);
        else if (v && !strcmp(a, "--repeats")) repeats = atoi(argv[++i]);
        else if (v && !strcmp(a, "--rule")) rule_s = argv[++i];
        else if (v && !strcmp(a, "--peers")) peers = argv[++i];
        else {
            fprintf(stderr, "usage: bench_ising [--device cpu|cuda|all] [--L list] [--T list] "
                            "[--replicas list] [--flips N] [--repeats K] [--rule R] [--measure] "
                            "[--numpy] [--peers DIR] [--json]\n");
            return !strcmp(a, "--help") ? 0 : 2;
        }
    }
    const int rule_i = bench_ising_rule(rule_s, strlen(rule_s));
    if (rule_i < 0) {
        fprintf(stderr, "bench_ising: --rule %s: metropolis, heatbath, sw or wolff\n", rule_s);
        return 2;
    }
    const pml_ising_rule rule = (pml_ising_rule)rule_i;
    double Tv[16], Rv[16];
    const int nT = bench_parse_list(Ts, Tv, 16), nR = bench_parse_list(Rs, Rv, 16);
    if (nT < 1 || nR < 1 || repeats < 1) {
        fprintf(stderr, "bench_ising: bad --T, --replicas or --repeats\n");
        return 2;
    }
    const char *names[2] = {"cpu", "cuda"};
    peer_row prow[64];
    int npeer = 0;
    if (numpy) npeer = run_numpy(peers, Ls ? Ls : "256,1024,4096", Ts, prow, 64);
    if (!json)
        printf("%-6s %-26s %6s %4s %6s %8s %12s %10s %10s%s\n", "device", "name", "L", "R", "T",
               "sweeps", "ms/sweep", "flips/ns", "x numpy",
               measure ? "   measured ms/sweep  flips/ns  overhead" : "");
    int rc = 0;
    for (int d = 0; d < 2; ++d) {
        pml_device *dev = bench_open("bench_ising", names[d], device, &rc);
        if (!dev) continue;
        const char *defL = d == 0 ? "256,1024,4096" : "256,1024,4096,16384";
        double Lv[16];
        const int nL = bench_parse_list(Ls ? Ls : defL, Lv, 16);
        for (int li = 0; li < nL; ++li)
            for (int ri = 0; ri < nR; ++ri)
                for (int ti = 0; ti < nT; ++ti) {
                    const int64_t L = (int64_t)Lv[li], R = (int64_t)Rv[ri];
                    if (R > 1 && (double)L * L * R > 1.1e9) continue; /* keep memory sane */
                    result res;
                    pml_status s =
                        time_one(dev, L, R, Tv[ti], rule, flips, repeats, measure, &res);
                    if (s != PML_OK) {
                        fprintf(stderr, "bench_ising: %s L=%lld R=%lld: %s: %s\n", names[d],
                                (long long)L, (long long)R, pml_status_string(s), pml_last_error());
                        rc = 1;
                        continue;
                    }
                    double ratio = NAN;
                    for (int k = 0; k < npeer; ++k)
                        if (prow[k].L == L && fabs(prow[k].T - Tv[ti]) < 1e-9 && prow[k].fpns > 0)
                            ratio = res.fpns / prow[k].fpns;
                    if (json) {
                        printf("{\"name\": \"bench_ising\", \"device\": \"%s\", \"device_name\": "
                               "\"%s\", \"rule\": \"%s\", \"L\": %lld, \"replicas\": %lld, \"T\": %g, "
                               "\"sweeps\": %lld, \"measured_too\": %s, \"repeats\": %d, "
                               "\"median_s_per_sweep\": %.6g, \"flips_per_ns\": %.6g",
                               names[d], pml_device_name(dev), rule_s, (long long)L, (long long)R,
                               Tv[ti], (long long)res.sweeps, measure ? "true" : "false", repeats,
                               res.sec_per_sweep, res.fpns);
                        if (!isnan(ratio)) printf(", \"ratio_to_numpy\": %.4g", ratio);
                        if (measure)
                            printf(", \"median_s_per_sweep_measured\": %.6g, "
                                   "\"flips_per_ns_measured\": %.6g, \"measure_overhead\": %.4f",
                                   res.sec_per_sweep_measured, res.fpns_measured,
                                   res.sec_per_sweep_measured / res.sec_per_sweep - 1.0);
                        /* the CUDA launcher's fused-kernel limit (src/cuda/ising_sweep.cu) */
                        const char *fw = getenv("PML_ISING_FUSED_WORDS");
                        if (d == 1) printf(", \"fused_words\": \"%s\"", fw && *fw ? fw : "default");
                        printf("}\n");
                    } else {
                        char rs[32] = "";
                        if (!isnan(ratio)) snprintf(rs, sizeof rs, "%.1f", ratio);
                        printf("%-6s %-26.26s %6lld %4lld %6.3f %8lld %12.4f %10.4f %10s",
                               names[d], pml_device_name(dev), (long long)L, (long long)R, Tv[ti],
                               (long long)res.sweeps, 1e3 * res.sec_per_sweep, res.fpns, rs);
                        if (measure)
                            printf(" %20.4f %9.4f %8.1f%%", 1e3 * res.sec_per_sweep_measured,
                                   res.fpns_measured,
                                   100.0 * (res.sec_per_sweep_measured / res.sec_per_sweep - 1.0));
                        printf("\n");
                    }
                    fflush(stdout);
                }
        pml_device_close(dev);
    }
    return rc;
}
