/* pml_ising_binder_crossing: exact answers on straight lines, the choice among several sign
 * changes, ties, grids without a crossing, bad input, and the crossing of 8^2 and 16^2
 * lattices measured by the library against T_c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pml_test.h"

#define E PML_ERR_INVALID_ARGUMENT

/* U_small and U_large as straight lines through (tc, u0) with slopes s_small, s_large at the
 * n temperatures T[0..n). */
static void lines(const double *T, int n, double tc, double u0, double s_small, double s_large,
                  double *us, double *ul)
{
    for (int k = 0; k < n; ++k) {
        us[k] = u0 + s_small * (T[k] - tc);
        ul[k] = u0 + s_large * (T[k] - tc);
    }
}

/* A dyadic grid: with dyadic cumulants every step of the arithmetic is exact. */
static const double T5[5] = {1.5, 1.75, 2.0, 2.25, 2.5};

/* A call that must succeed: its tc. */
static double crossing(const double *T, const double *us, const double *ul, int n)
{
    double tc = 0;
    PML_ASSERT_OK(pml_ising_binder_crossing(T, us, ul, n, &tc));
    return tc;
}

/* A call that must fail: the status, *tc NaN, and `part` in the message. */
static void expect_none(const double *T, const double *us, const double *ul, int n,
                        const char *part)
{
    double tc = 1.0;
    pml_test_expect_error("pml_ising_binder_crossing", pml_ising_binder_crossing(T, us, ul, n, &tc),
                          E, part);
    cr_expect(isnan(tc), "tc = %g after a failure", tc);
}

Test(binder, straight_lines_cross_where_they_cross)
{
    double us[5], ul[5];
    lines(T5, 5, 2.125, 0.5, -0.25, -0.75, us, ul);
    cr_expect_eq(crossing(T5, us, ul, 5), 2.125);
    cr_expect_eq(crossing(T5 + 2, us + 2, ul + 2, 2), 2.125); /* two points are enough */
    /* any crossing inside a grid like the tour's, to rounding */
    double G[21], gs[21], gl[21];
    for (int k = 0; k < 21; ++k) G[k] = 1.9 + 0.04 * k;
    for (int j = 0; j < 50; ++j) {
        const double want = 1.9 + 0.8 * (j + 0.5) / 50; /* inside, never on a grid point */
        lines(G, 21, want, 0.4 + 0.002 * j, -0.2 - 0.01 * j, -0.9 - 0.02 * j, gs, gl);
        const double tc = crossing(G, gs, gl, 21);
        cr_expect(fabs(tc - want) <= 1e-12, "crossing at %.15g, got %.15g", want, tc);
    }
}

Test(binder, ties)
{
    /* equal cumulants on a grid point: that temperature */
    double us[5], ul[5];
    lines(T5, 5, 2.0, 0.5, -0.25, -0.75, us, ul);
    cr_expect_eq(crossing(T5, us, ul, 5), 2.0);
    /* d = +, -, +, -: two splits leave three points on their side; the lower one wins */
    const double u4[4] = {0.5, 0.5, 0.5, 0.5}, d4[4] = {0.625, 0.375, 0.625, 0.375};
    cr_expect_eq(crossing(T5, u4, d4, 4), 1.625);
    /* an outlier in the noise does not move the crossing: d = +, +, -, -, +, -, - */
    const double T7[7] = {1, 2, 3, 4, 5, 6, 7}, u7[7] = {0};
    const double d7[7] = {0.5, 0.25, -0.25, -0.5, 0.125, -0.75, -1.0};
    cr_expect_eq(crossing(T7, u7, d7, 7), 2.5);
}

Test(binder, no_crossing_is_an_error_not_a_number)
{
    double us[5], ul[5];
    lines(T5, 5, 1.0, 0.5, -0.25, -0.75, us, ul); /* crossing below the grid */
    expect_none(T5, us, ul, 5, "no crossing");
    lines(T5, 5, 3.0, 0.5, -0.25, -0.75, us, ul); /* above it */
    expect_none(T5, us, ul, 5, "T_c outside [1.5, 2.5]");
    lines(T5, 5, 2.125, 0.5, -0.25, -0.75, us, ul);
    expect_none(T5, ul, us, 5, "the sizes swapped"); /* U_large below U_small, then above */
    expect_none(T5, us, us, 5, "no crossing");       /* one curve: d = 0 everywhere */
}

Test(binder, bad_input)
{
    const double T[3] = {2.0, 2.25, 2.5}, us[3] = {0.6, 0.5, 0.4}, ul[3] = {0.65, 0.5, 0.3};
    cr_expect_eq(pml_ising_binder_crossing(T, us, ul, 3, NULL), E);
    expect_none(NULL, us, ul, 3, "NULL");
    expect_none(T, NULL, ul, 3, "NULL");
    expect_none(T, us, NULL, 3, "NULL");
    expect_none(T, us, ul, 1, "n = 1");
    expect_none(T, us, ul, -2, "needs >= 2");
    const double down[3] = {2.5, 2.25, 2.0}, flat[3] = {2.0, 2.25, 2.25};
    const double hole[3] = {2.0, NAN, 2.5}, inf[3] = {2.0, 2.25, INFINITY};
    expect_none(down, us, ul, 3, "T[1] = 2.25: the temperatures must be finite and strictly");
    expect_none(flat, us, ul, 3, "T[2] = 2.25");
    expect_none(hole, us, ul, 3, "T[1] = nan");
    expect_none(inf, us, ul, 3, "T[2] = inf");
    const double un[3] = {0.6, NAN, 0.4};
    expect_none(T, un, ul, 3, "U_small[1] = nan");
    expect_none(T, us, un, 3, "U_large[1] = nan");
    cr_expect_eq(crossing(T, us, ul, 3), 2.25); /* the same input, valid */
}

/* K independent copies of a scan, 8^2 and 16^2 at T = 2.15 .. 2.35, heat-bath, in one batch:
 * each copy's crossing, then their mean against T_c within 4 standard errors of the mean
 * (from the copies' spread) plus 0.012 for the bias of the 8/16 crossing on this grid
 * (finite size and the straight line between grid points): 32 copies of 10^5 sweeps put it
 * at 2.2623 +- 0.0017, T_c = 2.2692. About 1.5 s on two cores. */
Test(binder, crossing_of_a_real_scan_brackets_tc)
{
    enum { NT = 5, K = 16, R = 2 * NT * K };
    double t[NT], T[R];
    int64_t L[R];
    for (int i = 0; i < NT; ++i) t[i] = 2.15 + 0.05 * i;
    /* replica (s*K + k)*NT + i: size s, copy k, T[i]; each size one segment of the batch */
    for (int r = 0; r < R; ++r) {
        L[r] = r < K * NT ? 8 : 16;
        T[r] = t[r % NT];
    }
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config cfg = {0, 0, R, 1.0, PML_ISING_HEATBATH, 11};
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create_mixed(dev, &cfg, L, L, T, NULL, &g));
    PML_ASSERT_OK(pml_ising_sweep(g, 500));
    PML_ASSERT_OK(pml_ising_sample(g, 10000));
    pml_ising_stats *st = malloc(R * sizeof *st);
    cr_assert_not_null(st);
    PML_ASSERT_OK(pml_ising_stats_get(g, st, R));
    double s1 = 0, s2 = 0;
    for (int k = 0; k < K; ++k) {
        double us[NT], ul[NT];
        for (int i = 0; i < NT; ++i) {
            us[i] = st[k * NT + i].binder;
            ul[i] = st[(K + k) * NT + i].binder;
        }
        const double tc = crossing(t, us, ul, NT);
        s1 += tc;
        s2 += tc * tc;
    }
    const double mean = s1 / K, se = sqrt((s2 / K - mean * mean) / (K - 1));
    const double exact = pml_ising_tc(1.0);
    cr_expect(fabs(mean - exact) <= 4 * se + 0.012, "crossing %.4f +- %.4f, T_c %.4f", mean, se,
              exact);
    cr_expect(se > 0 && se < 0.02, "standard error %g", se);
    free(st);
    pml_ising_destroy(g);
    pml_device_close(dev);
}
