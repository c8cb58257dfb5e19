/* pml_ising_exact_finite (Kaufman's finite periodic lattice) against: enumeration of every
 * state of lattices up to 25 spins, odd sides and sides of 2 included; the same formula
 * evaluated in 60-digit arithmetic (mpmath) for 16^2 ... 64^2; Onsager's infinite lattice
 * away from T_c; Ferdinand and Fisher's logarithmic growth of c at T_c; its symmetries; and
 * its argument checks. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "pml_test.h"
#include "physml/ising.h"

#define TC 2.269185314213022 /* 2 / ln(1 + sqrt 2), rounded */
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double rel(double got, double want) { return fabs(got - want) / fabs(want); }

/* ---- enumeration --------------------------------------------------------------------------
 * g[b + 2N] = the number of states with bond sum b = sum over the 2N bonds of s s' (both bonds
 * count on a side of 2, as in ising.h). All 2^N states in Gray-code order, the last spin held
 * at +1 (the global flip doubles each count): each step flips one spin and changes b by
 * -2 s (sum of its four neighbours), so 4x6 and 5x5 take some 10^7 cheap steps. */
#define MAXN 25
static void density_of_states(int lx, int ly, uint64_t *g)
{
    const int N = lx * ly;
    int nb[MAXN][4];
    for (int y = 0; y < ly; ++y)
        for (int x = 0; x < lx; ++x) {
            const int i = y * lx + x;
            nb[i][0] = y * lx + (x + 1) % lx;
            nb[i][1] = y * lx + (x + lx - 1) % lx;
            nb[i][2] = ((y + 1) % ly) * lx + x;
            nb[i][3] = ((y + ly - 1) % ly) * lx + x;
        }
    int s[MAXN];
    for (int i = 0; i < N; ++i) s[i] = 1;
    memset(g, 0, (size_t)(4 * N + 1) * sizeof *g);
    int b = 2 * N;
    g[b + 2 * N] += 2;
    const uint64_t steps = (uint64_t)1 << (N - 1);
    for (uint64_t k = 1; k < steps; ++k) {
        const int i = __builtin_ctzll(k); /* Gray code: step k flips bit ctz(k) */
        b -= 2 * s[i] * (s[nb[i][0]] + s[nb[i][1]] + s[nb[i][2]] + s[nb[i][3]]);
        s[i] = -s[i];
        g[b + 2 * N] += 2;
    }
}

/* ln Z, e and c from the counts in long double, the weights taken relative to the largest
 * and the variance about the mean (two passes), so nothing cancels at low T. */
static void from_counts(int N, const uint64_t *g, double T, double J, double *log_z, double *e,
                        double *c)
{
    const long double K = (long double)J / T;
    long double top = -INFINITY, W = 0, S1 = 0, S2 = 0;
    for (int b = -2 * N; b <= 2 * N; ++b)
        if (g[b + 2 * N] && K * b > top) top = K * b;
    for (int b = -2 * N; b <= 2 * N; ++b) {
        const long double w = g[b + 2 * N] * expl(K * b - top);
        W += w;
        S1 += w * b;
    }
    const long double mean = S1 / W;
    for (int b = -2 * N; b <= 2 * N; ++b)
        S2 += g[b + 2 * N] * expl(K * b - top) * (b - mean) * (b - mean);
    *log_z = (double)(logl(W) + top);
    *e = (double)(-(long double)J * mean / N);
    *c = (double)(K * K * (S2 / W) / N);
}

typedef struct {
    int lx, ly;
} size2;

/* Every size, in both orientations, at each T (and with J = -1 where both sides are even),
 * within tol_e for ln Z and e and tol_c for c. */
static void check_enumeration(const size2 *sizes, int nsizes, const double *Ts, int nT,
                              double tol_e, double tol_c)
{
    static uint64_t g[4 * MAXN + 1];
    int bad = 0;
    for (int k = 0; k < nsizes; ++k) {
        const int lx = sizes[k].lx, ly = sizes[k].ly, N = lx * ly;
        cr_assert(N <= MAXN);
        density_of_states(lx, ly, g);
        for (int t = 0; t < nT; ++t)
            for (int js = 0; js < 2; ++js) {
                const double J = js ? -1.0 : 1.0;
                if (J < 0 && (lx % 2 || ly % 2)) continue;
                double lz0, e0, c0;
                from_counts(N, g, Ts[t], J, &lz0, &e0, &c0);
                for (int swap = 0; swap < 2; ++swap) {
                    double lz, e, c;
                    PML_ASSERT_OK(pml_ising_exact_finite(swap ? ly : lx, swap ? lx : ly, Ts[t],
                                                         J, &lz, &e, &c));
                    if (!(rel(lz, lz0) <= tol_e && rel(e, e0) <= tol_e && rel(c, c0) <= tol_c)) {
                        ++bad;
                        cr_log_error("%dx%d T=%g J=%g: ln Z %.17g (enumeration %.17g), e %.17g "
                                     "(%.17g), c %.17g (%.17g)",
                                     swap ? ly : lx, swap ? lx : ly, Ts[t], J, lz, lz0, e, e0, c,
                                     c0);
                    }
                }
            }
    }
    cr_assert_eq(bad, 0, "%d cases off the enumeration", bad);
}

/* The sizes the brief names (2x2, 2x4, 4x4, 4x6) and odd ones, which the formula covers too;
 * 1e-10 relative (measured: ln Z and e within 1.1e-15, c within 5e-13). */
Test(ising_exact_finite, matches_enumeration)
{
    static const size2 sizes[] = {{2, 2}, {2, 3}, {2, 4}, {3, 3}, {2, 5}, {3, 4}, {4, 4},
                                  {3, 5}, {2, 9}, {4, 5}, {3, 7}, {4, 6}, {5, 5}, {2, 12}};
    static const double Ts[] = {0.5, 1.5, TC, 3.0, 10.0};
    check_enumeration(sizes, (int)(sizeof sizes / sizeof sizes[0]), Ts, 5, 1e-10, 1e-10);
}

/* Low T: the direct formula down to K = |J|/T = 4, the ground-state expansion above it
 * (T = 0.24 and 0.2 here; on a side of 2 the bands of rows cost 8|J| like a single flip,
 * so their count matters). There c ~ 64 K^2 e^(-8K) < 1e-10 and only its relative accuracy
 * suffers: measured 5e-9 at T = 0.3 and 7e-7 just above K = 4. High T: the direct formula
 * (T = 1e5) and the series below K = 1e-6 (T = 1e7), whose O(K) term comes from the loops of
 * 3 bonds along a side of 3. The enumeration itself is good to ~1e-12 in e up there. */
Test(ising_exact_finite, matches_enumeration_far_from_tc)
{
    static const size2 sizes[] = {{2, 2}, {2, 3}, {2, 4}, {3, 3}, {2, 7}, {3, 4}, {4, 4}, {4, 6}};
    static const double cold[] = {0.2, 0.24, 0.26, 0.3};
    check_enumeration(sizes, (int)(sizeof sizes / sizeof sizes[0]), cold, 4, 1e-13, 2e-6);
    static const double hot[] = {1e5, 1e7};
    check_enumeration(sizes, (int)(sizeof sizes / sizeof sizes[0]), hot, 2, 1e-9, 1e-12);
}

/* ---- large lattices -----------------------------------------------------------------------
 * Kaufman's products as printed (prefactor, cosh and sinh of the gamma_l, K* from tanh K* =
 * e^-2K) in mpmath at 60 digits, the derivatives by mpmath.diff at that precision: ln Z / N,
 * e and c, to the 17 digits shown. Measured agreement 1e-15 (ln Z, e) and 3e-15 (c). */
Test(ising_exact_finite, matches_high_precision_values)
{
    static const struct {
        int lx, ly;
        double T, log_z_per_spin, e, c;
    } ref[] = {
        {16, 16, TC, 0.93219631498098781385, -1.4530648528134769351, 1.4987049594000262824},
        {32, 32, TC, 0.93032039018412380641, -1.4336584661462481203, 1.8467675900395592662},
        {64, 64, TC, 0.92985163169428934142, -1.4239383898330106927, 2.1922113931405718443},
        {32, 32, 2.0, 1.0264697144673016021, -1.7455645270345736123, 0.72487397819868378076},
        {32, 32, 2.5, 0.87937334742494086988, -1.1072916609775110302, 0.88581250106620012163},
        {16, 32, TC, 0.93108840882811140436, -1.4356808040665714629, 1.6562810902827310188},
        {17, 17, TC, 0.93191061381548898219, -1.4507850526067284117, 1.5293038898643804834},
        {64, 64, 2.3, 0.92164634222701482401, -1.3555903705362916884, 2.1250491111956537324},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; ++i) {
        double lz, e, c;
        PML_ASSERT_OK(pml_ising_exact_finite(ref[i].lx, ref[i].ly, ref[i].T, 1.0, &lz, &e, &c));
        const double n = (double)ref[i].lx * ref[i].ly;
        cr_expect(rel(lz / n, ref[i].log_z_per_spin) <= 1e-13 && rel(e, ref[i].e) <= 1e-13 &&
                      rel(c, ref[i].c) <= 1e-12,
                  "%dx%d T=%g: ln Z/N %.17g e %.17g c %.17g, want %.17g %.17g %.17g", ref[i].lx,
                  ref[i].ly, ref[i].T, lz / n, e, c, ref[i].log_z_per_spin, ref[i].e, ref[i].c);
    }
}

/* Away from T_c the finite-size corrections fall off as e^(-L/xi): at L = 256 e is Onsager's
 * to rounding (measured 1e-15), c Onsager's to the 1e-8 of pml_ising_onsager_c's own
 * numerical derivative. */
Test(ising_exact_finite, tends_to_onsager_away_from_tc)
{
    static const double Ts[] = {1.5, 3.0};
    for (int i = 0; i < 2; ++i) {
        double e, c;
        PML_ASSERT_OK(pml_ising_exact_finite(256, 256, Ts[i], 1.0, NULL, &e, &c));
        const double u = pml_ising_onsager_energy(Ts[i], 1.0), cu = pml_ising_onsager_c(Ts[i], 1.0);
        cr_expect(fabs(e - u) <= 1e-12, "T=%g: e %.17g, Onsager %.17g", Ts[i], e, u);
        cr_expect(rel(c, cu) <= 1e-7, "T=%g: c %.17g, Onsager %.17g", Ts[i], c, cu);
        /* the same with J = 2 at T = 2 Ts[i]: only J/T matters, e scales with J */
        double e2, c2;
        PML_ASSERT_OK(pml_ising_exact_finite(256, 256, 2 * Ts[i], 2.0, NULL, &e2, &c2));
        cr_expect(rel(e2, 2 * e) <= 1e-15 && rel(c2, c) <= 1e-14, "J = 2: e %.17g c %.17g", e2,
                  c2);
    }
}

/* At T_c (Ferdinand and Fisher 1969): c = A0 ln L + B0 + O(1/L) with Onsager's amplitude
 * A0 = (8/pi) K_c^2 = (2/pi) ln^2(1 + sqrt 2), so c(2L) - c(L) -> A0 ln 2 (measured off by
 * 3.3e-4 at L = 256, halving with each doubling); and e = -sqrt 2 + a/L + O(1/L^3), so
 * L (e + sqrt 2) settles (to -0.6224394606). */
Test(ising_exact_finite, ferdinand_fisher_at_tc)
{
    const double A0 = 2 / M_PI * pow(log(1 + sqrt(2.0)), 2);
    double c_prev = 0, a_prev = 0;
    for (int64_t L = 256; L <= 4096; L *= 2) {
        double e, c;
        PML_ASSERT_OK(pml_ising_exact_finite(L, L, TC, 1.0, NULL, &e, &c));
        const double a = (double)L * (e + sqrt(2.0));
        if (L > 256) {
            const double step = c - c_prev - A0 * log(2.0);
            cr_expect(step > 0 && step <= 0.25 / (double)L, "L=%lld: c(L) - c(L/2) - A0 ln 2 = %g",
                      (long long)L, step);
            cr_expect(fabs(a - a_prev) <= 2.0 / ((double)L * L), "L=%lld: L (e + sqrt 2) = %.12f, "
                      "at L/2 %.12f", (long long)L, a, a_prev);
        }
        c_prev = c;
        a_prev = a;
    }
}

/* Sides swapped, J < 0 on even sides (one sublattice flipped), NULL outputs, and the size
 * limit: 4096 x 2^20 = 2^32 spins is accepted, finite and near the infinite lattice. */
Test(ising_exact_finite, symmetries_and_outputs)
{
    double lz, e, c, lz2, e2, c2;
    PML_ASSERT_OK(pml_ising_exact_finite(24, 40, TC, 1.0, &lz, &e, &c));
    PML_ASSERT_OK(pml_ising_exact_finite(40, 24, TC, 1.0, &lz2, &e2, &c2));
    cr_expect(rel(lz2, lz) <= 1e-14 && rel(e2, e) <= 1e-14 && rel(c2, c) <= 1e-13);
    PML_ASSERT_OK(pml_ising_exact_finite(24, 40, TC, -1.0, &lz2, &e2, &c2));
    cr_expect(lz2 == lz && e2 == e && c2 == c, "J = -1: %.17g %.17g %.17g", lz2, e2, c2);
    double only = NAN;
    PML_ASSERT_OK(pml_ising_exact_finite(24, 40, TC, 1.0, &only, NULL, NULL));
    cr_expect(only == lz);
    PML_ASSERT_OK(pml_ising_exact_finite(24, 40, TC, 1.0, NULL, &only, NULL));
    cr_expect(only == e);
    PML_ASSERT_OK(pml_ising_exact_finite(24, 40, TC, 1.0, NULL, NULL, &only));
    cr_expect(only == c);
    PML_ASSERT_OK(pml_ising_exact_finite(24, 40, TC, 1.0, NULL, NULL, NULL));
    PML_ASSERT_OK(pml_ising_exact_finite(4096, INT64_C(1) << 20, 2.0, 1.0, &lz, &e, &c));
    cr_expect(isfinite(lz) && fabs(e - pml_ising_onsager_energy(2.0, 1.0)) <= 1e-12 &&
                  rel(c, pml_ising_onsager_c(2.0, 1.0)) <= 1e-7,
              "4096 x 2^20: ln Z %g e %.17g c %.17g", lz, e, c);
}

/* The ends of the range, where the expansions hold to the last bit: T -> 0 (the two ground
 * states: e = -2|J| exactly, c underflows to 0) and |J|/T -> 0 (ln Z = N ln 2, e = c = 0). */
Test(ising_exact_finite, extreme_temperatures)
{
    double lz, e, c;
    PML_ASSERT_OK(pml_ising_exact_finite(4, 6, 1e-300, 1.0, &lz, &e, &c));
    cr_expect(rel(lz, 48e300) <= 1e-15 && e == -2.0 && c == 0.0, "T = 1e-300: %g %.17g %g", lz,
              e, c);
    PML_ASSERT_OK(pml_ising_exact_finite(4, 6, 0.5, -1e300, &lz, &e, &c));
    cr_expect(isfinite(lz) && e == -2e300 && c == 0.0, "J = -1e300: %g %.17g %g", lz, e, c);
    PML_ASSERT_OK(pml_ising_exact_finite(3, 6, 1e300, 1e-300, &lz, &e, &c));
    cr_expect(lz == 18 * log(2.0) && e == 0.0 && c == 0.0, "J/T = 0: %.17g %g %g", lz, e, c);
    PML_ASSERT_OK(pml_ising_exact_finite(2, 2, 1e8, 1.0, &lz, &e, &c));
    cr_expect(rel(e, -4e-8) <= 1e-15 && rel(c, 4e-16) <= 1e-15, "2x2, T = 1e8: %.17g %.17g", e, c);
}

static void expect_refused(int64_t lx, int64_t ly, double T, double J, const char *part)
{
    double lz = 0, e = 0, c = 0;
    pml_test_expect_error("pml_ising_exact_finite",
                          pml_ising_exact_finite(lx, ly, T, J, &lz, &e, &c),
                          PML_ERR_INVALID_ARGUMENT, part);
    cr_expect(strstr(pml_last_error(), "pml_ising_exact_finite") != NULL, "%s", pml_last_error());
    cr_expect(isnan(lz) && isnan(e) && isnan(c), "outputs %g %g %g after a refusal", lz, e, c);
}

Test(ising_exact_finite, refuses_bad_arguments)
{
    expect_refused(1, 4, 2.0, 1.0, "lx = 1");
    expect_refused(4, 0, 2.0, 1.0, "ly = 0");
    expect_refused(-4, 4, 2.0, 1.0, "lx = -4");
    expect_refused((INT64_C(1) << 20) + 1, 4, 2.0, 1.0, "lx = 1048577");
    expect_refused(INT64_C(1) << 20, INT64_C(1) << 13, 2.0, 1.0, "lx * ly");
    expect_refused(4, 4, 0.0, 1.0, "T = 0");
    expect_refused(4, 4, -1.0, 1.0, "T = -1");
    expect_refused(4, 4, NAN, 1.0, "T = nan");
    expect_refused(4, 4, INFINITY, 1.0, "T = inf");
    expect_refused(4, 4, 2.0, 0.0, "J = 0");
    expect_refused(4, 4, 2.0, NAN, "J = nan");
    expect_refused(4, 4, 2.0, -INFINITY, "J = -inf");
    expect_refused(3, 4, 2.0, -1.0, "both sides even");
    expect_refused(4, 5, 2.0, -1.0, "both sides even");
}
