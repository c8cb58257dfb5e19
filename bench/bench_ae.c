/* bench_ae: the autoencoders of include/physml/autoencoder.h on Fashion-MNIST, beside the
 * PyTorch peer (bench/peers/vae_torch.py: the same networks built from the same specs, the
 * same loss, Adam and batch) run in the same invocation; and the Ising T_c pipeline's wall
 * time.
 *
 *   bench_ae [--device cpu|cuda|auto] [--data DIR] [--subset N] [--runs R] [--repeat K]
 *            [--batch B] [--models vae,conv] [--python PATH [--peer PATH] [--threads 1,2]
 *            [--peer-default-malloc]]
 *            [--quality [--epochs E] [--iwae K] [--seed S]] [--ising-L 16,32]
 *            [--ising-T 1.5:3.5:0.05]
 *            [--ising-rule metropolis|heatbath|sw|wolff]
 *            [--no-speed] [--breakdown] [--json]
 *
 * 1. Speed: seconds per epoch of the `vae` preset (784-400-2x20 | gauss | 400-784, a Bernoulli
 *    decoder: BCE on logits summed over the pixels, beta 1) and of the `conv` preset (latent
 *    32, BCE on logits) at batch B (128), Adam lr 1e-3, on the first N (60000) training
 *    images: one untimed warm-up epoch of a throwaway model on a small head, then R (3) epochs
 *    of a fresh model, the median reported (the training driver's epoch seconds: the shuffle,
 *    gather, forward, loss, backward and Adam of every mini-batch). The peer (with --python)
 *    runs `vae_torch.py --model M --time-only R --subset N --batch B --threads T --json` at
 *    every T of --threads (default 1; the faster is compared): the ratio is physml / torch.
 *    --repeat K (1) does the peer's runs and physml's K times, interleaved, and reports the
 *    medians (a shared machine drifts by tens of percent over minutes; the ratio of two runs a
 *    few minutes apart drifts with it).
 *    The peer runs with glibc's mmap threshold fixed (see peer_malloc below; its best, by
 *    20-25%); --peer-default-malloc runs it with glibc's defaults.
 *    --breakdown adds each layer's forward and backward and Adam's step (medians of 20 steps
 *    on random data), and what is left of an epoch's step: gather, loss, the driver.
 * 2. Quality (--quality): E (10) epochs of the vae preset on the same training images, then
 *    the test set's ELBO (pml_vae_evaluate, k = 1) and with --iwae K the K-sample IWAE bound,
 *    beside the peer's `vae_torch.py --epochs E --json` (--iwae K) test_elbo and iwae_k at the
 *    thread count that was faster in the vae speed run (the first of --threads without one).
 *    --seed S (1) seeds both sides' initialisation, batch order and noise: a difference of
 *    a fraction of a nat between the two is within what the seed alone moves.
 * 3. Ising: pml_ae_ising_run at each L of --ising-L (16,32; 0 or "" skips) over the
 *    temperatures --ising-T (from:to:step, 1.5:3.5:0.05), the sampler --ising-rule
 *    (pml_ae_ising_defaults' unless named, as everything else): the configurations'
 *    generation and the training's seconds apart, T_c(L), and with two sizes or more the
 *    extrapolation (in 1/L; with four or more, 1/L and 1/L^2).
 *
 * Output: a table on stdout, the processor's name beside every figure; with --json one JSON
 * line per figure (the peer's own lines echoed too, they carry "peer": "torch"). */
#include "bench_util.h"
#include <math.h>

#include "bench_layers.h" /* --breakdown */

#define PROG "bench_ae"
#define MAX_REPEAT 16

static const char *python = NULL, *peer = NULL, *data = NULL;
static int json = 0;
/* The peer's glibc malloc: 1 (the default) fixes the mmap threshold at 64 MiB and the trim
 * threshold at 256 MiB (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, where the caller's
 * environment does not set them), so that PyTorch's per-batch temporaries (a 128 x 784
 * float batch is 392 KiB) are not mmap'd, faulted in and unmapped at every step: glibc's
 * dynamic threshold depends on which large blocks the process happened to free before,
 * and vae_torch.py --time-only ran 20-25% slower per epoch than the same training in its
 * evaluating mode (2026-11-30, Xeon, 1 thread: 3.5-3.7 s against 2.9 s). Physml allocates
 * its buffers once and does not gain from it. 0 (--peer-default-malloc): glibc's defaults. */
static int peer_malloc = 1;


/* Microseconds some task waited for a CPU since boot (/proc/pressure/cpu, "some ... total=");
 * -1 where the kernel does not say. The share of a run's wall time is how contended the
 * processor was while it ran (0: alone). */
static double stall_us(void)
{
    FILE *f = fopen("/proc/pressure/cpu", "r");
    char line[256];
    double v = -1;
    if (f && fgets(line, sizeof line, f) && !strncmp(line, "some", 4) && strstr(line, "total="))
        v = atof(strstr(line, "total=") + 6);
    if (f) fclose(f);
    return v;
}

/* The share of [t0, now] (seconds, bench_now) that some task waited for a CPU, from s0
 * (stall_us at t0); NAN when unknown. */
static double pressure_since(double s0, double t0)
{
    const double s1 = stall_us(), dt = bench_now() - t0;
    return s0 < 0 || s1 < 0 || dt <= 0 ? NAN : 1e-6 * (s1 - s0) / dt;
}

/* v with `prec` decimals for a JSON line, or null (NaN, infinite); a rotating set of
 * buffers. */
static const char *jnum(double v, int prec)
{
    static char buf[8][40];
    static int k = 0;
    char *b = buf[k++ % 8];
    if (isfinite(v)) snprintf(b, sizeof buf[0], "%.*f", prec, v);
    else snprintf(b, sizeof buf[0], "null");
    return b;
}

/* The number after "key": in a peer's JSON line; NAN when absent or null. */
static double json_num(const char *line, const char *key)
{
    const char *p = bench_json_at(line, key);
    if (p == NULL || !strncmp(p, "null", 4)) return NAN;
    return atof(p);
}

/* ---- the models --------------------------------------------------------------------------- */

static pml_autoencoder *make_ae(pml_device *dev, const char *preset, int64_t batch,
                                uint64_t seed)
{
    static char enc[512], dec[512];
    const int conv = strstr(preset, "conv") != NULL;
    const int64_t dims1[1] = {784}, dims3[3] = {1, 28, 28};
    const int ndim = conv ? 3 : 1;
    const int64_t *dims = conv ? dims3 : dims1;
    int vae = 0;
    BENCH_CHECK(PROG, pml_ae_preset(preset, strcmp(preset, "vae") == 0 ? 20 : 32, ndim, dims,
                                    enc, dec, sizeof enc, &vae));
    pml_ae_config c = pml_ae_defaults();
    c.encoder = enc;
    c.decoder = dec;
    c.vae = vae;
    c.loss = PML_LOSS_BCE_LOGITS;
    c.beta = 1.0;
    c.init = pml_ae_preset_init(preset);
    pml_autoencoder *ae = NULL;
    BENCH_CHECK(PROG, pml_ae_create(dev, ndim, dims, batch, &c, seed, &ae));
    return ae;
}

/* Train ae `epochs` epochs (Adam lr 1e-3, batch `batch`); r receives the history. */
static void train(pml_autoencoder *ae, pml_dataset *ds, int64_t batch, int epochs,
                  uint64_t seed, pml_train_result *r)
{
    pml_optimizer *o = NULL;
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    oc.lr = 1e-3;
    BENCH_CHECK(PROG, pml_optimizer_create(pml_model_device(pml_ae_model(ae)), &oc, &o));
    pml_train_config c = pml_train_defaults();
    c.batch = batch;
    c.epochs = epochs;
    c.seed = seed;
    BENCH_CHECK(PROG, pml_ae_train(ae, o, ds, NULL, &c, r));
    pml_optimizer_destroy(o);
}

/* Median seconds per epoch of `runs` epochs of a fresh model, after a warm-up epoch of a
 * throwaway one on the first 2048 images. */
static double time_epochs(pml_device *dev, const char *preset, pml_dataset *ds, int64_t batch,
                          int runs)
{
    pml_dataset *head = NULL;
    const int64_t n = pml_dataset_size(ds);
    BENCH_CHECK(PROG, pml_dataset_head(ds, n < 2048 ? n : 2048, &head));
    pml_train_result r;
    pml_autoencoder *ae = make_ae(dev, preset, batch, 7);
    train(ae, head, batch, 1, 1, &r);
    pml_train_result_free(&r);
    pml_ae_destroy(ae);
    pml_dataset_destroy(head);

    ae = make_ae(dev, preset, batch, 1);
    train(ae, ds, batch, runs, 1, &r);
    double t[64];
    int k = 0;
    for (int e = 0; e < r.epochs_run && k < 64; ++e) t[k++] = r.history[e].seconds;
    pml_train_result_free(&r);
    pml_ae_destroy(ae);
    return bench_median(t, k);
}

/* Median milliseconds of each layer's forward and backward (training mode) and of Adam's step
 * over `steps` steps of random data in [0, 1), synchronised after each; returns the sum of
 * the medians in seconds. */
static double breakdown(pml_device *dev, const char *preset, int64_t batch, int steps)
{
    pml_autoencoder *ae = make_ae(dev, preset, batch, 1);
    const double total = bench_layer_breakdown(PROG, dev, pml_ae_model(ae), batch, 784, steps,
                                               "ae_layer", preset, json);
    pml_ae_destroy(ae);
    return total;
}

/* ---- the peer ----------------------------------------------------------------------------- */

/* Run the peer with the extra arguments; its summary line into summary (cap bytes); 0 on
 * success. Its lines are echoed with --json. */
static int run_peer(const char *const *extra, int threads, const char *device, char *summary,
                    size_t cap)
{
    char th[16];
    snprintf(th, sizeof th, "%d", threads);
    const char *argv[32] = {python, peer, "--json", "--threads", th, "--device", device};
    int k = 7;
    if (data) argv[k++] = "--data", argv[k++] = data;
    for (int i = 0; extra[i] && k < 31; ++i) argv[k++] = extra[i];
    argv[k] = NULL;
    static char out[1 << 16], err[1 << 12];
    int set_mmap = 0, set_trim = 0;
    if (peer_malloc) {
        set_mmap = !getenv("MALLOC_MMAP_THRESHOLD_") &&
                   !setenv("MALLOC_MMAP_THRESHOLD_", "67108864", 1);
        set_trim = !getenv("MALLOC_TRIM_THRESHOLD_") &&
                   !setenv("MALLOC_TRIM_THRESHOLD_", "268435456", 1);
    }
    const int rc = pml_run(argv, NULL, out, sizeof out, err, sizeof err);
    if (set_mmap) unsetenv("MALLOC_MMAP_THRESHOLD_");
    if (set_trim) unsetenv("MALLOC_TRIM_THRESHOLD_");
    if (rc != 0) {
        fprintf(stderr, PROG ": the peer (%s %s) failed (%d): %s\n", python, peer, rc, err);
        return 1;
    }
    int found = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (json) puts(line);
        if (strstr(line, "\"summary\": true")) {
            snprintf(summary, cap, "%s", line);
            found = 1;
        }
    }
    fflush(stdout);
    if (!found) fprintf(stderr, PROG ": the peer printed no summary line\n");
    return !found;
}

/* ---- the parts ---------------------------------------------------------------------------- */

/* Returns the peer's faster thread count (0: no peer figure). */
static int speed(pml_device *dev, const char *dev_peer, const char *preset, pml_dataset *train_ds,
                 int64_t batch, int runs, int repeat, const int *threads, int nt,
                 int do_breakdown)
{
    const int64_t n = pml_dataset_size(train_ds);
    char rs[16], ns[32], bs[16];
    snprintf(rs, sizeof rs, "%d", runs);
    snprintf(ns, sizeof ns, "%lld", (long long)n);
    snprintf(bs, sizeof bs, "%lld", (long long)batch);
    /* [repeat][thread] seconds per epoch and contention; physml's per repeat */
    double torch_s[MAX_REPEAT][8], torch_p[MAX_REPEAT][8], phys[MAX_REPEAT], phys_p[MAX_REPEAT];
    for (int k = 0; k < repeat; ++k) {
        for (int j = 0; python && j < nt; ++j) {
            const char *extra[] = {"--model", preset, "--time-only", rs, "--subset", ns,
                                   "--batch", bs, NULL};
            char sum[4096];
            const double p0 = stall_us(), t0 = bench_now();
            torch_s[k][j] = run_peer(extra, threads[j], dev_peer, sum, sizeof sum)
                                ? NAN
                                : json_num(sum, "median_seconds");
            torch_p[k][j] = pressure_since(p0, t0);
            char lab[32];
            snprintf(lab, sizeof lab, "torch, %d thread%s", threads[j],
                     threads[j] == 1 ? "" : "s");
            if (!json)
                printf("%-6s %-5s %6lld %-18s %10.3f %10.0f %8s %8.2f   %s\n",
                       pml_device_spec(dev), preset, (long long)batch, lab, torch_s[k][j],
                       (double)n / torch_s[k][j], "", torch_p[k][j], bench_cpu_name());
            fflush(stdout);
        }
        const double p0 = stall_us(), t0 = bench_now();
        phys[k] = time_epochs(dev, preset, train_ds, batch, runs);
        phys_p[k] = pressure_since(p0, t0);
        if (!json && repeat > 1)
            printf("%-6s %-5s %6lld %-18s %10.3f %10.0f %8s %8.2f   %s\n", pml_device_spec(dev),
                   preset, (long long)batch, "physml", phys[k], (double)n / phys[k], "",
                   phys_p[k], bench_cpu_name());
        fflush(stdout);
    }
    /* medians over the repeats; the peer's best thread count by its median */
    double tmed[8], best = NAN, tmp[MAX_REPEAT], pmax = 0.0, tpmax[8];
    int best_j = -1;
    for (int j = 0; python && j < nt; ++j) {
        int m = 0;
        tpmax[j] = 0.0;
        for (int k = 0; k < repeat; ++k) {
            if (!isnan(torch_s[k][j])) tmp[m++] = torch_s[k][j];
            if (torch_p[k][j] > tpmax[j]) tpmax[j] = torch_p[k][j];
        }
        tmed[j] = m ? bench_median(tmp, m) : NAN;
        if (!isnan(tmed[j]) && (isnan(best) || tmed[j] < best)) best = tmed[j], best_j = j;
    }
    for (int k = 0; k < repeat; ++k) {
        tmp[k] = phys[k];
        if (phys_p[k] > pmax) pmax = phys_p[k];
    }
    const double s = bench_median(tmp, repeat);
    const double ratio = s / best;
    if (json) {
        printf("{\"name\": \"ae_epoch\", \"processor\": \"%s\", \"device\": \"%s\", "
               "\"device_name\": \"%s\", \"physml_threads\": %d, \"model\": \"%s\", "
               "\"batch\": %lld, \"train\": %lld, \"runs\": %d, \"repeat\": %d, "
               "\"physml_s\": %.4f, \"physml_samples_per_s\": %.1f, \"torch_s\": %s, "
               "\"ratio\": %s, \"torch_threads\": ",
               bench_cpu_name(), pml_device_spec(dev), pml_device_name(dev),
               pml_device_parallelism(dev), preset, (long long)batch, (long long)n, runs, repeat,
               s, (double)n / s, jnum(best, 4), jnum(ratio, 4));
        if (best_j < 0) printf("null");
        else printf("%d", threads[best_j]);
        printf(", \"torch_s_by_threads\": {");
        for (int j = 0; python && j < nt; ++j)
            printf("%s\"%d\": %s", j ? ", " : "", threads[j], jnum(tmed[j], 4));
        printf("}, \"physml_s_each\": [");
        for (int k = 0; k < repeat; ++k) printf("%s%.4f", k ? ", " : "", phys[k]);
        printf("], \"torch_s_each\": [");
        for (int k = 0; best_j >= 0 && k < repeat; ++k)
            printf("%s%s", k ? ", " : "", jnum(torch_s[k][best_j], 4));
        printf("], \"cpu_pressure\": %s, \"torch_cpu_pressure_by_threads\": {",
               jnum(pmax, 3));
        for (int j = 0; python && j < nt; ++j)
            printf("%s\"%d\": %s", j ? ", " : "", threads[j], jnum(tpmax[j], 3));
        printf("}, \"torch_malloc\": \"%s\", \"blas_core\": \"%s\", \"physml\": \"%s\"}\n",
               peer_malloc ? "mmap_threshold=64MiB" : "default", pml_blas_core(),
               pml_version_string());
    } else {
        char lab[40];
        snprintf(lab, sizeof lab, repeat > 1 ? "physml, median" : "physml");
        printf("%-6s %-5s %6lld %-18s %10.3f %10.0f ", pml_device_spec(dev), preset,
               (long long)batch, lab, s, (double)n / s);
        if (isnan(ratio)) printf("%8s", "");
        else printf("%8.2f", ratio);
        printf(" %8.2f   %s", pmax, bench_cpu_name());
        if (repeat > 1 && best_j >= 0)
            printf("  (against torch's median %.3f s at %d thread%s)", best, threads[best_j],
                   threads[best_j] == 1 ? "" : "s");
        printf("\n");
    }
    fflush(stdout);
    if (do_breakdown) {
        const double step = breakdown(dev, preset, batch, 20);
        const double steps = ceil((double)n / (double)batch), per = s / steps;
        if (json)
            printf("{\"name\": \"ae_step\", \"processor\": \"%s\", \"device\": \"%s\", "
                   "\"model\": \"%s\", \"batch\": %lld, \"step_ms_epoch\": %.4f, "
                   "\"layers_adam_ms\": %.4f, \"rest_ms\": %.4f}\n",
                   bench_cpu_name(), pml_device_spec(dev), preset, (long long)batch, 1e3 * per,
                   1e3 * step, 1e3 * (per - step));
        else
            printf("         a step in the epoch %.3f ms: layers + Adam %.3f ms, the rest (gather, "
                   "loss, driver) %.3f ms\n",
                   1e3 * per, 1e3 * step, 1e3 * (per - step));
        fflush(stdout);
    }
    return best_j >= 0 ? threads[best_j] : 0;
}

static void quality(pml_device *dev, const char *dev_peer, pml_dataset *train_ds,
                    pml_dataset *test_ds, int64_t batch, int epochs, int iwae_k, int threads,
                    uint64_t seed)
{
    const int64_t n = pml_dataset_size(train_ds);
    double t_elbo = NAN, t_iwae = NAN, t_sec = NAN, t_med = NAN, t_p = NAN;
    if (python) {
        char es[16], ns[32], bs[16], ks[16], ss[24], sum[4096];
        snprintf(es, sizeof es, "%d", epochs);
        snprintf(ns, sizeof ns, "%lld", (long long)n);
        snprintf(bs, sizeof bs, "%lld", (long long)batch);
        snprintf(ks, sizeof ks, "%d", iwae_k);
        snprintf(ss, sizeof ss, "%llu", (unsigned long long)seed);
        const char *extra[] = {"--model", "vae", "--epochs", es, "--subset", ns, "--batch", bs,
                               "--seed", ss, iwae_k ? "--iwae" : NULL, ks, NULL};
        const double t0 = bench_now(), p0 = stall_us();
        if (!run_peer(extra, threads, dev_peer, sum, sizeof sum)) {
            t_elbo = json_num(sum, "test_elbo");
            t_iwae = json_num(sum, "iwae_k");
            t_med = json_num(sum, "median_seconds");
            t_sec = bench_now() - t0;
            t_p = pressure_since(p0, t0);
        }
    }
    pml_autoencoder *ae = make_ae(dev, "vae", batch, seed);
    pml_train_result r;
    const double t0 = bench_now(), p0 = stall_us();
    train(ae, train_ds, batch, epochs, seed, &r);
    const double train_s = r.seconds;
    pml_vae_figures f1, fk = {.iwae = NAN, .k = 0};
    BENCH_CHECK(PROG, pml_vae_evaluate(ae, test_ds, PML_SCALE_UNIT, 1, 11, &f1));
    if (iwae_k > 0)
        BENCH_CHECK(PROG, pml_vae_evaluate(ae, test_ds, PML_SCALE_UNIT, iwae_k, 12, &fk));
    const double wall = bench_now() - t0, pressure = pressure_since(p0, t0);
    const double train_loss = r.history[r.epochs_run - 1].train_loss;
    double ep[1000];
    for (int e = 0; e < r.epochs_run; ++e) ep[e] = r.history[e].seconds;
    const double med = bench_median(ep, r.epochs_run);
    pml_train_result_free(&r);
    pml_ae_destroy(ae);
    if (json) {
        printf("{\"name\": \"ae_quality\", \"processor\": \"%s\", \"device\": \"%s\", "
               "\"model\": \"vae\", \"batch\": %lld, \"train\": %lld, \"test\": %lld, "
               "\"epochs\": %d, \"physml_train_loss\": %.4f, \"physml_elbo\": %.4f, "
               "\"physml_recon\": %.4f, \"physml_kl\": %.4f, \"iwae_k\": %d, ",
               bench_cpu_name(), pml_device_spec(dev), (long long)batch, (long long)n,
               (long long)pml_dataset_size(test_ds), epochs, train_loss, f1.elbo, f1.recon, f1.kl,
               iwae_k);
        if (iwae_k > 0) printf("\"physml_iwae\": %.4f, ", fk.iwae);
        else printf("\"physml_iwae\": null, ");
        printf("\"physml_train_s\": %.2f, \"physml_wall_s\": %.2f, \"physml_s\": %.4f, ",
               train_s, wall, med);
        if (isnan(t_med)) printf("\"torch_s\": null, \"ratio\": null, ");
        else printf("\"torch_s\": %.4f, \"ratio\": %.4f, ", t_med, med / t_med);
        if (isnan(t_elbo)) printf("\"torch_elbo\": null, ");
        else printf("\"torch_elbo\": %.4f, ", t_elbo);
        if (isnan(t_iwae)) printf("\"torch_iwae\": null, ");
        else printf("\"torch_iwae\": %.4f, ", t_iwae);
        if (isnan(t_sec)) printf("\"torch_wall_s\": null, ");
        else printf("\"torch_wall_s\": %.2f, ", t_sec);
        printf("\"torch_threads\": %d, \"torch_malloc\": \"%s\", \"cpu_pressure\": %s, "
               "\"torch_cpu_pressure\": %s}\n",
               threads, peer_malloc ? "mmap_threshold=64MiB" : "default", jnum(pressure, 3),
               jnum(t_p, 3));
    } else {
        printf("\n# quality: vae preset, %d epochs on %lld images, batch %lld; test set of %lld "
               "(nats per image, higher is better)\n",
               epochs, (long long)n, (long long)batch, (long long)pml_dataset_size(test_ds));
        printf("%-34s %12s %12s   %s\n", "", "physml", "torch", "");
        printf("%-34s %12.3f %12.3f   %s\n", "test ELBO (k = 1)", f1.elbo, t_elbo, bench_cpu_name());
        if (iwae_k > 0) {
            char lab[64];
            snprintf(lab, sizeof lab, "test IWAE bound (k = %d)", iwae_k);
            printf("%-34s %12.3f %12.3f   %s\n", lab, fk.iwae, t_iwae, bench_cpu_name());
        }
        printf("%-34s %12.3f %12s   (test recon %.3f, kl %.3f)\n", "physml last epoch train loss",
               train_loss, "", f1.recon, f1.kl);
        printf("%-34s %12.3f %12.3f   ratio %.2f   %s\n", "median s/epoch (all epochs)", med,
               t_med, med / t_med, bench_cpu_name());
        printf("%-34s %12.1f %12.1f   (torch %d thread%s; its wall time includes its "
               "per-epoch test evaluation)\n",
               "wall seconds (train + eval)", wall, t_sec, threads, threads == 1 ? "" : "s");
    }
    fflush(stdout);
}

static void ising(pml_device *dev, const int *Ls, int nL, const double *T, int nT, int rule)
{
    double tc[16], err[16];
    int okL[16], nok = 0;
    if (!json)
        printf("\n# Ising T_c pipeline: %d temperatures %.3g..%.3g, pml_ae_ising_defaults\n"
               "%-6s %4s %-10s %10s %10s %10s %16s %8s %10s   %s\n",
               nT, T[0], T[nT - 1], "device", "L", "rule", "gen s", "train s", "total s", "T_c(L)",
               "|z|~|m|", "loss", "");
    for (int i = 0; i < nL; ++i) {
        pml_ae_ising_config c = pml_ae_ising_defaults(Ls[i]);
        c.T = T;
        c.nT = nT;
        if (rule >= 0) c.rule = rule;
        const char *rname = c.rule >= 0 && c.rule < 4 ? bench_ising_rules[c.rule] : "?";
        pml_ae_ising_point *pts = calloc((size_t)nT, sizeof *pts);
        pml_ae_ising_fit fit;
        const double t0 = bench_now(), p0 = stall_us();
        BENCH_CHECK(PROG, pml_ae_ising_run(dev, &c, pts, &fit, NULL, NULL));
        const double wall = bench_now() - t0, pressure = pressure_since(p0, t0);
        free(pts);
        if (isfinite(fit.tc) && nok < 16)
            okL[nok] = Ls[i], tc[nok] = fit.tc, err[nok] = fit.tc_err, ++nok;
        if (json)
            printf("{\"name\": \"ae_ising\", \"processor\": \"%s\", \"device\": \"%s\", \"L\": %d, "
                   "\"nT\": %d, \"T_min\": %.4f, \"T_max\": %.4f, \"rule\": \"%s\", "
                   "\"configs\": %lld, \"therm\": %lld, \"gap\": %lld, \"hidden\": %lld, "
                   "\"epochs\": %d, \"batch\": %lld, \"gen_seconds\": %.3f, "
                   "\"train_seconds\": %.3f, \"wall_seconds\": %.3f, \"tc\": %s, \"tc_err\": %s, "
                   "\"peak_at_edge\": %d, \"corr_abs_m\": %.4f, \"corr_m\": %.4f, "
                   "\"final_loss\": %.6f, \"cpu_pressure\": %s}\n",
                   bench_cpu_name(), pml_device_spec(dev), Ls[i], nT, T[0], T[nT - 1], rname,
                   (long long)c.configs, (long long)c.therm, (long long)c.gap,
                   (long long)c.hidden, c.epochs, (long long)c.batch, fit.gen_seconds,
                   fit.train_seconds, wall, jnum(fit.tc, 5), jnum(fit.tc_err, 5),
                   fit.peak_at_edge, fit.corr_abs_m, fit.corr_m, fit.final_loss,
                   jnum(pressure, 3));
        else
            printf("%-6s %4d %-10s %10.2f %10.2f %10.2f %8.4f+-%6.4f %8.3f %10.5f   %s%s\n",
                   pml_device_spec(dev), Ls[i], rname, fit.gen_seconds, fit.train_seconds, wall,
                   fit.tc, fit.tc_err, fit.corr_abs_m, fit.final_loss, bench_cpu_name(),
                   fit.peak_at_edge ? " (peak at an end of the scan)" : "");
        fflush(stdout);
    }
    if (nok >= 2) {
        double a = NAN, ae = NAN;
        int have_err = 1;
        for (int i = 0; i < nok; ++i) have_err &= isfinite(err[i]) && err[i] > 0;
        const int order = nok >= 4 ? 2 : 1; /* the 1/L^2 term needs four sizes */
        if (pml_ae_tc_extrapolate(okL, tc, have_err ? err : NULL, nok, order, &a, &ae) ==
            PML_OK) {
            if (json)
                printf("{\"name\": \"ae_ising_extrapolation\", \"processor\": \"%s\", "
                       "\"device\": \"%s\", \"sizes\": %d, \"order\": %d, \"tc_inf\": %s, "
                       "\"tc_inf_err\": %s, \"exact\": 2.26919}\n",
                       bench_cpu_name(), pml_device_spec(dev), nok, order, jnum(a, 5), jnum(ae, 5));
            else
                printf("T_c(L -> inf) = %.4f +- %.4f from %d sizes, order %d (exact 2.2692)\n",
                       a, ae, nok, order);
        }
    }
}

/* "1,2" -> ints >= 1 (at most cap); the count. */
static int parse_ints(const char *s, int *v, int cap)
{
    int n = 0;
    for (const char *p = s; *p && n < cap; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
        if ((v[n] = atoi(p)) >= 1) ++n;
    return n;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: bench_ae [--device cpu|cuda|auto] [--data DIR] [--subset N] [--runs R] "
            "[--repeat K] "
            "[--batch B] [--models vae,conv] [--python PATH [--peer PATH] [--threads 1,2] "
            "[--peer-default-malloc]] "
            "[--quality [--epochs E] [--iwae K] [--seed S]] [--ising-L 16,32] "
            "[--ising-T FROM:TO:STEP] [--ising-rule metropolis|heatbath|sw|wolff] "
            "[--no-speed] [--breakdown] [--json]\n");
    return 2;
}

int main(int argc, char **argv)
{
    pml_restart_tuned(argv);
    const char *which = "cpu", *model_list = "vae,conv", *thread_list = "1",
               *ising_list = "16,32", *ising_T = "1.5:3.5:0.05";
    int64_t subset = 60000, batch = 128;
    int runs = 3, repeat = 1, epochs = 10, iwae_k = 0, do_quality = 0, do_speed = 1;
    int do_breakdown = 0;
    int ising_rule = -1; /* -1: pml_ae_ising_defaults' */
    long long seed = 1;  /* the quality run's: initialisation, batches, noise; the peer's too */
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) which = argv[++i];
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--subset") && i + 1 < argc) subset = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--models") && i + 1 < argc) model_list = argv[++i];
        else if (!strcmp(argv[i], "--python") && i + 1 < argc) python = argv[++i];
        else if (!strcmp(argv[i], "--peer") && i + 1 < argc) peer = argv[++i];
        else if (!strcmp(argv[i], "--peer-default-malloc")) peer_malloc = 0;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) thread_list = argv[++i];
        else if (!strcmp(argv[i], "--quality")) do_quality = 1;
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--iwae") && i + 1 < argc) iwae_k = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--ising-L") && i + 1 < argc) ising_list = argv[++i];
        else if (!strcmp(argv[i], "--ising-T") && i + 1 < argc) ising_T = argv[++i];
        else if (!strcmp(argv[i], "--ising-rule") && i + 1 < argc) {
            ++i;
            if ((ising_rule = bench_ising_rule(argv[i], strlen(argv[i]))) < 0) return usage();
        }
        else if (!strcmp(argv[i], "--no-speed")) do_speed = 0;
        else if (!strcmp(argv[i], "--breakdown")) do_breakdown = 1;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else return usage();
    }
    int threads[8], Ls[16];
    const int nt = parse_ints(thread_list, threads, 8);
    const int nL = parse_ints(ising_list, Ls, 16);
    if (subset < 1 || subset > 60000 || batch < 1 || batch > 4096 || runs < 1 || runs > 60 ||
        repeat < 1 || repeat > MAX_REPEAT ||
        epochs < 1 || epochs > 1000 || iwae_k < 0 || iwae_k > 100000 || nt < 1 || seed < 0) {
        fprintf(stderr, PROG ": a count is out of range\n");
        return usage();
    }
    double T[256];
    int nT = 0;
    {
        double a, b, st;
        if (sscanf(ising_T, "%lf:%lf:%lf", &a, &b, &st) != 3 || !(st > 0) || !(b > a) || !(a > 0)) {
            fprintf(stderr, PROG ": --ising-T %s: want FROM:TO:STEP\n", ising_T);
            return 2;
        }
        const long k = lround((b - a) / st);
        for (long i = 0; i <= k && nT < 256; ++i) T[nT++] = a + (double)i * st;
    }
    /* the peer beside this file (bench/peers/vae_torch.py) unless named */
    static char peer_path[1024];
    if (python && peer == NULL) {
        snprintf(peer_path, sizeof peer_path, "%s", __FILE__);
        char *slash = strrchr(peer_path, '/');
        if (slash) snprintf(slash + 1, sizeof peer_path - (size_t)(slash + 1 - peer_path),
                            "peers/vae_torch.py");
        else snprintf(peer_path, sizeof peer_path, "bench/peers/vae_torch.py");
        peer = peer_path;
    }

    pml_device *dev = NULL;
    if (pml_device_open(which, &dev) != PML_OK) {
        fprintf(stderr, PROG ": device %s: %s\n", which, pml_last_error());
        return 1;
    }
    const char *dev_peer = pml_device_get_kind(dev) == PML_DEVICE_CPU ? "cpu" : "cuda";
    if (!json) {
        printf("# %s: %s, %d threads; processor %s; BLAS %s (%s kernels); physml %s\n",
               pml_device_spec(dev), pml_device_name(dev), pml_device_parallelism(dev),
               bench_cpu_name(), pml_blas_name(), pml_blas_core(), pml_version_string());
        if (python)
            printf("# peer %s %s, glibc malloc %s; contend: the share of the wall time some "
                   "task waited for a CPU (/proc/pressure/cpu)\n",
                   python, peer, peer_malloc ? "with a fixed 64 MiB mmap threshold" : "default");
    }

    pml_dataset *full = NULL, *train_ds = NULL, *test_ds = NULL;
    const char *dir = data ? data : pml_data_default_dir();
    if (do_speed || do_quality) {
        BENCH_CHECK(PROG, pml_dataset_load_expect(dev, dir, PML_SPLIT_TRAIN, 784, &full));
        if (subset > pml_dataset_size(full)) subset = pml_dataset_size(full);
        BENCH_CHECK(PROG, pml_dataset_head(full, subset, &train_ds));
        pml_dataset_destroy(full);
    }
    int vae_threads = threads[0]; /* the quality peer's: the faster at the vae speed run */
    if (do_speed) {
        if (!json)
            printf("%-6s %-5s %6s %-18s %10s %10s %8s %8s\n", "device", "model", "batch", "impl",
                   "s/epoch", "images/s", "ratio", "contend");
        for (const char *p = model_list; *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : "") {
            char name[16];
            const size_t k = strcspn(p, ",");
            snprintf(name, sizeof name, "%.*s", (int)(k < 15 ? k : 15), p);
            if (strcmp(name, "vae") && strcmp(name, "conv")) {
                fprintf(stderr, PROG ": --models: %s is not vae or conv\n", name);
                return 2;
            }
            const int t = speed(dev, dev_peer, name, train_ds, batch, runs, repeat, threads,
                                nt, do_breakdown);
            if (!strcmp(name, "vae") && t > 0) vae_threads = t;
        }
    }
    if (do_quality) {
        BENCH_CHECK(PROG, pml_dataset_load_expect(dev, dir, PML_SPLIT_TEST, 784, &test_ds));
        quality(dev, dev_peer, train_ds, test_ds, batch, epochs, iwae_k, vae_threads,
                (uint64_t)seed);
    }
    pml_dataset_destroy(train_ds);
    pml_dataset_destroy(test_ds);
    if (nL > 0) ising(dev, Ls, nL, T, nT, ising_rule);
    pml_device_close(dev);
    return 0;
}
