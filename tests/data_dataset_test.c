/* Datasets on the CPU device: loading (real Fashion-MNIST, crafted directories), batches
 * against a host reference for every scaling, the scalings' names, shuffles, splits, heads,
 * augmentation geometry and noise, and every bad-argument path. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/philox.h"
#include "cpu/cpu.h"
#include "data/dataset.h"
#include "pml_test.h"

#define FMNIST "/usr/share/datasets/fashion-mnist"

TestSuite(dataset, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

/* n examples of rows x cols whose pixels encode the example: p[0] = id & 255,
 * p[1] = id >> 8, the rest (id * 31 + j * 7) & 255; label id % classes. */
static void craft(int64_t n, int rows, int cols, int classes, uint8_t **img, uint8_t **lab)
{
    int64_t f = (int64_t)rows * cols;
    *img = malloc((size_t)(n * f));
    *lab = malloc((size_t)n);
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < f; ++j) (*img)[i * f + j] = (uint8_t)((i * 31 + j * 7) & 255);
        (*img)[i * f] = (uint8_t)(i & 255);
        if (f > 1) (*img)[i * f + 1] = (uint8_t)(i >> 8);
        (*lab)[i] = (uint8_t)(i % classes);
    }
}

/* craft()'s examples as a dataset on dev; *img and *lab stay the caller's to free. */
static pml_dataset *crafted(pml_device *dev, int64_t n, int rows, int cols, int classes,
                            uint8_t **img, uint8_t **lab)
{
    craft(n, rows, cols, classes, img, lab);
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, n, rows, cols, *img, *lab, classes, &ds));
    return ds;
}

static int64_t example_id(const uint8_t *p) { return p[0] | (int64_t)p[1] << 8; }

/* Download a dataset's images and labels. */
static void host_copy(const pml_dataset *ds, uint8_t **img, uint8_t **lab)
{
    size_t f = (size_t)pml_dataset_features(ds), n = (size_t)pml_dataset_size(ds);
    *img = malloc(n * f);
    *lab = malloc(n);
    PML_ASSERT_OK(pml_tensor_download(ds->images, *img, n * f));
    PML_ASSERT_OK(pml_tensor_download(ds->labels, *lab, n));
}

/* A dataset's geometry: size examples of rows x cols pixels (features their product), and
 * the number of classes. */
static void expect_geometry(const char *what, const pml_dataset *ds, int64_t size, int rows,
                            int cols, int classes)
{
    cr_assert_eq(pml_dataset_size(ds), size, "%s: %lld examples, want %lld", what,
                 (long long)pml_dataset_size(ds), (long long)size);
    cr_assert(pml_dataset_rows(ds) == rows && pml_dataset_cols(ds) == cols,
              "%s: %d x %d pixels, want %d x %d", what, pml_dataset_rows(ds),
              pml_dataset_cols(ds), rows, cols);
    cr_assert_eq(pml_dataset_features(ds), (int64_t)rows * cols, "%s", what);
    cr_assert_eq(pml_dataset_classes(ds), classes, "%s: %d classes, want %d", what,
                 pml_dataset_classes(ds), classes);
}

Test(dataset, default_dir_follows_environment)
{
    unsetenv("PML_DATA_DIR");
    cr_assert_str_eq(pml_data_default_dir(), FMNIST);
    setenv("PML_DATA_DIR", "/some/where", 1);
    cr_assert_str_eq(pml_data_default_dir(), "/some/where");
    setenv("PML_DATA_DIR", "", 1);
    cr_assert_str_eq(pml_data_default_dir(), FMNIST);
}

Test(dataset, load_fashion_mnist)
{
    unsetenv("PML_DATA_DIR");
    pml_device *dev = pml_test_open_cpu();
    pml_dataset *tr = NULL, *te = NULL;
    PML_ASSERT_OK(pml_dataset_load(dev, NULL, PML_SPLIT_TRAIN, &tr));
    PML_ASSERT_OK(pml_dataset_load(dev, FMNIST, PML_SPLIT_TEST, &te));
    expect_geometry("train", tr, 60000, 28, 28, 10);
    expect_geometry("test", te, 10000, 28, 28, 10);
    cr_assert_eq(pml_dataset_features(tr), 784);
    cr_assert_eq(pml_dataset_device(tr), dev);
    /* pixel statistics, computed independently with Python over all 47 M pixels */
    double m, s;
    PML_ASSERT_OK(pml_dataset_pixel_stats(tr, &m, &s));
    cr_assert(fabs(m - 0.2860405970) < 1e-9, "mean %.10f", m);
    cr_assert(fabs(s - 0.3530242445) < 1e-9, "std %.10f", s);
    /* the first batch: labels 9 0 0 3 and the first image's pixels / 255 */
    pml_tensor *x = NULL, *y = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, 4, 784, &x));
    PML_ASSERT_OK(pml_tensor_create_1d(dev, PML_I32, 4, &y));
    PML_ASSERT_OK(pml_dataset_batch(tr, 0, 4, PML_SCALE_RAW, NULL, 0, 0, x, y));
    const int32_t *yl = pml_tensor_data(y);
    cr_assert(yl[0] == 9 && yl[1] == 0 && yl[2] == 0 && yl[3] == 3);
    const float *xp = pml_tensor_data(x);
    double sum = 0;
    for (int i = 0; i < 784; ++i) sum += xp[i];
    cr_assert_eq(sum, 76247.0);
    pml_tensor_destroy(x);
    pml_tensor_destroy(y);
    pml_dataset_destroy(tr);
    pml_dataset_destroy(te);
    pml_device_close(dev);
}

static void write_set(const char *prefix, int64_t n, int64_t nlab, int gz)
{
    uint8_t *img, *lab;
    craft(n > nlab ? n : nlab, 4, 3, 5, &img, &lab);
    char name[128];
    pml_idx im = {PML_U8, 3, {n, 4, 3}, img};
    snprintf(name, sizeof name, "%s-images-idx3-ubyte%s", prefix, gz ? ".gz" : "");
    PML_ASSERT_OK(pml_idx_write(pml_test_tmppath(name), &im));
    pml_idx lb = {PML_U8, 1, {nlab}, lab};
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte%s", prefix, gz ? ".gz" : "");
    PML_ASSERT_OK(pml_idx_write(pml_test_tmppath(name), &lb));
    free(img);
    free(lab);
}

Test(dataset, load_crafted_directories)
{
    pml_device *dev = pml_test_open_cpu();
    write_set("train", 50, 50, 0); /* plain */
    write_set("t10k", 20, 20, 1);  /* gzip'd */
    pml_dataset *a = NULL, *b = NULL;
    PML_ASSERT_OK(pml_dataset_load(dev, pml_test_tmpdir, PML_SPLIT_TRAIN, &a));
    PML_ASSERT_OK(pml_dataset_load(dev, pml_test_tmpdir, PML_SPLIT_TEST, &b));
    expect_geometry("train", a, 50, 4, 3, 5);
    expect_geometry("t10k", b, 20, 4, 3, 5);
    uint8_t *img, *lab;
    host_copy(b, &img, &lab);
    for (int64_t i = 0; i < 20; ++i) {
        cr_assert_eq(example_id(img + i * 12), i);
        cr_assert_eq(lab[i], i % 5);
    }
    free(img);
    free(lab);
    pml_dataset_destroy(a);
    pml_dataset_destroy(b);

    /* labels that do not match the images: the message names both files */
    write_set("train", 50, 49, 0);
    pml_dataset *c = (pml_dataset *)0x1;
    cr_assert_eq(pml_dataset_load(dev, pml_test_tmpdir, PML_SPLIT_TRAIN, &c), PML_ERR_BAD_FORMAT);
    cr_assert_null(c);
    cr_assert(strstr(pml_last_error(), "train-labels-idx1-ubyte") != NULL, "%s",
              pml_last_error());
    cr_assert(strstr(pml_last_error(), "train-images-idx3-ubyte") != NULL, "%s",
              pml_last_error());
    cr_assert(strstr(pml_last_error(), "49 labels") != NULL, "%s", pml_last_error());

    /* images that are not 3-D u8 */
    uint8_t raw[24] = {0};
    pml_idx flat = {PML_U8, 2, {2, 12}, raw};
    PML_ASSERT_OK(pml_idx_write(pml_test_tmppath("train-images-idx3-ubyte"), &flat));
    cr_assert_eq(pml_dataset_load(dev, pml_test_tmpdir, PML_SPLIT_TRAIN, &c), PML_ERR_BAD_FORMAT);
    cr_assert(strstr(pml_last_error(), "3-D") != NULL, "%s", pml_last_error());

    /* a directory without the files */
    cr_assert_eq(pml_dataset_load(dev, "/nonexistent", PML_SPLIT_TEST, &c), PML_ERR_IO);
    cr_assert(strstr(pml_last_error(), "t10k-images-idx3-ubyte") != NULL, "%s",
              pml_last_error());
    /* bad arguments */
    cr_assert_eq(pml_dataset_load(NULL, pml_test_tmpdir, PML_SPLIT_TEST, &c), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_load(dev, pml_test_tmpdir, PML_SPLIT_TEST, NULL), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_load(dev, pml_test_tmpdir, (pml_split)7, &c), PML_ERR_INVALID_ARGUMENT);
    pml_device_close(dev);
}

Test(dataset, from_host_arguments)
{
    pml_device *dev = pml_test_open_cpu();
    uint8_t *img, *lab;
    craft(10, 2, 2, 3, &img, &lab);
    pml_dataset *ds = NULL;
    cr_assert_eq(pml_dataset_from_host(NULL, 10, 2, 2, img, lab, 3, &ds),
                 PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_from_host(dev, 10, 2, 2, NULL, lab, 3, &ds),
                 PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_from_host(dev, 10, 2, 2, img, NULL, 3, &ds),
                 PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_from_host(dev, 10, 2, 2, img, lab, 3, NULL),
                 PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_from_host(dev, 0, 2, 2, img, lab, 3, &ds), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_from_host(dev, 10, 0, 2, img, lab, 3, &ds),
                 PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_from_host(dev, 10, 2, -1, img, lab, 3, &ds),
                 PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_from_host(dev, 10, 2, 2, img, lab, 0, &ds),
                 PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_from_host(dev, 10, 2, 2, img, lab, 2, &ds),
                 PML_ERR_INVALID_ARGUMENT); /* label 2 is not below 2 */
    cr_assert(strstr(pml_last_error(), "example 2") != NULL, "%s", pml_last_error());
    cr_assert_null(ds);
    PML_ASSERT_OK(pml_dataset_from_host(dev, 10, 2, 2, img, lab, 7, &ds));
    cr_assert_eq(pml_dataset_classes(ds), 7);
    /* accessors and destroy accept NULL */
    cr_assert_eq(pml_dataset_size(NULL), 0);
    cr_assert_eq(pml_dataset_rows(NULL), 0);
    cr_assert_eq(pml_dataset_cols(NULL), 0);
    cr_assert_eq(pml_dataset_features(NULL), 0);
    cr_assert_eq(pml_dataset_classes(NULL), 0);
    cr_assert_null(pml_dataset_device(NULL));
    pml_dataset_destroy(NULL);
    double m;
    cr_assert_eq(pml_dataset_pixel_stats(NULL, &m, &m), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_set_pixel_stats(NULL, 0.1, 0.2), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_set_pixel_stats(ds, 0.1, 0.0), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_set_pixel_stats(ds, NAN, 1.0), PML_ERR_INVALID_ARGUMENT);
    PML_ASSERT_OK(pml_dataset_set_pixel_stats(ds, 0.25, 0.5));
    double mm, ss;
    PML_ASSERT_OK(pml_dataset_pixel_stats(ds, &mm, &ss));
    cr_assert(mm == 0.25 && ss == 0.5);
    PML_ASSERT_OK(pml_dataset_pixel_stats(ds, NULL, NULL));
    pml_dataset_destroy(ds);
    /* constant pixels: std reported as 1 */
    memset(img, 17, 40);
    PML_ASSERT_OK(pml_dataset_from_host(dev, 10, 2, 2, img, lab, 3, &ds));
    PML_ASSERT_OK(pml_dataset_pixel_stats(ds, &mm, &ss));
    cr_assert(fabs(mm - 17.0 / 255) < 1e-15 && ss == 1.0);
    pml_dataset_destroy(ds);
    free(img);
    free(lab);
    pml_device_close(dev);
}

/* Host reference of one batch without augmentation. */
static void ref_batch(const uint8_t *img, const uint8_t *lab, const int32_t *order, int64_t f,
                      int64_t start, int64_t count, pml_scaling sc, double mean, double std,
                      float *x, int32_t *y)
{
    for (int64_t b = 0; b < count; ++b) {
        int64_t e = order ? order[start + b] : start + b;
        y[b] = lab[e];
        for (int64_t j = 0; j < f; ++j) {
            uint8_t p = img[e * f + j];
            float v = sc == PML_SCALE_RAW ? (float)p
                      : sc == PML_SCALE_UNIT ? (float)p / 255.0f
                                             : ((float)p / 255.0f - (float)mean) / (float)std;
            x[b * f + j] = v;
        }
    }
}

Test(dataset, batches_match_host_reference_for_every_scaling)
{
    pml_device *dev = pml_test_open_cpu();
    const int64_t n = 300;
    const int rows = 5, cols = 7, f = 35;
    uint8_t *img, *lab;
    pml_dataset *ds = crafted(dev, n, rows, cols, 10, &img, &lab);
    double s = 0, q = 0;
    for (int64_t i = 0; i < n * f; ++i) {
        s += img[i] / 255.0;
        q += (img[i] / 255.0) * (img[i] / 255.0);
    }
    double mean = s / (n * f), std = sqrt(q / (n * f) - mean * mean);
    double gm, gs;
    PML_ASSERT_OK(pml_dataset_pixel_stats(ds, &gm, &gs));
    cr_assert(fabs(gm - mean) < 1e-12 && fabs(gs - std) < 1e-12, "%g %g vs %g %g", gm, gs, mean,
              std);

    /* x with 64 rows, the batch writes 50 of them; the rest must stay untouched */
    int64_t shape4[4] = {64, 1, rows, cols};
    pml_tensor *x = NULL, *y = NULL;
    PML_ASSERT_OK(pml_tensor_create(dev, PML_F32, 4, shape4, &x));
    PML_ASSERT_OK(pml_tensor_create_1d(dev, PML_I32, 64, &y));
    float *xr = malloc(64 * f * sizeof *xr);
    int32_t yr[64];
    const pml_scaling scs[3] = {PML_SCALE_UNIT, PML_SCALE_RAW, PML_SCALE_STANDARD};
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1) PML_ASSERT_OK(pml_dataset_shuffle(ds, 42, 3));
        const int32_t *order = pass ? pml_tensor_data(ds->order) : NULL;
        for (int k = 0; k < 3; ++k) {
            PML_ASSERT_OK(pml_tensor_fill(x, -7.0));
            PML_ASSERT_OK(pml_dataset_batch(ds, 250, 50, scs[k], NULL, 1, 2, x, y));
            ref_batch(img, lab, order, f, 250, 50, scs[k], gm, gs, xr, yr);
            const float *xg = pml_tensor_data(x);
            cr_assert(pml_test_equal_bytes("x", xg, xr, 50 * f, 4), "scaling %d pass %d", k, pass);
            cr_assert(pml_test_equal_bytes("y", pml_tensor_data(y), yr, 50, 4));
            for (int64_t i = 50 * f; i < 64 * f; ++i) cr_assert_eq(xg[i], -7.0f);
        }
    }
    /* an all-zero augment is no augmentation; labels may be NULL */
    pml_augment none = {0, 0, 0.0f, 0.0f, 0.0f};
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, 10, PML_SCALE_UNIT, &none, 5, 6, x, NULL));
    ref_batch(img, lab, pml_tensor_data(ds->order), f, 0, 10, PML_SCALE_UNIT, gm, gs, xr, yr);
    cr_assert(pml_test_equal_bytes("x", pml_tensor_data(x), xr, 10 * f, 4));
    /* count 0 is a no-op */
    PML_ASSERT_OK(pml_dataset_batch(ds, n, 0, PML_SCALE_UNIT, NULL, 0, 0, x, y));
    free(xr);
    free(img);
    free(lab);
    pml_tensor_destroy(x);
    pml_tensor_destroy(y);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

static int is_permutation(const int32_t *p, int64_t n)
{
    char *seen = calloc((size_t)n, 1);
    int ok = 1;
    for (int64_t i = 0; i < n && ok; ++i) {
        if (p[i] < 0 || p[i] >= n || seen[p[i]]) ok = 0;
        else seen[p[i]] = 1;
    }
    free(seen);
    return ok;
}

Test(dataset, shuffle_is_a_reproducible_permutation)
{
    pml_device *dev = pml_test_open_cpu();
    const int64_t n = 1000;
    uint8_t *img, *lab;
    pml_dataset *ds = crafted(dev, n, 2, 2, 4, &img, &lab);
    cr_assert_null(ds->order);
    int32_t *a = malloc(n * 4), *b = malloc(n * 4);
    PML_ASSERT_OK(pml_dataset_shuffle(ds, 7, 0));
    memcpy(a, pml_tensor_data(ds->order), n * 4);
    cr_assert(is_permutation(a, n));
    int64_t fixed = 0;
    for (int64_t i = 0; i < n; ++i) fixed += a[i] == i;
    cr_assert(fixed < 10, "%lld fixed points: not shuffled", (long long)fixed);
    PML_ASSERT_OK(pml_dataset_shuffle(ds, 7, 1));
    memcpy(b, pml_tensor_data(ds->order), n * 4);
    cr_assert(is_permutation(b, n));
    cr_assert(memcmp(a, b, n * 4) != 0, "epochs 0 and 1 gave the same order");
    PML_ASSERT_OK(pml_dataset_shuffle(ds, 7, 0));
    cr_assert(memcmp(a, pml_tensor_data(ds->order), n * 4) == 0, "not reproducible");
    PML_ASSERT_OK(pml_dataset_shuffle(ds, 8, 0));
    cr_assert(memcmp(a, pml_tensor_data(ds->order), n * 4) != 0, "seed ignored");
    /* the documented construction */
    pml_data_permutation(n, 7, PML_DATA_STREAM_SHUFFLE | 1, a);
    cr_assert(memcmp(a, b, n * 4) == 0);
    /* uniformity: where element 0 lands over many seeds of a 4-element permutation */
    int counts[4] = {0};
    int32_t p4[4];
    for (uint64_t seed = 0; seed < 4000; ++seed) {
        pml_data_permutation(4, seed, 0, p4);
        for (int i = 0; i < 4; ++i)
            if (p4[i] == 0) counts[i]++;
    }
    for (int i = 0; i < 4; ++i) /* binomial(4000, 1/4): sd 27.4; 5 sd */
        cr_assert(abs(counts[i] - 1000) < 137, "position %d: %d of 4000", i, counts[i]);
    cr_assert_eq(pml_dataset_shuffle(NULL, 1, 1), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_shuffle(ds, 1, (uint64_t)1 << 50), PML_ERR_INVALID_ARGUMENT);
    free(a);
    free(b);
    free(img);
    free(lab);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* The n examples of a subset (images si, labels sl) are examples of the source (img, lab,
 * f pixels each) in the source's order; seen[id] counts each source example found. */
static void check_subset(const char *what, const uint8_t *si, const uint8_t *sl, int64_t n,
                         const uint8_t *img, const uint8_t *lab, int64_t f, char *seen)
{
    int64_t prev = -1;
    for (int64_t i = 0; i < n; ++i) {
        int64_t id = example_id(si + i * f);
        cr_assert(id > prev, "%s not in original order", what);
        prev = id;
        cr_assert(memcmp(si + i * f, img + id * f, (size_t)f) == 0);
        cr_assert_eq(sl[i], lab[id]);
        seen[id]++;
    }
}

/* The validation images of a split of ds, downloaded; the caller frees them. */
static uint8_t *split_valid_images(const pml_dataset *ds, double fraction, uint64_t seed)
{
    pml_dataset *tr = NULL, *va = NULL;
    PML_ASSERT_OK(pml_dataset_split(ds, fraction, seed, &tr, &va));
    uint8_t *img, *lab;
    host_copy(va, &img, &lab);
    free(lab);
    pml_dataset_destroy(tr);
    pml_dataset_destroy(va);
    return img;
}

Test(dataset, split_and_head)
{
    pml_device *dev = pml_test_open_cpu();
    const int64_t n = 1000;
    uint8_t *img, *lab;
    pml_dataset *ds = crafted(dev, n, 3, 3, 10, &img, &lab);
    pml_dataset *tr = NULL, *va = NULL, *tr2 = NULL, *va2 = NULL;
    PML_ASSERT_OK(pml_dataset_split(ds, 0.1, 99, &tr, &va));
    expect_geometry("train", tr, 900, 3, 3, 10);
    expect_geometry("validation", va, 100, 3, 3, 10);
    uint8_t *ti, *tl, *vi, *vl;
    host_copy(tr, &ti, &tl);
    host_copy(va, &vi, &vl);
    char *seen = calloc(n, 1);
    check_subset("train", ti, tl, 900, img, lab, 9, seen);
    check_subset("validation", vi, vl, 100, img, lab, 9, seen);
    for (int64_t i = 0; i < n; ++i) cr_assert_eq(seen[i], 1, "example %lld seen %d times",
                                                 (long long)i, seen[i]);
    /* the documented construction: the last 100 of the permutation */
    int32_t *perm = malloc(n * 4);
    pml_data_permutation(n, 99, PML_DATA_STREAM_SPLIT, perm);
    for (int64_t i = 900; i < n; ++i) cr_assert_eq(seen[perm[i]], 1);
    memset(seen, 0, n);
    for (int64_t i = 900; i < n; ++i) seen[perm[i]] = 1;
    for (int64_t i = 0; i < 100; ++i) cr_assert(seen[example_id(vi + i * 9)]);
    /* the subsets' statistics come from their own pixels */
    double m, s;
    PML_ASSERT_OK(pml_dataset_pixel_stats(va, &m, &s));
    double su = 0, sq = 0;
    for (int64_t i = 0; i < 100 * 9; ++i) {
        su += vi[i];
        sq += (double)vi[i] * vi[i];
    }
    double rm = su / 900, rs = sqrt(sq / 900 - rm * rm);
    cr_assert(fabs(m - rm / 255) < 1e-12 && fabs(s - rs / 255) < 1e-12);
    /* reproducible, and the seed matters */
    uint8_t *v2i = split_valid_images(ds, 0.1, 99);
    cr_assert(memcmp(vi, v2i, 900) == 0);
    free(v2i);
    v2i = split_valid_images(ds, 0.1, 100);
    cr_assert(memcmp(vi, v2i, 900) != 0);
    free(v2i);
    /* fraction 0: a copy and no validation set; rounding: 0.1234 of 1000 is 123 */
    PML_ASSERT_OK(pml_dataset_split(ds, 0.0, 1, &tr2, &va2));
    cr_assert_eq(pml_dataset_size(tr2), n);
    cr_assert_null(va2);
    pml_dataset_destroy(tr2);
    PML_ASSERT_OK(pml_dataset_split(ds, 0.1234, 1, &tr2, &va2));
    cr_assert_eq(pml_dataset_size(va2), 123);
    cr_assert_eq(pml_dataset_size(tr2), 877);
    pml_dataset_destroy(tr2);
    pml_dataset_destroy(va2);
    /* bad arguments */
    cr_assert_eq(pml_dataset_split(ds, 1.0, 1, &tr2, &va2), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_split(ds, -0.1, 1, &tr2, &va2), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_split(ds, NAN, 1, &tr2, &va2), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_split(ds, 0.9999, 1, &tr2, &va2), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_split(NULL, 0.1, 1, &tr2, &va2), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_split(ds, 0.1, 1, NULL, &va2), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_split(ds, 0.1, 1, &tr2, NULL), PML_ERR_INVALID_ARGUMENT);

    /* head */
    pml_dataset *h = NULL;
    PML_ASSERT_OK(pml_dataset_head(ds, 17, &h));
    expect_geometry("head", h, 17, 3, 3, 10);
    uint8_t *hi, *hl;
    host_copy(h, &hi, &hl);
    cr_assert(memcmp(hi, img, 17 * 9) == 0);
    cr_assert(memcmp(hl, lab, 17) == 0);
    free(hi);
    free(hl);
    pml_dataset_destroy(h);
    cr_assert_eq(pml_dataset_head(ds, 0, &h), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_head(ds, n + 1, &h), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_head(NULL, 1, &h), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_dataset_head(ds, 1, NULL), PML_ERR_INVALID_ARGUMENT);
    free(perm);
    free(seen);
    free(ti);
    free(tl);
    free(vi);
    free(vl);
    free(img);
    free(lab);
    pml_dataset_destroy(tr);
    pml_dataset_destroy(va);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* Independent geometry: flip the image left-right, then translate by (dx, dy) with zero
 * fill, as one would with numpy (np.fliplr then a shifted copy). */
static void ref_augment(const uint8_t *src, int rows, int cols, int dx, int dy, int fl,
                        uint8_t *dst)
{
    uint8_t tmp[64 * 64];
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) tmp[r * cols + c] = src[r * cols + (fl ? cols - 1 - c : c)];
    memset(dst, 0, (size_t)(rows * cols));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            int tr = r + dy, tc = c + dx;
            if (tr >= 0 && tr < rows && tc >= 0 && tc < cols) dst[tr * cols + tc] = tmp[r * cols + c];
        }
}

Test(dataset, augmentation_geometry_on_a_crafted_image)
{
    pml_device *dev = pml_test_open_cpu();
    const int rows = 6, cols = 8, f = 48, n = 400;
    /* an asymmetric image: pixel value 1 + r*cols + c, so every pixel is distinct */
    uint8_t *img = malloc(n * f), *lab = calloc(n, 1);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < f; ++j) img[i * f + j] = (uint8_t)(1 + j);
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, n, rows, cols, img, lab, 1, &ds));
    pml_tensor *x = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, n, f, &x));
    pml_augment aug = {2, 1, 0.0f, 0.0f, 0.0f};
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, n, PML_SCALE_RAW, &aug, 1234, 5, x, NULL));
    const float *xg = pml_tensor_data(x);
    int hist_dx[5] = {0}, hist_dy[5] = {0}, flips = 0;
    uint8_t want[48];
    for (int b = 0; b < n; ++b) {
        /* recover the transform from the output: find where pixel values landed */
        int found = 0;
        for (int dy = -2; dy <= 2 && !found; ++dy)
            for (int dx = -2; dx <= 2 && !found; ++dx)
                for (int fl = 0; fl < 2 && !found; ++fl) {
                    ref_augment(img + b * f, rows, cols, dx, dy, fl, want);
                    int ok = 1;
                    for (int j = 0; j < f && ok; ++j) ok = xg[b * f + j] == (float)want[j];
                    if (ok) {
                        found = 1;
                        hist_dx[dx + 2]++;
                        hist_dy[dy + 2]++;
                        flips += fl;
                        /* and it is the documented draw */
                        pml_u32x4 w = pml_philox_draw4(1234, PML_DATA_STREAM_AUG | 5, (uint64_t)b);
                        int ex, ey, ef;
                        pml_data_aug_draw(w.x, w.y, w.z, 2, 1, &ex, &ey, &ef);
                        cr_assert(ex == dx && ey == dy && ef == fl, "example %d", b);
                    }
                }
        cr_assert(found, "example %d is no flip+shift of the input", b);
    }
    /* 400 draws over 5 shifts: 80 each, sd 8; flips binomial(400, 1/2): sd 10; 5 sd */
    for (int k = 0; k < 5; ++k) {
        cr_assert(abs(hist_dx[k] - 80) < 40, "dx %d: %d", k - 2, hist_dx[k]);
        cr_assert(abs(hist_dy[k] - 80) < 40, "dy %d: %d", k - 2, hist_dy[k]);
    }
    cr_assert(abs(flips - 200) < 50, "flips %d", flips);
    /* same (seed, step): same batch; another step: another batch */
    float *first = malloc(n * f * sizeof *first);
    memcpy(first, xg, n * f * sizeof *first);
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, n, PML_SCALE_RAW, &aug, 1234, 5, x, NULL));
    cr_assert(memcmp(first, xg, n * f * sizeof *first) == 0);
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, n, PML_SCALE_RAW, &aug, 1234, 6, x, NULL));
    cr_assert(memcmp(first, xg, n * f * sizeof *first) != 0);
    /* flip only: never shifted */
    pml_augment fo = {0, 1, 0.0f, 0.0f, 0.0f};
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, n, PML_SCALE_RAW, &fo, 3, 0, x, NULL));
    int nflip = 0;
    for (int b = 0; b < n; ++b) {
        int fl = xg[b * f] != 1.0f;
        nflip += fl;
        ref_augment(img + b * f, rows, cols, 0, 0, fl, want);
        for (int j = 0; j < f; ++j) cr_assert_eq(xg[b * f + j], (float)want[j]);
    }
    cr_assert(nflip > 150 && nflip < 250, "%d flips", nflip);
    /* shifted-in background in STANDARD scaling is the scaled 0 pixel */
    pml_augment so = {2, 0, 0.0f, 0.0f, 0.0f};
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, n, PML_SCALE_STANDARD, &so, 3, 0, x, NULL));
    double m, s;
    PML_ASSERT_OK(pml_dataset_pixel_stats(ds, &m, &s));
    float bg = (0.0f / 255.0f - (float)m) / (float)s;
    int nbg = 0;
    for (int i = 0; i < n * f; ++i) nbg += xg[i] == bg;
    cr_assert(nbg > 0);
    free(first);
    free(img);
    free(lab);
    pml_tensor_destroy(x);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* Noise of one batch: exactly the documented normal draws; n*f of them, N(0, sigma^2). */
static void check_noise(int n, int rows, int cols, float sigma, uint64_t seed, uint64_t step)
{
    pml_device *dev = pml_test_open_cpu();
    const int f = rows * cols;
    uint8_t *img = malloc((size_t)(n * f)), *lab = calloc((size_t)n, 1);
    for (int i = 0; i < n * f; ++i) img[i] = (uint8_t)(i * 13);
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, n, rows, cols, img, lab, 1, &ds));
    pml_tensor *x = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, n, f, &x));
    pml_augment aug = {0, 0, sigma, 0.0f, 0.0f};
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, n, PML_SCALE_UNIT, &aug, seed, step, x, NULL));
    const float *xg = pml_tensor_data(x);
    double s = 0, q = 0;
    for (int i = 0; i < n * f; ++i) {
        float clean = (float)img[i] / 255.0f;
        float want = clean + sigma * pml_rng_normal(seed, PML_DATA_STREAM_NOISE | step,
                                                    (uint64_t)i);
        cr_assert_eq(xg[i], want, "element %d of %d x %d", i, rows, cols);
        double d = xg[i] - clean;
        s += d;
        q += d * d;
    }
    /* the mean within 5 standard errors (sigma / sqrt(N)), the variance within 5 of its
     * standard errors (sigma^2 sqrt(2 / N)) */
    double N = (double)n * f, mean = s / N, var = q / N - mean * mean, v0 = (double)sigma * sigma;
    cr_assert(fabs(mean) < 5 * sigma / sqrt(N), "noise mean %g", mean);
    cr_assert(fabs(var - v0) < 5 * v0 * sqrt(2.0 / N), "noise variance %g", var);
    free(img);
    free(lab);
    pml_tensor_destroy(x);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

Test(dataset, additive_noise)
{
    check_noise(64, 10, 10, 0.1f, 77, 9); /* rows aligned to Philox blocks */
    check_noise(101, 7, 7, 0.3f, 5, 1);   /* ragged: examples start anywhere in a block */
    check_noise(50, 1, 3, 1.0f, 6, 2);
}

Test(dataset, scaling_names_round_trip)
{
    PML_EXPECT_NAMES_ROUND_TRIP(pml_scaling, pml_scaling_name, pml_scaling_parse,
                                PML_SCALE_STANDARD, PML_SCALE_RAW);
}

Test(dataset, batch_bad_arguments)
{
    pml_device *dev = pml_test_open_cpu();
    uint8_t *img, *lab;
    pml_dataset *ds = crafted(dev, 20, 4, 4, 3, &img, &lab);
    pml_tensor *x = NULL, *y = NULL, *x64 = NULL, *xw = NULL, *yu = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, 8, 16, &x));
    PML_ASSERT_OK(pml_tensor_create_1d(dev, PML_I32, 8, &y));
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F64, 8, 16, &x64));
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, 8, 15, &xw));
    PML_ASSERT_OK(pml_tensor_create_1d(dev, PML_U8, 8, &yu));
    const pml_status E = PML_ERR_INVALID_ARGUMENT;
    cr_assert_eq(pml_dataset_batch(NULL, 0, 8, PML_SCALE_UNIT, NULL, 0, 0, x, y), E);
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, NULL, 0, 0, NULL, y), E);
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, NULL, 0, 0, x64, y), E);
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, NULL, 0, 0, xw, y), E);
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, NULL, 0, 0, x, yu), E);
    cr_assert_eq(pml_dataset_batch(ds, 0, 9, PML_SCALE_UNIT, NULL, 0, 0, x, y), E);
    cr_assert_eq(pml_dataset_batch(ds, 13, 8, PML_SCALE_UNIT, NULL, 0, 0, x, y), E);
    cr_assert_eq(pml_dataset_batch(ds, -1, 1, PML_SCALE_UNIT, NULL, 0, 0, x, y), E);
    cr_assert_eq(pml_dataset_batch(ds, 0, -1, PML_SCALE_UNIT, NULL, 0, 0, x, y), E);
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, (pml_scaling)9, NULL, 0, 0, x, y), E);
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, NULL, 0, (uint64_t)1 << 48, x, y),
                 E);
    pml_augment a = {-1, 0, 0.0f, 0.0f, 0.0f};
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, &a, 0, 0, x, y), E);
    a.shift = 4; /* images are 4 x 4 */
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, &a, 0, 0, x, y), E);
    a.shift = 3;
    a.noise = -0.1f;
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, &a, 0, 0, x, y), E);
    a.noise = NAN;
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, &a, 0, 0, x, y), E);
    a.noise = INFINITY;
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, &a, 0, 0, x, y), E);
    a.noise = 0.5f;
    PML_ASSERT_OK(pml_dataset_batch(ds, 12, 8, PML_SCALE_STANDARD, &a, 0, 0, x, y));
    /* tensors of another device (a second CPU device is another device) */
    pml_device *other = pml_test_open_cpu();
    pml_tensor *xo = NULL, *yo = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(other, PML_F32, 8, 16, &xo));
    PML_ASSERT_OK(pml_tensor_create_1d(other, PML_I32, 8, &yo));
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, NULL, 0, 0, xo, y),
                 PML_ERR_DEVICE_MISMATCH);
    cr_assert_eq(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, NULL, 0, 0, x, yo),
                 PML_ERR_DEVICE_MISMATCH);
    pml_tensor_destroy(xo);
    pml_tensor_destroy(yo);
    pml_device_close(other);
    free(img);
    free(lab);
    pml_tensor_destroy(x);
    pml_tensor_destroy(y);
    pml_tensor_destroy(x64);
    pml_tensor_destroy(xw);
    pml_tensor_destroy(yu);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* The fast CPU batch kernel (whole rows, background runs, noise a Philox block at a time)
 * against the element-by-element reference beside it in src/cpu/data_batch.c, bit for bit:
 * shuffled order, every shift up to the image's limit, flips, noise whose draws start
 * unaligned to a Philox block, both scalings that change values, odd image sizes. */
Test(dataset, fast_batch_kernel_matches_reference)
{
    pml_device *dev = pml_test_open_cpu();
    static const int sizes[][2] = {{5, 7}, {28, 28}, {3, 1}, {1, 6}};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; ++z) {
        const int rows = sizes[z][0], cols = sizes[z][1], f = rows * cols, n = 37;
        uint8_t *img, *lab;
        pml_dataset *ds = crafted(dev, n, rows, cols, 4, &img, &lab);
        PML_ASSERT_OK(pml_dataset_shuffle(ds, 9, (uint64_t)z));
        pml_tensor *x = NULL, *y = NULL, *xr = NULL, *yr = NULL;
        PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, n, f, &x));
        PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, n, f, &xr));
        PML_ASSERT_OK(pml_tensor_create_1d(dev, PML_I32, n, &y));
        PML_ASSERT_OK(pml_tensor_create_1d(dev, PML_I32, n, &yr));
        const int max_shift = (rows < cols ? rows : cols) - 1;
        for (int shift = 0; shift <= (max_shift < 3 ? max_shift : 3); ++shift)
            for (int flip = 0; flip < 2; ++flip)
                for (int k = 0; k < 16; ++k) {
                    /* k & 4: masking noise; k & 8: salt and pepper */
                    const pml_augment aug = {shift, flip, k & 1 ? 0.25f : 0.0f,
                                             k & 4 ? 0.3f : 0.0f, k & 8 ? 0.15f : 0.0f};
                    const pml_scaling sc = k & 2 ? PML_SCALE_STANDARD : PML_SCALE_UNIT;
                    const uint64_t step = 1000 + (uint64_t)(shift * 8 + flip * 4 + k);
                    PML_ASSERT_OK(pml_dataset_batch(ds, 3, n - 3, sc, &aug, 77, step, x, y));
                    pml_data_batch_args a;
                    pml_data_batch_setup(ds, 3, n - 3, sc, &aug, 77, step, xr, yr, &a);
                    PML_ASSERT_OK(pml_cpu_data_batch_ref(dev, &a));
                    cr_assert(pml_test_equal_bytes("x: fast vs reference", pml_tensor_data(x),
                                                   pml_tensor_data(xr), (size_t)((n - 3) * f), 4),
                              "%dx%d shift %d flip %d noise %g mask %g saltpepper %g scaling %d",
                              rows, cols, shift, flip, (double)aug.noise, (double)aug.mask,
                              (double)aug.saltpepper, (int)sc);
                    cr_assert(pml_test_equal_bytes("y", pml_tensor_data(y), pml_tensor_data(yr),
                                                   (size_t)(n - 3), 4));
                }
        for (pml_tensor **t = (pml_tensor *[]){x, y, xr, yr, NULL}; *t; ++t) pml_tensor_destroy(*t);
        pml_dataset_destroy(ds);
        free(img);
        free(lab);
    }
    pml_device_close(dev);
}
