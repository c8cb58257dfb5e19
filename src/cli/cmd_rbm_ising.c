/* physml rbm ising: Torlai & Melko (2016) as one command. For each temperature, well
 * decorrelated L x L configurations from physml's own Swendsen-Wang sampler train one RBM
 * (L^2 visible units); the RBM's own samples (long Gibbs chains from noise) then give e, |m|,
 * C and chi, which are compared with the Monte Carlo values of the training configurations,
 * both with jackknife error bars. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "cli/ising_cli.h"
#include "cli/rbm_cli.h"

#define CMD "rbm ising"
#define MAX_T 64
#define BLOCKS 20

/* e, |m| per spin of n configurations (0/1 floats or +-1 int8), and C, chi with jackknife
 * errors over BLOCKS blocks of consecutive samples: the samples come chain by chain
 * (chain_major), so that a chain's correlated samples share a block. */
static void observe(int L, int64_t n, const float *v01, const int8_t *pm, double T, pml_rbm_ising_obs *o)
{
    const int64_t N = (int64_t)L * L;
    double be[BLOCKS] = {0}, be2[BLOCKS] = {0}, bm[BLOCKS] = {0}, bm2[BLOCKS] = {0};
    int64_t cnt[BLOCKS] = {0};
    for (int64_t k = 0; k < n; ++k) {
        long long bonds = 0, mag = 0;
        for (int y = 0; y < L; ++y)
            for (int x = 0; x < L; ++x) {
                const int64_t i = k * N + y * L + x, r = k * N + y * L + (x + 1) % L,
                              d = k * N + ((y + 1) % L) * L + x;
                const int s = v01 ? (v01[i] > 0.5f ? 1 : -1) : pm[i];
                const int sr = v01 ? (v01[r] > 0.5f ? 1 : -1) : pm[r];
                const int sd = v01 ? (v01[d] > 0.5f ? 1 : -1) : pm[d];
                bonds += s * (sr + sd);
                mag += s;
            }
        const double e = -(double)bonds / (double)N, m = fabs((double)mag) / (double)N;
        const int b = (int)(k * BLOCKS / n);
        be[b] += e, be2[b] += e * e, bm[b] += m, bm2[b] += m * m, cnt[b]++;
    }
    double se = 0, se2 = 0, sm = 0, sm2 = 0;
    for (int b = 0; b < BLOCKS; ++b) se += be[b], se2 += be2[b], sm += bm[b], sm2 += bm2[b];
    double je[BLOCKS], jm[BLOCKS], jc[BLOCKS], jx[BLOCKS];
    for (int b = 0; b < BLOCKS; ++b) {
        const double c = (double)(n - cnt[b]);
        const double e = (se - be[b]) / c, e2 = (se2 - be2[b]) / c;
        const double m = (sm - bm[b]) / c, m2 = (sm2 - bm2[b]) / c;
        je[b] = e, jm[b] = m, jc[b] = (double)N * (e2 - e * e) / (T * T);
        jx[b] = (double)N * (m2 - m * m) / T;
    }
    const double e = se / (double)n, m = sm / (double)n;
    o->e = e;
    o->m = m;
    o->c = (double)N * (se2 / (double)n - e * e) / (T * T);
    o->chi = (double)N * (sm2 / (double)n - m * m) / T;
    double *j[4] = {je, jm, jc, jx}, *err[4] = {&o->e_err, &o->m_err, &o->c_err, &o->chi_err};
    for (int q = 0; q < 4; ++q) {
        double mean = 0, var = 0;
        for (int b = 0; b < BLOCKS; ++b) mean += j[q][b] / BLOCKS;
        for (int b = 0; b < BLOCKS; ++b) var += (j[q][b] - mean) * (j[q][b] - mean);
        *err[q] = sqrt(var * (BLOCKS - 1) / BLOCKS);
    }
}

/* Samples taken in rounds (sample i is chain i % per_round's round i / per_round) reordered
 * chain by chain, each chain's in time order. */
static void chain_major(const void *src, void *dst, int64_t n, int64_t per_round, size_t bytes)
{
    const int64_t full = n / per_round, rem = n % per_round;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t round = i / per_round, c = i % per_round;
        const int64_t pos = c * full + (c < rem ? c : rem) + round;
        memcpy((char *)dst + pos * bytes, (const char *)src + i * bytes, bytes);
    }
}

/* n configurations of an L x L Ising model at T: R = min(n, 200) replicas under Swendsen-Wang,
 * `therm` sweeps, then a configuration from every replica every `gap` sweeps. */
static pml_status ising_samples(pml_device *dev, int L, double T, int64_t n, int64_t therm,
                                int64_t gap, uint64_t seed, int8_t *out)
{
    const int64_t R = n < 200 ? n : 200, N = (int64_t)L * L;
    double *Ts = malloc((size_t)R * sizeof *Ts);
    int8_t *buf = malloc((size_t)(R * N));
    if (!Ts || !buf) {
        free(Ts), free(buf);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "ising samples: host memory");
    }
    for (int64_t r = 0; r < R; ++r) Ts[r] = T;
    pml_ising_config c = {.lx = L, .ly = L, .replicas = R, .J = 1.0,
                          .rule = PML_ISING_SWENDSEN_WANG, .seed = seed};
    pml_ising *g = NULL;
    pml_status s = pml_ising_create(dev, &c, Ts, NULL, &g);
    if (s == PML_OK) s = pml_ising_init(g, PML_ISING_HOT);
    if (s == PML_OK) s = pml_ising_sweep(g, therm);
    /* samples interleaved across replicas, rounds in time order (the jackknife blocks) */
    for (int64_t got = 0; s == PML_OK && got < n;) {
        s = pml_ising_sweep(g, gap);
        if (s == PML_OK) s = pml_ising_get_spins(g, buf, (size_t)(R * N));
        const int64_t take = n - got < R ? n - got : R;
        if (s == PML_OK) memcpy(out + got * N, buf, (size_t)(take * N));
        got += take;
    }
    pml_ising_destroy(g);
    free(Ts), free(buf);
    return s;
}

/* One temperature: Monte Carlo configurations, one RBM trained on them, its samples; the two
 * sets of observables. */
int pml_rbm_cli_ising_one(const char *cmd, pml_device *dev, const pml_rbm_ising_run *p, double T,
                          pml_rbm_ising_obs *mc, pml_rbm_ising_obs *rb, double *train_s)
{
    const int64_t N = (int64_t)p->L * p->L, n = p->samples;
    int8_t *spins = malloc((size_t)(n * N));
    uint8_t *img = malloc((size_t)(n * N)), *lab = calloc((size_t)n, 1);
    const int64_t draws = p->chains * p->every;
    float *v = malloc((size_t)(draws * N) * sizeof *v);
    if (!spins || !img || !lab || !v) {
        free(spins), free(img), free(lab), free(v);
        return pml_cli_fail(cmd, "memory", PML_ERR_OUT_OF_MEMORY);
    }
    pml_dataset *ds = NULL;
    pml_rbm *m = NULL;
    pml_tensor *vt = NULL, *pt = NULL;
    pml_status s = ising_samples(dev, p->L, T, n, p->therm, p->gap, p->seed, spins);
    if (s == PML_OK) {
        int8_t *tmp = malloc((size_t)(n * N));
        if (tmp) {
            chain_major(spins, tmp, n, n < 200 ? n : 200, (size_t)N);
            memcpy(spins, tmp, (size_t)(n * N));
            free(tmp);
            observe(p->L, n, NULL, spins, T, mc);
        } else {
            s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "rbm ising: host memory");
        }
        for (int64_t i = 0; i < n * N; ++i) img[i] = spins[i] > 0 ? 255 : 0;
        s = pml_dataset_from_host(dev, n, p->L, p->L, img, lab, 1, &ds);
    }
    const int64_t mb = p->batch > p->chains ? p->batch : p->chains;
    if (s == PML_OK) s = pml_rbm_create(dev, N, p->hidden, mb, p->seed, &m);
    pml_rbm_train_config c = pml_rbm_train_defaults();
    c.method = p->pcd ? PML_RBM_PCD : PML_RBM_CD;
    c.k = (int)p->k;
    c.epochs = (int)p->epochs;
    c.batch = p->batch;
    c.lr = p->lr;
    c.momentum = p->momentum;
    c.weight_decay = p->wd;
    c.seed = p->seed;
    c.binarize = PML_RBM_ASIS;
    c.monitor_rows = 0;
    if (p->cosine) {
        c.schedule = pml_schedule_constant(p->lr);
        c.schedule.kind = PML_SCHED_COSINE;
        c.schedule.t_max = (int)p->epochs;
        c.schedule.min_lr = 0.0;
    }
    pml_rbm_train_result res;
    memset(&res, 0, sizeof res);
    if (s == PML_OK) s = pml_rbm_train(m, ds, NULL, &c, &res);
    *train_s = res.seconds;
    pml_rbm_train_result_free(&res);
    /* RBM samples: chains from noise, p->gibbs steps, then `every` states 10 steps apart */
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, p->chains, N, &vt);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, p->chains, N, &pt);
    if (s == PML_OK) s = pml_rbm_sample(m, vt, p->chains, p->gibbs, p->seed + 1, pt);
    for (int64_t k = 0; s == PML_OK && k < p->every; ++k) {
        const pml_rbm_gibbs_opts o = {.seed = p->seed + 1,
                                      .step0 = (uint64_t)(p->gibbs + 10 * k), .average = 1};
        if (k) s = pml_rbm_gibbs(m, vt, p->chains, 10, &o);
        if (s == PML_OK)
            s = pml_tensor_download(vt, v + k * p->chains * N, (size_t)(p->chains * N) * sizeof *v);
    }
    if (s == PML_OK) {
        float *tmp = malloc((size_t)(draws * N) * sizeof *tmp);
        if (tmp) {
            chain_major(v, tmp, draws, p->chains, (size_t)N * sizeof *tmp);
            observe(p->L, draws, tmp, NULL, T, rb);
            free(tmp);
        } else {
            s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "rbm ising: host memory");
        }
    }
    pml_tensor_destroy(vt), pml_tensor_destroy(pt);
    pml_rbm_destroy(m);
    pml_dataset_destroy(ds);
    free(spins), free(img), free(lab), free(v);
    return s == PML_OK ? 0 : pml_cli_fail(cmd, "the Ising experiment", s);
}

int pml_rbm_cli_ising_plot(const char *cmd, const char *out, const double *T, int nt,
                           const pml_rbm_ising_obs *mc, const pml_rbm_ising_obs *rb,
                      int L, int64_t hidden, int quiet)
{
    char path[PML_PATH_MAX];
    pml_wfile w;
    if (pml_cli_path(cmd, path, sizeof path, out, "rbm_ising.dat") || pml_cli_open(cmd, path, &w))
        return 1;
    fprintf(w.f, "# T  mc_e mc_e_err rbm_e rbm_e_err  mc_m mc_m_err rbm_m rbm_m_err  "
                 "mc_C mc_C_err rbm_C rbm_C_err  mc_chi mc_chi_err rbm_chi rbm_chi_err\n");
    for (int i = 0; i < nt; ++i)
        fprintf(w.f, "%.6g  %.6g %.3g %.6g %.3g  %.6g %.3g %.6g %.3g  %.6g %.3g %.6g %.3g  "
                     "%.6g %.3g %.6g %.3g\n", T[i], mc[i].e, mc[i].e_err, rb[i].e, rb[i].e_err,
                mc[i].m, mc[i].m_err, rb[i].m, rb[i].m_err, mc[i].c, mc[i].c_err, rb[i].c,
                rb[i].c_err, mc[i].chi, mc[i].chi_err, rb[i].chi, rb[i].chi_err);
    if (pml_cli_commit(cmd, &w, quiet)) return 1;
    if (pml_cli_path(cmd, path, sizeof path, out, "rbm_ising.gp") || pml_cli_open(cmd, path, &w))
        return 1;
    fprintf(w.f, "# physml rbm ising: Monte Carlo against RBM samples (gnuplot rbm_ising.gp)\n");
    pml_gnuplot_output(w.f, "rbm_ising.png", "set terminal pngcairo size 1200,900 noenhanced");
    fprintf(w.f, "set multiplot layout 2,2 title 'L = %d, %lld hidden units: Monte Carlo "
                 "(points) and RBM samples (open)'\nset xlabel 'T'\nset grid\n"
                 "set arrow from %.6f, graph 0 to %.6f, graph 1 nohead dt 2\n", L,
            (long long)hidden, pml_ising_tc(1.0), pml_ising_tc(1.0));
    const char *name[4] = {"energy per spin e", "|m|", "specific heat C", "susceptibility chi"};
    for (int q = 0; q < 4; ++q)
        fprintf(w.f, "set title '%s'\nplot 'rbm_ising.dat' u 1:%d:%d w yerrorbars pt 7 t 'MC', "
                     "'' u 1:%d:%d w yerrorbars pt 6 t 'RBM'\n", name[q], 2 + 4 * q, 3 + 4 * q,
                4 + 4 * q, 5 + 4 * q);
    fprintf(w.f, "unset multiplot\n");
    if (pml_cli_commit(cmd, &w, 1)) return 1;
    return pml_gnuplot_render(cmd, out, "rbm_ising.gp", "rbm_ising.png", quiet) < 0;
}

/* ---- the checkpoint: the temperatures done so far (a pml_cli_rows file) -----------------
 * A row per temperature: T, mc's 8 numbers, rbm's 8, the training seconds. A temperature's
 * numbers depend only on the options, the kind of device (a CPU chain and a GPU chain part
 * ways) and T. */
#define CKPT_MAGIC "physml rbm ising checkpoint 1"
#define CKPT_COLS 18

static void options_line(const pml_rbm_ising_run *p, const pml_device *dev, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "options device=%s L=%d hidden=%lld samples=%lld thermalize=%lld gap=%lld "
             "epochs=%lld batch=%lld k=%lld chains=%lld gibbs=%lld every=%lld lr=%.17g "
             "momentum=%.17g weight-decay=%.17g method=%s schedule=%s seed=%llu",
             pml_cli_device_kind(dev), p->L, (long long)p->hidden, (long long)p->samples,
             (long long)p->therm,
             (long long)p->gap, (long long)p->epochs, (long long)p->batch, (long long)p->k,
             (long long)p->chains, (long long)p->gibbs, (long long)p->every, p->lr, p->momentum,
             p->wd, p->pcd ? "pcd" : "cd", p->cosine ? "cosine" : "constant",
             (unsigned long long)p->seed);
}

int pml_cmd_rbm_ising(int argc, char **argv)
{
    const char *Ttext = "1.5:3.5:0.25", *device = "auto", *out = NULL;
    pml_rbm_ising_run p = {.L = 8, .hidden = 64, .samples = 20000, .therm = 200, .gap = 5,
                           .epochs = 100, .batch = 100, .k = 10, .chains = 1000, .gibbs = 2000,
                           .every = 10, .lr = 0.05, .momentum = 0.5, .wd = 0.0, .pcd = 1,
                           .cosine = 1, .seed = 1};
    const char *schedule = "cosine";
    int64_t L = 8;
    const char *method = "pcd";
    int json = 0, quiet = 0;
    const char *checkpoint = NULL, *resume = NULL;
    const pml_opt opts[] = {
        {"L", PML_OPT_INT, &L, "L", "lattice side (8): L^2 visible units", 2, 64},
        {"T", PML_OPT_STR, &Ttext, "A:B:STEP", "temperatures (1.5:3.5:0.25) or a list"},
        {"hidden", PML_OPT_INT, &p.hidden, "N", "hidden units (64)", 1, 1 << 14},
        {"samples", PML_OPT_INT, &p.samples, "N", "Monte Carlo configurations per T (20000)",
         BLOCKS, 1e7},
        {"thermalize", PML_OPT_INT, &p.therm, "N", "Swendsen-Wang sweeps before sampling (200)", 0, 1e7},
        {"gap", PML_OPT_INT, &p.gap, "N", "sweeps between a replica's samples (5)", 1, 1e6},
        {"method", PML_OPT_CHOICE, &method, "M", "cd or pcd (pcd)", .choices = "cd|pcd"},
        {"k", PML_OPT_INT, &p.k, "K", "Gibbs steps per update (10)", 1, 10000},
        {"epochs", PML_OPT_INT, &p.epochs, "N", "epochs per temperature (100)", 1, 1e6},
        {"batch", PML_OPT_INT, &p.batch, "N", "mini-batch (100)", 1, 1 << 16},
        {"lr", PML_OPT_DOUBLE, &p.lr, "X", "learning rate (0.05)", 0, 1e3, 1},
        {"schedule", PML_OPT_CHOICE, &schedule, "S",
         "the rate: cosine (decays to 0 over the epochs; the default) or constant",
         .choices = "cosine|constant"},
        {"momentum", PML_OPT_DOUBLE, &p.momentum, "M", "momentum (0.5)", 0, 0.999},
        {"weight-decay", PML_OPT_DOUBLE, &p.wd, "W", "L2 weight decay (0)", 0, 1},
        {"chains", PML_OPT_INT, &p.chains, "N", "RBM sampling chains (1000)", BLOCKS, 1 << 20},
        {"gibbs", PML_OPT_INT, &p.gibbs, "K", "Gibbs steps before the first RBM sample (2000)", 1, 1e8},
        {"every", PML_OPT_INT, &p.every, "N", "RBM samples per chain, 10 steps apart (10)", 1, 1e5},
        {"seed", PML_OPT_U64, &p.seed, "S", "seed (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object per temperature"},
        {"out", PML_OPT_STR, &out, "DIR", "rbm_ising.dat, rbm_ising.gp, rbm_ising.png"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "the temperatures done so far, written atomically after each"},
        {"resume", PML_OPT_STR, &resume, "FILE",
         "take the temperatures a checkpoint of the same options holds, run the rest"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(CMD, "rbm ising --L 8 --T 1.5:3.5:0.25 [--hidden 64] [--samples N] "
                               "[--epochs N] [--json] [--out DIR] [--checkpoint FILE] "
                               "[--resume FILE]",
                          "Torlai & Melko (2016): one RBM per temperature trained on Monte Carlo "
                          "configurations of the 2D Ising model; e, |m|, C and chi of the RBM's "
                          "own samples against the Monte Carlo values.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (L % 2) return pml_cli_usage(CMD, "L", "%lld: the lattice side must be even", (long long)L);
    p.L = (int)L;
    p.pcd = strcmp(method, "pcd") == 0;
    p.cosine = strcmp(schedule, "cosine") == 0;
    double T[MAX_T];
    const int nt = pml_parse_range(Ttext, T, MAX_T);
    if (nt < 1) return pml_cli_usage(CMD, "T", "'%s': needs A:B:STEP or a list, at most %d values",
                                     Ttext, MAX_T);
    for (int i = 0; i < nt; ++i)
        if (!(T[i] > 0.05 && T[i] < 1e3) || (i && !(T[i] > T[i - 1])))
            return pml_cli_usage(CMD, "T", "%g: temperatures must increase within (0.05, 1000)",
                                 T[i]);
    if (p.chains * p.every < BLOCKS)
        return pml_cli_usage(CMD, "every", "needs chains x every >= %d samples", BLOCKS);
    if (out && pml_cli_out_dir(CMD, out)) return 1;
    if ((r = pml_cli_resumable(CMD, checkpoint, 0, resume)) != 0) return r;
    pml_rbm_ising_obs mc[MAX_T], rb[MAX_T];
    double secs[MAX_T] = {0};
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(CMD, device, &dev))) return r;
    char opts_line[1024];
    options_line(&p, dev, opts_line, sizeof opts_line);
    pml_cli_rows ck = {.cmd = CMD, .magic = CKPT_MAGIC, .options = opts_line, .cols = CKPT_COLS,
                       .keys = 1};
    if (resume && (r = pml_cli_rows_read(&ck, resume)) != 0) {
        pml_cli_rows_free(&ck);
        pml_device_close(dev);
        return r;
    }
    if (!json)
        printf("RBMs on the 2D Ising model, L = %d (%d visible), %lld hidden, %s-%lld, %lld epochs "
               "of %lld configurations; RBM: %lld chains x %lld samples after %lld Gibbs steps\n"
               "%6s %19s %19s %17s %17s %15s %15s %15s %15s %7s\n", p.L, p.L * p.L,
               (long long)p.hidden, p.pcd ? "PCD" : "CD", (long long)p.k, (long long)p.epochs,
               (long long)p.samples, (long long)p.chains, (long long)p.every, (long long)p.gibbs,
               "T", "e (MC)", "e (RBM)", "|m| (MC)", "|m| (RBM)", "C (MC)", "C (RBM)",
               "chi (MC)", "chi (RBM)", "train s");
    for (int i = 0; !r && i < nt; ++i) {
        double ts = secs[i];
        const double *row = pml_cli_rows_find(&ck, &T[i]);
        if (row) {
            if (!quiet) fprintf(stderr, "physml %s: T = %g from %s\n", CMD, T[i], resume);
            memcpy(&mc[i].e, row + 1, 8 * sizeof(double));
            memcpy(&rb[i].e, row + 9, 8 * sizeof(double));
            ts = secs[i] = row[17];
        } else {
            if (!quiet) fprintf(stderr, "physml %s: T = %g ...\n", CMD, T[i]);
            r = pml_rbm_cli_ising_one(CMD, dev, &p, T[i], &mc[i], &rb[i], &ts);
            if (r) break;
            secs[i] = ts;
            double put[CKPT_COLS] = {T[i]};
            memcpy(put + 1, &mc[i].e, 8 * sizeof(double));
            memcpy(put + 9, &rb[i].e, 8 * sizeof(double));
            put[17] = ts;
            if ((r = pml_cli_rows_put(&ck, put)) != 0) break;
            if (checkpoint && (r = pml_cli_rows_write(&ck, checkpoint)) != 0) break;
        }
        if (json) {
            pml_jsonl j;
            pml_jsonl_begin(&j, stdout);
            pml_jsonl_int(&j, "L", p.L);
            pml_jsonl_num(&j, "T", T[i]);
            pml_jsonl_int(&j, "hidden", p.hidden);
            const char *key[8] = {"e", "e_err", "m", "m_err", "C", "C_err", "chi", "chi_err"};
            const double *a = &mc[i].e, *b = &rb[i].e;
            char k2[32];
            for (int q = 0; q < 8; ++q) {
                snprintf(k2, sizeof k2, "mc_%s", key[q]);
                pml_jsonl_num(&j, k2, a[q]);
                snprintf(k2, sizeof k2, "rbm_%s", key[q]);
                pml_jsonl_num(&j, k2, b[q]);
            }
            pml_jsonl_num(&j, "train_seconds", ts);
            pml_jsonl_end(&j);
        } else {
            printf("%6.3f %9.4f+-%-7.4f %9.4f+-%-7.4f %8.4f+-%-6.4f %8.4f+-%-6.4f %7.3f+-%-5.3f "
                   "%7.3f+-%-5.3f %7.3f+-%-5.3f %7.3f+-%-5.3f %7.1f\n", T[i], mc[i].e, mc[i].e_err,
                   rb[i].e, rb[i].e_err, mc[i].m, mc[i].m_err, rb[i].m, rb[i].m_err, mc[i].c,
                   mc[i].c_err, rb[i].c, rb[i].c_err, mc[i].chi, mc[i].chi_err, rb[i].chi,
                   rb[i].chi_err, ts);
        }
        fflush(stdout);
    }
    if (!r && out) r = pml_rbm_cli_ising_plot(CMD, out, T, nt, mc, rb, p.L, p.hidden, quiet);
    pml_cli_rows_free(&ck);
    pml_device_close(dev);
    return r;
}
