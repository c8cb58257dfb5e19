/* bench_data: the data pipeline on one device. Times loading Fashion-MNIST (gzip'd IDX ->
 * device), a per-epoch shuffle, and one epoch of mini-batches (gather + scale, and with
 * shift/flip/noise augmentation) at batch 64 and 256. Medians of --reps runs.
 *
 *   bench_data [--device D] [--data DIR] [--reps N] [--json] */
#include "bench_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "physml/physml.h"

static void report(int json, const char *dev, const char *name, int batch, double sec,
                   double samples)
{
    if (json)
        printf("{\"name\": \"%s\", \"device\": \"%s\", \"batch\": %d, \"median_s\": %.6g, "
               "\"samples_per_s\": %.6g}\n", name, dev, batch, sec, samples / sec);
    else
        printf("%-32s %6d %12.4f %14.4g\n", name, batch, sec, samples / sec);
}

int main(int argc, char **argv)
{
    const char *spec = "auto", *dir = NULL;
    int reps = 5, json = 0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) spec = argv[++i];
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else {
            fprintf(stderr, "usage: bench_data [--device D] [--data DIR] [--reps N] [--json]\n");
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    pml_device *dev = NULL;
    BENCH_CHECK("bench_data", pml_device_open(spec, &dev));
    const char *dn = pml_device_name(dev);
    if (!json) printf("device: %s (%s)\n%-32s %6s %12s %14s\n", pml_device_spec(dev), dn, "what",
                      "batch", "median s", "samples/s");
    double *t = malloc((size_t)reps * sizeof *t);
    pml_dataset *ds = NULL;
    for (int r = 0; r < reps; ++r) {
        pml_dataset_destroy(ds);
        double t0 = bench_now();
        BENCH_CHECK("bench_data", pml_dataset_load(dev, dir, PML_SPLIT_TRAIN, &ds));
        BENCH_CHECK("bench_data", pml_device_synchronize(dev));
        t[r] = bench_now() - t0;
    }
    int64_t n = pml_dataset_size(ds);
    report(json, dn, "load_train", 0, bench_median(t, reps), (double)n);
    for (int r = 0; r < reps; ++r) {
        double t0 = bench_now();
        BENCH_CHECK("bench_data", pml_dataset_shuffle(ds, 1, (uint64_t)r));
        t[r] = bench_now() - t0;
    }
    report(json, dn, "shuffle", 0, bench_median(t, reps), (double)n);

    const int batches[2] = {64, 256};
    const pml_augment augs[3] = {{0, 0, 0.0f, 0.0f, 0.0f}, {2, 1, 0.0f, 0.0f, 0.0f}, {2, 1, 0.1f, 0.0f, 0.0f}};
    const char *names[3] = {"epoch_batches", "epoch_batches_shift_flip",
                            "epoch_batches_shift_flip_noise"};
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 2; ++b) {
            int bs = batches[b];
            pml_tensor *x = NULL, *y = NULL;
            BENCH_CHECK("bench_data", pml_tensor_create_2d(dev, PML_F32, bs, pml_dataset_features(ds), &x));
            BENCH_CHECK("bench_data", pml_tensor_create_1d(dev, PML_I32, bs, &y));
            for (int r = 0; r < reps; ++r) {
                double t0 = bench_now();
                uint64_t step = 0;
                for (int64_t s = 0; s + bs <= n; s += bs)
                    BENCH_CHECK("bench_data", pml_dataset_batch(ds, s, bs, PML_SCALE_STANDARD, &augs[a], 7, step++,
                                            x, y));
                BENCH_CHECK("bench_data", pml_device_synchronize(dev));
                t[r] = bench_now() - t0;
            }
            report(json, dn, names[a], bs, bench_median(t, reps), (double)(n / bs * bs));
            pml_tensor_destroy(x);
            pml_tensor_destroy(y);
        }
    free(t);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
    return 0;
}
