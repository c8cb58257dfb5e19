/* physml ae ising: the 2D Ising model's critical temperature read by an autoencoder with a
 * one-unit latent (the primer's Fig. 14): per lattice size the latent's susceptibility peak
 * T_c(L), then T_c(L) = T_c + a/L extrapolated to the infinite lattice, beside Onsager's
 * 2/ln(1 + sqrt 2). The pipeline is pml_ae_ising_run (src/ae/ising_tc.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ae_cli.h"
#include "cli/ising_cli.h"

#define CMD "ae ising"
#define MAX_L 16
#define MAX_T 256
/* The scatter of latent against magnetisation: at most this many configurations a temperature
 * (plotted, and kept in the checkpoint). */
#define SCATTER 40

/* Every SCATTER-th configuration of a temperature's `configs` is plotted: the stride. */
/* Whether the sampler rule `name` is a local one (its gap by default L^2, not 4). */
static int local_rule_name(const char *name)
{
    return strcmp(name, "metropolis") == 0 || strcmp(name, "heatbath") == 0;
}

static int64_t scatter_every(int64_t configs)
{
    return (configs + SCATTER - 1) / SCATTER;
}

static int write_plots(const char *out, const int *L, int nL, const double *T, int nT,
                       const pml_ae_ising_point *pts, const pml_ae_ising_fit *fit,
                       const double *z, const double *m, int64_t configs, int quiet)
{
    char path[PML_PATH_MAX];
    pml_wfile w;
    if (pml_cli_path(CMD, path, sizeof path, out, "ising_ae.dat") || pml_cli_open(CMD, path, &w))
        return 1;
    fprintf(w.f, "# one block per L (gnuplot index i): T <|m|> err <|z|> err chi_z err; "
                 "chi_z = L^2 (<z^2> - <|z|>^2) of the latent scaled to max <|z|> = 1\n");
    for (int i = 0; i < nL; ++i) {
        fprintf(w.f, "# L = %d, T_c(L) = %.5f +- %.5f\n", L[i], fit[i].tc, fit[i].tc_err);
        for (int t = 0; t < nT; ++t) {
            const pml_ae_ising_point *p = &pts[i * nT + t];
            fprintf(w.f, "%.6g %.6g %.6g %.6g %.6g %.6g %.6g\n", p->T, p->m_abs, p->m_abs_err,
                    p->z_abs, p->z_abs_err, p->chi_z, p->chi_z_err);
        }
        fprintf(w.f, "\n\n");
    }
    if (pml_cli_commit(CMD, &w, quiet)) return 1;
    if (pml_cli_path(CMD, path, sizeof path, out, "ising_ae_zm.dat") || pml_cli_open(CMD, path, &w))
        return 1;
    fprintf(w.f, "# one block per L: m z (configurations' magnetisation per spin and latent, "
                 "at most %d per temperature)\n", SCATTER);
    const int64_t every = scatter_every(configs);
    for (int i = 0; i < nL; ++i) {
        const double *zi = z + (int64_t)i * nT * configs, *mi = m + (int64_t)i * nT * configs;
        for (int64_t t = 0; t < nT; ++t)
            for (int64_t k = t * configs; k < (t + 1) * configs; k += every)
                fprintf(w.f, "%.5g %.5g\n", mi[k], zi[k]);
        fprintf(w.f, "\n\n");
    }
    if (pml_cli_commit(CMD, &w, quiet)) return 1;
    if (pml_cli_path(CMD, path, sizeof path, out, "ising_ae.gp") || pml_cli_open(CMD, path, &w))
        return 1;
    const double tc = pml_ising_tc(1.0);
    fprintf(w.f, "# physml ae ising: the latent of an autoencoder against T and m\n");
    pml_gnuplot_output(w.f, "ising_ae.png", "set terminal pngcairo size 1500,460 noenhanced");
    fprintf(w.f, "set multiplot layout 1,3\nset grid\nset key top right\n"
                 "set arrow 1 from %.6f, graph 0 to %.6f, graph 1 nohead dt 2 lc rgb 'black'\n"
                 "set title 'mean |latent| (points) and <|m|> (lines) against T'\n"
                 "set xlabel 'T'\nplot ",
            tc, tc);
    for (int i = 0; i < nL; ++i)
        fprintf(w.f, "%s'ising_ae.dat' index %d using 1:4:5 with yerrorbars lc %d pt 7 ps 0.5 "
                     "title 'L = %d', '' index %d using 1:2 with lines lc %d notitle",
                i ? ", " : "", i, i + 1, L[i], i, i + 1);
    fprintf(w.f, "\nunset arrow 1\nset title 'latent against magnetisation (all T)'\n"
                 "set xlabel 'm per spin'\nset ylabel 'z'\nplot ");
    for (int i = 0; i < nL; ++i)
        fprintf(w.f, "%s'ising_ae_zm.dat' index %d using 1:2 with points pt 7 ps 0.2 lc %d "
                     "title 'L = %d'", i ? ", " : "", i, i + 1, L[i]);
    fprintf(w.f, "\nset ylabel ''\nset title 'L^2 (<z^2> - <|z|>^2): dashed exact T_c, dotted peaks'\nset xlabel 'T'\n"
                 "set arrow 1 from %.6f, graph 0 to %.6f, graph 1 nohead dt 2 lc rgb 'black'\n",
            tc, tc);
    for (int i = 0; i < nL; ++i)
        if (isfinite(fit[i].tc))
            fprintf(w.f, "set arrow %d from %.6f, graph 0 to %.6f, graph 1 nohead dt 3 lc %d\n",
                    i + 2, fit[i].tc, fit[i].tc, i + 1);
    fprintf(w.f, "plot ");
    for (int i = 0; i < nL; ++i)
        fprintf(w.f, "%s'ising_ae.dat' index %d using 1:6:7 with yerrorlines lc %d pt 7 ps 0.5 "
                     "title 'L = %d'", i ? ", " : "", i, i + 1, L[i]);
    fprintf(w.f, "\nunset multiplot\n");
    (void)T;
    if (pml_cli_commit(CMD, &w, 1)) return 1;
    return pml_gnuplot_render(CMD, out, "ising_ae.gp", "ising_ae.png", quiet) < 0;
}

/* ---- the checkpoint: the sizes done so far (a pml_cli_rows file) ------------------------
 * A size's rows: one per temperature, keyed (L, T): the point's six numbers and the scatter's
 * (m, z) pairs (NaN past the configurations plotted); and one keyed (L, 0): the fit. A size's
 * numbers depend on the options below, the temperatures and the kind of device; the rows of a
 * size are written together, after it. */
#define CKPT_COLS (2 + 6 + 2 * SCATTER)
#define FIT_COLS 8

/* Put size i's rows in ck. */
static int ckpt_put(pml_cli_rows *ck, int L, const double *T, int nT,
                    const pml_ae_ising_point *pts, const pml_ae_ising_fit *f, const double *z,
                    const double *m, int64_t configs)
{
    const int64_t every = scatter_every(configs);
    double row[CKPT_COLS];
    for (int t = 0; t < nT; ++t) {
        const pml_ae_ising_point *p = &pts[t];
        const double head[8] = {L, T[t], p->m_abs, p->m_abs_err, p->z_abs, p->z_abs_err,
                                p->chi_z, p->chi_z_err};
        memcpy(row, head, sizeof head);
        int q = 8;
        for (int64_t k = (int64_t)t * configs; k < (t + 1) * configs; k += every) {
            row[q++] = m[k];
            row[q++] = z[k];
        }
        while (q < CKPT_COLS) row[q++] = NAN;
        if (pml_cli_rows_put(ck, row)) return 1;
    }
    const double fr[2 + FIT_COLS] = {L, 0.0, f->tc, f->tc_err, f->peak_at_edge, f->corr_m,
                                     f->corr_abs_m, f->gen_seconds, f->train_seconds,
                                     f->final_loss};
    memcpy(row, fr, sizeof fr);
    for (int q = 2 + FIT_COLS; q < CKPT_COLS; ++q) row[q] = NAN;
    return pml_cli_rows_put(ck, row);
}

/* Size L's results from ck, when it holds all of them: 1, else 0. */
static int ckpt_take(const pml_cli_rows *ck, int L, const double *T, int nT,
                     pml_ae_ising_point *pts, pml_ae_ising_fit *f, double *z, double *m,
                     int64_t configs)
{
    const double *fr = pml_cli_rows_find(ck, (const double[]){L, 0.0}), *rows[MAX_T];
    if (!fr) return 0;
    for (int t = 0; t < nT; ++t)
        if (!(rows[t] = pml_cli_rows_find(ck, (const double[]){L, T[t]}))) return 0;
    *f = (pml_ae_ising_fit){.tc = fr[2], .tc_err = fr[3], .peak_at_edge = fr[4] != 0.0,
                            .corr_m = fr[5], .corr_abs_m = fr[6], .gen_seconds = fr[7],
                            .train_seconds = fr[8], .final_loss = fr[9]};
    const int64_t every = scatter_every(configs);
    for (int t = 0; t < nT; ++t) {
        const double *row = rows[t];
        pts[t] = (pml_ae_ising_point){.T = T[t], .m_abs = row[2], .m_abs_err = row[3],
                                      .z_abs = row[4], .z_abs_err = row[5], .chi_z = row[6],
                                      .chi_z_err = row[7]};
        int q = 8;
        for (int64_t k = (int64_t)t * configs; k < (t + 1) * configs; k += every) {
            m[k] = row[q++];
            z[k] = row[q++];
        }
    }
    return 1;
}

int pml_cmd_ae_ising(int argc, char **argv)
{
    const char *Ls = "16,32,48,64", *Ts = "1.5:3.5:0.05", *device = "auto", *out = NULL;
    const char *rule = "sw", *fitname = "linear";
    int64_t configs = 500, therm = 500, gap = 0, hidden = 64, epochs = 10, batch = 64,
            blocks = 20;
    double lr = 1e-3;
    uint64_t seed = 1;
    int vae = 0, json = 0, quiet = 0;
    const char *checkpoint = NULL, *resume = NULL;
    const pml_opt opts[] = {
        {"L", PML_OPT_STR, &Ls, "LIST", "lattice sides, even, 4..256 (16,32,48,64)"},
        {"T", PML_OPT_STR, &Ts, "A:B:STEP", "temperatures, a range or a list (1.5:3.5:0.05)"},
        {"configs", PML_OPT_INT, &configs, "N", "configurations per temperature (500)", 16,
         1 << 20},
        {"therm", PML_OPT_INT, &therm, "N", "sweeps before the first configuration (500)", 0,
         1e9},
        {"gap", PML_OPT_INT, &gap, "N",
         "sweeps between configurations (0: 4 for sw and wolff, L^2 for metropolis and "
         "heatbath, about their autocorrelation time at T_c)", 0, 1e6},
        {"rule", PML_OPT_CHOICE, &rule, "R",
         "the sampler: sw (Swendsen-Wang, the default), wolff, metropolis or heatbath "
         "(checkerboard)", .choices = "metropolis|heatbath|sw|wolff"},
        {"vae", PML_OPT_FLAG, &vae, NULL, "a VAE with a one-unit latent (Wetzel 2017) instead of "
                                          "an autoencoder"},
        {"hidden", PML_OPT_INT, &hidden, "H", "hidden units of encoder and decoder (64)", 1,
         4096},
        {"epochs", PML_OPT_INT, &epochs, "N", "epochs (10)", 1, 100000},
        {"batch", PML_OPT_INT, &batch, "N", "mini-batch (64)", 1, 65536},
        {"lr", PML_OPT_DOUBLE, &lr, "X", "Adam's learning rate (1e-3)", 0, 10, 1},
        {"fit", PML_OPT_CHOICE, &fitname, "F",
         "the extrapolation: linear (T_c + a/L, the default) or quadratic (+ b/L^2)",
         .choices = "linear|quadratic"},
        {"blocks", PML_OPT_INT, &blocks, "B", "jackknife blocks of configurations (20)", 2, 1024},
        {"seed", PML_OPT_U64, &seed, "S", "the sampler, the weights, the shuffling (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "ising_ae.{dat,gp,png}, ising_ae_zm.dat"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object per L and a final one"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "the sizes done so far, written atomically after each"},
        {"resume", PML_OPT_STR, &resume, "FILE",
         "take the sizes a checkpoint of the same options holds, run the rest"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(
        CMD,
        "ae ising [--L 16,32,48,64] [--T 1.5:3.5:0.05] [--configs 500] [--vae] [--device D] [--json] "
        "[--out DIR] [--checkpoint FILE] [--resume FILE]",
        "The 2D Ising model's critical temperature read by an autoencoder: Monte Carlo "
        "configurations at many temperatures, an autoencoder (or VAE) with a one-unit latent "
        "trained on them all, the latent's susceptibility L^2 (<z^2> - <|z|>^2) against T, its "
        "peak T_c(L) with a jackknife error, and T_c(L) = T_c + a/L extrapolated to the "
        "infinite lattice beside Onsager's exact 2/ln(1 + sqrt 2).",
        argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    int64_t Lv[MAX_L];
    const int nL = pml_parse_i64_list(Ls, Lv, MAX_L);
    if (nL < 1) return pml_cli_usage(CMD, "L", "'%s': needs 1..%d sides, comma-separated", Ls, MAX_L);
    int L[MAX_L];
    for (int i = 0; i < nL; ++i) {
        if (Lv[i] < 4 || Lv[i] > 256 || Lv[i] % 2)
            return pml_cli_usage(CMD, "L", "side %lld: needs an even side 4..256", (long long)Lv[i]);
        for (int j = 0; j < i; ++j)
            if (Lv[j] == Lv[i]) return pml_cli_usage(CMD, "L", "side %lld given twice", (long long)Lv[i]);
        L[i] = (int)Lv[i];
    }
    double T[MAX_T];
    const int nT = pml_parse_range(Ts, T, MAX_T);
    if (nT < 3) return pml_cli_usage(CMD, "T", "'%s': needs 3..%d temperatures (A:B:STEP or a "
                                               "list)", Ts, MAX_T);
    for (int i = 0; i < nT; ++i)
        if (!(T[i] > 0) || (i && !(T[i] > T[i - 1])))
            return pml_cli_usage(CMD, "T", "'%s': temperatures must be > 0 and increasing", Ts);
    const int order = strcmp(fitname, "quadratic") == 0 ? 2 : 1;
    if (nL >= 2 && nL < order + 1)
        return pml_cli_usage(CMD, "fit", "a quadratic fit in 1/L needs three sizes or more");
    if (blocks > configs) return pml_cli_usage(CMD, "blocks", "%lld blocks of %lld configurations",
                                               (long long)blocks, (long long)configs);
    if (out && pml_cli_out_dir(CMD, out)) return 1;
    if ((r = pml_cli_resumable(CMD, checkpoint, 0, resume)) != 0) return r;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(CMD, device, &dev))) return r;
    /* every option that decides a size's numbers, the temperatures whole (the autoencoder of a
     * size is trained on all of them) */
    /* (the gap as the sampler uses it: 0 is 4 for the cluster rules, L^2 for the others) */
    static char opts_line[MAX_T * 26 + 512];
    char gap_used[32];
    if (gap) snprintf(gap_used, sizeof gap_used, "%lld", (long long)gap);
    else snprintf(gap_used, sizeof gap_used, "%s", local_rule_name(rule) ? "L^2" : "4");
    size_t len = (size_t)snprintf(
        opts_line, sizeof opts_line,
        "options device=%s rule=%s configs=%lld therm=%lld gap=%s vae=%d hidden=%lld "
        "epochs=%lld batch=%lld lr=%.17g blocks=%lld seed=%llu T=", pml_cli_device_kind(dev),
        rule, (long long)configs, (long long)therm, gap_used, vae, (long long)hidden,
        (long long)epochs, (long long)batch, lr, (long long)blocks, (unsigned long long)seed);
    /* at most 24 characters and a comma a temperature: the buffer holds MAX_T of them */
    for (int t = 0; t < nT && len < sizeof opts_line; ++t)
        len += (size_t)snprintf(opts_line + len, sizeof opts_line - len, t ? ",%.17g" : "%.17g",
                                T[t]);
    if (len >= sizeof opts_line) {
        pml_device_close(dev);
        return pml_cli_fail(CMD, "checkpoint", PML_ERR_INTERNAL);
    }
    pml_cli_rows ck = {.cmd = CMD, .magic = "physml ae ising checkpoint 1", .options = opts_line,
                       .cols = CKPT_COLS, .keys = 2};
    if (resume && (r = pml_cli_rows_read(&ck, resume)) != 0) {
        pml_cli_rows_free(&ck);
        pml_device_close(dev);
        return r;
    }
    pml_ae_ising_point *pts = calloc((size_t)nL * nT, sizeof *pts);
    pml_ae_ising_fit fit[MAX_L];
    double *z = calloc((size_t)nL * nT * configs, sizeof *z), *m = calloc((size_t)nL * nT * configs, sizeof *m);
    if (!pts || !z || !m) r = pml_cli_fail(CMD, "the results", PML_ERR_OUT_OF_MEMORY);
    const int local_rule = local_rule_name(rule);
    char gap_text[32];
    snprintf(gap_text, sizeof gap_text, "%s", local_rule ? "L^2" : "4");
    if (gap) snprintf(gap_text, sizeof gap_text, "%lld", (long long)gap);
    if (!r && !json)
        printf("Ising T_c from %s with a one-unit latent: %d temperatures %.3g..%.3g, %lld "
               "configurations each (%s, %s sweeps apart), %lld epochs\n"
               "%5s %10s %9s %10s %12s %8s %8s\n",
               vae ? "a VAE" : "an autoencoder", nT, T[0], T[nT - 1], (long long)configs, rule,
               gap_text, (long long)epochs, "L", "T_c(L)", "+-",
               "corr(z,m)", "corr(|z|,|m|)", "sample s", "train s");
    double tcs[MAX_L];
    for (int i = 0; !r && i < nL; ++i) {
        pml_ae_ising_config c = pml_ae_ising_defaults(L[i]);
        c.rule = pml_parse_rule(rule);
        c.T = T;
        c.nT = nT;
        c.configs = configs;
        c.therm = therm;
        const int local = c.rule == PML_ISING_METROPOLIS || c.rule == PML_ISING_HEATBATH;
        c.gap = gap ? gap : local ? (int64_t)L[i] * L[i] : 4;
        c.vae = vae;
        c.hidden = hidden;
        c.epochs = (int)epochs;
        c.batch = batch;
        c.lr = lr;
        c.seed = seed;
        c.blocks = (int)blocks;
        pml_ae_ising_point *pi = pts + (int64_t)i * nT;
        double *zi = z + (int64_t)i * nT * configs, *mi = m + (int64_t)i * nT * configs;
        if (ckpt_take(&ck, L[i], T, nT, pi, &fit[i], zi, mi, configs)) {
            if (!quiet) fprintf(stderr, "physml %s: L = %d from %s\n", CMD, L[i], resume);
        } else {
            if (!quiet) fprintf(stderr, "physml %s: L = %d ...\n", CMD, L[i]);
            const pml_status s = pml_ae_ising_run(dev, &c, pi, &fit[i], zi, mi);
            if (s != PML_OK) {
                r = pml_cli_fail(CMD, "the run", s);
                break;
            }
            if ((r = ckpt_put(&ck, L[i], T, nT, pi, &fit[i], zi, mi, configs)) != 0) break;
            if (checkpoint && (r = pml_cli_rows_write(&ck, checkpoint)) != 0) break;
        }
        tcs[i] = fit[i].tc;
        if (fit[i].peak_at_edge)
            fprintf(stderr, "physml %s: warning: L = %d: the susceptibility is largest at the "
                            "scan's end (T = %g): T_c(%d) is not inside the scan, widen --T\n",
                    CMD, L[i], fit[i].tc, L[i]);
        if (json) {
            pml_jsonl j;
            pml_jsonl_begin(&j, stdout);
            pml_jsonl_int(&j, "L", L[i]);
            pml_jsonl_num(&j, "tc", fit[i].tc);
            pml_jsonl_num(&j, "tc_err", fit[i].tc_err);
            pml_jsonl_num(&j, "corr_m", fit[i].corr_m);
            pml_jsonl_num(&j, "corr_abs_m", fit[i].corr_abs_m);
            pml_jsonl_bool(&j, "peak_at_edge", fit[i].peak_at_edge);
            pml_jsonl_num(&j, "gen_seconds", fit[i].gen_seconds);
            pml_jsonl_num(&j, "train_seconds", fit[i].train_seconds);
            pml_jsonl_num(&j, "final_loss", fit[i].final_loss);
            pml_jsonl_end(&j);
        } else {
            printf("%5d %10.4f %9.4f %10.4f %12.4f %8.1f %8.1f\n", L[i], fit[i].tc, fit[i].tc_err,
                   fit[i].corr_m, fit[i].corr_abs_m, fit[i].gen_seconds, fit[i].train_seconds);
        }
        fflush(stdout);
    }
    const double exact = pml_ising_tc(1.0);
    double tinf = NAN, tinf_err = NAN;
    int edge = 0;
    for (int i = 0; i < nL; ++i) edge |= !r && fit[i].peak_at_edge;
    if (!r && nL >= 2 && !edge) {
        /* unweighted, the uncertainty from the residuals: the jackknife errors of T_c(L) miss
         * the training's own scatter (T_c(64) moves by about 0.005 between seeds, twice its
         * jackknife error), and weighting by them leans on the sizes whose points are least
         * trustworthy for it */
        const pml_status s = pml_ae_tc_extrapolate(L, tcs, NULL, nL, order, &tinf, &tinf_err);
        if (s != PML_OK) r = pml_cli_fail(CMD, "the extrapolation", s);
    }
    if (!r && json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_bool(&j, "final", 1);
        pml_jsonl_num(&j, "tc_inf", tinf);
        pml_jsonl_num(&j, "tc_inf_err", tinf_err);
        pml_jsonl_num(&j, "tc_exact", exact);
        pml_jsonl_num(&j, "deviation", (tinf - exact) / exact);
        pml_jsonl_str(&j, "fit", order == 2 ? "quadratic" : "linear");
        pml_jsonl_str(&j, "device", pml_device_spec(dev));
        pml_jsonl_end(&j);
    } else if (!r && nL >= 2 && !edge) {
        printf("T_c(L) = T_c + a/L%s over L = %s: T_c = %.4f +- %.4f; exact 2/ln(1+sqrt 2) = "
               "%.6f (%+.2f%%, %.1f standard errors)\n",
               order == 2 ? " + b/L^2" : "", Ls, tinf, tinf_err, exact, 100.0 * (tinf - exact) / exact,
               fabs(tinf - exact) / tinf_err);
    } else if (!r && nL < 2) {
        printf("one size: no extrapolation (give --L with two or more sides); exact T_c = %.6f\n",
               exact);
    }
    if (!r && out) r = write_plots(out, L, nL, T, nT, pts, fit, z, m, configs, quiet);
    free(pts);
    free(z);
    free(m);
    pml_cli_rows_free(&ck);
    pml_device_close(dev);
    return r;
}
