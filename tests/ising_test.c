#define _POSIX_C_SOURCE 200809L
/* The fast CPU Ising kernels (both paths, any thread count) against the site-by-site
 * reference (src/cpu/ising_sweep.c), bit for bit in spins and accumulators; the reference
 * against include/physml/ising.h (a worked example, certain limits); save/restore, spins
 * round trip, and the argument and error paths; mixed batches (several lattice sizes in one
 * object) against uniform batches and the reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"
#include "pml_test.h"
#include "pml_test_ising.h"
#include "physml/ising.h"

/* State files go to a temporary directory removed after each test. */
TestSuite(ising, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

/* ---- the fast kernels against the reference ------------------------------------------------
 * The backend table's kernel (pml_cpu_ising_sweeps: the AVX-512 path where the CPU has it,
 * else the portable one) against the site-by-site reference (pml_cpu_ising_sweeps_ref) run on
 * a copy of the same state: bit planes and accumulators bit for bit. */
static void check_against_reference(int64_t lx, int64_t ly, int64_t R, pml_ising_rule rule,
                                    int with_field, int64_t sweeps)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {lx, ly, R, 1.0, rule, 0x1234abcdULL + (uint64_t)lx};
    double T[8], B[8];
    for (int64_t r = 0; r < R; ++r) {
        T[r] = 1.2 + 0.45 * (double)r; /* ordered to disordered */
        B[r] = with_field ? 0.35 - 0.2 * (double)r : 0.0;
    }
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, B, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    const size_t n = (size_t)(R * lx * ly);
    int8_t *hot = malloc(n), *want = malloc((size_t)(lx * ly));
    PML_ASSERT_OK(pml_ising_get_spins(g, hot, n));
    /* hot start from the INIT stream */
    for (int64_t r = 0; r < R; ++r) {
        pml_test_ising_hot_start(c.seed, r, lx, ly, want);
        for (int64_t i = 0; i < lx * ly; ++i)
            cr_assert_eq(hot[r * lx * ly + i], want[i], "hot start, replica %lld site %lld",
                         (long long)r, (long long)i);
    }
    free(want);
    cr_assert(pml_test_ising_matches_ref(g, sweeps, "fast kernel"),
              "%lld x %lld, R = %lld, rule %d, field %d", (long long)lx, (long long)ly,
              (long long)R, (int)rule, with_field);
    free(hot);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

Test(ising, metropolis_matches_reference)
{
    check_against_reference(8, 8, 3, PML_ISING_METROPOLIS, 0, 40);
    check_against_reference(2, 2, 3, PML_ISING_METROPOLIS, 1, 60);   /* W = 1: one lane a word */
    check_against_reference(6, 10, 2, PML_ISING_METROPOLIS, 1, 30);  /* W = 3: a partial word */
    check_against_reference(34, 4, 5, PML_ISING_METROPOLIS, 1, 20);  /* Lx != Ly, odd batch */
    check_against_reference(64, 6, 2, PML_ISING_METROPOLIS, 1, 12);  /* W = 32: one full word */
    check_against_reference(130, 8, 3, PML_ISING_METROPOLIS, 1, 8);  /* W = 65: 3 words, 1 lane */
    check_against_reference(1090, 4, 1, PML_ISING_METROPOLIS, 1, 4); /* 18 words: 16 + 2 */
}

Test(ising, heatbath_matches_reference)
{
    check_against_reference(8, 8, 3, PML_ISING_HEATBATH, 0, 40);
    check_against_reference(2, 6, 3, PML_ISING_HEATBATH, 1, 50);
    check_against_reference(10, 6, 5, PML_ISING_HEATBATH, 1, 20);
    check_against_reference(70, 38, 1, PML_ISING_HEATBATH, 1, 6);
    check_against_reference(128, 4, 2, PML_ISING_HEATBATH, 0, 8);    /* W = 64: 2 full words */
    check_against_reference(1026, 4, 1, PML_ISING_HEATBATH, 1, 4);  /* W = 513: 16 words + 1 */
}

/* The portable C kernels (used where AVX-512 is missing) against the same reference. */
Test(ising, portable_path_matches_reference)
{
    pml_cpu_ising_set_portable(1);
    check_against_reference(34, 4, 5, PML_ISING_METROPOLIS, 1, 20);
    check_against_reference(70, 38, 1, PML_ISING_HEATBATH, 1, 6);
    check_against_reference(2, 2, 3, PML_ISING_METROPOLIS, 1, 60);
    check_against_reference(6, 10, 2, PML_ISING_HEATBATH, 1, 30);
    check_against_reference(1090, 4, 1, PML_ISING_METROPOLIS, 1, 4);
    check_against_reference(128, 4, 2, PML_ISING_HEATBATH, 0, 8);
    pml_cpu_ising_set_portable(0);
}

/* ---- the reference against the header ------------------------------------------------------
 * Written from include/physml/ising.h alone (the draw of a site, the threshold of a case), so
 * that the reference is not only checked against code derived from it. */

/* thr = floor(p 2^32 + 1/2) of spin s with neighbour sum n at J = 1 (2^32: always). */
static uint64_t header_threshold(pml_ising_rule rule, double T, double B, int s, int n)
{
    const double dE = 2.0 * s * (n + B);
    const double p = rule == PML_ISING_METROPOLIS ? (dE <= 0 ? 1.0 : exp(-dE / T))
                                                  : 1.0 / (1.0 + exp(dE / T));
    return (uint64_t)floor(p * 4294967296.0 + 0.5);
}

/* u of site (x, y) of an lx x ly replica r in half-sweep h: bit 31 - b of u is bit l of
 * D(b) = u32(seed, PML_ISING_STREAM + r, ((h Ly + y) WW + w) 32 + b), j = x / 2 = 32 w + l. */
static uint32_t header_draw(uint64_t seed, int64_t r, uint64_t h, int64_t lx, int64_t ly,
                            int64_t x, int64_t y)
{
    const int64_t WW = (lx / 2 + 31) / 32, j = x / 2, w = j / 32, l = j % 32;
    uint32_t u = 0;
    for (int b = 0; b < 32; ++b) {
        const uint64_t i =
            ((h * (uint64_t)ly + (uint64_t)y) * (uint64_t)WW + (uint64_t)w) * 32u + (uint64_t)b;
        u |= ((pml_rng_u32(seed, PML_ISING_STREAM + (uint64_t)r, i) >> l) & 1u) << (31 - b);
    }
    return u;
}

/* Sweep t of the 4x4 lattice s (row-major +-1, updated in place) as replica r of its batch,
 * through the reference, measured into *acc (cleared first). J = 1. */
static void reference_sweep_4x4(pml_ising_rule rule, double T, double B, uint64_t seed,
                                int64_t r, uint64_t t, int8_t s[16], pml_ising_acc *acc)
{
    const pml_ising_config c = {4, 4, 1, 1.0, rule, seed};
    uint32_t planes[8]; /* 2 colours x 4 rows x 1 word */
    pml_ising_rparams p;
    pml_ising_to_planes(&c, s, planes);
    pml_ising_make_params(rule, 1.0, T, B, &p);
    memset(acc, 0, sizeof *acc);
    const pml_ising_sweeps_args a = {.spins = planes, .params = &p, .acc = acc, .lx = 4, .ly = 4,
                                     .replicas = 1, .r0 = r, .J = 1.0, .seed = seed, .t0 = t,
                                     .n = 1, .measure = 1};
    PML_ASSERT_OK(pml_cpu_ising_sweeps_ref(NULL, &a));
    pml_ising_from_planes(&c, planes, s);
}

static const int8_t lattice4[16] = {1, -1, 1, 1, -1, -1, 1, -1, 1, 1, -1, 1, -1, 1, 1, 1};

/* A worked example: sweep 5 of replica 3, heat-bath at T = 2.5, B = 0.3 (every case needs its
 * draw). Its first half, h = 10, updates colour 0 (x + y even) from colour 1, which it does
 * not change, and the second half does not touch colour 0 again: so each colour-0 site's new
 * spin follows from its draw and its threshold, as the header computes them. The
 * measurement is the final lattice's e and m. */
Test(ising, reference_follows_the_header)
{
    const uint64_t seed = 2024, t = 5;
    const int64_t r = 3;
    const double T = 2.5, B = 0.3;
    int8_t s[16];
    pml_ising_acc acc;
    memcpy(s, lattice4, sizeof s);
    reference_sweep_4x4(PML_ISING_HEATBATH, T, B, seed, r, t, s, &acc);
    int flipped = 0, stayed = 0;
    for (int y = 0; y < 4; ++y)
        for (int x = y & 1; x < 4; x += 2) {
            const int old = lattice4[4 * y + x];
            const int n = lattice4[4 * y + (x + 1) % 4] + lattice4[4 * y + (x + 3) % 4] +
                          lattice4[4 * ((y + 1) % 4) + x] + lattice4[4 * ((y + 3) % 4) + x];
            const uint64_t thr = header_threshold(PML_ISING_HEATBATH, T, B, old, n);
            const uint32_t u = header_draw(seed, r, 2 * t, 4, 4, x, y);
            const int want = (uint64_t)u < thr ? -old : old;
            cr_assert_eq(s[4 * y + x], want, "site (%d, %d): s %d, n %d, u %u, thr %llu", x, y,
                         old, n, u, (unsigned long long)thr);
            flipped += want != old;
            stayed += want == old;
        }
    cr_assert(flipped > 0 && stayed > 0, "the draws should decide both ways here");
    int64_t bonds = 0, mag = 0;
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
            bonds += s[4 * y + x] * (s[4 * y + (x + 1) % 4] + s[4 * ((y + 1) % 4) + x]);
            mag += s[4 * y + x];
        }
    cr_assert(acc.count == 1 && acc.sum_e == (-1.0 * (double)bonds - B * (double)mag) / 16.0 &&
                  acc.sum_m == (double)mag / 16.0,
              "e %g m %g, bonds %lld mag %lld", acc.sum_e, acc.sum_m, (long long)bonds,
              (long long)mag);
}

/* Where the header makes the outcome certain. Metropolis at T = 0.05, B = 0.5: a spin against
 * all its neighbours and the field flips (dE < 0: p = 1, realised exactly), a spin with them
 * never does (thr = floor(e^-100 2^32 + 1/2) = 0), so isolated minority spins die in one sweep
 * and e = -2.5, m = 1. Heat-bath at T = 1 with B = +-50: every spin follows the field in one
 * sweep (thr = 2^32 or 0), e = -52. */
Test(ising, reference_certain_limits)
{
    const struct {
        pml_ising_rule rule;
        double T, B;
        int want;
        double e;
    } cases[3] = {{PML_ISING_METROPOLIS, 0.05, 0.5, 1, -2.5},
                  {PML_ISING_HEATBATH, 1.0, 50.0, 1, -52.0},
                  {PML_ISING_HEATBATH, 1.0, -50.0, -1, -52.0}};
    for (int i = 0; i < 3; ++i) {
        int8_t s[16];
        pml_ising_acc acc;
        if (i == 0) {
            memset(s, 1, sizeof s);
            s[4 * 0 + 1] = s[4 * 2 + 2] = -1; /* (1, 0) colour 1, (2, 2) colour 0 */
        } else {
            memcpy(s, lattice4, sizeof s);
        }
        reference_sweep_4x4(cases[i].rule, cases[i].T, cases[i].B, 7, 0, 0, s, &acc);
        for (int k = 0; k < 16; ++k) cr_assert_eq(s[k], cases[i].want, "case %d, site %d", i, k);
        cr_assert(acc.count == 1 && acc.sum_e == cases[i].e && acc.sum_m == cases[i].want &&
                      acc.sum_abs_m == 1.0,
                  "case %d: e %g m %g", i, acc.sum_e, acc.sum_m);
    }
}

/* Both parallel paths (>= 16k sites per half-sweep) and one thread against the reference:
 * same bit planes, same accumulators. Three replicas on three threads go replica-parallel;
 * one 384x384 lattice is split into bands of rows. */
static void threads_case(int64_t L, int64_t R, int64_t sweeps)
{
#ifdef _OPENMP
    pml_ising_config c = {L, L, R, 1.0, PML_ISING_METROPOLIS, 99};
    double T[3] = {1.5, 2.269, 3.0}, B[3] = {0.0, 0.1, -0.2};
    const int saved = omp_get_max_threads();
    pml_device *d = pml_test_open_cpu();
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(d, &c, T, B, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    pml_test_ising_ref ref;
    pml_test_ising_ref_copy(g, &ref);
    pml_test_ising_ref_run(&ref, sweeps, 1);
    for (int threads = 1; threads <= 3; threads += 2) {
        omp_set_num_threads(threads);
        PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT)); /* the copied state again */
        PML_ASSERT_OK(pml_ising_sample(g, sweeps));
        cr_assert(pml_test_ising_ref_same(&ref, g, "threads"), "L %lld R %lld, %d threads",
                  (long long)L, (long long)R, threads);
    }
    omp_set_num_threads(saved);
    pml_test_ising_ref_free(&ref);
    pml_ising_destroy(g);
    pml_device_close(d);
#else
    (void)L;
    (void)R;
    (void)sweeps;
    cr_skip_test("built without OpenMP");
#endif
}

Test(ising, independent_of_thread_count)
{
    threads_case(258, 3, 8);
    threads_case(384, 1, 8);
}

/* a and b hold the same spins (n of them) and the same statistics of their R replicas, bit
 * for bit; `when` ends the failure messages ("after restore"). */
static void expect_same_run(pml_ising *a, pml_ising *b, size_t n, int64_t R, const char *when)
{
    char what[96];
    int8_t *sa = malloc(n), *sb = malloc(n);
    PML_ASSERT_OK(pml_ising_get_spins(a, sa, n));
    PML_ASSERT_OK(pml_ising_get_spins(b, sb, n));
    snprintf(what, sizeof what, "spins %s", when);
    cr_assert(pml_test_equal_bytes(what, sb, sa, n, 1));
    pml_ising_stats *xa = malloc((size_t)R * sizeof *xa), *xb = malloc((size_t)R * sizeof *xb);
    PML_ASSERT_OK(pml_ising_stats_get(a, xa, R));
    PML_ASSERT_OK(pml_ising_stats_get(b, xb, R));
    snprintf(what, sizeof what, "stats %s", when);
    cr_assert(pml_test_equal_bytes(what, xb, xa, (size_t)R * sizeof *xa / 8, 8));
    free(sa);
    free(sb);
    free(xa);
    free(xb);
}

/* Run a from a hot start (`warm` sweeps, then `first` measured ones), save it to path and
 * measure `then` more sweeps; load the file into a new object, which has done warm + first
 * sweeps, and measure `then` sweeps there too. Returns the loaded object. */
static pml_ising *save_and_continue(pml_device *dev, pml_ising *a, const char *path,
                                    int64_t warm, int64_t first, int64_t then)
{
    PML_ASSERT_OK(pml_ising_init(a, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(a, warm));
    PML_ASSERT_OK(pml_ising_sample(a, first));
    PML_ASSERT_OK(pml_ising_save(a, path));
    PML_ASSERT_OK(pml_ising_sample(a, then));
    pml_ising *b = NULL;
    PML_ASSERT_OK(pml_ising_load(dev, path, &b));
    cr_assert_eq(pml_ising_sweeps_done(b), warm + first);
    PML_ASSERT_OK(pml_ising_sample(b, then));
    return b;
}

/* A fresh object's n spins are the cold start (all +1), and spins set are the spins got back. */
static void expect_cold_start_and_round_trip(pml_ising *g, size_t n)
{
    int8_t *s = malloc(n), *back = malloc(n);
    PML_ASSERT_OK(pml_ising_get_spins(g, s, n));
    for (size_t i = 0; i < n; ++i) cr_assert_eq(s[i], 1, "cold start, spin %zu", i);
    for (size_t i = 0; i < n; ++i) s[i] = (int8_t)(((i * 7) % 5) < 2 ? -1 : 1);
    PML_ASSERT_OK(pml_ising_set_spins(g, s, n));
    PML_ASSERT_OK(pml_ising_get_spins(g, back, n));
    cr_assert(pml_test_equal_bytes("set/get", back, s, n, 1));
    free(s);
    free(back);
}

/* A run saved half-way and loaded into a fresh object continues bit-for-bit. */
Test(ising, save_restore_is_bit_identical)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {12, 8, 3, 1.0, PML_ISING_HEATBATH, 2024};
    double T[3] = {1.8, 2.3, 3.1}, B[3] = {0.0, 0.2, 0.0};
    pml_ising *a = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, B, &a));
    pml_ising *b = save_and_continue(dev, a, pml_test_tmppath("state"), 50, 333, 517);
    expect_same_run(a, b, 3 * 12 * 8, 3, "after restore");
    pml_ising_stats xb[3];
    PML_ASSERT_OK(pml_ising_stats_get(b, xb, 3));
    cr_assert_eq(xb[1].samples, 850);
    pml_ising_config cb;
    PML_ASSERT_OK(pml_ising_get_config(b, &cb));
    cr_assert(cb.lx == 12 && cb.ly == 8 && cb.replicas == 3 && cb.seed == 2024 &&
              cb.rule == PML_ISING_HEATBATH);
    pml_ising_destroy(a);
    pml_ising_destroy(b);
    pml_device_close(dev);
}

Test(ising, spins_round_trip_and_cold_start)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {6, 4, 2, 1.0, PML_ISING_METROPOLIS, 5};
    double T[2] = {2.0, 2.0};
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
    expect_cold_start_and_round_trip(g, 48);
    /* a cold lattice at B = 0 measured without sweeping... by zero sweeps: no samples */
    pml_ising_stats st[2];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, 2));
    cr_assert_eq(st[0].samples, 0);
    cr_assert(isnan(st[0].e));
    pml_ising_destroy(g);
    pml_device_close(dev);
}

/* T -> 0 Metropolis from a cold start never flips (every threshold 0 or "always" only for
 * dE <= 0, none of which occur): e = -2J exactly, m = 1, errors 0. */
Test(ising, frozen_lattice_measures_exactly)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {8, 6, 1, 1.0, PML_ISING_METROPOLIS, 1};
    double T = 0.05, B = 0.5;
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, &T, &B, &g));
    PML_ASSERT_OK(pml_ising_sample(g, 100));
    pml_ising_stats st;
    PML_ASSERT_OK(pml_ising_stats_get(g, &st, 1));
    cr_assert_eq(st.samples, 100);
    cr_assert_eq(st.e, -2.5);
    cr_assert_eq(st.m, 1.0);
    cr_assert_eq(st.m_abs, 1.0);
    cr_assert_eq(st.e_err, 0.0);
    cr_assert_eq(st.c, 0.0);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

/* set_params re-derives the thresholds: a frozen cold lattice melts at T = 100, and a strong
 * negative field then turns it over, keeping the sweep counter and measurements. */
Test(ising, set_params_changes_the_dynamics)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {16, 16, 2, 1.0, PML_ISING_HEATBATH, 8};
    double T[2] = {0.05, 0.05};
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
    PML_ASSERT_OK(pml_ising_sample(g, 20));
    pml_ising_stats st[2];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, 2));
    cr_assert_eq(st[0].m, 1.0);
    double hot[2] = {100.0, 0.5}, B[2] = {0.0, -20.0};
    PML_ASSERT_OK(pml_ising_set_params(g, hot, B));
    PML_ASSERT_OK(pml_ising_reset_stats(g));
    PML_ASSERT_OK(pml_ising_sample(g, 400));
    PML_ASSERT_OK(pml_ising_stats_get(g, st, 2));
    cr_assert_eq(pml_ising_sweeps_done(g), 420);
    cr_assert_eq(st[0].samples, 400);
    cr_assert(fabs(st[0].m) < 0.1, "m = %g at T = 100", st[0].m);
    cr_assert(st[1].m < -0.99, "m = %g with B = -20", st[1].m);
    cr_assert_eq(st[1].B, -20.0);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

Test(ising, argument_errors)
{
    pml_device *dev = pml_test_open_cpu();
    double T[2] = {2.0, 2.0}, bad[2] = {2.0, -1.0}, nanT[2] = {NAN, 2.0};
    pml_ising *g = (pml_ising *)0x1;
    pml_ising_config c = {8, 8, 2, 1.0, PML_ISING_METROPOLIS, 1};
    pml_ising_config odd = c, zero = c, norep = c, rule = c, nanj = c;
    odd.lx = 7;
    zero.ly = 0;
    norep.replicas = 0;
    rule.rule = (pml_ising_rule)7;
    nanj.J = NAN;
    cr_assert_eq(pml_ising_create(dev, &odd, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_null(g);
    cr_assert(strstr(pml_last_error(), "even") != NULL, "%s", pml_last_error());
    cr_assert_eq(pml_ising_create(dev, &zero, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create(dev, &norep, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create(dev, &rule, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create(dev, &nanj, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create(dev, &c, bad, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(pml_last_error(), "T[1]") != NULL, "%s", pml_last_error());
    cr_assert_eq(pml_ising_create(dev, &c, nanT, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create(dev, &c, NULL, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create(NULL, &c, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create(dev, NULL, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create(dev, &c, T, NULL, NULL), PML_ERR_INVALID_ARGUMENT);

    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
    cr_assert_eq(pml_ising_sweep(g, -1), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_sample(NULL, 1), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_init(g, (pml_ising_start)9), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_set_params(g, bad, NULL), PML_ERR_INVALID_ARGUMENT);
    int8_t s[128];
    cr_assert_eq(pml_ising_get_spins(g, s, 127), PML_ERR_INVALID_ARGUMENT);
    memset(s, 1, sizeof s);
    s[77] = 0;
    cr_assert_eq(pml_ising_set_spins(g, s, 128), PML_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(pml_last_error(), "spin 77") != NULL, "%s", pml_last_error());
    pml_ising_stats st[3];
    cr_assert_eq(pml_ising_stats_get(g, st, 3), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_save(g, "/nonexistent-dir/x.state"), PML_ERR_IO);

    /* loading: missing file, not a state, truncated state */
    pml_ising *h = (pml_ising *)0x1;
    cr_assert_eq(pml_ising_load(dev, "/nonexistent-dir/x.state", &h), PML_ERR_IO);
    cr_assert_null(h);
    const char *path = pml_test_tmppath("bad.state");
    pml_test_write_file(path, "not an ising file at all", 24);
    cr_assert_eq(pml_ising_load(dev, path, &h), PML_ERR_BAD_FORMAT);
    PML_ASSERT_OK(pml_ising_save(g, path));
    cr_assert_eq(truncate(path, 100), 0);
    cr_assert_eq(pml_ising_load(dev, path, &h), PML_ERR_BAD_FORMAT);
    cr_assert(strstr(pml_last_error(), "truncated") != NULL, "%s", pml_last_error());
    cr_assert_null(h);

    pml_ising_destroy(g);
    pml_ising_destroy(NULL);
    pml_device_close(dev);
}

/* ---- mixed batches ------------------------------------------------------------------------ */
/* Sizes with repeats and odd counts: 8x8 x3, 6x10 (W = 3: blocks straddle rows), 16x16 x5,
 * 8x8 again (a second segment of a size seen before), 2x2 (P padded) x2. */
#define MIX_R 12
static const int64_t mix_lx[MIX_R] = {8, 8, 8, 6, 16, 16, 16, 16, 16, 8, 2, 2};
static const int64_t mix_ly[MIX_R] = {8, 8, 8, 10, 16, 16, 16, 16, 16, 8, 2, 2};

/* T and B (B may be NULL) for the replicas of a mixed batch. */
static void mix_params(double *T, double *B, int field)
{
    for (int r = 0; r < MIX_R; ++r) {
        T[r] = 1.3 + 0.25 * r;
        if (B) B[r] = field ? 0.3 * sin(1.3 * r + 0.2) : 0.0;
    }
}

/* The mixed batch of the sizes above with mix_params' T and B, filled in for the caller
 * (B NULL: no field array is passed). */
static pml_ising *mix_create(pml_device *dev, pml_ising_rule rule, uint64_t seed, int field,
                             double *T, double *B)
{
    mix_params(T, B, field);
    pml_ising_config c = {0, 0, MIX_R, 1.0, rule, seed};
    pml_ising *m = NULL;
    PML_ASSERT_OK(pml_ising_create_mixed(dev, &c, mix_lx, mix_ly, T, B, &m));
    return m;
}

static size_t mix_offset(int r)
{
    size_t o = 0;
    for (int i = 0; i < r; ++i) o += (size_t)(mix_lx[i] * mix_ly[i]);
    return o;
}

/* The same schedule on any batch: hot start, sweeps and samples in several calls. */
static void mix_schedule(pml_ising *g)
{
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 7));
    PML_ASSERT_OK(pml_ising_sample(g, 61));
    PML_ASSERT_OK(pml_ising_sweep(g, 3));
    PML_ASSERT_OK(pml_ising_sample(g, 40));
}

/* Replica r of a mixed batch against replica r of a uniform batch of r + 1 replicas of its
 * size (same seed, T[0..r], B[0..r]): the same hot start, spins and statistics, bit for bit. */
static void mixed_vs_uniform(pml_ising_rule rule, int field)
{
    pml_device *dev = pml_test_open_cpu();
    double T[MIX_R], B[MIX_R];
    pml_ising *m = mix_create(dev, rule, 0xfeedULL, field, T, B);
    const size_t total = pml_ising_spin_count(m);
    cr_assert_eq(total, mix_offset(MIX_R));
    int8_t *hot = malloc(total), *got = malloc(total);
    PML_ASSERT_OK(pml_ising_init(m, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_get_spins(m, hot, total));
    mix_schedule(m);
    PML_ASSERT_OK(pml_ising_get_spins(m, got, total));
    pml_ising_stats st[MIX_R];
    PML_ASSERT_OK(pml_ising_stats_get(m, st, MIX_R));
    for (int r = 0; r < MIX_R; ++r) {
        const int64_t N = mix_lx[r] * mix_ly[r];
        size_t off = 0;
        int64_t sx = 0, sy = 0;
        PML_ASSERT_OK(pml_ising_replica_offset(m, r, &off));
        PML_ASSERT_OK(pml_ising_replica_size(m, r, &sx, &sy));
        cr_assert(off == mix_offset(r) && sx == mix_lx[r] && sy == mix_ly[r], "replica %d", r);
        pml_ising_config u = {mix_lx[r], mix_ly[r], r + 1, 1.0, rule, 0xfeedULL};
        pml_ising *g = NULL;
        PML_ASSERT_OK(pml_ising_create(dev, &u, T, B, &g));
        const size_t n = (size_t)((r + 1) * N);
        int8_t *s = malloc(n);
        PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
        PML_ASSERT_OK(pml_ising_get_spins(g, s, n));
        cr_assert(pml_test_equal_bytes("hot start", hot + off, s + (size_t)(r * N), (size_t)N, 1),
                  "replica %d (%lldx%lld)", r, (long long)sx, (long long)sy);
        mix_schedule(g);
        PML_ASSERT_OK(pml_ising_get_spins(g, s, n));
        cr_assert(pml_test_equal_bytes("spins", got + off, s + (size_t)(r * N), (size_t)N, 1),
                  "replica %d (%lldx%lld), rule %d, field %d", r, (long long)sx, (long long)sy,
                  (int)rule, field);
        pml_ising_stats *us = malloc((size_t)(r + 1) * sizeof *us);
        PML_ASSERT_OK(pml_ising_stats_get(g, us, r + 1));
        cr_assert(pml_test_equal_bytes("stats", &st[r], &us[r], sizeof st[r] / 8, 8),
                  "replica %d", r);
        /* C and chi with this replica's N (not another replica's) */
        const double c_want = (double)N * (st[r].e2 - st[r].e * st[r].e) / (T[r] * T[r]);
        const double chi_want = (double)N * (st[r].m2 - st[r].m_abs * st[r].m_abs) / T[r];
        cr_assert(st[r].c == c_want && st[r].chi == chi_want && st[r].samples == 101,
                  "replica %d: C %g vs %g, chi %g vs %g", r, st[r].c, c_want, st[r].chi,
                  chi_want);
        free(us);
        free(s);
        pml_ising_destroy(g);
    }
    cr_assert_eq(pml_ising_sweeps_done(m), 111);
    free(hot);
    free(got);
    pml_ising_destroy(m);
    pml_device_close(dev);
}

Test(ising, mixed_batch_matches_uniform_batches)
{
    mixed_vs_uniform(PML_ISING_METROPOLIS, 1);
    mixed_vs_uniform(PML_ISING_HEATBATH, 1);
    mixed_vs_uniform(PML_ISING_METROPOLIS, 0);
}

/* A mixed batch against the reference, which runs replica r alone as replica r of its batch
 * (stream PML_ISING_STREAM + r, its own size), not segment by segment as pml_ising does:
 * bit planes and accumulators. */
Test(ising, mixed_batch_matches_reference)
{
    pml_device *dev = pml_test_open_cpu();
    double T[MIX_R], B[MIX_R];
    pml_ising *m = mix_create(dev, PML_ISING_HEATBATH, 77, 1, T, B);
    PML_ASSERT_OK(pml_ising_init(m, PML_ISING_HOT));
    pml_test_ising_ref ref;
    pml_test_ising_ref_copy(m, &ref);
    pml_test_ising_ref_run(&ref, 10, 0);
    pml_test_ising_ref_run(&ref, 15, 1);
    PML_ASSERT_OK(pml_ising_sweep(m, 10));
    PML_ASSERT_OK(pml_ising_sample(m, 15));
    cr_assert(pml_test_ising_ref_same(&ref, m, "mixed batch"));
    pml_test_ising_ref_free(&ref);
    pml_ising_destroy(m);
    pml_device_close(dev);
}

/* Save half-way, load, continue: bit-identical to the uninterrupted mixed run; the loaded
 * object has the per-replica sizes back. */
Test(ising, mixed_save_restore_is_bit_identical)
{
    pml_device *dev = pml_test_open_cpu();
    double T[MIX_R], B[MIX_R];
    pml_ising *a = mix_create(dev, PML_ISING_METROPOLIS, 4242, 1, T, B);
    pml_ising *b = save_and_continue(dev, a, pml_test_tmppath("mixed.state"), 20, 150, 250);
    const size_t n = mix_offset(MIX_R);
    cr_assert_eq(pml_ising_spin_count(b), n);
    expect_same_run(a, b, n, MIX_R, "after restore");
    pml_ising_config cb;
    PML_ASSERT_OK(pml_ising_get_config(b, &cb));
    cr_assert(cb.lx == 0 && cb.ly == 0 && cb.replicas == MIX_R && cb.seed == 4242);
    for (int r = 0; r < MIX_R; ++r) {
        int64_t x, y;
        PML_ASSERT_OK(pml_ising_replica_size(b, r, &x, &y));
        cr_assert(x == mix_lx[r] && y == mix_ly[r], "replica %d", r);
    }
    pml_ising_destroy(a);
    pml_ising_destroy(b);
    pml_device_close(dev);
}

/* A version-1 state file (this build writes version 4) still loads: written here by hand in
 * the version-1 layout (accumulators of PML_ISING_ACC_V2_SIZE bytes) from a uniform run whose
 * measurements were just cleared. */
Test(ising, version1_state_file_loads)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {10, 6, 3, 1.0, PML_ISING_HEATBATH, 99};
    double T[3] = {1.7, 2.3, 3.2}, B[3] = {0.1, 0.0, -0.2};
    pml_ising *a = NULL, *b = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, B, &a));
    PML_ASSERT_OK(pml_ising_init(a, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sample(a, 37));
    PML_ASSERT_OK(pml_ising_reset_stats(a));
    int8_t s[180];
    PML_ASSERT_OK(pml_ising_get_spins(a, s, 180));
    const char *path = pml_test_tmppath("v1.state");
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL);
    const uint32_t ver = 1, rule = (uint32_t)c.rule;
    const int64_t dims[3] = {c.lx, c.ly, c.replicas};
    const uint64_t tail[3] = {c.seed, 37, PML_ISING_ACC_V2_SIZE};
    char *acc = calloc(3, PML_ISING_ACC_V2_SIZE);
    fwrite("PMLISNG1", 1, 8, f);
    fwrite(&ver, 4, 1, f);
    fwrite(&rule, 4, 1, f);
    fwrite(dims, 8, 3, f);
    fwrite(&c.J, 8, 1, f);
    fwrite(tail, 8, 3, f);
    fwrite(T, 8, 3, f);
    fwrite(B, 8, 3, f);
    fwrite(s, 1, 180, f);
    fwrite(acc, PML_ISING_ACC_V2_SIZE, 3, f);
    cr_assert_eq(fclose(f), 0);
    free(acc);
    PML_ASSERT_OK(pml_ising_load(dev, path, &b));
    pml_ising_config cb;
    PML_ASSERT_OK(pml_ising_get_config(b, &cb));
    cr_assert(cb.lx == 10 && cb.ly == 6 && cb.replicas == 3 && cb.rule == PML_ISING_HEATBATH);
    cr_assert_eq(pml_ising_sweeps_done(b), 37);
    PML_ASSERT_OK(pml_ising_sample(a, 90));
    PML_ASSERT_OK(pml_ising_sample(b, 90));
    expect_same_run(a, b, 180, 3, "after a version-1 load");
    /* this build writes version 4 */
    PML_ASSERT_OK(pml_ising_save(b, path));
    f = fopen(path, "rb");
    uint32_t v = 0;
    cr_assert(fseek(f, 8, SEEK_SET) == 0 && fread(&v, 4, 1, f) == 1);
    fclose(f);
    cr_assert_eq(v, 4u);
    pml_ising_destroy(a);
    pml_ising_destroy(b);
    pml_device_close(dev);
}

/* A "mixed" batch of one size is the uniform batch: same config, same spins. */
Test(ising, mixed_batch_of_one_size_is_uniform)
{
    pml_device *dev = pml_test_open_cpu();
    const int64_t lx[4] = {12, 12, 12, 12}, ly[4] = {4, 4, 4, 4};
    double T[4] = {1.5, 2.0, 2.5, 3.0};
    pml_ising_config c = {12, 4, 4, 1.0, PML_ISING_METROPOLIS, 3}, cm = c;
    cm.lx = 1000; /* ignored */
    cm.ly = -3;
    pml_ising *u = NULL, *m = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &u));
    PML_ASSERT_OK(pml_ising_create_mixed(dev, &cm, lx, ly, T, NULL, &m));
    pml_ising_config got;
    PML_ASSERT_OK(pml_ising_get_config(m, &got));
    cr_assert(got.lx == 12 && got.ly == 4 && got.replicas == 4);
    mix_schedule(u);
    mix_schedule(m);
    int8_t a[192], b[192];
    PML_ASSERT_OK(pml_ising_get_spins(u, a, 192));
    PML_ASSERT_OK(pml_ising_get_spins(m, b, 192));
    cr_assert(pml_test_equal_bytes("one-size mixed vs uniform", b, a, 192, 1));
    pml_ising_destroy(u);
    pml_ising_destroy(m);
    pml_device_close(dev);
}

/* set/get spins follow the concatenated layout; set_params is per replica. */
Test(ising, mixed_spins_round_trip)
{
    pml_device *dev = pml_test_open_cpu();
    double T[MIX_R];
    pml_ising *m = mix_create(dev, PML_ISING_METROPOLIS, 5, 0, T, NULL);
    expect_cold_start_and_round_trip(m, mix_offset(MIX_R));
    /* a frozen batch (T -> 0, all +1) then a strong negative field on replica 4 (16x16) only */
    double cold[MIX_R], Bn[MIX_R] = {0};
    for (int r = 0; r < MIX_R; ++r) cold[r] = 0.05;
    Bn[4] = -20.0;
    PML_ASSERT_OK(pml_ising_init(m, PML_ISING_COLD));
    PML_ASSERT_OK(pml_ising_set_params(m, cold, Bn));
    PML_ASSERT_OK(pml_ising_sample(m, 10));
    pml_ising_stats st[MIX_R];
    PML_ASSERT_OK(pml_ising_stats_get(m, st, MIX_R));
    for (int r = 0; r < MIX_R; ++r) {
        if (r == 4) cr_assert(st[r].m < -0.99, "m = %g with B = -20", st[r].m);
        else cr_assert_eq(st[r].m, 1.0, "replica %d", r);
    }
    pml_ising_destroy(m);
    pml_device_close(dev);
}

Test(ising, mixed_argument_errors)
{
    pml_device *dev = pml_test_open_cpu();
    double T[3] = {2.0, 2.0, 2.0};
    int64_t lx[3] = {8, 6, 4}, ly[3] = {8, 10, 4}, odd[3] = {8, 7, 4}, zero[3] = {8, 10, 0};
    pml_ising_config c = {0, 0, 3, 1.0, PML_ISING_METROPOLIS, 1}, none = c;
    none.replicas = 0;
    pml_ising *g = (pml_ising *)0x1;
    cr_assert_eq(pml_ising_create_mixed(dev, &c, NULL, ly, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_null(g);
    cr_assert_eq(pml_ising_create_mixed(dev, &c, lx, NULL, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create_mixed(dev, &c, odd, ly, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(pml_last_error(), "replica 1 is 7 x 10") != NULL, "%s", pml_last_error());
    cr_assert(strstr(pml_last_error(), "even") != NULL, "%s", pml_last_error());
    cr_assert_eq(pml_ising_create_mixed(dev, &c, lx, zero, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(pml_last_error(), "replica 2") != NULL, "%s", pml_last_error());
    cr_assert_eq(pml_ising_create_mixed(dev, &none, lx, ly, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create_mixed(dev, &c, lx, ly, NULL, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create_mixed(NULL, &c, lx, ly, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create_mixed(dev, NULL, lx, ly, T, NULL, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_create_mixed(dev, &c, lx, ly, T, NULL, NULL), PML_ERR_INVALID_ARGUMENT);
    cr_assert_null(g);

    PML_ASSERT_OK(pml_ising_create_mixed(dev, &c, lx, ly, T, NULL, &g));
    int64_t x = -1, y = -1;
    size_t off = 99;
    cr_assert_eq(pml_ising_replica_size(g, 3, &x, &y), PML_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(pml_last_error(), "replica 3") != NULL, "%s", pml_last_error());
    cr_assert_eq(pml_ising_replica_size(g, -1, &x, &y), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_replica_size(NULL, 0, &x, &y), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_replica_size(g, 0, NULL, &y), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_replica_offset(g, 3, &off), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_replica_offset(g, -1, &off), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_replica_offset(g, 0, NULL), PML_ERR_INVALID_ARGUMENT);
    cr_assert(x == -1 && y == -1 && off == 99);
    PML_ASSERT_OK(pml_ising_replica_size(g, 2, &x, &y));
    PML_ASSERT_OK(pml_ising_replica_offset(g, 2, &off));
    cr_assert(x == 4 && y == 4 && off == 124);
    cr_assert_eq(pml_ising_spin_count(g), 140u);
    cr_assert_eq(pml_ising_spin_count(NULL), 0u);
    pml_ising_config got;
    PML_ASSERT_OK(pml_ising_get_config(g, &got));
    cr_assert(got.lx == 0 && got.ly == 0 && got.replicas == 3);
    int8_t s[141];
    cr_assert_eq(pml_ising_get_spins(g, s, 192), PML_ERR_INVALID_ARGUMENT); /* R*8*8 */
    cr_assert_eq(pml_ising_get_spins(g, s, 141), PML_ERR_INVALID_ARGUMENT);
    memset(s, 1, sizeof s);
    s[130] = 3;
    cr_assert_eq(pml_ising_set_spins(g, s, 140), PML_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(pml_last_error(), "spin 130") != NULL, "%s", pml_last_error());
    pml_ising_stats st[4];
    cr_assert_eq(pml_ising_stats_get(g, st, 4), PML_ERR_INVALID_ARGUMENT);

    /* a state file whose size arrays are truncated or odd is rejected as a file error */
    const char *path = pml_test_tmppath("mixbad.state");
    PML_ASSERT_OK(pml_ising_save(g, path));
    pml_ising *h = (pml_ising *)0x1;
    FILE *f = fopen(path, "r+b");
    const int64_t seven = 7; /* replica 1's lx: magic and header are 8 + 64 bytes, then lx[3] */
    cr_assert(fseek(f, 8 + 64 + 8, SEEK_SET) == 0 && fwrite(&seven, 8, 1, f) == 1);
    fclose(f);
    cr_assert_eq(pml_ising_load(dev, path, &h), PML_ERR_BAD_FORMAT);
    cr_assert(strstr(pml_last_error(), "replica 1 is 7 x 10") != NULL, "%s", pml_last_error());
    cr_assert_null(h);
    cr_assert_eq(truncate(path, 8 + 64 + 20), 0);
    cr_assert_eq(pml_ising_load(dev, path, &h), PML_ERR_BAD_FORMAT);
    cr_assert(strstr(pml_last_error(), "truncated") != NULL, "%s", pml_last_error());
    pml_ising_destroy(g);
    pml_device_close(dev);
}
