/* bench_rbm: restricted Boltzmann machines on binarised Fashion-MNIST (784 visible units),
 * against scikit-learn's BernoulliRBM (bench/peers/rbm_sklearn.py) in the same run.
 *
 *   bench_rbm [--data DIR] [--hidden 256,500] [--batch 100,10] [--methods cd1,cd10,pcd1]
 *             [--epochs 2] [--subset N] [--device cpu|cuda|all] [--chains 1000]
 *             [--gibbs 100] [--quality EPOCHS] [--ais RUNS:STEPS] [--seed S] [--no-peer]
 *             [--peer sklearn|torch [--torch-device cpu|cuda]] [--peers DIR] [--python PATH]
 *             [--peer-threads K] [--peer-default-blas] [--json]
 *
 * Speed: for each device, hidden size, batch and method, --epochs epochs of training on the
 * training images (the first --subset; all 60,000 by default); an epoch's seconds are the
 * training driver's (the epoch's steps, no monitors); the median over the epochs is kept. The
 * settings are scikit-learn's: learning rate 0.1 on the mean gradient of the batch, no
 * momentum, no weight decay, W ~ N(0, 0.01^2), zero biases, threshold binarising at 0.5, and
 * for PCD as many persistent chains as the batch. Then the block Gibbs sampler alone: --gibbs
 * steps of --chains chains, in Gibbs steps (one h and one v draw of every chain) per second.
 *
 * --peer torch runs bench/peers/rbm_torch.py instead (PCD-1 with the same settings, written as
 * a PyTorch user would, on --torch-device: cuda by default, the GPU's peer).
 * The peer trains the same shapes, batches and epochs (PCD-1, its only method) with
 * --peer-threads BLAS threads (default 2) and reports seconds per epoch; the ratio is taken
 * against physml's PCD-1 (and CD-1, the same work). physml's benchmark restarts itself with
 * the right OpenBLAS kernels where Debian's OpenBLAS misreads the processor (pml_restart_tuned);
 * the peer inherits them, so both run the same GEMM kernels. --peer-default-blas runs the
 * peer with the BLAS's own choice instead (what a scikit-learn user gets).
 *
 * Quality (--quality E > 0): physml's PCD-1 and scikit-learn's model trained E epochs at the
 * first --hidden and --batch, both evaluated by physml: log Z by AIS (--ais RUNS:STEPS, from the
 * training set's base rates) and the mean log-probability of the 10,000 test images. --seed S
 * (default 1) seeds physml's training and the peer's random_state: one seed's figure is one
 * draw from a wide spread (PCD-1 at lr 0.1 for a few epochs), so compare over several. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "core/process.h"
#include "physml/physml.h"

#define PROG "bench_rbm"
#define MAXL 8

typedef struct method {
    const char *name;
    pml_rbm_method m;
    int k;
} method;

static const method methods_all[] = {
    {"cd1", PML_RBM_CD, 1}, {"cd10", PML_RBM_CD, 10}, {"pcd1", PML_RBM_PCD, 1}};


/* --seed: physml's training seed and the peer's random_state (quality over several seeds) */
static uint64_t g_seed = 1;

static pml_rbm_train_config sklearn_settings(const method *me, int64_t batch, int epochs)
{
    pml_rbm_train_config c = pml_rbm_train_defaults();
    c.method = me->m;
    c.k = me->k;
    c.chains = me->m == PML_RBM_PCD ? batch : 0;
    c.epochs = epochs;
    c.batch = batch;
    c.lr = 0.1;
    c.momentum = 0.0;
    c.init_visible_bias = 0;
    c.monitor_rows = 0;
    c.seed = g_seed;
    return c;
}

/* Median seconds per epoch of one training run. */
static double time_training(pml_device *dev, pml_dataset *train, int64_t hidden,
                            const method *me, int64_t batch, int epochs, pml_rbm **keep)
{
    pml_rbm *r = NULL;
    BENCH_CHECK(PROG, pml_rbm_create(dev, 784, hidden, batch, 1, &r));
    pml_rbm_train_config c = sklearn_settings(me, batch, epochs);
    pml_rbm_train_result res;
    BENCH_CHECK(PROG, pml_rbm_train(r, train, NULL, &c, &res));
    double s[64];
    int n = 0;
    for (int e = 0; e < res.epochs_run && n < 64; ++e) s[n++] = res.history[e].seconds;
    const double med = bench_median(s, n);
    pml_rbm_train_result_free(&res);
    if (keep) *keep = r;
    else pml_rbm_destroy(r);
    return med;
}

/* Gibbs steps per second of `chains` chains. */
static double time_gibbs(pml_device *dev, int64_t hidden, int64_t chains, int64_t steps)
{
    pml_rbm *r = NULL;
    pml_tensor *v = NULL;
    BENCH_CHECK(PROG, pml_rbm_create(dev, 784, hidden, chains, 1, &r));
    BENCH_CHECK(PROG, pml_tensor_create_2d(dev, PML_F32, chains, 784, &v));
    BENCH_CHECK(PROG, pml_rbm_sample(r, v, chains, 5, 1, NULL)); /* warm-up */
    BENCH_CHECK(PROG, pml_device_synchronize(dev));
    const pml_rbm_gibbs_opts o = {.seed = 2};
    const double t0 = bench_now();
    BENCH_CHECK(PROG, pml_rbm_gibbs(r, v, chains, steps, &o));
    BENCH_CHECK(PROG, pml_device_synchronize(dev));
    const double t = bench_now() - t0;
    pml_tensor_destroy(v);
    pml_rbm_destroy(r);
    return (double)(chains * steps) / t;
}

/* ---- the peer ---------------------------------------------------------------------------- */

typedef struct peer_row {
    int64_t hidden, batch;
    double s_epoch;
} peer_row;

/* The peer: "sklearn" (bench/peers/rbm_sklearn.py, the CPU) or "torch" (rbm_torch.py, PCD-1
 * written as a PyTorch user would, on --torch-device: the GPU's peer, or a second CPU one). */
static const char *peer_name = "sklearn", *torch_device = "cuda";

static int run_peer(const char *python, const char *dir, const char *hs, const char *bs,
                    int epochs, int64_t subset, int threads, const char *save_dir,
                    int default_blas, int json, peer_row *rows, int cap)
{
    char script[1024], e_s[16], n_s[32], t_s[16], seed_s[24];
    snprintf(script, sizeof script, "%s/rbm_%s.py", dir, peer_name);
    if (access(script, R_OK) != 0) {
        fprintf(stderr, PROG ": no peer at %s (--peers DIR)\n", script);
        return 0;
    }
    snprintf(e_s, sizeof e_s, "%d", epochs);
    snprintf(n_s, sizeof n_s, "%lld", (long long)subset);
    snprintf(t_s, sizeof t_s, "%d", threads);
    snprintf(seed_s, sizeof seed_s, "%llu", (unsigned long long)g_seed);
    const char *argv[24] = {python, script, "--json", "--hidden", hs, "--batch", bs,
                            "--epochs", e_s, "--train-n", n_s, "--threads", t_s, "--seed", seed_s,
                            NULL};
    int k = 15;
    if (save_dir) argv[k++] = "--save-dir", argv[k++] = save_dir;
    if (!strcmp(peer_name, "torch"))
        argv[k++] = "--device", argv[k++] = torch_device, argv[k++] = "--method",
        argv[k++] = "pcd", argv[k++] = "--k", argv[k++] = "1";
    argv[k] = NULL;
    char *saved = NULL;
    if (default_blas && getenv("OPENBLAS_CORETYPE")) {
        saved = strdup(getenv("OPENBLAS_CORETYPE"));
        unsetenv("OPENBLAS_CORETYPE");
    }
    static char out[1 << 16], err[1 << 12];
    const int rc = pml_run(argv, NULL, out, sizeof out, err, sizeof err);
    if (saved) setenv("OPENBLAS_CORETYPE", saved, 1), free(saved);
    if (rc != 0) {
        fprintf(stderr, PROG ": the %s peer failed (exit %d): %s\n", peer_name, rc, err);
        return 0;
    }
    int n = 0;
    for (char *line = strtok(out, "\n"); line && n < cap; line = strtok(NULL, "\n")) {
        const char *h = bench_json_at(line, "hidden"), *b = bench_json_at(line, "batch"),
                   *s = bench_json_at(line, "seconds_per_epoch");
        if (!h || !b || !s) continue;
        rows[n].hidden = atoll(h);
        rows[n].batch = atoll(b);
        rows[n].s_epoch = atof(s);
        if (json) puts(line);
        ++n;
    }
    return n;
}

/* ---- quality ------------------------------------------------------------------------------- */

static void evaluate(const char *who, pml_rbm *r, pml_dataset *train, pml_dataset *test,
                     int64_t runs, int64_t steps, int epochs, int json)
{
    pml_tensor *base = NULL;
    BENCH_CHECK(PROG, pml_tensor_create_1d(pml_rbm_device(r), PML_F32, 784, &base));
    BENCH_CHECK(PROG, pml_rbm_base_rate(r, train, PML_RBM_THRESHOLD, 0.5, base));
    pml_rbm_ais_result a;
    const double t0 = bench_now();
    BENCH_CHECK(PROG, pml_rbm_logz_ais(r, runs, steps, base, 7, &a));
    const double t = bench_now() - t0;
    double lp = 0, sem = 0;
    BENCH_CHECK(PROG, pml_rbm_mean_logprob(r, test, PML_RBM_THRESHOLD, 0.5, 0, a.logz, &lp, &sem));
    if (json)
        printf("{\"bench\": \"rbm_quality\", \"model\": \"%s\", \"hidden\": %lld, \"epochs\": %d, "
               "\"ais_runs\": %lld, \"ais_steps\": %lld, \"logz\": %.6f, \"logz_err\": %.6f, "
               "\"ess\": %.1f, \"test_logprob\": %.4f, \"test_logprob_sem\": %.4f, "
               "\"ais_seconds\": %.2f, \"trusted\": %s}\n", who, (long long)pml_rbm_hidden(r), epochs,
               (long long)runs, (long long)steps, a.logz, a.logz_err, a.ess, lp, sem, t,
               a.ess < 0.1 * (double)runs ? "false" : "true");
    else
        printf("%-24s log Z %10.3f +- %.3f (ess %5.1f of %lld)   test log p(v) %9.3f +- %.3f "
               "(+- log Z's error)   AIS %.1f s%s\n", who, a.logz, a.logz_err, a.ess,
               (long long)runs, lp, sem, t,
               a.ess < 0.1 * (double)runs ? "\n    NOT TRUSTED: the importance weights rest on a "
                                            "few runs (ESS below a tenth); more steps" : "");
    pml_tensor_destroy(base);
}

int main(int argc, char **argv)
{
    pml_restart_tuned(argv);
    const char *data = NULL, *hs = "256,500", *bs = "100,10", *ms = "cd1,cd10,pcd1";
    const char *want = "all", *peers = "bench/peers", *python = "/usr/bin/python3";
    const char *ais = "100:1000";
    int epochs = 2, json = 0, no_peer = 0, peer_threads = 2, quality = 0, default_blas = 0;
    int64_t subset = 0, chains = 1000, gibbs = 100;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && v && ++i)
        if (ARG("--data")) data = v;
        else if (ARG("--hidden")) hs = v;
        else if (ARG("--batch")) bs = v;
        else if (ARG("--methods")) ms = v;
        else if (ARG("--epochs")) epochs = atoi(v);
        else if (ARG("--subset")) subset = atoll(v);
        else if (ARG("--device")) want = v;
        else if (ARG("--chains")) chains = atoll(v);
        else if (ARG("--gibbs")) gibbs = atoll(v);
        else if (ARG("--quality")) quality = atoi(v);
        else if (ARG("--ais")) ais = v;
        else if (ARG("--seed")) g_seed = strtoull(v, NULL, 10);
        else if (ARG("--peers")) peers = v;
        else if (ARG("--python")) python = v;
        else if (ARG("--peer-threads")) peer_threads = atoi(v);
        else if (ARG("--peer")) peer_name = v;
        else if (ARG("--torch-device")) torch_device = v;
        else if (!strcmp(a, "--peer-default-blas")) default_blas = 1;
        else if (!strcmp(a, "--no-peer")) no_peer = 1;
        else if (!strcmp(a, "--json")) json = 1;
        else {
            fprintf(stderr, "usage: " PROG " [--data DIR] [--hidden 256,500] [--batch 100,10] "
                            "[--methods cd1,cd10,pcd1] [--epochs 2] [--subset N] [--device "
                            "cpu|cuda|all] [--chains 1000] [--gibbs 100] [--quality EPOCHS] "
                            "[--ais RUNS:STEPS] [--no-peer] [--peers DIR] [--python PATH] "
                            "[--peer sklearn|torch [--torch-device cpu|cuda]] [--peer-threads K] "
                            "[--peer-default-blas] [--seed S] [--json]\n");
            return 2;
        }
#undef ARG
    }
    double hv[MAXL], bv[MAXL];
    const int nh = bench_parse_list(hs, hv, MAXL), nb = bench_parse_list(bs, bv, MAXL);
    long long runs = 0, steps = 0;
    if (strcmp(peer_name, "sklearn") && strcmp(peer_name, "torch")) {
        fprintf(stderr, PROG ": --peer sklearn or torch\n");
        return 2;
    }
    if (nh < 1 || nb < 1 || epochs < 1 || epochs > 64 || chains < 1 || gibbs < 1 ||
        sscanf(ais, "%lld:%lld", &runs, &steps) != 2 || runs < 2 || steps < 1) {
        fprintf(stderr, PROG ": bad --hidden, --batch, --epochs (1..64), --chains, --gibbs or "
                        "--ais\n");
        return 2;
    }
    const char *dir = data ? data : pml_data_default_dir();
    if (!json)
        printf("bench_rbm: 784 visible, Fashion-MNIST binarised at 0.5, lr 0.1, no momentum; "
               "CPU %s; BLAS %s (%s kernels)\n", bench_cpu_name(), pml_blas_name(), pml_blas_core());
    /* the peer first: its seconds per epoch for every (hidden, batch) */
    peer_row prow[MAXL * MAXL];
    int npeer = 0;
    char save_dir[] = "/tmp/bench_rbm_XXXXXX";
    const int have_dir = quality > 0 && mkdtemp(save_dir) != NULL;
    if (!no_peer) {
        npeer = run_peer(python, peers, hs, bs, epochs, subset, peer_threads, NULL, default_blas,
                         json, prow, MAXL * MAXL);
    }
    int rc = 0;
    const char *devs[2] = {"cpu", "cuda"};
    for (int d = 0; d < 2; ++d) {
        pml_device *dev = bench_open(PROG, devs[d], want, &rc);
        if (!dev) continue;
        pml_dataset *full = NULL, *train = NULL;
        BENCH_CHECK(PROG, pml_dataset_load(dev, dir, PML_SPLIT_TRAIN, &full));
        if (subset > 0 && subset < pml_dataset_size(full)) {
            BENCH_CHECK(PROG, pml_dataset_head(full, subset, &train));
            pml_dataset_destroy(full);
        } else {
            train = full;
        }
        if (!json)
            printf("\n%-5s %6s %6s %-6s %12s %9s %-3s %10s %14s\n", "dev", "hidden", "batch",
                   "method", "s/epoch", peer_name, "s", "peer/x", "gibbs steps/s");
        for (int h = 0; h < nh; ++h) {
            const double gps = time_gibbs(dev, (int64_t)hv[h], chains, gibbs);
            for (int b = 0; b < nb; ++b) {
                double peer_s = NAN;
                for (int k = 0; k < npeer; ++k)
                    if (prow[k].hidden == (int64_t)hv[h] && prow[k].batch == (int64_t)bv[b])
                        peer_s = prow[k].s_epoch;
                for (size_t m = 0; m < sizeof methods_all / sizeof methods_all[0]; ++m) {
                    if (!strstr(ms, methods_all[m].name)) continue;
                    /* "cd1" also matches inside "cd10": take the item exactly */
                    char item[16];
                    snprintf(item, sizeof item, ",%s,", methods_all[m].name);
                    char list[128];
                    snprintf(list, sizeof list, ",%s,", ms);
                    if (!strstr(list, item)) continue;
                    const double s = time_training(dev, train, (int64_t)hv[h], &methods_all[m],
                                                   (int64_t)bv[b], epochs, NULL);
                    if (json)
                        printf("{\"bench\": \"rbm\", \"device\": \"%s\", \"cpu\": \"%s\", "
                               "\"blas_core\": \"%s\", \"visible\": 784, \"hidden\": %lld, "
                               "\"batch\": %lld, \"method\": \"%s\", \"epochs\": %d, "
                               "\"examples\": %lld, \"seconds_per_epoch\": %.4f, "
                               "\"peer\": \"%s\", \"peer_seconds_per_epoch\": %.4f, \"ratio\": %.3f, "
                               "\"gibbs_chains\": %lld, \"gibbs_steps_per_s\": %.1f}\n",
                               devs[d], bench_cpu_name(), pml_blas_core(), (long long)hv[h],
                               (long long)bv[b], methods_all[m].name, epochs,
                               (long long)pml_dataset_size(train), s, no_peer ? "" : peer_name, peer_s, peer_s / s,
                               (long long)chains, gps);
                    else
                        printf("%-5s %6lld %6lld %-6s %12.3f %13.3f %10.2f %14.0f\n", devs[d],
                               (long long)hv[h], (long long)bv[b], methods_all[m].name, s,
                               peer_s, peer_s / s, gps);
                    fflush(stdout);
                }
            }
        }
        if (quality > 0) {
            const method pcd1 = {"pcd1", PML_RBM_PCD, 1};
            pml_rbm *mine = NULL;
            time_training(dev, train, (int64_t)hv[0], &pcd1, (int64_t)bv[0], quality, &mine);
            pml_dataset *test = NULL;
            BENCH_CHECK(PROG, pml_dataset_load(dev, dir, PML_SPLIT_TEST, &test));
            if (!json)
                printf("\nquality after %d epochs, %g hidden, batch %g (AIS %s, base rates of the "
                       "training set; 10,000 test images):\n", quality, hv[0], bv[0], ais);
            evaluate("physml PCD-1", mine, train, test, runs, steps, quality, json);
            pml_rbm_destroy(mine);
            if (!no_peer && have_dir) {
                char h1[32], b1[32], path[256];
                snprintf(h1, sizeof h1, "%g", hv[0]);
                snprintf(b1, sizeof b1, "%g", bv[0]);
                peer_row one[2];
                if (run_peer(python, peers, h1, b1, quality, subset, peer_threads, save_dir,
                             default_blas, 0, one, 2) > 0) {
                    snprintf(path, sizeof path, "%s/%s_rbm_%s_b%s_e%d.safetensors",
                             save_dir, peer_name, h1, b1, quality);
                    pml_rbm *theirs = NULL;
                    BENCH_CHECK(PROG, pml_rbm_load(dev, path, 1000, &theirs));
                    evaluate(!strcmp(peer_name, "torch") ? "PyTorch (PCD-1)" : "scikit-learn (PCD-1)", theirs, train, test, runs, steps, quality, json);
                    pml_rbm_destroy(theirs);
                    remove(path);
                }
            }
            pml_dataset_destroy(test);
        }
        pml_dataset_destroy(train);
        pml_device_close(dev);
    }
    if (have_dir) rmdir(save_dir);
    return rc;
}
