/* physml hopfield capacity: retrieval curves over the load alpha = p/n for several n, the
 * critical load of each beside Amit-Gutfreund-Sompolinsky's 0.138 and McEliece's n/(2 ln n),
 * as a table or JSON lines, and capacity.csv + capacity.gp (+ .png). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/hopfield_cli.h"
#include "cli/ising_cli.h"

#define CMD "hopfield capacity"
#define MAX_N 16
#define MAX_ALPHA 512

int pml_hf_cli_int_list(const char *cmd, const char *option, const char *text, int64_t lo,
                        int64_t hi, int64_t *out, int cap, int64_t *count)
{
    const int k = pml_parse_i64_list(text, out, cap);
    if (k < 1) return pml_cli_usage(cmd, option, "'%s': needs up to %d integers, e.g. 0,1,2", text, cap);
    for (int i = 0; i < k; ++i)
        if (out[i] < lo || out[i] > hi)
            return pml_cli_usage(cmd, option, "%lld is outside %lld .. %lld", (long long)out[i],
                                 (long long)lo, (long long)hi);
    *count = k;
    return 0;
}

int pml_hf_cli_capacity(const char *cmd, pml_device *dev, const pml_hopfield_capacity_config *c,
                        const double *alpha, int64_t count, pml_hopfield_capacity_point *out,
                        pml_cli_rows *ck, const char *ck_path, int json, int quiet,
                        double *alpha_c, double *alpha_c_err)
{
    pml_progress pr;
    char label[64];
    snprintf(label, sizeof label, "capacity n = %lld", (long long)c->n);
    pml_progress_start(&pr, label, count, quiet);
    int64_t taken = 0;
    for (int64_t k = 0; k < count; ++k) {
        pml_hopfield_capacity_point *q = out + k;
        double row[PML_HF_CKPT_COLS] = {(double)c->n, alpha[k]};
        const double *done = pml_cli_rows_find(ck, row);
        /* a row's P and sets are whole numbers (a hand-edited file's may not be) */
        if (done && !(done[2] >= 1 && done[2] <= 1e9 && done[2] == floor(done[2]) &&
                      done[3] >= 1 && done[3] <= 1e9 && done[3] == floor(done[3])))
            return pml_cli_usage(cmd, "resume", "the point N = %lld, alpha = %g is damaged",
                                 (long long)c->n, alpha[k]);
        if (done) {
            ++taken;
            *q = (pml_hopfield_capacity_point){
                .n = c->n, .p = (int64_t)done[2], .sets = (int64_t)done[3],
                .retrieved = done[4], .retrieved_err = done[5], .overlap = done[6],
                .overlap_err = done[7], .seconds = done[8], .alpha = done[9]};
        } else {
            const pml_status s = pml_hopfield_capacity(dev, c, alpha + k, 1, q);
            if (s != PML_OK) return pml_cli_fail(cmd, "capacity", s);
            const double got[PML_HF_CKPT_COLS - 2] = {
                (double)q->p, (double)q->sets, q->retrieved, q->retrieved_err, q->overlap,
                q->overlap_err, q->seconds, q->alpha};
            memcpy(row + 2, got, sizeof got);
            if (pml_cli_rows_put(ck, row) || (ck_path && pml_cli_rows_write(ck, ck_path)))
                return 1;
        }
        pml_progress_update(&pr, k + 1, NULL);
    }
    pml_progress_finish(&pr, NULL);
    if (taken && !quiet)
        fprintf(stderr, "physml %s: n = %lld: %lld points measured before, from the checkpoint\n",
                cmd, (long long)c->n, (long long)taken);
    *alpha_c = *alpha_c_err = NAN;
    const int crossed = pml_hopfield_alpha_c(out, count, 0.5, alpha_c, alpha_c_err) == PML_OK;
    for (int64_t k = 0; k < count; ++k) {
        const pml_hopfield_capacity_point *q = &out[k];
        if (json) {
            pml_jsonl j;
            pml_jsonl_begin(&j, stdout);
            pml_jsonl_int(&j, "N", (long long)q->n);
            pml_jsonl_num(&j, "alpha", q->alpha);
            pml_jsonl_int(&j, "P", (long long)q->p);
            pml_jsonl_int(&j, "sets", (long long)q->sets);
            pml_jsonl_num(&j, "retrieved", q->retrieved);
            pml_jsonl_num(&j, "retrieved_err", q->retrieved_err);
            pml_jsonl_num(&j, "overlap", q->overlap);
            pml_jsonl_num(&j, "overlap_err", q->overlap_err);
            pml_jsonl_num(&j, "seconds", q->seconds);
            pml_jsonl_end(&j);
        } else {
            printf("%6lld %7.4f %6lld %10.4f %8.4f %9.4f %8.4f %8.2f\n", (long long)q->n,
                   q->alpha, (long long)q->p, q->retrieved, q->retrieved_err, q->overlap,
                   q->overlap_err, q->seconds);
        }
    }
    if (json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_int(&j, "N", (long long)c->n);
        pml_jsonl_num(&j, "alpha_c", *alpha_c);
        pml_jsonl_num(&j, "alpha_c_err", *alpha_c_err);
        pml_jsonl_num(&j, "alpha_c_ags", PML_HOPFIELD_ALPHA_C_AGS);
        pml_jsonl_num(&j, "alpha_mceliece", pml_hopfield_alpha_mceliece(c->n));
        pml_jsonl_end(&j);
    } else if (crossed) {
        printf("  n = %lld: alpha_c = %.4f +- %.4f (half retrieved; AGS n -> inf: %.3f; "
               "McEliece n/(2 ln n): %.4f)\n",
               (long long)c->n, *alpha_c, *alpha_c_err, PML_HOPFIELD_ALPHA_C_AGS,
               pml_hopfield_alpha_mceliece(c->n));
    } else {
        printf("  n = %lld: the retrieved fraction never falls through 1/2 in this range of "
               "alpha: no alpha_c\n", (long long)c->n);
    }
    return 0;
}

void pml_hf_cli_extrapolate(const int64_t *ns, const double *ac, int64_t k, double *inf)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int64_t m = 0;
    for (int64_t i = 0; i < k; ++i) {
        if (!isfinite(ac[i])) continue;
        const double x = 1.0 / sqrt((double)ns[i]);
        sx += x;
        sy += ac[i];
        sxx += x * x;
        sxy += x * ac[i];
        ++m;
    }
    const double d = (double)m * sxx - sx * sx;
    *inf = m >= 2 && d > 0 ? (sy * sxx - sx * sxy) / d : NAN;
}

int pml_hf_cli_capacity_files(const char *cmd, const char *dir, const int64_t *ns, int64_t nn,
                              const double *alpha, int64_t na,
                              const pml_hopfield_capacity_point *pts, const double *ac, int quiet)
{
    if (pml_cli_out_dir(cmd, dir)) return 1;
    char path[PML_PATH_MAX];
    pml_wfile w;
    if (pml_cli_path(cmd, path, sizeof path, dir, "capacity.csv") || pml_cli_open(cmd, path, &w))
        return 1;
    fprintf(w.f, "N,alpha,P,sets,retrieved,retrieved_err,overlap,overlap_err\n");
    for (int64_t i = 0; i < nn * na; ++i)
        fprintf(w.f, "%lld,%.6g,%lld,%lld,%.6g,%.6g,%.6g,%.6g\n", (long long)pts[i].n,
                pts[i].alpha, (long long)pts[i].p, (long long)pts[i].sets, pts[i].retrieved,
                pts[i].retrieved_err, pts[i].overlap, pts[i].overlap_err);
    if (pml_cli_commit(cmd, &w, quiet)) return 1;
    if (pml_cli_path(cmd, path, sizeof path, dir, "capacity.gp") || pml_cli_open(cmd, path, &w))
        return 1;
    fprintf(w.f, "# physml hopfield capacity: render with `gnuplot capacity.gp` in this directory\n");
    pml_gnuplot_output(w.f, "capacity.png", "set terminal pngcairo size 900,550 font ',10'");
    fprintf(w.f, "set datafile separator ','\nset title 'Hopfield capacity: patterns retrieved "
                 "(overlap >= threshold) against alpha = P/N'\nset xlabel 'alpha = P / N'\n"
                 "set ylabel 'fraction retrieved'\nset grid\nset key top right\n"
                 "set yrange [-0.02:1.05]\nset xrange [0:%g]\n"
                 "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lw 2 lc 'black'\n"
                 "set label 'AGS alpha_c = 0.138' at %g, graph 0.95 offset 0.5,0\n",
            alpha[na - 1] * 1.05, PML_HOPFIELD_ALPHA_C_AGS, PML_HOPFIELD_ALPHA_C_AGS,
            PML_HOPFIELD_ALPHA_C_AGS);
    fprintf(w.f, "plot ");
    for (int64_t i = 0; i < nn; ++i)
        fprintf(w.f, "%s'capacity.csv' every ::%lld::%lld using 2:5:6 with yerrorlines pt 7 "
                     "ps 0.6 title 'N = %lld (alpha_c %.3f)'",
                i ? ", " : "", (long long)(1 + i * na), (long long)((i + 1) * na),
                (long long)ns[i], ac[i]);
    fprintf(w.f, "\n");
    if (pml_cli_commit(cmd, &w, quiet)) return 1;
    return pml_gnuplot_render(cmd, dir, "capacity.gp", "capacity.png", quiet) < 0;
}

int pml_cmd_hopfield_capacity(int argc, char **argv)
{
    const char *Ntext = "100,200,400,800", *atext = "0.02:0.30:0.01", *rule = "hebb",
               *mode = "async", *order = "random", *device = "auto", *out = "out/hopfield-capacity",
               *checkpoint = NULL, *resume = NULL;
    int json = 0, quiet = 0;
    int64_t sets = 50, sweeps = 100;
    double flip = 0.0, threshold = 0.95, T = 0.5;
    uint64_t seed = 42;
    const pml_opt opts[] = {
        {"N", PML_OPT_STR, &Ntext, "LIST", "network sizes (100,200,400,800), each 2 .. 65536"},
        {"alpha", PML_OPT_STR, &atext, "A:B:STEP", "loads P/N, a range or a list (0.02:0.30:0.01)"},
        {"sets", PML_OPT_INT, &sets, "K", "independent pattern sets per point (50)", 2, 1 << 20},
        {"flip", PML_OPT_DOUBLE, &flip, "F", "probes: each stored pattern with a fraction F "
                                             "flipped (0)", 0, 0.5},
        {"threshold", PML_OPT_DOUBLE, &threshold, "M", "retrieved: final overlap >= M (0.95)", 0,
         1, 1},
        {"rule", PML_OPT_CHOICE, &rule, "R", "storage rule (hebb)", 0, 0, 0, "hebb|pinv|storkey"},
        {"mode", PML_OPT_CHOICE, &mode, "M", "recall mode (async)", 0, 0, 0, "async|sync|glauber"},
        {"order", PML_OPT_CHOICE, &order, "O", "asynchronous order (random)", 0, 0, 0, "random|index"},
        {"T", PML_OPT_DOUBLE, &T, "T", "Glauber temperature (0.5)", 0, 1e6, 1},
        {"sweeps", PML_OPT_INT, &sweeps, "N", "at most N sweeps per recall (100)", 1, 1 << 20},
        {"seed", PML_OPT_U64, &seed, "S", "random seed (42)"},
        {"device", PML_OPT_STR, &device, "D", "auto|cpu|cuda|cuda:N (auto)"},
        {"json", PML_OPT_FLAG, &json, NULL, "JSON lines: one per (N, alpha), one per N"},
        {"out", PML_OPT_STR, &out, "DIR", "capacity.csv, capacity.gp (+ .png)"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "the points done so far, written atomically after each"},
        {"resume", PML_OPT_STR, &resume, "FILE",
         "take the points a checkpoint of the same options holds, measure the rest"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(CMD,
                          "hopfield capacity [--N 100,200,400,800] [--alpha 0.02:0.30:0.01] "
                          "[--sets 50] [--flip 0] [--rule hebb|pinv|storkey] [--mode M] "
                          "[--json] [--out DIR] [--checkpoint FILE] [--resume FILE]",
                          "Storage capacity (Amit-Gutfreund-Sompolinsky 1985): the fraction of "
                          "stored patterns retrieved against the load alpha = P/N, and alpha_c.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    int64_t ns[MAX_N], nn = 0;
    if (pml_hf_cli_int_list(CMD, "N", Ntext, 2, 65536, ns, MAX_N, &nn)) return 2;
    double alpha[MAX_ALPHA];
    const int na = pml_parse_range(atext, alpha, MAX_ALPHA);
    if (na < 1) return pml_cli_usage(CMD, "alpha", "'%s': needs A:B:STEP or a list, at most "
                                                    "%d values", atext, MAX_ALPHA);
    for (int k = 0; k < na; ++k)
        if (!(alpha[k] > 0.0 && alpha[k] <= 1.0) || (k && alpha[k] <= alpha[k - 1]))
            return pml_cli_usage(CMD, "alpha", "%g: loads must increase within (0, 1]", alpha[k]);
    pml_hopfield_capacity_config c = pml_hopfield_capacity_defaults();
    if (pml_hopfield_rule_parse(rule, &c.rule) || pml_hopfield_mode_parse(mode, &c.recall.mode) ||
        pml_hopfield_order_parse(order, &c.recall.order))
        return pml_cli_usage(CMD, "rule", "%s", pml_last_error());
    c.sets = sets;
    c.flip = flip;
    c.threshold = threshold;
    c.recall.max_sweeps = sweeps;
    c.recall.T = T;
    c.recall.seed = seed;
    if (pml_cli_out_dir(CMD, out)) return 1;
    if ((r = pml_cli_resumable(CMD, checkpoint, 0, resume)) != 0) return r;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(CMD, device, &dev))) return r;
    /* the checkpoint: a point's numbers depend on these options, the kind of device (the
     * draws are the same, the recall's arithmetic need not be), n and alpha */
    char opts_line[512];
    /* only what the recall uses: the order in the one-neuron-at-a-time modes (asynchronous
     * and Glauber), T in Glauber's */
    char how[96];
    if (strcmp(mode, "async") == 0) snprintf(how, sizeof how, "mode=async order=%s", order);
    else if (strcmp(mode, "glauber") == 0)
        snprintf(how, sizeof how, "mode=glauber order=%s T=%.17g", order, T);
    else snprintf(how, sizeof how, "mode=%s", mode);
    snprintf(opts_line, sizeof opts_line,
             "options device=%s rule=%s %s sweeps=%lld sets=%lld flip=%.17g threshold=%.17g "
             "seed=%llu", pml_cli_device_kind(dev), rule, how, (long long)sweeps,
             (long long)sets, flip, threshold, (unsigned long long)seed);
    pml_cli_rows ck = {.cmd = CMD, .magic = "physml hopfield capacity checkpoint 1",
                       .options = opts_line, .cols = PML_HF_CKPT_COLS, .keys = 2};
    if (resume) r = pml_cli_rows_read(&ck, resume);
    pml_hopfield_capacity_point *pts = r ? NULL : malloc((size_t)(nn * na) * sizeof *pts);
    double ac[MAX_N], ae[MAX_N];
    if (!r && !pts) r = pml_cli_fail(CMD, "memory", PML_ERR_OUT_OF_MEMORY);
    if (!r && !json)
        printf("Hopfield capacity (%s, %s recall, %lld sets a point, retrieved: overlap >= %g, "
               "probes flipped %g)\n%6s %7s %6s %10s %8s %9s %8s %8s\n", rule, mode,
               (long long)sets, threshold, flip, "N", "alpha", "P", "retrieved", "+-", "overlap",
               "+-", "seconds");
    for (int64_t i = 0; !r && i < nn; ++i) {
        c.n = ns[i];
        r = pml_hf_cli_capacity(CMD, dev, &c, alpha, na, pts + i * na, &ck, checkpoint, json,
                                quiet, &ac[i], &ae[i]);
    }
    if (!r && nn >= 2 && !json) {
        double inf;
        pml_hf_cli_extrapolate(ns, ac, nn, &inf);
        if (isfinite(inf))
            printf("alpha_c(N) = a + b / sqrt(N) over these N: a = %.4f (AGS, N -> infinity: "
                   "%.3f)\n", inf, PML_HOPFIELD_ALPHA_C_AGS);
    }
    if (!r) r = pml_hf_cli_capacity_files(CMD, out, ns, nn, alpha, na, pts, ac, quiet);
    free(pts);
    pml_cli_rows_free(&ck);
    pml_device_close(dev);
    return r;
}
