/* bench_cnn: seconds per epoch of `physml train --preset cnn`'s network (three blocks of 3x3
 * convolution, batch norm, ReLU and 2x2 max pooling, a dense head with dropout; Adam, softmax
 * cross-entropy, inputs scaled to [0, 1]) on the Fashion-MNIST training set at batch 64 and
 * 256, on every backend found, beside the PyTorch peer (bench/peers/cnn_torch.py: the same
 * network built from the same spec, optimiser and batches) run first in the same invocation:
 * on the CPU at each thread count of --threads (the best is the one compared), eager on a
 * GPU. Then where a step's time goes, layer by layer.
 *
 *   bench_cnn [--data DIR] [--epochs N] [--device cpu|cuda|all] [--batch 64,256]
 *             [--peer bench/peers/cnn_torch.py] [--python /usr/bin/python3] [--threads 1,2]
 *             [--json]
 *
 * One epoch: a Philox shuffle, then gather + forward + loss + backward + Adam for every
 * mini-batch. The first epoch is a warm-up; the median of the next `epochs` is reported. */
#include "bench_util.h"
#include <math.h>

#include "cli/train_common.h" /* PML_CNN_PRESET_ARCH */
#include "bench_layers.h"     /* the breakdown */

#define SPEC PML_CNN_PRESET_ARCH

static pml_model *make_model(pml_device *dev, int64_t batch)
{
    pml_model *m = NULL;
    BENCH_CHECK("bench_cnn", pml_model_create_shaped(dev, PML_F32, 3, (const int64_t[]){1, 28, 28},
                                                     batch, &m));
    BENCH_CHECK("bench_cnn", pml_model_add_spec(m, SPEC, PML_INIT_HE, 0.0f, 1));
    return m;
}

static double time_epochs(pml_device *dev, pml_dataset *train, int64_t batch, int epochs)
{
    return bench_epoch_median("bench_cnn", make_model(dev, batch), train, batch, epochs);
}

/* Median milliseconds of each layer's forward and backward (training mode) and of the Adam
 * step over `steps` steps of random data, synchronised after each. */
static void breakdown(pml_device *dev, int64_t batch, int steps, int json)
{
    pml_model *m = make_model(dev, batch);
    const double total = bench_layer_breakdown("bench_cnn", dev, m, batch, 784, steps,
                                               "cnn_layer", "cnn_preset", json);
    if (!json) printf("         step (sum of the medians) %.3f ms\n", 1e3 * total);
    pml_model_destroy(m);
}

/* The peer's median seconds per epoch at `batch` with `threads` (CPU) on device spec; NAN
 * when it fails. Its JSON lines are echoed with --json. */
static const char *python = "/usr/bin/python3";

static double run_peer(const char *peer, const char *data, const char *spec, int64_t batch,
                       int threads, int epochs, int json)
{
    char b[16], th[16], ep[16];
    snprintf(b, sizeof b, "%lld", (long long)batch);
    snprintf(th, sizeof th, "%d", threads);
    snprintf(ep, sizeof ep, "%d", epochs + 1);
    const char *argv[] = {python, peer, "--time-only", ep, "--batch", b,
                          "--threads", th, "--device", spec, "--json",
                          data ? "--data" : NULL, data, NULL};
    static char out[1 << 16];
    if (pml_run(argv, NULL, out, sizeof out, NULL, 0) != 0) return NAN;
    /* the median of the epochs after the first, from the per-epoch lines */
    double t[64];
    int n = 0, line_no = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (json) puts(line);
        const char *s = strstr(line, "\"seconds\": ");
        if (s && !strstr(line, "summary") && line_no++ > 0 && n < 64) t[n++] = atof(s + 11);
    }
    return n ? bench_median(t, n) : NAN;
}

int main(int argc, char **argv)
{
    pml_restart_tuned(argv);
    const char *data = NULL, *which = "cpu", *peer = NULL, *batch_list = "64,256";
    const char *thread_list = "1,2";
    int epochs = 2, json = 0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--device") && i + 1 < argc) which = argv[++i];
        else if (!strcmp(argv[i], "--peer") && i + 1 < argc) peer = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch_list = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) thread_list = argv[++i];
        else if (!strcmp(argv[i], "--python") && i + 1 < argc) python = argv[++i];
        else if (!strcmp(argv[i], "--json")) json = 1;
        else {
            fprintf(stderr, "usage: bench_cnn [--data DIR] [--epochs N] [--device cpu|cuda|all] "
                            "[--batch 64,256] [--peer PATH] [--python PATH] [--threads 1,2] "
                            "[--json]\n");
            return 2;
        }
    }
    if (epochs < 1 || epochs > 60) return 2;
    int64_t batches[8];
    int nb = 0, threads[8], nt = 0;
    for (const char *p = batch_list; *p && nb < 8; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
        if ((batches[nb] = atoll(p)) >= 1 && batches[nb] <= 4096) ++nb;
    for (const char *p = thread_list; *p && nt < 8; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
        if ((threads[nt] = atoi(p)) >= 1) ++nt;
    if (nb == 0 || nt == 0) return 2;
    const char *specs[2] = {"cpu", "cuda"};
    for (int d = 0; d < 2; ++d) {
        if (strcmp(which, "all") != 0 && strcmp(which, specs[d]) != 0) continue;
        pml_device *dev = NULL;
        if (pml_device_open(specs[d], &dev) != PML_OK) {
            if (!json) printf("%s: not available: %s\n", specs[d], pml_last_error());
            continue;
        }
        if (!json)
            printf("# %s: %s, %d threads; physml %s\n%-6s %6s %-22s %12s %12s %10s\n",
                   pml_device_spec(dev), pml_device_name(dev), pml_device_parallelism(dev),
                   pml_version_string(), "device", "batch", "impl", "s/epoch", "images/s",
                   "vs torch");
        pml_dataset *full = NULL, *train = NULL, *val = NULL;
        BENCH_CHECK("bench_cnn", pml_dataset_load(dev, data ? data : pml_data_default_dir(),
                                                  PML_SPLIT_TRAIN, &full));
        /* the preset's training set: 90% of the images */
        BENCH_CHECK("bench_cnn", pml_dataset_split(full, 0.1, 1, &train, &val));
        const double n = (double)pml_dataset_size(train);
        for (int k = 0; k < nb; ++k) {
            double best = NAN;
            int best_t = 0;
            for (int j = 0; peer && j < (d == 0 ? nt : 1); ++j) {
                const double s = run_peer(peer, data, specs[d], batches[k], threads[j], epochs,
                                          json);
                if (!json)
                    printf("%-6s %6lld %-22s %12.3f %12.0f %10s\n", specs[d],
                           (long long)batches[k], d == 0 ? "torch" : "torch eager", s, n / s,
                           "");
                if (!json && d == 0) printf("%*s(%d thread%s)\n", 36, "", threads[j],
                                            threads[j] == 1 ? "" : "s");
                if (!isnan(s) && (isnan(best) || s < best)) best = s, best_t = threads[j];
            }
            const double s = time_epochs(dev, train, batches[k], epochs);
            const double ratio = s / best;
            if (json)
                printf("{\"name\": \"cnn_preset\", \"impl\": \"physml\", \"device\": \"%s\", "
                       "\"device_name\": \"%s\", \"batch\": %lld, \"seconds_per_epoch\": %.4f, "
                       "\"samples_per_s\": %.1f, \"epochs_timed\": %d, \"torch_seconds\": %.4f, "
                       "\"torch_threads\": %d, \"ratio_vs_torch\": %.4f}\n",
                       pml_device_spec(dev), pml_device_name(dev), (long long)batches[k], s, n / s,
                       epochs, best, best_t, ratio);
            else
                printf("%-6s %6lld %-22s %12.3f %12.0f %10.2f\n", specs[d], (long long)batches[k],
                       "physml", s, n / s, ratio);
            breakdown(dev, batches[k], 20, json);
            fflush(stdout);
        }
        pml_dataset_destroy(train);
        pml_dataset_destroy(val);
        pml_dataset_destroy(full);
        pml_device_close(dev);
    }
    return 0;
}
