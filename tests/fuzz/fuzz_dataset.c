/* pml_dataset_load on a directory of an images file and a labels file made from the input:
 *   byte 0       bit 0: the test split (t10k-*) instead of train-*
 *                bit 1: the images file named .gz, bit 2: the labels file named .gz
 *                (only the name: the IDX reader goes by the content)
 *                bit 3: no labels file at all
 *   bytes 1..4   the images file's length, little-endian (cut to what is there)
 *   then         the images file, then the labels file.
 * A loaded dataset must be usable: its statistics and a one-example batch. */
#include <math.h>
#include <stdio.h>

#include "fuzz_util.h"

static void put(const char *split, const char *kind, int gz, const uint8_t *data, size_t n)
{
    char name[64], path[FUZZ_PATH_MAX];
    snprintf(name, sizeof name, "%s-%s-ubyte%s", split, kind, gz ? ".gz" : "");
    fuzz_file(name, data, n, path);
}

static void use(pml_dataset *ds)
{
    pml_device *dev = fuzz_device();
    FUZZ_CHECK(pml_dataset_size(ds) >= 1 && pml_dataset_classes(ds) >= 1);
    FUZZ_CHECK(pml_dataset_rows(ds) >= 1 && pml_dataset_cols(ds) >= 1);
    double mean = NAN, std = NAN;
    FUZZ_CHECK(pml_dataset_pixel_stats(ds, &mean, &std) == PML_OK);
    FUZZ_CHECK(mean >= 0 && mean <= 1 && std > 0 && isfinite(std));
    pml_tensor *x = NULL, *y = NULL;
    FUZZ_CHECK(pml_tensor_create_2d(dev, PML_F32, 1, pml_dataset_features(ds), &x) == PML_OK);
    FUZZ_CHECK(pml_tensor_create_1d(dev, PML_I32, 1, &y) == PML_OK);
    FUZZ_CHECK(pml_dataset_batch(ds, 0, 1, PML_SCALE_STANDARD, NULL, 1, 0, x, y) == PML_OK);
    int32_t label = -1;
    FUZZ_CHECK(pml_tensor_download(y, &label, sizeof label) == PML_OK);
    FUZZ_CHECK(label >= 0 && label < pml_dataset_classes(ds));
    pml_tensor_destroy(x);
    pml_tensor_destroy(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5) return 0;
    const unsigned flags = data[0];
    uint32_t ilen = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 |
                    (uint32_t)data[4] << 24;
    const uint8_t *images = data + 5;
    const size_t rest = size - 5, n = ilen < rest ? ilen : rest;
    const char *split = (flags & 1) ? "t10k" : "train";
    fuzz_dir_clear(); /* the plain name wins over .gz: no file of the last input may stay */
    put(split, "images-idx3", flags & 2, images, n);
    if (!(flags & 8)) put(split, "labels-idx1", flags & 4, images + n, rest - n);
    pml_dataset *ds = NULL;
    if (pml_dataset_load(fuzz_device(), fuzz_dir(), (flags & 1) ? PML_SPLIT_TEST : PML_SPLIT_TRAIN,
                         &ds) == PML_OK)
        use(ds);
    pml_dataset_destroy(ds);
    return 0;
}
