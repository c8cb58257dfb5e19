/* Statistics against exact results: enumeration of the 4x4 lattice (65,536 states), a
 * visit-frequency (stationarity) chi-square on 2x2, Onsager's energy and Yang's
 * magnetisation on 64x64, the exact formulas themselves, and the mean-field roots. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pml_test.h"
#include "pml_test_ising.h"
#include "physml/ising.h"

/* ---- exact enumeration (pml_test_ising_enumerate, tests/support) -------------------------- */
/* mean and standard error over k independent replicas */
static void mean_err(const double *v, int k, double *mean, double *err)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < k; ++i) s += v[i];
    *mean = s / k;
    for (int i = 0; i < k; ++i) s2 += (v[i] - *mean) * (v[i] - *mean);
    *err = sqrt(s2 / (k - 1) / k);
}

/* <e> and <|m|> averaged over k independent replicas, with their binning errors pooled. */
static void pooled(const pml_ising_stats *s, int k, double *e, double *e_err, double *m_abs,
                   double *m_abs_err)
{
    double ee = 0, me = 0;
    *e = *m_abs = 0;
    for (int i = 0; i < k; ++i) {
        *e += s[i].e / k;
        ee += s[i].e_err * s[i].e_err / (k * k);
        *m_abs += s[i].m_abs / k;
        me += s[i].m_abs_err * s[i].m_abs_err / (k * k);
    }
    *e_err = sqrt(ee);
    *m_abs_err = sqrt(me);
}

#define NCOND 6
#define REPS 16
static const double condT[NCOND] = {1.5, 2.269, 3.5, 1.5, 2.269, 3.5};
static const double condB[NCOND] = {0.0, 0.0, 0.0, 0.25, -0.4, 0.8};

/* Both rules, all six (T, B) in one batch of 6 x 16 replicas. Every quantity must lie within
 * 4 standard errors of the exact value; errors are from the run: the binning error of <e>
 * and <|m|> (pooled over replicas), and for <m^2>, C, chi, <m> the spread of the 16
 * independent replicas. A run of n samples biases C and chi by about -2 tau/n of their
 * value (< 0.1% here), well inside the errors. */
static void check_4x4(pml_ising_rule rule, int64_t sweeps)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {4, 4, NCOND * REPS, 1.0, rule, 77 + (uint64_t)rule};
    double T[NCOND * REPS], B[NCOND * REPS];
    for (int i = 0; i < NCOND * REPS; ++i) {
        T[i] = condT[i / REPS];
        B[i] = condB[i / REPS];
    }
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, B, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 1000));
    PML_ASSERT_OK(pml_ising_sample(g, sweeps));
    pml_ising_stats st[NCOND * REPS];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, NCOND * REPS));
    int bad = 0;
    for (int k = 0; k < NCOND; ++k) {
        const pml_test_ising_exact x = pml_test_ising_enumerate(4, 4, 1.0, condT[k], condB[k]);
        const pml_ising_stats *s = &st[k * REPS];
        double v[REPS];
        struct {
            const char *name;
            double got, err, want;
        } q[6];
        pooled(s, REPS, &q[0].got, &q[0].err, &q[1].got, &q[1].err);
        q[0].name = "<e>", q[0].want = x.e;
        q[1].name = "<|m|>", q[1].want = x.m_abs;
        for (int i = 0; i < REPS; ++i) v[i] = s[i].m2;
        q[2].name = "<m^2>", mean_err(v, REPS, &q[2].got, &q[2].err), q[2].want = x.m2;
        for (int i = 0; i < REPS; ++i) v[i] = s[i].c;
        q[3].name = "C", mean_err(v, REPS, &q[3].got, &q[3].err), q[3].want = x.c;
        for (int i = 0; i < REPS; ++i) v[i] = condB[k] == 0 ? s[i].chi : s[i].chi_m;
        q[4].name = condB[k] == 0 ? "chi" : "chi_m";
        mean_err(v, REPS, &q[4].got, &q[4].err);
        q[4].want = condB[k] == 0 ? x.chi : x.chi_m;
        for (int i = 0; i < REPS; ++i) v[i] = s[i].m;
        q[5].name = "<m>", mean_err(v, REPS, &q[5].got, &q[5].err), q[5].want = x.m;
        for (int j = 0; j < 6; ++j) {
            /* <m> at B = 0 is 0 by symmetry and hops between sectors slowly at T = 1.5:
             * its replica spread is still an honest error, so it is checked too */
            const double z = fabs(q[j].got - q[j].want) / q[j].err;
            if (!(z <= 4.0)) {
                ++bad;
                cr_log_error("rule %d T=%g B=%g %s: %.6f +- %.6f, exact %.6f (%.1f sigma)",
                             (int)rule, condT[k], condB[k], q[j].name, q[j].got, q[j].err,
                             q[j].want, z);
            }
        }
    }
    cr_assert_eq(bad, 0, "%d quantities outside 4 standard errors", bad);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

Test(ising_exact, enumeration_4x4_metropolis) { check_4x4(PML_ISING_METROPOLIS, 40000); }
Test(ising_exact, enumeration_4x4_heatbath) { check_4x4(PML_ISING_HEATBATH, 40000); }

/* ---- jackknife error bars of C, chi, U against the spread of independent runs ----------
 * JK_R independent replicas of 4x4 (each its own Philox stream) at T = 2.5, B = 0, 8,000
 * measured sweeps each, for each rule: every replica's C, chi and U with their jackknife
 * errors. If the errors are honest, the mean reported error equals the standard deviation of
 * the estimates over the replicas; the ratio must lie within 20 %. With 256 replicas the
 * sample standard deviation is known to 1/sqrt(2 * 255) = 4.4 %, the mean error to about
 * 1 % (each replica's error to ~13 % from its 32-64 bins; the mean of the errors sits 1-3 %
 * under the standard deviation, as the mean of square roots does), so 20 % is 4.5 of those
 * standard errors; errors off by a bin scaling (sqrt 2 for a factor 2 in the bin length or
 * count) would be caught at this size only in part, a missing jackknife factor (k - 1)
 * (sqrt 63) always. Six seeds gave ratios 0.91-1.06. The mean of the estimates must also lie
 * within 4 pooled errors (sqrt(sum err^2) / R) of the exact C, chi and U: C and chi are
 * biased by about -2 tau / n of their value and U by a similar amount (measured: U's mean
 * sat 2 pooled errors low with 384 replicas of 4,000 sweeps, under 1 with 8,000), which is
 * why the runs are long and the replicas fewer. Metropolis at B = 0 samples the states
 * outside the trapped class (hot starts avoid it); the class's 36 states of e = 0 carry a
 * Boltzmann weight of 36 / Z ~ 1e-5 here, invisible at this precision. */
#define JK_R 256
static void jackknife_vs_spread(pml_ising_rule rule)
{
    pml_device *dev = pml_test_open_cpu();
    const double T0 = 2.5;
    pml_ising_config c = {4, 4, JK_R, 1.0, rule, 606 + (uint64_t)rule};
    double T[JK_R];
    for (int i = 0; i < JK_R; ++i) T[i] = T0;
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 500));
    PML_ASSERT_OK(pml_ising_sample(g, 8000));
    static pml_ising_stats st[JK_R];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, JK_R));
    const pml_test_ising_exact x = pml_test_ising_enumerate(4, 4, 1.0, T0, 0.0);
    const double want[3] = {x.c, x.chi, 1.0 - x.m4 / (3.0 * x.m2 * x.m2)};
    static const char *const name[3] = {"C", "chi", "U"};
    for (int q = 0; q < 3; ++q) {
        double v[JK_R], mean, sem, err_sum = 0, err2_sum = 0;
        for (int i = 0; i < JK_R; ++i) {
            const pml_ising_stats *s = &st[i];
            const double val[3] = {s->c, s->chi, s->binder}, err[3] = {s->c_err, s->chi_err,
                                                                       s->binder_err};
            cr_assert(isfinite(err[q]) && err[q] > 0 && s->warning == 0,
                      "replica %d: %s +- %g, warning %u", i, name[q], err[q], s->warning);
            v[i] = val[q];
            err_sum += err[q];
            err2_sum += err[q] * err[q];
        }
        mean_err(v, JK_R, &mean, &sem);
        const double sd = sem * sqrt((double)JK_R), ratio = err_sum / JK_R / sd;
        const double pooled = sqrt(err2_sum) / JK_R, z = (mean - want[q]) / pooled;
        cr_log_info("rule %d %s: mean jackknife error %.5g, spread %.5g (ratio %.3f); mean "
                    "%.5f +- %.5f, exact %.5f (%.2f sigma)",
                    (int)rule, name[q], err_sum / JK_R, sd, ratio, mean, pooled, want[q], z);
        cr_expect(fabs(ratio - 1) <= 0.2, "rule %d %s: mean jackknife error / spread = %.3f",
                  (int)rule, name[q], ratio);
        cr_expect(fabs(z) <= 4, "rule %d %s: %.5f +- %.5f, exact %.5f (%.1f sigma)", (int)rule,
                  name[q], mean, pooled, want[q], z);
    }
    pml_ising_destroy(g);
    pml_device_close(dev);
}

Test(ising_exact, jackknife_errors_match_the_spread_heatbath)
{
    jackknife_vs_spread(PML_ISING_HEATBATH);
}
Test(ising_exact, jackknife_errors_match_the_spread_metropolis)
{
    jackknife_vs_spread(PML_ISING_METROPOLIS);
}

/* ---- stationarity on 2x2 ------------------------------------------------------------------
 * 2048 replicas of the 2x2 lattice (16 states), hot start, 40 sweeps, then a snapshot every
 * 10 sweeps, 16 times (at T = 2 the 2x2 chain decorrelates in a few sweeps, so the 32,768
 * states are close to independent). The counts against N p(state): chi-square with 15
 * degrees of freedom; 45 is its 99.99% point, so a correct sampler fails 1 run in 10^4. */
static void check_2x2(pml_ising_rule rule, double T, double B)
{
    pml_device *dev = pml_test_open_cpu();
    enum { R = 2048, SNAP = 16 };
    pml_ising_config c = {2, 2, R, 1.0, rule, 4242 + (uint64_t)rule};
    double *Ts = malloc(R * sizeof *Ts), *Bs = malloc(R * sizeof *Bs);
    for (int i = 0; i < R; ++i) {
        Ts[i] = T;
        Bs[i] = B;
    }
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, Ts, Bs, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 40));
    double count[16] = {0};
    int8_t s[4 * R];
    for (int k = 0; k < SNAP; ++k) {
        PML_ASSERT_OK(pml_ising_sweep(g, 10));
        PML_ASSERT_OK(pml_ising_get_spins(g, s, sizeof s));
        for (int r = 0; r < R; ++r) {
            int st = 0;
            for (int i = 0; i < 4; ++i) st |= (s[4 * r + i] > 0) << i;
            count[st] += 1;
        }
    }
    /* Metropolis at B = 0 neither enters nor leaves the 4 stripe states (see below), and hot
     * starts avoid them: it samples the Boltzmann distribution of the other 12 (11 dof,
     * 99.99 % point 37.4) */
    const int restricted = rule == PML_ISING_METROPOLIS && B == 0;
    double w[16], Z = 0;
    for (int st = 0; st < 16; ++st) {
        int8_t sp[4];
        int bonds = 0, mag = 0;
        for (int i = 0; i < 4; ++i) sp[i] = (st >> i) & 1 ? 1 : -1;
        for (int y = 0; y < 2; ++y)
            for (int x = 0; x < 2; ++x) {
                const int v = sp[2 * y + x];
                bonds += v * (sp[2 * y + (x + 1) % 2] + sp[2 * ((y + 1) % 2) + x]);
                mag += v;
            }
        const int trapped = restricted && pml_test_ising_trapped(sp, 2, 2);
        w[st] = trapped ? 0 : exp((1.0 * bonds + B * mag) / T);
        Z += w[st];
    }
    double chi2 = 0;
    for (int st = 0; st < 16; ++st) {
        const double expect = (double)R * SNAP * w[st] / Z;
        if (expect == 0) cr_assert_eq(count[st], 0, "state %d is trapped", st);
        else chi2 += (count[st] - expect) * (count[st] - expect) / expect;
    }
    cr_assert(chi2 < (restricted ? 38.0 : 45.0), "rule %d T=%g B=%g: chi-square %.1f with %d dof",
              (int)rule, T, B, chi2, restricted ? 11 : 15);
    free(Ts);
    free(Bs);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

/* At B = 0 Metropolis samples the states outside the stripe class: see the next test. */
Test(ising_exact, stationary_2x2_metropolis)
{
    check_2x2(PML_ISING_METROPOLIS, 2.0, 0.3);
    check_2x2(PML_ISING_METROPOLIS, 3.0, -0.5);
    check_2x2(PML_ISING_METROPOLIS, 2.0, 0.0);
}

/* Checkerboard Metropolis is not ergodic on 2x2 at B = 0 (a property of the algorithm, not
 * of this code): in a stripe state every site has neighbour sum 0, so dE = 0 and each
 * half-sweep flips its whole colour with probability 1. The stripes map onto stripes for
 * ever, a closed class of states that the heat-bath rule (p = 1/2 at dE = 0) does not have;
 * and no other state leads into it (detailed balance: a half-sweep that could enter it could
 * leave it). So the 2x2 chi-square of Metropolis at B = 0 counts the other 12 states, and a
 * stripe set by hand stays a stripe, flagged frozen. */
Test(ising_exact, metropolis_2x2_zero_field_stripes_are_closed)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {2, 2, 1, 1.0, PML_ISING_METROPOLIS, 3};
    double T = 2.0;
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, &T, NULL, &g));
    const int8_t stripe[4] = {1, 1, -1, -1}, flipped[4] = {-1, -1, 1, 1};
    PML_ASSERT_OK(pml_ising_set_spins(g, stripe, 4));
    int8_t s[4];
    for (int k = 0; k < 100; ++k) {
        PML_ASSERT_OK(pml_ising_sample(g, 1));
        PML_ASSERT_OK(pml_ising_get_spins(g, s, 4));
        cr_assert(memcmp(s, (k & 1) ? stripe : flipped, 4) == 0, "sweep %d", k);
    }
    pml_ising_stats st;
    PML_ASSERT_OK(pml_ising_stats_get(g, &st, 1));
    cr_assert(st.frozen && st.warning == PML_ISING_WARN_FROZEN, "warning %u", st.warning);
    pml_ising_destroy(g);
    pml_device_close(dev);
}
Test(ising_exact, stationary_2x2_heatbath)
{
    check_2x2(PML_ISING_HEATBATH, 2.0, 0.0);
    check_2x2(PML_ISING_HEATBATH, 3.0, -0.5);
}

/* ---- trapped states and frozen runs -----------------------------------------------------
 * A 4x4 hot start made of 2x2 blocks (or diagonal stripes of width 2: 36 of the 65,536
 * states) has every neighbour sum 0, so checkerboard Metropolis at B = 0 flips each colour
 * whole, for ever, with e = 0 and m = 0. Among seeds 0..3999 the first candidate of
 * replica 0 is such a state for a few (1034 among them: `physml ising --L 4 --T 2.3 --seed
 * 1034` printed e = 0 +- 0); the hot start must take the next candidate of the INIT stream
 * (physml/ising.h), and the run the tool makes (1,000 + 10,000 sweeps) must then agree with
 * the exact 4x4 energy within 4 of its own standard errors, with no warning. */
Test(ising_exact, trapped_hot_starts_are_avoided)
{
    pml_device *dev = pml_test_open_cpu();
    const double T = 2.3, e_exact = pml_test_ising_enumerate(4, 4, 1.0, T, 0.0).e;
    int trapped = 0, saw1034 = 0;
    for (uint64_t seed = 0; seed < 4000; ++seed) {
        int8_t first[16], want[16], got[16];
        pml_test_ising_candidate(seed, 0, 0, 4, 4, first);
        if (!pml_test_ising_trapped(first, 4, 4)) continue;
        ++trapped;
        saw1034 |= seed == 1034;
        cr_assert_eq(pml_test_ising_hot_start(seed, 0, 4, 4, want), 1, "seed %llu",
                     (unsigned long long)seed);
        pml_ising_config c = {4, 4, 1, 1.0, PML_ISING_METROPOLIS, seed};
        pml_ising *g = NULL;
        PML_ASSERT_OK(pml_ising_create(dev, &c, &T, NULL, &g));
        PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
        PML_ASSERT_OK(pml_ising_get_spins(g, got, 16));
        cr_assert(memcmp(got, want, 16) == 0, "seed %llu: not the second candidate",
                  (unsigned long long)seed);
        PML_ASSERT_OK(pml_ising_sweep(g, 1000));
        PML_ASSERT_OK(pml_ising_sample(g, 10000));
        pml_ising_stats st;
        PML_ASSERT_OK(pml_ising_stats_get(g, &st, 1));
        cr_log_info("seed %llu: e = %.5f +- %.5f, exact %.5f", (unsigned long long)seed, st.e,
                    st.e_err, e_exact);
        cr_assert(fabs(st.e - e_exact) <= 4 * st.e_err, "seed %llu: e = %.5f +- %.5f, exact %.5f",
                  (unsigned long long)seed, st.e, st.e_err, e_exact);
        cr_assert(st.warning == 0 && st.frozen == 0, "seed %llu: warning %u",
                  (unsigned long long)seed, st.warning);
        pml_ising_destroy(g);
    }
    cr_assert(saw1034 && trapped >= 2 && trapped <= 10, "%d trapped seeds", trapped);
    pml_device_close(dev);
}

/* One replica from `spins` (set by hand), or the hot start (spins NULL, hot), or the cold
 * one; `sweeps` measured sweeps; its stats. */
static pml_ising_stats run_one(pml_ising_config c, double T, double B, const int8_t *spins,
                               int hot, int64_t sweeps)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, &T, &B, &g));
    if (spins) PML_ASSERT_OK(pml_ising_set_spins(g, spins, (size_t)(c.lx * c.ly)));
    else if (hot) PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sample(g, sweeps));
    pml_ising_stats st;
    PML_ASSERT_OK(pml_ising_stats_get(g, &st, 1));
    pml_ising_destroy(g);
    pml_device_close(dev);
    return st;
}

/* A trapped state set by hand, and the runs that no start can save: the measurements never
 * vary, and the stats say so (PML_ISING_WARN_FROZEN) where a sound run says nothing. */
Test(ising_exact, frozen_runs_are_reported)
{
    const pml_ising_config metro = {4, 4, 1, 1.0, PML_ISING_METROPOLIS, 1034};
    /* 2x2 blocks and a diagonal stripe of width 2: e = 0, m = 0 for ever */
    static const int8_t blocks[16] = {1, 1, -1, -1, 1, 1, -1, -1, -1, -1, 1, 1, -1, -1, 1, 1};
    static const int8_t stripe[16] = {1, 1, -1, -1, 1, -1, -1, 1, -1, -1, 1, 1, -1, 1, 1, -1};
    const int8_t *traps[2] = {blocks, stripe};
    char text[512];
    for (int i = 0; i < 2; ++i) {
        cr_assert(pml_test_ising_trapped(traps[i], 4, 4));
        const pml_ising_stats st = run_one(metro, 2.3, 0.0, traps[i], 0, 10000);
        cr_assert(st.frozen == 1 && st.warning == PML_ISING_WARN_FROZEN, "trap %d: warning %u",
                  i, st.warning);
        cr_assert(st.e == 0 && st.m_abs == 0 && st.e_err == 0 && st.c == 0 && st.c_err == 0);
        PML_ASSERT_OK(pml_ising_warning_text(&st, text, sizeof text));
        cr_assert(strstr(text, "frozen: e = 0 and |m| = 0 in all 10000 samples"), "%s", text);
        /* heat-bath (p = 1/2 at dE = 0) leaves the same state at once */
        pml_ising_config hb = metro;
        hb.rule = PML_ISING_HEATBATH;
        const pml_ising_stats sh = run_one(hb, 2.3, 0.0, traps[i], 0, 10000);
        cr_assert(sh.warning == 0 && sh.e < -1.4, "heat-bath from trap %d: e = %g, warning %u",
                  i, sh.e, sh.warning);
        /* and so does Metropolis in a field (dE = 2 s B at a zero neighbour sum) */
        const pml_ising_stats sb = run_one(metro, 2.3, 0.1, traps[i], 0, 10000);
        cr_assert(sb.warning == 0, "Metropolis, B = 0.1, from trap %d: warning %u", i,
                  sb.warning);
    }
    /* J = 0, B = 0: every flip costs nothing, every spin flips every sweep (m -> -m), from a
     * hot start and from the cold one */
    const pml_ising_config j0 = {8, 8, 1, 0.0, PML_ISING_METROPOLIS, 5};
    for (int hot = 0; hot < 2; ++hot) {
        const pml_ising_stats st = run_one(j0, 2.0, 0.0, NULL, hot, 1000);
        cr_assert(st.frozen == 1 && st.warning == PML_ISING_WARN_FROZEN,
                  "J = 0, hot %d: warning %u", hot, st.warning);
        cr_assert(hot || (st.m == 0.0 && st.m_abs == 1.0), "J = 0, cold: m = %g, |m| = %g",
                  st.m, st.m_abs);
    }
    /* T so high that every threshold rounds to "always": the same, from the cold start */
    pml_ising_stats st = run_one(metro, 1e30, 0.0, NULL, 0, 1000);
    cr_assert(st.frozen == 1 && st.e == -2.0 && st.m == 0.0 && st.m_abs == 1.0,
              "T = 1e30: e = %g, m = %g, warning %u", st.e, st.m, st.warning);
    /* a cold lattice far below T_c (every uphill threshold rounds to 0): nothing ever moves,
     * rightly here, and the error bars of 0 are still flagged */
    st = run_one((pml_ising_config){8, 8, 1, 1.0, PML_ISING_HEATBATH, 3}, 0.2, 0.0, NULL, 0,
                 200);
    cr_assert(st.frozen == 1 && st.e == -2.0 && st.e_err == 0, "T = 0.2: warning %u",
              st.warning);
    /* a sound run says nothing, and a short one only that C, chi, U have no error bars */
    st = run_one(metro, 2.3, 0.0, NULL, 1, 10000);
    cr_assert(st.warning == 0 && st.frozen == 0 && isfinite(st.c_err), "warning %u",
              st.warning);
    st = run_one(metro, 2.3, 0.0, NULL, 1, 31);
    cr_assert(st.warning == PML_ISING_WARN_NO_JACKKNIFE && isnan(st.c_err) &&
                  isnan(st.binder_err) && isfinite(st.c),
              "warning %u", st.warning);
    PML_ASSERT_OK(pml_ising_warning_text(&st, text, sizeof text));
    cr_assert(strstr(text, "fewer than 32 samples"), "%s", text);
    st = run_one(metro, 2.3, 0.0, NULL, 1, 32);
    cr_assert(st.warning == 0 && isfinite(st.c_err), "32 samples: warning %u", st.warning);
}

/* ---- Onsager and Yang on 64x64 --------------------------------------------------------------
 * Away from T_c the finite-size corrections of a periodic L x L lattice fall like
 * exp(-L / xi). At T = 1.8 (xi ~ 1) and T = 3.0 (xi ~ 2) with L = 64 they are below 1e-6,
 * far under the statistical errors here, and <|m|> differs from Yang's m by the width of
 * the m distribution, O(chi T / (N m)) ~ 1e-4 at T = 1.8. The tolerance is therefore
 * 4 standard errors (binning, pooled over replicas) plus an allowance of 5e-4 for these
 * finite-size terms, documented rather than tuned. */
Test(ising_exact, onsager_yang_64x64)
{
    pml_device *dev = pml_test_open_cpu();
    enum { R = 4 };
    const double Ts[2] = {1.8, 3.0};
    for (int rule = 0; rule < 2; ++rule) {
        pml_ising_config c = {64, 64, 2 * R, 1.0, (pml_ising_rule)rule, 11 + (uint64_t)rule};
        double T[2 * R];
        for (int i = 0; i < 2 * R; ++i) T[i] = Ts[i / R];
        pml_ising *g = NULL;
        PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
        PML_ASSERT_OK(pml_ising_sweep(g, 300)); /* cold start: already near both states */
        PML_ASSERT_OK(pml_ising_sample(g, 2000));
        pml_ising_stats st[2 * R];
        PML_ASSERT_OK(pml_ising_stats_get(g, st, 2 * R));
        for (int k = 0; k < 2; ++k) {
            double e, e_err, m, m_err;
            pooled(&st[k * R], R, &e, &e_err, &m, &m_err);
            const double u = pml_ising_onsager_energy(Ts[k], 1.0);
            cr_assert(fabs(e - u) <= 4 * e_err + 5e-4,
                      "rule %d T=%g: e = %.6f +- %.6f, Onsager %.6f", rule, Ts[k], e, e_err, u);
            if (Ts[k] < 2.0) {
                const double my = pml_ising_yang_m(Ts[k], 1.0);
                cr_assert(fabs(m - my) <= 4 * m_err + 5e-4,
                          "rule %d T=%g: |m| = %.6f +- %.6f, Yang %.6f", rule, Ts[k], m, m_err, my);
            }
        }
        pml_ising_destroy(g);
    }
    pml_device_close(dev);
}

Test(ising_exact, exact_formulas)
{
    const double tc = pml_ising_tc(1.0);
    cr_assert(fabs(tc - 2.269185314213022) < 1e-12, "%.15f", tc);
    cr_assert(fabs(pml_ising_onsager_energy(tc, 1.0) + sqrt(2.0)) < 1e-12);
    /* just off T_c the log singularity of K is multiplied by a vanishing factor */
    cr_assert(fabs(pml_ising_onsager_energy(tc * (1 + 1e-9), 1.0) + sqrt(2.0)) < 1e-6);
    /* high-T series u = -2 tanh(beta) (1 + ...) and low-T u -> -2 */
    cr_assert(fabs(pml_ising_onsager_energy(100.0, 1.0) + 2 * tanh(0.01)) < 1e-5);
    cr_assert(fabs(pml_ising_onsager_energy(0.5, 1.0) + 2.0) < 1e-5);
    /* u is continuous, C peaks at T_c */
    cr_assert(pml_ising_onsager_c(2.2, 1.0) > pml_ising_onsager_c(1.8, 1.0));
    cr_assert(pml_ising_onsager_c(2.35, 1.0) > pml_ising_onsager_c(3.0, 1.0));
    cr_assert_eq(pml_ising_yang_m(2.5, 1.0), 0.0);
    cr_assert(fabs(pml_ising_yang_m(1.0, 1.0) - pow(1 - pow(sinh(2.0), -4), 0.125)) < 1e-15);
    cr_assert(pml_ising_yang_m(tc * 0.999, 1.0) < 0.6);
    /* outside their domain (J > 0, T > 0) every formula says NaN, not a number */
    const double badJ[3] = {0.0, -1.0, NAN};
    for (int i = 0; i < 3; ++i) {
        cr_assert(isnan(pml_ising_tc(badJ[i])), "T_c(J = %g)", badJ[i]);
        cr_assert(isnan(pml_ising_onsager_energy(2.0, badJ[i])), "u(J = %g)", badJ[i]);
        cr_assert(isnan(pml_ising_onsager_c(2.0, badJ[i])), "C(J = %g)", badJ[i]);
        cr_assert(isnan(pml_ising_yang_m(1.0, badJ[i])), "m(J = %g)", badJ[i]);
    }
    cr_assert(isnan(pml_ising_onsager_energy(0.0, 1.0)) && isnan(pml_ising_yang_m(-1.0, 1.0)));
}

/* ---- mean field: m = tanh((J q m + B) / T) ------------------------------------------------- */
Test(ising_exact, meanfield_roots)
{
    double r[4];
    int n = 0;
    cr_assert_eq(pml_meanfield_tc(1.0, 4), 4.0);
    /* above T_c^MF: only m = 0 */
    PML_ASSERT_OK(pml_meanfield_roots(5.0, 0.0, 1.0, 4, r, 4, &n));
    cr_assert_eq(n, 1);
    cr_assert(fabs(r[0]) < 1e-12);
    /* below: -m*, 0, +m*, symmetric, each a solution */
    PML_ASSERT_OK(pml_meanfield_roots(3.0, 0.0, 1.0, 4, r, 4, &n));
    cr_assert_eq(n, 3);
    cr_assert(fabs(r[1]) < 1e-12 && fabs(r[0] + r[2]) < 1e-12 && r[2] > 0.5);
    for (int i = 0; i < 3; ++i) cr_assert(fabs(tanh(4 * r[i] / 3.0) - r[i]) < 1e-12);
    /* near T_c^MF, m* ~ sqrt(3 (1 - T/T_c)) */
    PML_ASSERT_OK(pml_meanfield_roots(3.96, 0.0, 1.0, 4, r, 4, &n));
    cr_assert_eq(n, 3);
    cr_assert(fabs(r[2] - sqrt(3 * 0.01)) < 0.01, "%g", r[2]);
    /* a field B > 0 favours +1: a strong one leaves only the positive root */
    PML_ASSERT_OK(pml_meanfield_roots(3.0, 2.0, 1.0, 4, r, 4, &n));
    cr_assert_eq(n, 1);
    cr_assert(r[0] > 0.9);
    /* a weak one keeps three, the metastable one negative */
    PML_ASSERT_OK(pml_meanfield_roots(2.0, 0.1, 1.0, 4, r, 4, &n));
    cr_assert_eq(n, 3);
    cr_assert(r[0] < -0.9 && r[2] > 0.9 && fabs(r[2]) > fabs(r[0]));
    cr_assert_eq(pml_meanfield_roots(0.0, 0.0, 1.0, 4, r, 4, &n), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_meanfield_roots(1.0, 0.0, 1.0, 0, r, 4, &n), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_meanfield_roots(1.0, 0.0, 1.0, 4, NULL, 4, &n), PML_ERR_INVALID_ARGUMENT);
}

/* Near the spinodal field two roots merge at a stationary point of f(m) = tanh(x) - m,
 * x = (J q m + B)/T: at x_s = acosh(sqrt(J q / T)), m_+ = (x_s T - B)/(J q), f(m_+) = 0 when
 * B = -B_s, B_s = J q tanh(x_s) - x_s T. At B = -B_s + d, f(m_+) = d/(J q), and the two roots
 * beside m_+ lie at m_+ -+ w, w = sqrt(d T / ((J q)^2 tanh x_s)) to leading order; for d < 0
 * they are gone. By the symmetry m -> -m, B -> -B the same holds at +B_s. Checked at
 * |d| = 1e-9 and 1e-12 on both sides, at four T < T_c^MF and two (J, q), with the roots'
 * separation against 2w within 1 % (rounding of f moves each root by ~1e-16 / f' there,
 * under 0.1 % of w at d = 1e-12), and at d = 0 the tangency: two roots, one at m_+. */
#define SPIN_FMT "J q = %g, T = %g, B = %+.17g (d = %g): %d roots"
#define SPIN_ARGS Jq, T, B, d, n
Test(ising_exact, meanfield_roots_near_the_spinodal)
{
    const struct {
        double J;
        int q;
    } jq[2] = {{1.0, 4}, {0.5, 6}};
    const double frac[4] = {0.25, 0.5, 0.75, 0.975}; /* T / T_c^MF */
    const double ds[5] = {1e-9, 1e-12, -1e-12, -1e-9, 0.0};
    for (int a = 0; a < 2; ++a)
        for (int t = 0; t < 4; ++t)
            for (int sgn = -1; sgn <= 1; sgn += 2)
                for (int k = 0; k < 5; ++k) {
                    const double J = jq[a].J, Jq = J * jq[a].q, T = frac[t] * Jq, d = ds[k];
                    const double xs = acosh(sqrt(Jq / T)), Bs = Jq * tanh(xs) - xs * T;
                    /* sgn = +1: B = -B_s + d, merging at m_+ = (x_s T - B)/(J q);
                     * sgn = -1: the mirror image, B = B_s - d, merging at -m_+ */
                    const double B = sgn > 0 ? -Bs + d : Bs - d;
                    const double m_merge = sgn > 0 ? (xs * T - B) / Jq : -(xs * T + B) / Jq;
                    double r[4];
                    int n = 0;
                    PML_ASSERT_OK(pml_meanfield_roots(T, B, J, jq[a].q, r, 4, &n));
                    for (int i = 0; i < n; ++i) {
                        cr_assert(fabs(tanh((Jq * r[i] + B) / T) - r[i]) < 1e-14, SPIN_FMT,
                                  SPIN_ARGS);
                        cr_assert(i == 0 || r[i] > r[i - 1], SPIN_FMT, SPIN_ARGS);
                    }
                    if (d < 0) {
                        cr_assert_eq(n, 1, SPIN_FMT, SPIN_ARGS);
                    } else if (d == 0) {
                        cr_assert_eq(n, 2, SPIN_FMT, SPIN_ARGS);
                        cr_assert(fabs(r[sgn > 0 ? 1 : 0] - m_merge) < 1e-12, SPIN_FMT,
                                  SPIN_ARGS);
                    } else {
                        cr_assert_eq(n, 3, SPIN_FMT, SPIN_ARGS);
                        /* the merging pair: the upper two for sgn > 0, else the lower two */
                        const double lo = sgn > 0 ? r[1] : r[0], hi = sgn > 0 ? r[2] : r[1];
                        const double w = sqrt(d * T / (Jq * Jq * tanh(xs)));
                        cr_assert(lo < m_merge && m_merge < hi, SPIN_FMT, SPIN_ARGS);
                        cr_assert(fabs((hi - lo) / (2 * w) - 1) < 0.01,
                                  SPIN_FMT ": the pair is %.6g apart, expected %.6g", SPIN_ARGS,
                                  hi - lo, 2 * w);
                    }
                }
}
