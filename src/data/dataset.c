/* Datasets: creation from IDX directories or host arrays, accessors, pixel statistics. */
#define _POSIX_C_SOURCE 200809L /* stat */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/dataset.h"
#include "data/idx.h"

const char *pml_data_default_dir(void)
{
    const char *env = getenv("PML_DATA_DIR");
    return env && env[0] ? env : "/usr/share/datasets/fashion-mnist";
}

static void compute_stats(pml_dataset *ds)
{
    int64_t f = (int64_t)ds->rows * ds->cols;
    double s = 0, q = 0;
    for (int64_t i = 0; i < ds->n; ++i) {
        s += (double)ds->pix_sum[i];
        q += (double)ds->pix_sq[i];
    }
    double cnt = (double)ds->n * (double)f;
    double m = s / cnt;
    double var = q / cnt - m * m;
    ds->mean = m / 255.0;
    ds->std = var > 0 ? sqrt(var) / 255.0 : 0.0;
    if (!(ds->std > 1e-12)) ds->std = 1.0; /* constant pixels: nothing to standardise */
}

void pml_dataset_destroy(pml_dataset *ds)
{
    if (ds == NULL) return;
    pml_tensor_destroy(ds->images);
    pml_tensor_destroy(ds->labels);
    pml_tensor_destroy(ds->order);
    free(ds->pix_sum);
    free(ds->pix_sq);
    free(ds);
}

/* An empty shell with its tensors allocated (contents unset) and the host sums. */
static pml_status shell(pml_device *dev, int64_t n, int rows, int cols, int classes,
                        const char *fn, pml_dataset **out)
{
    *out = NULL;
    pml_dataset *ds = calloc(1, sizeof *ds);
    PML_CHECK(ds != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    ds->dev = dev;
    ds->n = n;
    ds->rows = rows;
    ds->cols = cols;
    ds->classes = classes;
    ds->pix_sum = malloc((size_t)n * sizeof *ds->pix_sum);
    ds->pix_sq = malloc((size_t)n * sizeof *ds->pix_sq);
    pml_status s = PML_OK;
    if (ds->pix_sum == NULL || ds->pix_sq == NULL)
        s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    int64_t shape[3] = {n, rows, cols};
    if (s == PML_OK) s = pml_tensor_create(dev, PML_U8, 3, shape, &ds->images);
    if (s == PML_OK) s = pml_tensor_create_1d(dev, PML_U8, n, &ds->labels);
    if (s != PML_OK) {
        pml_dataset_destroy(ds);
        return s;
    }
    *out = ds;
    return PML_OK;
}

pml_status pml_dataset_from_host(pml_device *dev, int64_t n, int rows, int cols,
                                 const uint8_t *images, const uint8_t *labels, int classes,
                                 pml_dataset **out)
{
    static const char fn[] = "pml_dataset_from_host";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK_ARG(images != NULL, fn, "images is NULL");
    PML_CHECK_ARG(labels != NULL, fn, "labels is NULL");
    PML_CHECK(n >= 1 && n <= INT32_MAX, PML_ERR_INVALID_ARGUMENT,
              "%s: n = %lld (need 1..2^31-1 examples)", fn, (long long)n);
    PML_CHECK(rows >= 1 && cols >= 1 && (int64_t)rows * cols <= (1 << 24),
              PML_ERR_INVALID_ARGUMENT, "%s: image size %d x %d (need 1..2^24 pixels)", fn, rows,
              cols);
    PML_CHECK(classes >= 1 && classes <= 256, PML_ERR_INVALID_ARGUMENT,
              "%s: classes = %d (need 1..256)", fn, classes);
    for (int64_t i = 0; i < n; ++i)
        PML_CHECK(labels[i] < classes, PML_ERR_INVALID_ARGUMENT,
                  "%s: label %d of example %lld is not below classes = %d", fn, labels[i],
                  (long long)i, classes);
    int64_t f = (int64_t)rows * cols;
    PML_CHECK(n <= INT64_MAX / 16 / f, PML_ERR_INVALID_ARGUMENT, "%s: dataset too large", fn);

    pml_dataset *ds = NULL;
    PML_TRY(shell(dev, n, rows, cols, classes, fn, &ds));
    for (int64_t i = 0; i < n; ++i) {
        const uint8_t *p = images + i * f;
        int64_t s = 0, q = 0;
        for (int64_t j = 0; j < f; ++j) {
            s += p[j];
            q += (int64_t)p[j] * p[j];
        }
        ds->pix_sum[i] = s;
        ds->pix_sq[i] = q;
    }
    compute_stats(ds);
    pml_status s = pml_tensor_upload(ds->images, images, (size_t)(n * f));
    if (s == PML_OK) s = pml_tensor_upload(ds->labels, labels, (size_t)n);
    if (s != PML_OK) {
        pml_dataset_destroy(ds);
        return s;
    }
    *out = ds;
    return PML_OK;
}

/* dir/base, or dir/base.gz when only that exists. Only looked at, not opened: the reader
 * opens it and refuses what is not a regular file (opening a FIFO here would block). */
static pml_status find_file(const char *fn, const char *dir, const char *base, char *buf,
                            size_t n)
{
    int w = snprintf(buf, n, "%s/%s", dir, base);
    PML_CHECK(w > 0 && (size_t)w + 3 < n, PML_ERR_INVALID_ARGUMENT, "%s: path too long: %s", fn,
              dir);
    struct stat st;
    if (stat(buf, &st) == 0) return PML_OK;
    strcat(buf, ".gz");
    if (stat(buf, &st) == 0) return PML_OK;
    return pml_set_error(PML_ERR_IO, "%s: neither %s/%s nor %s exists: %s", fn, dir, base, buf,
                         strerror(errno));
}

/* The images header: 3-D u8 within the limits of data.h, `features` pixels each when > 0. */
static pml_status check_images(const char *fn, const char *ipath, const pml_idx *im,
                               int64_t features)
{
    PML_CHECK(im->dtype == PML_U8 && im->ndim == 3, PML_ERR_BAD_FORMAT,
              "%s: %s holds %d-D %s data, images need 3-D u8 (n x rows x cols)", fn, ipath,
              im->ndim, pml_dtype_name(im->dtype));
    const long long n = im->dims[0], rows = im->dims[1], cols = im->dims[2];
    PML_CHECK(n <= INT32_MAX && rows * cols <= (1 << 24), PML_ERR_BAD_FORMAT,
              "%s: %s: %lld x %lld x %lld images are too many or too large", fn, ipath, n, rows,
              cols);
    PML_CHECK(n * rows * cols <= PML_DATASET_MAX_BYTES, PML_ERR_BAD_FORMAT,
              "%s: %s: %lld x %lld x %lld images are %lld bytes of pixels, above the limit of "
              "%lld", fn, ipath, n, rows, cols, n * rows * cols, (long long)PML_DATASET_MAX_BYTES);
    PML_CHECK(features == 0 || rows * cols == features, PML_ERR_BAD_FORMAT,
              "%s: %s holds %lld x %lld images (%lld features), %lld expected", fn, ipath, rows,
              cols, rows * cols, (long long)features);
    return PML_OK;
}

/* Both headers first, checked against each other (and `features`), then the labels' and the
 * images' data: a file that disagrees is refused before any payload is inflated. */
static pml_status load_pair(const char *fn, pml_device *dev, const char *ipath,
                            const char *lpath, int64_t features, pml_dataset **out)
{
    pml_idx_reader *ri = NULL, *rl = NULL;
    pml_idx im = {0}, lb = {0};
    pml_status s = pml_idx_open(ipath, &ri, &im);
    if (s == PML_OK) s = check_images(fn, ipath, &im, features);
    if (s == PML_OK) s = pml_idx_open(lpath, &rl, &lb);
    if (s == PML_OK && !(lb.dtype == PML_U8 && lb.ndim == 1))
        s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: %s holds %d-D %s data, labels need 1-D u8",
                          fn, lpath, lb.ndim, pml_dtype_name(lb.dtype));
    if (s == PML_OK && lb.dims[0] != im.dims[0])
        s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: %s holds %lld labels but %s holds %lld images",
                          fn, lpath, (long long)lb.dims[0], ipath, (long long)im.dims[0]);
    if (s == PML_OK) s = pml_idx_read_data(rl, &lb);
    if (s == PML_OK) s = pml_idx_read_data(ri, &im);
    pml_idx_close(ri);
    pml_idx_close(rl);
    if (s == PML_OK) {
        const uint8_t *l = lb.data;
        int maxl = 0;
        for (int64_t i = 0; i < lb.dims[0]; ++i)
            if (l[i] > maxl) maxl = l[i];
        s = pml_dataset_from_host(dev, im.dims[0], (int)im.dims[1], (int)im.dims[2], im.data,
                                  lb.data, maxl + 1, out);
    }
    pml_idx_free(&im);
    pml_idx_free(&lb);
    return s;
}

static pml_status load(const char *fn, pml_device *dev, const char *dir, pml_split split,
                       int64_t features, pml_dataset **out)
{
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK(split == PML_SPLIT_TRAIN || split == PML_SPLIT_TEST, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown split %d", fn, (int)split);
    PML_CHECK(features >= 0, PML_ERR_INVALID_ARGUMENT, "%s: features %lld is negative", fn,
              (long long)features);
    if (dir == NULL) dir = pml_data_default_dir();
    const char *prefix = split == PML_SPLIT_TRAIN ? "train" : "t10k";
    char ibase[64], lbase[64], ipath[4096], lpath[4096];
    snprintf(ibase, sizeof ibase, "%s-images-idx3-ubyte", prefix);
    snprintf(lbase, sizeof lbase, "%s-labels-idx1-ubyte", prefix);
    PML_TRY(find_file(fn, dir, ibase, ipath, sizeof ipath));
    PML_TRY(find_file(fn, dir, lbase, lpath, sizeof lpath));
    return load_pair(fn, dev, ipath, lpath, features, out);
}

pml_status pml_dataset_load(pml_device *dev, const char *dir, pml_split split,
                            pml_dataset **out)
{
    return load("pml_dataset_load", dev, dir, split, 0, out);
}

pml_status pml_dataset_load_expect(pml_device *dev, const char *dir, pml_split split,
                                   int64_t features, pml_dataset **out)
{
    return load("pml_dataset_load_expect", dev, dir, split, features, out);
}

int64_t pml_dataset_size(const pml_dataset *ds) { return ds ? ds->n : 0; }
int pml_dataset_rows(const pml_dataset *ds) { return ds ? ds->rows : 0; }
int pml_dataset_cols(const pml_dataset *ds) { return ds ? ds->cols : 0; }
int64_t pml_dataset_features(const pml_dataset *ds)
{
    return ds ? (int64_t)ds->rows * ds->cols : 0;
}
int pml_dataset_classes(const pml_dataset *ds) { return ds ? ds->classes : 0; }
pml_device *pml_dataset_device(const pml_dataset *ds) { return ds ? ds->dev : NULL; }

pml_status pml_dataset_pixel_stats(const pml_dataset *ds, double *mean, double *std)
{
    static const char fn[] = "pml_dataset_pixel_stats";
    PML_CHECK_ARG(ds != NULL, fn, "ds is NULL");
    if (mean) *mean = ds->mean;
    if (std) *std = ds->std;
    return PML_OK;
}

pml_status pml_dataset_set_pixel_stats(pml_dataset *ds, double mean, double std)
{
    static const char fn[] = "pml_dataset_set_pixel_stats";
    PML_CHECK_ARG(ds != NULL, fn, "ds is NULL");
    PML_CHECK(isfinite(mean) && isfinite(std) && std > 0, PML_ERR_INVALID_ARGUMENT,
              "%s: mean %g, std %g (need finite values, std > 0)", fn, mean, std);
    ds->mean = mean;
    ds->std = std;
    return PML_OK;
}

pml_status pml_dataset_subset(const pml_dataset *ds, const int32_t *idx, int64_t count,
                              const char *fn, pml_dataset **out)
{
    pml_dataset *sub = NULL;
    PML_TRY(shell(ds->dev, count, ds->rows, ds->cols, ds->classes, fn, &sub));
    int64_t f = (int64_t)ds->rows * ds->cols;
    pml_status s = PML_OK;
    pml_device *dev = ds->dev;
    if (idx == NULL) {
        memcpy(sub->pix_sum, ds->pix_sum, (size_t)count * sizeof *sub->pix_sum);
        memcpy(sub->pix_sq, ds->pix_sq, (size_t)count * sizeof *sub->pix_sq);
        s = dev->ops->copy(dev, sub->images->data, ds->images->data, (size_t)(count * f));
        if (s == PML_OK) s = dev->ops->copy(dev, sub->labels->data, ds->labels->data, (size_t)count);
    } else {
        for (int64_t i = 0; i < count; ++i) {
            sub->pix_sum[i] = ds->pix_sum[idx[i]];
            sub->pix_sq[i] = ds->pix_sq[idx[i]];
        }
        pml_tensor *didx = NULL;
        s = dev->ops->data && dev->ops->data->gather_rows
                ? PML_OK
                : pml_set_error(PML_ERR_UNSUPPORTED, "%s: not implemented on the %s backend", fn,
                                dev->ops->name);
        if (s == PML_OK) s = pml_tensor_create_1d(dev, PML_I32, count, &didx);
        if (s == PML_OK) s = pml_tensor_upload(didx, idx, (size_t)count * sizeof *idx);
        if (s == PML_OK) {
            const pml_data_gather_args img = {sub->images->data, ds->images->data, didx->data,
                                              count, f};
            s = dev->ops->data->gather_rows(dev, &img);
        }
        if (s == PML_OK) {
            const pml_data_gather_args lab = {sub->labels->data, ds->labels->data, didx->data,
                                              count, 1};
            s = dev->ops->data->gather_rows(dev, &lab);
        }
        if (s == PML_OK) s = dev->ops->synchronize(dev); /* didx must outlive the kernels */
        pml_tensor_destroy(didx);
    }
    if (s != PML_OK) {
        pml_dataset_destroy(sub);
        return s;
    }
    compute_stats(sub);
    *out = sub;
    return PML_OK;
}

pml_status pml_dataset_select_classes(const pml_dataset *ds, const uint8_t *keep, int nkeep,
                                      pml_dataset **out)
{
    static const char fn[] = "pml_dataset_select_classes";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(ds != NULL && keep != NULL, fn, "ds or keep is NULL");
    PML_CHECK(nkeep >= 1 && nkeep <= 256, PML_ERR_INVALID_ARGUMENT, "%s: nkeep %d, needs 1..256",
              fn, nkeep);
    uint8_t *lab = malloc((size_t)ds->n);
    int32_t *idx = malloc((size_t)ds->n * sizeof *idx);
    pml_status s = lab && idx ? PML_OK
                              : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    if (s == PML_OK) s = pml_tensor_download(ds->labels, lab, (size_t)ds->n);
    int64_t count = 0;
    for (int64_t i = 0; s == PML_OK && i < ds->n; ++i)
        if (lab[i] < nkeep && keep[lab[i]]) idx[count++] = (int32_t)i;
    if (s == PML_OK && count == 0)
        s = pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: no example has a selected class", fn);
    if (s == PML_OK) s = pml_dataset_subset(ds, idx, count, fn, out);
    free(lab);
    free(idx);
    return s;
}
