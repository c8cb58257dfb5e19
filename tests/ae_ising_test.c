/* The autoencoder that reads the Ising T_c (pml_ae_ising_run, the primer's Fig. 14) on a run
 * small enough for the suite: its latent follows the magnetisation and its susceptibility
 * peaks near T_c; the 1/L extrapolation's arithmetic. */
#include <math.h>

#include "pml_test.h"
#include "physml/autoencoder.h"

Test(ae_ising, latent_tracks_m_and_peaks_near_tc)
{
    pml_device *dev = pml_test_open_cpu();
    double T[17];
    for (int i = 0; i < 17; ++i) T[i] = 1.6 + 0.1 * i; /* 1.6 .. 3.2 */
    pml_ae_ising_config c = pml_ae_ising_defaults(16);
    c.T = T;
    c.nT = 17;
    c.configs = 200;
    c.therm = 500;
    c.gap = 16;
    c.rule = PML_ISING_METROPOLIS; /* the primer's sampler (the default is Swendsen-Wang) */
    c.epochs = 8;
    c.hidden = 32;
    pml_ae_ising_point pts[17];
    pml_ae_ising_fit fit;
    PML_ASSERT_OK(pml_ae_ising_run(dev, &c, pts, &fit, NULL, NULL));
    cr_expect(fit.corr_abs_m >= 0.9, "corr(|z|, |m|) = %g (floor 0.9)", fit.corr_abs_m);
    cr_expect(fabs(fit.corr_m) >= 0.9, "corr(z, m) = %g (floor 0.9 in magnitude)", fit.corr_m);
    /* L = 16's pseudo-critical point lies above T_c = 2.269 by about 1/L */
    cr_expect(!fit.peak_at_edge && fit.tc > 2.15 && fit.tc < 2.55,
              "T_c(16) from the latent susceptibility %g +- %g (window 2.15..2.55)", fit.tc,
              fit.tc_err);
    cr_expect(isfinite(fit.tc_err) && fit.tc_err > 0 && fit.tc_err < 0.2, "error %g", fit.tc_err);
    /* the order parameter's shape: |z| near 1 cold, small hot */
    cr_expect(pts[0].z_abs > 0.8 && pts[16].z_abs < 0.5, "|z| %g at T = 1.6, %g at 3.2",
              pts[0].z_abs, pts[16].z_abs);
    cr_expect(pts[0].m_abs > 0.95 && pts[16].m_abs < 0.3);
    pml_device_close(dev);
}

Test(ae_ising, extrapolation_in_one_over_L)
{
    /* exactly on a line: T(L) = 2.269 + 0.9 / L */
    const int L[3] = {16, 32, 48};
    double tc[3], err[3] = {0.01, 0.01, 0.01}, a = 0, ae = 0;
    for (int i = 0; i < 3; ++i) tc[i] = 2.269 + 0.9 / L[i];
    PML_ASSERT_OK(pml_ae_tc_extrapolate(L, tc, err, 3, 1, &a, &ae));
    cr_expect(fabs(a - 2.269) < 1e-12 && ae > 0.01 && ae < 0.1, "%g +- %g", a, ae);
    PML_ASSERT_OK(pml_ae_tc_extrapolate(L, tc, NULL, 3, 1, &a, &ae));
    cr_expect(fabs(a - 2.269) < 1e-12 && ae < 1e-9);
    pml_test_expect_error("one size", pml_ae_tc_extrapolate(L, tc, NULL, 1, 1, &a, &ae),
                          PML_ERR_INVALID_ARGUMENT, "n 1");
    const int dup[2] = {16, 16};
    pml_test_expect_error("twice", pml_ae_tc_extrapolate(dup, tc, NULL, 2, 1, &a, &ae),
                          PML_ERR_INVALID_ARGUMENT, "twice");
    /* with the next correction: T(L) = 2.269 + 1.2 / L - 6.7 / L^2 exactly, four sizes */
    const int L4[4] = {16, 32, 48, 64};
    double t4[4], e4[4] = {0.005, 0.005, 0.004, 0.004};
    for (int i = 0; i < 4; ++i) t4[i] = 2.269 + 1.2 / L4[i] - 6.7 / ((double)L4[i] * L4[i]);
    PML_ASSERT_OK(pml_ae_tc_extrapolate(L4, t4, e4, 4, 2, &a, &ae));
    cr_expect(fabs(a - 2.269) < 1e-10 && ae > 0.005 && ae < 0.2, "%.12g +- %g", a, ae);
    PML_ASSERT_OK(pml_ae_tc_extrapolate(L4, t4, NULL, 4, 1, &a, &ae));
    cr_expect(a > 2.275, "the linear fit is biased by the 1/L^2 term: %g", a);
    pml_test_expect_error("order 2 on 2 sizes", pml_ae_tc_extrapolate(L, tc, NULL, 2, 2, &a, &ae),
                          PML_ERR_INVALID_ARGUMENT, "order 2");
}
