/* Tour chapter "ising": a temperature scan around T_c on two lattice sizes, T_c from the
 * Binder crossing against 2/ln(1 + sqrt 2), Onsager's energy, and the scan's plot. */
#include <math.h>

#include "cli/ising_cli.h"

int pml_tour_ising(pml_tour_ctx *ctx)
{
    /* Sized for about 20 s on two CPU cores (a few seconds with --quick, or on a GPU). */
    const int gpu = pml_device_get_kind(ctx->dev) == PML_DEVICE_CUDA;
    double T[64];
    int nT = pml_parse_range("1.9:2.7:0.04", T, 64);
    pml_ising_scan s = {0};
    s.nL = 2;
    s.L[0] = ctx->quick ? 16 : 32;
    s.L[1] = ctx->quick ? 32 : 64;
    if (gpu && !ctx->quick) {
        s.L[0] = 64;
        s.L[1] = 128;
    }
    s.nT = nT;
    s.T = T;
    s.J = 1.0;
    s.rule = PML_ISING_METROPOLIS;
    s.sweeps = ctx->quick ? 4000 : 50000;
    s.therm = ctx->quick ? 500 : 3000;
    s.seed = 2026;
    int rc = pml_ising_scan_run(ctx->dev, &s, ctx->quiet, "tour");
    if (rc != 0) {
        pml_ising_scan_free(&s);
        return rc;
    }
    char dir[4096], png[4200], v[64], note[96];
    snprintf(dir, sizeof dir, "%s/ising", ctx->out_dir);
    if (pml_ising_scan_write(&s, dir, png, sizeof png) != 0) rc = 1;
    const double tc = pml_ising_tc(1.0);
    /* the energy per spin nearest T = 2.7 against Onsager (finite size is small there) */
    const pml_ising_stats *hi = &s.stats[1 * s.nT + s.nT - 1];
    const double u = pml_ising_onsager_energy(hi->T, 1.0);
    snprintf(v, sizeof v, "%.4f", s.tc);
    snprintf(note, sizeof note, "exact 2/ln(1+sqrt 2) = %.4f (%+.2f%%)", tc, 100 * (s.tc - tc) / tc);
    pml_tour_row("ising", "T_c, Binder crossing", v, note);
    snprintf(v, sizeof v, "%.5f +- %.5f", hi->e, hi->e_err);
    snprintf(note, sizeof note, "Onsager %.5f at T = %.2f, L = %lld", u, hi->T, (long long)s.L[1]);
    pml_tour_row("ising", "energy per spin", v, note);
    snprintf(v, sizeof v, "%.3f", s.flips / s.seconds / 1e9);
    snprintf(note, sizeof note, "%lld^2 and %lld^2, %d temperatures, one batch",
             (long long)s.L[0], (long long)s.L[1], s.nT);
    pml_tour_row("ising", "flips/ns (scan)", v, note);

    FILE *r = ctx->report;
    fprintf(r, "Checkerboard Metropolis on %lldx%lld and %lldx%lld periodic lattices, %d "
               "temperatures from %.2f to %.2f (every (L, T) in one batch of replicas), "
               "%lld + %lld sweeps each, %.1f s at %.3f flips/ns.\n\n",
            (long long)s.L[0], (long long)s.L[0], (long long)s.L[1], (long long)s.L[1], s.nT,
            T[0], T[nT - 1], (long long)s.therm, (long long)s.sweeps, s.seconds,
            s.flips / s.seconds / 1e9);
    fprintf(r, "| quantity | measured | exact |\n|---|---|---|\n");
    fprintf(r, "| T_c from the crossing of the Binder cumulants U_L(T) | %.4f | %.4f |\n", s.tc, tc);
    fprintf(r, "| e at T = %.2f, L = %lld | %.5f +- %.5f | %.5f (Onsager) |\n", hi->T,
            (long long)s.L[1], hi->e, hi->e_err, u);
    const pml_ising_stats *lo = &s.stats[1 * s.nT];
    fprintf(r, "| abs(m) at T = %.2f, L = %lld | %.5f +- %.5f | %.5f (Yang) |\n\n", lo->T,
            (long long)s.L[1], lo->m_abs, lo->m_abs_err, pml_ising_yang_m(lo->T, 1.0));
    if (png[0]) {
        fprintf(r, "![Ising scan](ising/scan.png)\n\n");
    } else {
        fprintf(r, "(gnuplot is not installed: the data and script are in `ising/`.)\n\n");
    }
    if (!ctx->quiet)
        fprintf(stderr, "T_c (Binder) = %.4f, exact %.4f\n", s.tc, tc);
    pml_ising_scan_free(&s);
    return rc;
}
