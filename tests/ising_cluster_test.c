/* The cluster rules (Swendsen-Wang, Wolff): the fast Swendsen-Wang kernel against its
 * site-by-site reference bit for bit; both rules against exact enumeration (4x4, 4x6: within
 * 4 standard errors) and the exact finite-lattice solution at T_c (16^2, 32^2); detailed
 * balance by the visit frequencies of every state of 2x2 and 2x4 lattices (chi-square);
 * rule changes, save/restore, J < 0, and the argument errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "ops/ising_cluster.h"
#include "pml_test.h"
#include "pml_test_ising.h"
#include "physml/ising.h"
#include "physml/rng.h"

TestSuite(ising_cluster, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

/* The table's Swendsen-Wang kernel against the reference (src/cpu/ising_sw.c), from a hot
 * start, in two calls (the second from t0 != 0), measured, bit for bit. */
static void sw_case(int64_t lx, int64_t ly, int64_t R, double J, int64_t sweeps)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {lx, ly, R, J, PML_ISING_SWENDSEN_WANG, 0xABCDEFULL + (uint64_t)lx};
    double T[8];
    for (int64_t r = 0; r < R; ++r) T[r] = 1.6 + 0.5 * (double)r;
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    cr_assert(pml_test_ising_matches_ref(g, sweeps, "Swendsen-Wang"),
              "%lld x %lld, R = %lld, J = %g", (long long)lx, (long long)ly, (long long)R, J);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

Test(ising_cluster, sw_matches_reference)
{
    sw_case(8, 8, 3, 1.0, 12);
    sw_case(2, 2, 3, 1.0, 30);    /* both bonds between a pair */
    sw_case(6, 10, 2, -1.0, 12);  /* antiferromagnet, a partial row word */
    sw_case(34, 4, 2, 1.0, 8);    /* two row words, the last with 2 lanes */
    sw_case(64, 6, 2, 0.7, 6);    /* whole row words */
    sw_case(130, 4, 1, 1.0, 4);   /* five row words */
}

/* One replica of 4096 sites or more is split into strips of rows over the threads: the same
 * bits with 2 and 3 strips (uneven), whole and partial row words, J < 0. */
Test(ising_cluster, sw_strips_match_reference)
{
#ifdef _OPENMP
    const int before = omp_get_max_threads();
    for (int k = 2; k <= 3; ++k) {
        omp_set_num_threads(k);
        sw_case(64, 64, 1, 1.0, 6);
        sw_case(70, 66, 1, -1.0, 5);
        sw_case(128, 40, 1, 0.8, 4);
    }
    omp_set_num_threads(before);
#else
    cr_skip_test("built without OpenMP");
#endif
}

/* ---- the CUDA kernels' bodies on the host ----------------------------------------------
 * src/cuda/ising_sw.cu's kernels, one "thread" at a time, in the launcher's order (the link
 * passes in reverse site order, so that labels travel against the scan), on a copy of the
 * object's state, against the reference: bit planes and accumulators bit for bit. */
static void emulate_sw(uint32_t *planes, const pml_ising_rparams *params, pml_ising_acc *acc,
                       int64_t lx, int64_t ly, int64_t R, double J, uint64_t seed, uint64_t t0,
                       int64_t n)
{
    const int64_t XW = pml_ising_xwords(lx), WW = pml_ising_row_words(lx), N = lx * ly;
    const int64_t per = ly * XW, NW = (N + 31) / 32, pw = 2 * ly * WW;
    uint32_t *rows = malloc((size_t)(R * per) * 4), *act = malloc((size_t)(2 * R * per) * 4);
    uint32_t *fw = malloc((size_t)(R * NW) * 4);
    int32_t *L = malloc((size_t)(R * N) * 4);
    for (int64_t k = R * per - 1; k >= 0; --k) /* sw_to_rows */
        rows[k] = pml_ising_row_word(planes + (k / per) * pw, lx / 2, ly, (k % per) / XW, k % XW);
    for (int64_t i = 0; i < n; ++i) {
        const uint64_t t = t0 + (uint64_t)i;
        for (int64_t k = R * per - 1; k >= 0; --k) { /* sw_bonds */
            const int64_t r = k / per, y = (k % per) / XW, w = k % XW;
            const uint32_t *row = rows + (r * ly + y) * XW;
            const uint32_t *down = rows + (r * ly + (y + 1 == ly ? 0 : y + 1)) * XW;
            const uint32_t v = pml_ising_valid(lx, w);
            const uint32_t sr = pml_ising_satisfied(row[w], pml_ising_side(row, lx, XW, w, 1), v, J);
            const uint32_t sd = pml_ising_satisfied(row[w], down[w], v, J);
            const pml_ising_rparams *p = &params[r];
            uint32_t *aR = act + 2 * r * per, *aD = aR + per;
            aR[y * XW + w] = pml_ising_sw_bonds(sr, p->bond_thr, p->always & PML_ISING_BOND_ALWAYS,
                                                seed, PML_ISING_SW_STREAM + (uint64_t)r,
                                                pml_ising_sw_block(t, 0, ly, XW, y, w));
            aD[y * XW + w] = pml_ising_sw_bonds(sd, p->bond_thr, p->always & PML_ISING_BOND_ALWAYS,
                                                seed, PML_ISING_SW_STREAM + (uint64_t)r,
                                                pml_ising_sw_block(t, 1, ly, XW, y, w));
            for (int64_t x = 32 * w; x < lx && x < 32 * w + 32; ++x)
                L[r * N + y * lx + x] = (int32_t)(y * lx + x);
        }
        for (int changed = 1; changed;) { /* sw_link and sw_jump until nothing changes */
            changed = 0;
            for (int64_t k = R * N - 1; k >= 0; --k)
                changed |= pml_ising_sw_link(L + (k / N) * N, act + 2 * (k / N) * per,
                                             act + 2 * (k / N) * per + per, lx, ly, XW, k % N);
            for (int64_t k = R * N - 1; k >= 0; --k) pml_ising_sw_jump(L + (k / N) * N, k % N);
        }
        for (int64_t k = 0; k < R * NW; ++k) /* sw_flip_words */
            fw[k] = pml_rng_u32(seed, PML_ISING_SW_FLIP_STREAM + (uint64_t)(k / NW),
                                t * (uint64_t)NW + (uint64_t)(k % NW));
        for (int64_t r = 0; r < R; ++r) {
            long long bm[2] = {0, 0};
            for (int64_t k = per - 1; k >= 0; --k) /* sw_apply */
                rows[r * per + k] = pml_ising_sw_apply(rows[r * per + k], L + r * N, fw + r * NW,
                                                       lx, k / XW, k % XW);
            for (int64_t k = per - 1; k >= 0; --k) /* sw_sums and the push */
                pml_ising_row_sums(rows + r * per, lx, ly, XW, k / XW, k % XW, bm);
            pml_ising_acc_push(&acc[r], bm[0], bm[1], J, params[r].B, 1.0 / (double)N);
            long long sq = 0; /* sw_count, sw_squares and the push of the cluster estimator */
            int32_t *cnt = calloc((size_t)N, sizeof *cnt);
            for (int64_t k = N - 1; k >= 0; --k) cnt[L[r * N + k]] += 1;
            for (int64_t k = N - 1; k >= 0; --k) sq += pml_ising_sw_square(cnt, k);
            free(cnt);
            pml_ising_acc_imp(&acc[r], (double)sq / ((double)N * (double)N));
        }
    }
    for (int64_t k = R * pw - 1; k >= 0; --k) { /* sw_to_planes */
        const int64_t r = k / pw, c = (k % pw) / (ly * WW), y = (k % (ly * WW)) / WW;
        planes[k] = pml_ising_plane_word(rows + (r * ly + y) * XW, XW, y, (int)c, k % WW);
    }
    free(rows);
    free(act);
    free(fw);
    free(L);
}

Test(ising_cluster, cuda_sw_bodies_on_host)
{
    static const int64_t sz[4][4] = {{8, 8, 3, 10}, {6, 10, 2, 8}, {34, 4, 2, 6}, {66, 6, 1, 5}};
    for (int i = 0; i < 4; ++i) {
        const int64_t lx = sz[i][0], ly = sz[i][1], R = sz[i][2], n = sz[i][3];
        const double J = i == 1 ? -1.0 : 1.0;
        pml_device *dev = pml_test_open_cpu();
        pml_ising_config c = {lx, ly, R, J, PML_ISING_SWENDSEN_WANG, 4321 + (uint64_t)i};
        const double T[3] = {1.8, 2.27, 3.1};
        pml_ising *g = NULL;
        PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
        PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
        PML_ASSERT_OK(pml_ising_sweep(g, 3)); /* so that t0 != 0 */
        pml_test_ising_ref ref, emu;
        pml_test_ising_ref_copy(g, &ref);
        pml_test_ising_ref_copy(g, &emu);
        pml_test_ising_ref_run(&ref, n, 1);
        emulate_sw((uint32_t *)emu.spins, emu.params, emu.acc, lx, ly, R, J, c.seed, 3,
                   n);
        cr_assert(pml_test_equal_bytes("CUDA bodies vs reference: bit planes", emu.spins,
                                       ref.spins, g->nbytes / 4, 4), "%lld x %lld", (long long)lx,
                  (long long)ly);
        cr_assert(pml_test_equal_bytes("CUDA bodies vs reference: accumulators", emu.acc, ref.acc,
                                       (size_t)R * sizeof *ref.acc / 8, 8));
        pml_test_ising_ref_free(&ref);
        pml_test_ising_ref_free(&emu);
        pml_ising_destroy(g);
        pml_device_close(dev);
    }
}

/* Every observable of an enumerated lattice within 4 standard errors: nrep independent
 * replicas at each T (B = 0), errors from their spread. */
static void check_exact(pml_ising_rule rule, int lx, int ly, const double *Ts, int nT,
                        int64_t sweeps)
{
    enum { REP = 12 };
    pml_device *dev = pml_test_open_cpu();
    const int R = nT * REP;
    pml_ising_config c = {lx, ly, R, 1.0, rule, 99 + (uint64_t)rule};
    double T[64];
    for (int i = 0; i < R; ++i) T[i] = Ts[i / REP];
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 200));
    PML_ASSERT_OK(pml_ising_sample(g, sweeps));
    pml_ising_stats st[64];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, R));
    int bad = 0;
    for (int k = 0; k < nT; ++k) {
        const pml_test_ising_exact x = pml_test_ising_enumerate(lx, ly, 1.0, Ts[k], 0.0);
        /* the last: the cluster sizes' estimator of <m^2> */
        const double want[6] = {x.e, x.m_abs, x.m2, x.c, x.chi, x.m2};
        static const char *const name[6] = {"<e>", "<|m|>", "<m^2>", "C", "chi", "<m^2> cluster"};
        for (int q = 0; q < 6; ++q) {
            double s = 0, s2 = 0;
            for (int i = 0; i < REP; ++i) {
                const pml_ising_stats *p = &st[k * REP + i];
                cr_assert_eq(p->cluster_samples, p->samples);
                const double v[6] = {p->e, p->m_abs, p->m2, p->c, p->chi, p->m2_cluster};
                s += v[q];
                s2 += v[q] * v[q];
            }
            const double mean = s / REP, err = sqrt((s2 / REP - mean * mean) / (REP - 1));
            const double z = fabs(mean - want[q]) / err;
            if (!(z <= 4.0)) {
                ++bad;
                cr_log_error("rule %d %dx%d T=%g %s: %.6f +- %.6f, exact %.6f (%.1f sigma)",
                             (int)rule, lx, ly, Ts[k], name[q], mean, err, want[q], z);
            }
        }
    }
    cr_assert_eq(bad, 0, "%d quantities outside 4 standard errors", bad);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

static const double exactT[3] = {1.5, 2.269, 3.5};

Test(ising_cluster, sw_enumeration_4x4_4x6)
{
    check_exact(PML_ISING_SWENDSEN_WANG, 4, 4, exactT, 3, 20000);
    check_exact(PML_ISING_SWENDSEN_WANG, 4, 6, exactT, 3, 12000);
}

Test(ising_cluster, wolff_enumeration_4x4_4x6)
{
    check_exact(PML_ISING_WOLFF, 4, 4, exactT, 3, 20000);
    check_exact(PML_ISING_WOLFF, 4, 6, exactT, 3, 12000);
}

/* Detailed balance: the states of many replicas, snapshot after snapshot, against the
 * Boltzmann weights of every state of an lx x ly lattice (lx ly <= 8), by chi-square. */
static void check_states(pml_ising_rule rule, int lx, int ly, double J, double T)
{
    enum { R = 1024, SNAP = 24 };
    const int N = lx * ly, S = 1 << N;
    pml_device *dev = pml_test_open_cpu();
    pml_ising_config c = {lx, ly, R, J, rule, 5150 + (uint64_t)rule};
    double *Ts = malloc(R * sizeof *Ts);
    for (int i = 0; i < R; ++i) Ts[i] = T;
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, Ts, NULL, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 10));
    double count[256] = {0}, w[256], Z = 0;
    int8_t *s = malloc((size_t)(N * R));
    for (int k = 0; k < SNAP; ++k) {
        PML_ASSERT_OK(pml_ising_sweep(g, 3));
        PML_ASSERT_OK(pml_ising_get_spins(g, s, (size_t)(N * R)));
        for (int r = 0; r < R; ++r) {
            int st = 0;
            for (int i = 0; i < N; ++i) st |= (s[N * r + i] > 0) << i;
            count[st] += 1;
        }
    }
    for (int st = 0; st < S; ++st) {
        int bonds = 0;
        for (int y = 0; y < ly; ++y)
            for (int x = 0; x < lx; ++x) {
                const int v = (st >> (y * lx + x)) & 1 ? 1 : -1;
                const int rt = (st >> (y * lx + (x + 1) % lx)) & 1 ? 1 : -1;
                const int dn = (st >> (((y + 1) % ly) * lx + x)) & 1 ? 1 : -1;
                bonds += v * (rt + dn);
            }
        w[st] = exp(J * bonds / T);
        Z += w[st];
    }
    double chi2 = 0;
    for (int st = 0; st < S; ++st) {
        const double expect = (double)R * SNAP * w[st] / Z;
        chi2 += (count[st] - expect) * (count[st] - expect) / expect;
    }
    /* 99.99 % points: 15 dof 44.3, 255 dof 335 (snapshots 3 sweeps apart are nearly
     * independent for cluster rules on lattices this small) */
    const double limit = S == 16 ? 45.0 : 336.0;
    cr_assert(chi2 < limit, "rule %d %dx%d J=%g T=%g: chi-square %.1f with %d dof", (int)rule, lx,
              ly, J, T, chi2, S - 1);
    free(Ts);
    free(s);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

Test(ising_cluster, detailed_balance_2x2_2x4)
{
    check_states(PML_ISING_SWENDSEN_WANG, 2, 2, 1.0, 2.0);
    check_states(PML_ISING_SWENDSEN_WANG, 2, 4, 1.0, 2.5);
    check_states(PML_ISING_SWENDSEN_WANG, 2, 4, -1.0, 2.5);
    check_states(PML_ISING_WOLFF, 2, 2, 1.0, 2.0);
    check_states(PML_ISING_WOLFF, 2, 4, 1.0, 2.5);
    check_states(PML_ISING_WOLFF, 2, 4, -1.0, 2.5);
}

/* e and C at T_c against the exact finite-lattice solution (Kaufman), within 4 standard
 * errors of the run's binning / jackknife errors, pooled over a few replicas. */
static void check_tc(pml_ising_rule rule, int64_t L, int64_t sweeps)
{
    enum { REP = 4 };
    pml_device *dev = pml_test_open_cpu();
    const double Tc = pml_ising_tc(1.0);
    double e_x, c_x;
    PML_ASSERT_OK(pml_ising_exact_finite(L, L, Tc, 1.0, NULL, &e_x, &c_x));
    pml_ising_config c = {L, L, REP, 1.0, rule, 2024 + (uint64_t)L};
    const double T[REP] = {Tc, Tc, Tc, Tc};
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 500));
    PML_ASSERT_OK(pml_ising_sample(g, sweeps));
    pml_ising_stats st[REP];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, REP));
    double e = 0, ee = 0, cc = 0, ce = 0;
    for (int i = 0; i < REP; ++i) {
        e += st[i].e / REP;
        ee += st[i].e_err * st[i].e_err / (REP * REP);
        cc += st[i].c / REP;
        ce += st[i].c_err * st[i].c_err / (REP * REP);
    }
    cr_log_info("rule %d L=%lld: e %.6f +- %.6f (exact %.6f), C %.4f +- %.4f (exact %.4f)",
                (int)rule, (long long)L, e, sqrt(ee), e_x, cc, sqrt(ce), c_x);
    cr_assert(fabs(e - e_x) <= 4 * sqrt(ee), "rule %d L=%lld: e %.6f +- %.6f, exact %.6f",
              (int)rule, (long long)L, e, sqrt(ee), e_x);
    cr_assert(fabs(cc - c_x) <= 4 * sqrt(ce), "rule %d L=%lld: C %.4f +- %.4f, exact %.4f",
              (int)rule, (long long)L, cc, sqrt(ce), c_x);
    pml_ising_destroy(g);
    pml_device_close(dev);
}

Test(ising_cluster, exact_finite_lattice_at_tc)
{
    check_tc(PML_ISING_SWENDSEN_WANG, 16, 40000);
    check_tc(PML_ISING_SWENDSEN_WANG, 32, 20000);
    check_tc(PML_ISING_WOLFF, 16, 40000);
    check_tc(PML_ISING_WOLFF, 32, 20000);
}

/* A run that switches rule between calls, saved and restored in the middle, continues bit
 * for bit: the draws depend on the sweep number, not on the history of rules. */
Test(ising_cluster, rule_changes_and_save_restore)
{
    pml_device *dev = pml_test_open_cpu();
    const double T[2] = {2.2, 2.4};
    pml_ising_config c = {16, 12, 2, 1.0, PML_ISING_METROPOLIS, 31337};
    pml_ising *a = NULL, *b = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &a));
    PML_ASSERT_OK(pml_ising_init(a, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sample(a, 20));
    PML_ASSERT_OK(pml_ising_set_rule(a, PML_ISING_SWENDSEN_WANG));
    PML_ASSERT_OK(pml_ising_sample(a, 15));
    const char *path = pml_test_tmppath("sw.state");
    PML_ASSERT_OK(pml_ising_save(a, path));
    PML_ASSERT_OK(pml_ising_load(dev, path, &b));
    pml_ising_config cb;
    PML_ASSERT_OK(pml_ising_get_config(b, &cb));
    cr_assert_eq(cb.rule, PML_ISING_SWENDSEN_WANG);
    for (int k = 0; k < 2; ++k) {
        pml_ising *g = k ? b : a;
        PML_ASSERT_OK(pml_ising_sample(g, 10));
        PML_ASSERT_OK(pml_ising_set_rule(g, PML_ISING_WOLFF));
        PML_ASSERT_OK(pml_ising_sample(g, 10));
        PML_ASSERT_OK(pml_ising_set_rule(g, PML_ISING_HEATBATH));
        PML_ASSERT_OK(pml_ising_sample(g, 10));
    }
    int8_t sa[2 * 16 * 12], sb[2 * 16 * 12];
    PML_ASSERT_OK(pml_ising_get_spins(a, sa, sizeof sa));
    PML_ASSERT_OK(pml_ising_get_spins(b, sb, sizeof sb));
    cr_assert(pml_test_equal_bytes("spins after restore", sb, sa, sizeof sa, 1));
    pml_ising_stats xa[2], xb[2];
    PML_ASSERT_OK(pml_ising_stats_get(a, xa, 2));
    PML_ASSERT_OK(pml_ising_stats_get(b, xb, 2));
    cr_assert(pml_test_equal_bytes("stats after restore", xb, xa, sizeof xa / 8, 8));
    cr_assert_eq(xa[0].samples, 65);
    pml_ising_destroy(a);
    pml_ising_destroy(b);
    pml_device_close(dev);
}

Test(ising_cluster, argument_errors)
{
    pml_device *dev = pml_test_open_cpu();
    const double T[2] = {2.0, 2.0}, B[2] = {0.0, 0.1};
    pml_ising_config c = {8, 8, 2, 1.0, PML_ISING_SWENDSEN_WANG, 1};
    pml_ising *g = NULL;
    cr_assert_eq(pml_ising_create(dev, &c, T, B, &g), PML_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(pml_last_error(), "needs B = 0"), "%s", pml_last_error());
    cr_assert_null(g);
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
    cr_assert_eq(pml_ising_set_params(g, T, B), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_set_rule(g, (pml_ising_rule)7), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_ising_set_rule(NULL, PML_ISING_WOLFF), PML_ERR_INVALID_ARGUMENT);
    PML_ASSERT_OK(pml_ising_set_rule(g, PML_ISING_METROPOLIS));
    PML_ASSERT_OK(pml_ising_set_params(g, T, B));
    cr_assert_eq(pml_ising_set_rule(g, PML_ISING_WOLFF), PML_ERR_INVALID_ARGUMENT);
    pml_ising_config now;
    PML_ASSERT_OK(pml_ising_get_config(g, &now));
    cr_assert_eq(now.rule, PML_ISING_METROPOLIS, "a refused rule change keeps the rule");
    pml_ising_destroy(g);
    pml_device_close(dev);
}

/* Wolff has no CUDA kernel: refused by name there, not run. */
Test(ising_cluster, wolff_is_cpu_only)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    const double T[1] = {2.0};
    pml_ising_config c = {8, 8, 1, 1.0, PML_ISING_WOLFF, 1};
    pml_ising *g = NULL;
    cr_assert_eq(pml_ising_create(gpu, &c, T, NULL, &g), PML_ERR_UNSUPPORTED);
    cr_assert(strstr(pml_last_error(), "Wolff"), "%s", pml_last_error());
    pml_device_close(gpu);
}
