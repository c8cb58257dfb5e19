/* bench_ising_tau: critical slowing down, measured. The integrated autocorrelation times of
 * e and |m| at T_c per update rule and lattice size, and the dynamic exponent z of each rule
 * from a straight-line fit of ln tau_|m| against ln L.
 *
 *   bench_ising_tau [--device cpu|cuda] [--L 16,32,64,128] [--rule metropolis,sw,wolff]
 *                   [--tau-multiple 2000] [--budget 120] [--seed 1] [--json]
 *
 * One L x L replica at T_c, J = 1, B = 0, thermalised by 300 Swendsen-Wang sweeps, then the
 * rule under test, measured every sweep (Wolff: every single-cluster step), in runs that
 * double until the run holds at least --tau-multiple times the tau_|m| it shows (the binning
 * estimate of tau needs bins much longer than tau) or --budget seconds are spent (then the
 * row says so). tau = (err_binned / err_naive)^2 / 2, in sweeps; Wolff's steps are converted
 * to sweeps by the mean cluster size over N, which is <m^2> at B = 0 (the improved-estimator
 * identity <|C|> = N <m^2>), so its tau is comparable with the others'. */
#include "bench_util.h"
#include <math.h>
#include <string.h>


int main(int argc, char **argv)
{
    const char *device = "cpu", *Ls = "16,32,64,128", *rules_s = "metropolis,sw,wolff";
    double multiple = 2000, budget = 120;
    uint64_t seed = 1;
    int json = 0;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) json = 1;
        else if (v && !strcmp(a, "--device")) device = argv[++i];
        else if (v && !strcmp(a, "--L")) Ls = argv[++i];
        else if (v && !strcmp(a, "--rule")) rules_s = argv[++i];
        else if (v && !strcmp(a, "--tau-multiple")) multiple = atof(argv[++i]);
        else if (v && !strcmp(a, "--budget")) budget = atof(argv[++i]);
        else if (v && !strcmp(a, "--seed")) seed = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_ising_tau [--device cpu|cuda] [--L list] [--rule list] "
                            "[--tau-multiple K] [--budget S] [--seed S] [--json]\n");
            return !strcmp(a, "--help") ? 0 : 2;
        }
    }
    double Lv[16];
    const int nL = bench_parse_list(Ls, Lv, 16);
    if (nL < 1 || !(multiple >= 100) || !(budget > 0)) {
        fprintf(stderr, "bench_ising_tau: bad --L, --tau-multiple (>= 100) or --budget\n");
        return 2;
    }
    pml_device *dev = NULL;
    BENCH_CHECK("bench_ising_tau", pml_device_open(device, &dev));
    const double Tc = pml_ising_tc(1.0);
    if (!json)
        printf("%-10s %6s %10s %9s %9s %9s %11s %9s\n", "rule", "L", "samples", "seconds",
               "tau_e", "tau_|m|", "sweeps/samp", "enough");
    for (const char *p = rules_s; *p;) {
        const size_t k = strcspn(p, ",");
        const int rule = bench_ising_rule(p, k);
        p += k + (p[k] == ',');
        if (rule < 0) {
            fprintf(stderr, "bench_ising_tau: --rule: metropolis, heatbath, sw or wolff\n");
            return 2;
        }
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int nfit = 0;
        for (int li = 0; li < nL; ++li) {
            const int64_t L = (int64_t)Lv[li];
            pml_ising_config c = {L, L, 1, 1.0, PML_ISING_SWENDSEN_WANG, seed + (uint64_t)L};
            pml_ising *g = NULL;
            BENCH_CHECK("bench_ising_tau", pml_ising_create(dev, &c, &Tc, NULL, &g));
            BENCH_CHECK("bench_ising_tau", pml_ising_init(g, PML_ISING_HOT));
            BENCH_CHECK("bench_ising_tau", pml_ising_sweep(g, 300));
            BENCH_CHECK("bench_ising_tau", pml_ising_set_rule(g, (pml_ising_rule)rule));
            BENCH_CHECK("bench_ising_tau", pml_ising_reset_stats(g));
            pml_ising_stats st;
            int64_t n = 4096, done = 0;
            double t = 0;
            int enough = 0;
            for (;;) {
                const double t0 = bench_now();
                BENCH_CHECK("bench_ising_tau", pml_ising_sample(g, n - done));
                BENCH_CHECK("bench_ising_tau", pml_device_synchronize(dev));
                t += bench_now() - t0;
                done = n;
                BENCH_CHECK("bench_ising_tau", pml_ising_stats_get(g, &st, 1));
                enough = (double)done >= multiple * st.tau_m && (double)done >= multiple * st.tau_e;
                if (enough || t > budget) break;
                n *= 2;
            }
            /* steps to sweeps: a Wolff step flips <|C|> = N <m^2> sites on average */
            const double per = rule == 3 ? st.m2 : 1.0;
            const double te = st.tau_e * per, tm = st.tau_m * per;
            if (json)
                printf("{\"name\": \"bench_ising_tau\", \"device\": \"%s\", \"device_name\": \"%s\", "
                       "\"rule\": \"%s\", \"L\": %lld, \"T\": %.10g, \"samples\": %lld, "
                       "\"seconds\": %.4g, \"tau_e\": %.4g, \"tau_m\": %.4g, "
                       "\"sweeps_per_sample\": %.4g, \"enough\": %s}\n",
                       device, pml_device_name(dev), bench_ising_rules[rule], (long long)L, Tc,
                       (long long)done, t, te, tm, per, enough ? "true" : "false");
            else
                printf("%-10s %6lld %10lld %9.2f %9.2f %9.2f %11.4f %9s\n", bench_ising_rules[rule],
                       (long long)L, (long long)done, t, te, tm, per, enough ? "yes" : "NO");
            fflush(stdout);
            pml_ising_destroy(g);
            if (tm > 0) {
                const double x = log((double)L), y = log(tm);
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
                ++nfit;
            }
        }
        if (nfit >= 2) {
            const double z = (nfit * sxy - sx * sy) / (nfit * sxx - sx * sx);
            if (json)
                printf("{\"name\": \"bench_ising_tau_fit\", \"rule\": \"%s\", \"z_m\": %.4g, "
                       "\"sizes\": %d}\n", bench_ising_rules[rule], z, nfit);
            else
                printf("%-10s  z (tau_|m| ~ L^z, %d sizes): %.2f\n", bench_ising_rules[rule], nfit, z);
        }
    }
    pml_device_close(dev);
    return 0;
}
