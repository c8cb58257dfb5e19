/* bench_train: seconds per epoch and samples/s of the recommended 784-100-10 network
 * (ReLU, softmax cross-entropy, Adam lr 1e-3, He init, inputs scaled to [0, 1]) on the
 * Fashion-MNIST training set, at batch 64 and 256, on every backend found; with --peer, the
 * PyTorch peer (bench/peers/mlp_torch.py, same shape, optimiser and batches; two threads on
 * the CPU, eager mode on the GPU) runs on the same kind of device first, in the same
 * invocation, and the ratio is printed.
 *
 *   bench_train [--data DIR] [--epochs N] [--reps R] [--device cpu|cuda|all]
 *               [--peer bench/peers/mlp_torch.py] [--json]
 *
 * One epoch: a Philox shuffle, then gather + forward + loss + backward + Adam step for
 * every mini-batch (the last partial one included). The first epoch is a warm-up; the
 * median of the next `epochs` is reported. A second section times the parts of a step. */
#include "bench_util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "physml/physml.h"

/* Median seconds per epoch of pml_train. */
static double time_epochs(pml_device *dev, pml_dataset *train, int64_t batch, int epochs)
{
    pml_model *m = NULL;
    BENCH_CHECK("bench_train", pml_model_from_spec(dev, "dense:100,relu,dense:10", 784, batch, PML_INIT_HE, 0, 1, &m));
    return bench_epoch_median("bench_train", m, train, batch, epochs);
}

/* Where a step's time goes: median over `steps` steps of each phase, synchronised. */
static void time_parts(pml_device *dev, pml_dataset *train, int64_t batch, int steps, double out[5])
{
    pml_model *m = NULL;
    pml_optimizer *o = NULL;
    BENCH_CHECK("bench_train", pml_model_from_spec(dev, "dense:100,relu,dense:10", 784, batch, PML_INIT_HE, 0, 1, &m));
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    BENCH_CHECK("bench_train", pml_optimizer_create(dev, &oc, &o));
    pml_tensor *x = NULL, *lab = NULL, *dy = NULL;
    BENCH_CHECK("bench_train", pml_tensor_create_2d(dev, PML_F32, batch, 784, &x));
    BENCH_CHECK("bench_train", pml_tensor_create_1d(dev, PML_I32, batch, &lab));
    BENCH_CHECK("bench_train", pml_tensor_create_2d(dev, PML_F32, batch, 10, &dy));
    double *t[5];
    for (int k = 0; k < 5; ++k) t[k] = malloc((size_t)steps * sizeof(double));
    int64_t n = pml_dataset_size(train);
    for (int i = 0; i < steps; ++i) {
        int64_t start = ((int64_t)i * batch) % (n - batch);
        const pml_tensor *y = NULL;
        double l = 0;
        double t0 = bench_now();
        BENCH_CHECK("bench_train", pml_dataset_batch(train, start, batch, PML_SCALE_UNIT, NULL, 0, 0, x, lab));
        BENCH_CHECK("bench_train", pml_device_synchronize(dev));
        double t1 = bench_now();
        BENCH_CHECK("bench_train", pml_model_forward(m, x, batch, &y));
        BENCH_CHECK("bench_train", pml_device_synchronize(dev));
        double t2 = bench_now();
        BENCH_CHECK("bench_train", pml_loss_compute(PML_LOSS_SOFTMAX_XENT, PML_REDUCE_MEAN, y, lab, NULL, batch, &l, dy, NULL));
        double t3 = bench_now();
        BENCH_CHECK("bench_train", pml_model_backward(m, dy, batch));
        BENCH_CHECK("bench_train", pml_device_synchronize(dev));
        double t4 = bench_now();
        BENCH_CHECK("bench_train", pml_optimizer_step_model(o, m));
        BENCH_CHECK("bench_train", pml_device_synchronize(dev));
        double t5 = bench_now();
        t[0][i] = t1 - t0;
        t[1][i] = t2 - t1;
        t[2][i] = t3 - t2;
        t[3][i] = t4 - t3;
        t[4][i] = t5 - t4;
    }
    for (int k = 0; k < 5; ++k) {
        out[k] = bench_median(t[k], steps);
        free(t[k]);
    }
    pml_tensor_destroy(x);
    pml_tensor_destroy(lab);
    pml_tensor_destroy(dy);
    pml_optimizer_destroy(o);
    pml_model_destroy(m);
}

int main(int argc, char **argv)
{
    const char *data = NULL, *which = "all", *peer = NULL;
    int epochs = 3, reps = 1, json = 0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--device") && i + 1 < argc) which = argv[++i];
        else if (!strcmp(argv[i], "--peer") && i + 1 < argc) peer = argv[++i];
        else if (!strcmp(argv[i], "--json")) json = 1;
        else {
            fprintf(stderr, "usage: bench_train [--data DIR] [--epochs N] [--reps R] "
                            "[--device cpu|cuda|all] [--peer PATH] [--json]\n");
            return 2;
        }
    }
    if (epochs < 1 || epochs > 60 || reps < 1) return 2;
    const char *specs[2] = {"cpu", "cuda"};
    const int64_t batches[2] = {64, 256};
    double peer_s[2] = {NAN, NAN};
    if (!json)
        printf("%-8s %-28s %6s %12s %12s %10s\n", "device", "name", "batch", "s/epoch",
               "samples/s", "vs torch");
    for (int r = 0; r < reps; ++r) {
        for (int d = 0; d < 2; ++d) {
            if (strcmp(which, "all") != 0 && strcmp(which, specs[d]) != 0) continue;
            pml_device *dev = NULL;
            if (pml_device_open(specs[d], &dev) != PML_OK) {
                if (!json) printf("%-8s (not available: %s)\n", specs[d], pml_last_error());
                continue;
            }
            /* the peer on the same kind of device, first, in this same invocation */
            peer_s[0] = peer_s[1] = NAN;
            if (peer) {
                char ep[16];
                snprintf(ep, sizeof ep, "%d", epochs);
                const char *pargv[] = {"/usr/bin/python3", peer, "--device", specs[d],
                                       "--epochs", ep, "--batch", "64", "256",
                                       data ? "--data" : NULL, data, NULL};
                static char out[1 << 16];
                if (pml_run(pargv, NULL, out, sizeof out, NULL, 0) != 0) out[0] = 0;
                for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
                    const char *b = strstr(line, "\"batch\": "),
                               *s = strstr(line, "\"seconds_per_epoch\": ");
                    if (!b || !s) continue;
                    int bb = atoi(b + 9);
                    double ss = atof(s + 21);
                    for (int k = 0; k < 2; ++k)
                        if (bb == batches[k]) peer_s[k] = ss;
                    if (json) puts(line);
                    else printf("%-8s %-28s %6d %12.3f %12.0f %10s\n", specs[d],
                                "pytorch 784-100-10 adam", bb, ss, 60000.0 / ss, "1.00");
                }
            }
            pml_dataset *train = NULL;
            BENCH_CHECK("bench_train", pml_dataset_load(dev, data ? data : pml_data_default_dir(), PML_SPLIT_TRAIN, &train));
            int64_t n = pml_dataset_size(train);
            for (int k = 0; k < 2; ++k) {
                double s = time_epochs(dev, train, batches[k], epochs);
                double parts[5];
                time_parts(dev, train, batches[k], 200, parts);
                double ratio = s / peer_s[k];
                if (json) {
                    char rj[32] = "null";
                    if (!isnan(ratio)) snprintf(rj, sizeof rj, "%.4f", ratio);
                    printf("{\"name\": \"train_784_100_10\", \"impl\": \"physml\", \"device\": \"%s\", "
                           "\"device_name\": \"%s\", \"batch\": %lld, \"seconds_per_epoch\": %.6f, "
                           "\"samples_per_s\": %.1f, \"epochs_timed\": %d, \"ratio_vs_torch\": %s, "
                           "\"step_us\": {\"gather\": %.1f, \"forward\": %.1f, \"loss\": %.1f, "
                           "\"backward\": %.1f, \"adam\": %.1f}}\n",
                           pml_device_spec(dev), pml_device_name(dev), (long long)batches[k], s,
                           (double)n / s, epochs, rj, 1e6 * parts[0], 1e6 * parts[1], 1e6 * parts[2], 1e6 * parts[3],
                           1e6 * parts[4]);
                } else {
                    char rs[16] = "-";
                    if (!isnan(ratio)) snprintf(rs, sizeof rs, "%.2f", ratio);
                    printf("%-8s %-28s %6lld %12.3f %12.0f %10s\n", pml_device_spec(dev),
                           "physml 784-100-10 adam", (long long)batches[k], s, (double)n / s, rs);
                    printf("         per step (us, median of 200): gather %.0f, forward %.0f, "
                           "loss %.0f, backward %.0f, adam %.0f\n",
                           1e6 * parts[0], 1e6 * parts[1], 1e6 * parts[2], 1e6 * parts[3],
                           1e6 * parts[4]);
                }
                fflush(stdout);
            }
            pml_dataset_destroy(train);
            pml_device_close(dev);
        }
    }
    return 0;
}
