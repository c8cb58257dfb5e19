/* Tour chapter "ising": a temperature scan around T_c on three lattice sizes (two with
 * --quick), Metropolis with Swendsen-Wang near T_c, T_c from the Binder crossing against
 * 2/ln(1 + sqrt 2), Onsager's energy, and the scan's plot. */
#include <math.h>
#include <string.h>

#include "cli/ising_cli.h"

int pml_tour_ising(pml_tour_ctx *ctx)
{
    /* Sized for about 10-20 s on two CPU cores (under a second with --quick; a few seconds on
     * a GPU, with lattices twice the side). */
    const int gpu = pml_device_get_kind(ctx->dev) == PML_DEVICE_CUDA;
    double T[64];
    int nT = pml_parse_range("1.9:2.7:0.04", T, 64);
    pml_ising_scan s = {0};
    s.nL = ctx->quick ? 2 : 3;
    for (int l = 0; l < s.nL; ++l) s.L[l] = (ctx->quick ? 16 : gpu ? 64 : 32) << l;
    s.nT = nT;
    s.T = T;
    s.J = 1.0;
    /* The fastest honest setting: Metropolis away from T_c, where it decorrelates in a few
     * sweeps and is 20-30x cheaper per sweep; Swendsen-Wang within 0.1 of T_c, where
     * Metropolis's tau grows as L^2.2 (hundreds of sweeps at 128^2) and SW's stays a few
     * sweeps, so 12x fewer SW sweeps still give ~10x the independent samples there. */
    s.rule = PML_ISING_METROPOLIS;
    s.cluster = PML_ISING_SWENDSEN_WANG;
    s.window = 0.1;
    s.sweeps = ctx->quick ? 4000 : 50000;
    s.cluster_sweeps = ctx->quick ? 800 : 4000;
    s.therm = ctx->quick ? 500 : 3000;
    s.seed = 2026;
    char dir[PML_PATH_MAX], v[64], note[256];
    if (pml_cli_path("tour", dir, sizeof dir, ctx->out_dir, "ising") ||
        pml_cli_out_dir("tour", dir))
        return 1;
    int rc = pml_ising_scan_run(ctx->dev, &s, ctx->quiet, "tour");
    if (rc != 0) {
        pml_ising_scan_free(&s);
        return rc;
    }
    int png = 0;
    if (pml_ising_scan_write(&s, dir, "tour", ctx->quiet, &png) != 0) rc = 1;
    const double tc = pml_ising_tc(1.0);
    /* the energy per spin nearest T = 2.7 against Onsager (finite size is small there) */
    const int big = s.nL - 1; /* the largest lattice */
    const int64_t Lb = s.L[big];
    const pml_ising_stats *hi = &s.stats[big * s.nT + s.nT - 1];
    const double u = pml_ising_onsager_energy(hi->T, 1.0);
    snprintf(v, sizeof v, "%.4f", s.tc);
    snprintf(note, sizeof note, "exact 2/ln(1+sqrt 2) = %.4f (%+.2f%%)", tc, 100 * (s.tc - tc) / tc);
    pml_tour_row("ising", "T_c, Binder crossing", v, note);
    snprintf(v, sizeof v, "%.5f +- %.5f", hi->e, hi->e_err);
    snprintf(note, sizeof note, "Onsager %.5f at T = %.2f, L = %lld", u, hi->T, (long long)Lb);
    pml_tour_row("ising", "energy per spin", v, note);
    snprintf(v, sizeof v, "%.3f", s.flips / s.seconds / 1e9);
    char sizes[128] = "", lat[192] = "";
    for (int l = 0; l < s.nL; ++l) {
        const char *sep = l == 0 ? "" : l == s.nL - 1 ? " and " : ", ";
        snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), "%s%lld^2", sep,
                 (long long)s.L[l]);
        snprintf(lat + strlen(lat), sizeof lat - strlen(lat), "%s%lldx%lld", sep,
                 (long long)s.L[l], (long long)s.L[l]);
    }
    snprintf(note, sizeof note, "%s, %d temperatures, Metropolis + SW near T_c", sizes, s.nT);
    pml_tour_row("ising", "sites/ns (scan)", v, note);

    FILE *r = ctx->report;
    int near = 0;
    for (int i = 0; i < s.nT; ++i) near += fabs(T[i] - tc) <= s.window;
    fprintf(r, "%s periodic lattices, %d temperatures from %.2f to %.2f: checkerboard "
               "Metropolis (%lld + %lld sweeps) away from T_c, and Swendsen-Wang cluster "
               "updates (%lld + %lld sweeps) at the %d temperatures within %.2f of T_c, where "
               "Metropolis slows down critically (tau ~ L^2.2, hundreds of sweeps at the "
               "largest size) and SW decorrelates in a few sweeps: the fastest honest "
               "setting. %.1f s at %.3f sites updated per ns.\n\n",
            lat, s.nT, T[0], T[nT - 1], (long long)s.therm, (long long)s.sweeps,
            (long long)(s.therm * s.cluster_sweeps / s.sweeps), (long long)s.cluster_sweeps, near,
            s.window, s.seconds, s.flips / s.seconds / 1e9);
    fprintf(r, "| quantity | measured | exact |\n|---|---|---|\n");
    fprintf(r, "| T_c from the crossing of the Binder cumulants U_L(T) | %.4f | %.4f |\n", s.tc, tc);
    fprintf(r, "| e at T = %.2f, L = %lld | %.5f +- %.5f | %.5f (Onsager) |\n", hi->T,
            (long long)Lb, hi->e, hi->e_err, u);
    const pml_ising_stats *lo = &s.stats[big * s.nT];
    fprintf(r, "| abs(m) at T = %.2f, L = %lld | %.5f +- %.5f | %.5f (Yang) |\n\n", lo->T,
            (long long)Lb, lo->m_abs, lo->m_abs_err, pml_ising_yang_m(lo->T, 1.0));
    if (png) {
        fprintf(r, "![Ising scan](ising/scan.png)\n\n");
    } else {
        fprintf(r, "(gnuplot is not installed: the data and script are in `ising/`.)\n\n");
    }
    if (!ctx->quiet)
        fprintf(stderr, "T_c (Binder) = %.4f, exact %.4f\n", s.tc, tc);
    pml_ising_scan_free(&s);
    return rc;
}
