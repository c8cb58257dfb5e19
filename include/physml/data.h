/* Datasets on the device: IDX (MNIST-format) files, shuffling, mini-batches, augmentation.
 *
 * A dataset holds N examples of rows x cols u8 pixels and N u8 labels, uploaded to a
 * device once. Mini-batches are gathered on the device, converted to f32 on the fly
 * (scaled as asked) and optionally augmented, all seeded from the shared Philox stream so
 * a run is reproducible for a given seed on a given backend. */
#ifndef PHYSML_DATA_H
#define PHYSML_DATA_H

#include <stdint.h>

#include "physml/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- IDX files (host side) ----------------------------------------------------------------
 * The format of LeCun's MNIST files: magic 0x0000TTNN (TT the element type, NN the number of
 * dimensions), NN big-endian u32 dimensions, then the data. Gzip'd files (.gz) are read
 * through zlib. Every inconsistency (wrong magic, unknown type, zero or overflowing
 * dimensions, data shorter or longer than the dimensions say) is PML_ERR_BAD_FORMAT with a
 * message naming the file and what is wrong; a path that is not a regular file (a FIFO, a
 * directory) is PML_ERR_IO. */
typedef struct pml_idx {
    pml_dtype dtype;               /* U8, I8, I32, F32 or F64 (IDX types 08 09 0C 0D 0E;
                                      0B, i16, is rejected as unsupported) */
    int ndim;                      /* 1..4 */
    int64_t dims[PML_MAX_DIMS];
    void *data;                    /* host memory, native byte order */
} pml_idx;

PML_API pml_status pml_idx_read(const char *path, pml_idx *out);
PML_API void pml_idx_free(pml_idx *idx); /* accepts NULL and zeroed structs */
/* Write an IDX file (plain, or gzip'd when the path ends in .gz), atomically as io.h's
 * writers do: a failure is PML_ERR_IO with the OS's reason and leaves the old file. */
PML_API pml_status pml_idx_write(const char *path, const pml_idx *idx);

/* ---- datasets ------------------------------------------------------------------------------ */
typedef struct pml_dataset pml_dataset;

typedef enum pml_split {
    PML_SPLIT_TRAIN = 0, /* train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz) */
    PML_SPLIT_TEST = 1   /* t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz) */
} pml_split;

/* The directory used when none is given: $PML_DATA_DIR if set, else Debian's
 * dataset-fashion-mnist, /usr/share/datasets/fashion-mnist. */
PML_API const char *pml_data_default_dir(void);

/* The most bytes of pixels (n x rows x cols) a dataset file may announce: 16 GiB, 340 times
 * Fashion-MNIST's training set. The loader holds them on the host and on the device at once. */
#define PML_DATASET_MAX_BYTES ((int64_t)1 << 34)

/* Load one split of an MNIST-format directory (gzip'd or plain files) onto dev. Both files'
 * headers are read and checked before any data is: images 3-D u8 (at most 2^31-1 of at most
 * 2^24 pixels, PML_DATASET_MAX_BYTES in all), labels 1-D u8 and as many; each file's size
 * must be able to hold what its header announces (a gzip'd file at most 1032 times its size,
 * deflate's limit). Anything else is PML_ERR_BAD_FORMAT naming the file(s). */
PML_API pml_status pml_dataset_load(pml_device *dev, const char *dir, pml_split split,
                                    pml_dataset **out);
/* pml_dataset_load for a caller that knows the images it needs (a model's input features):
 * a split whose images do not hold `features` pixels (rows x cols) each is refused from its
 * header, PML_ERR_BAD_FORMAT, before any pixel is read. features 0: any size. */
PML_API pml_status pml_dataset_load_expect(pml_device *dev, const char *dir, pml_split split,
                                           int64_t features, pml_dataset **out);
/* Make a dataset from host arrays: n images of rows x cols u8 and n u8 labels < classes. */
PML_API pml_status pml_dataset_from_host(pml_device *dev, int64_t n, int rows, int cols,
                                         const uint8_t *images, const uint8_t *labels, int classes,
                                         pml_dataset **out);
PML_API void pml_dataset_destroy(pml_dataset *ds); /* accepts NULL */

PML_API int64_t pml_dataset_size(const pml_dataset *ds);
PML_API int pml_dataset_rows(const pml_dataset *ds);
PML_API int pml_dataset_cols(const pml_dataset *ds);
PML_API int64_t pml_dataset_features(const pml_dataset *ds); /* rows * cols */
PML_API int pml_dataset_classes(const pml_dataset *ds);      /* 1 + the largest label */
PML_API pml_device *pml_dataset_device(const pml_dataset *ds);
/* The pixel mean and standard deviation of x/255 over the whole dataset (computed once when
 * it is made; a split or head computes its own), used by PML_SCALE_STANDARD. A dataset of
 * constant pixels reports std 1. Either pointer may be NULL. */
PML_API pml_status pml_dataset_pixel_stats(const pml_dataset *ds, double *mean, double *std);
/* Use another mean and std for PML_SCALE_STANDARD, e.g. the training set's for the test set.
 * std must be > 0. */
PML_API pml_status pml_dataset_set_pixel_stats(pml_dataset *ds, double mean, double std);

/* Split off a validation set: the last round(fraction * n) examples of a Philox
 * permutation (seeded) become `val`, the rest `train`. Both are new datasets (copies on
 * the device); fraction in [0, 1). With fraction 0, *val is NULL. */
PML_API pml_status pml_dataset_split(const pml_dataset *ds, double val_fraction, uint64_t seed,
                                     pml_dataset **train, pml_dataset **val);
/* The first `count` examples (a copy), e.g. for quick runs on a subset.
 * Subsets made by split and head keep the parent's classes, start in the identity order and
 * compute their own pixel statistics; split keeps each part in the original order. */
PML_API pml_status pml_dataset_head(const pml_dataset *ds, int64_t count, pml_dataset **out);
/* The examples whose label c has keep[c] != 0 (keep holds nkeep entries; labels at or past
 * nkeep are dropped), a copy in the original order keeping the parent's classes: e.g. the
 * normal classes an anomaly detector trains on. None selected is PML_ERR_INVALID_ARGUMENT. */
PML_API pml_status pml_dataset_select_classes(const pml_dataset *ds, const uint8_t *keep,
                                              int nkeep, pml_dataset **out);

/* Reorder the visiting order for an epoch: a Philox permutation of 0..n-1 determined by
 * (seed, epoch), kept on the device. Until the first shuffle the order is 0..n-1. */
PML_API pml_status pml_dataset_shuffle(pml_dataset *ds, uint64_t seed, uint64_t epoch);
/* Back to the identity order 0..n-1 (training leaves its last epoch's shuffle): what a caller
 * that matches batches to examples by position needs first. */
PML_API pml_status pml_dataset_unshuffle(pml_dataset *ds);

typedef enum pml_scaling {
    PML_SCALE_UNIT = 0, /* x / 255, in [0, 1] (the default) */
    PML_SCALE_RAW = 1,  /* raw 0..255, as the primer's appendix does */
    PML_SCALE_STANDARD = 2 /* (x/255 - mean) / std with the dataset's pixel mean and std */
} pml_scaling;

/* "unit", "raw", "standard"; "?" for a value outside the enum. */
PML_API const char *pml_scaling_name(pml_scaling scaling);
/* The inverse of pml_scaling_name (exact match); an unknown name is PML_ERR_INVALID_ARGUMENT,
 * listing the names, and leaves *out untouched. */
PML_API pml_status pml_scaling_parse(const char *name, pml_scaling *out);

/* Seeded on-device augmentation; all zero means none. */
typedef struct pml_augment {
    int shift;   /* random translation by up to +-shift pixels in each direction, zero fill
                    (pixel value 0, the background, then scaled like any pixel); 0 <= shift
                    < rows, cols */
    int flip;    /* horizontal flip with probability 1/2 */
    float noise; /* additive N(0, noise^2) after scaling */
    /* Corruption for denoising (after the noise; each element draws one u32 u): masking noise
     * sets a fraction `mask` of the elements to the background (pixel 0 scaled, 0 under unit
     * scaling); salt-and-pepper sets a fraction `saltpepper` to the background or the
     * brightest value (pixel 255 scaled), half each. Both in [0, 1], mask + saltpepper <= 1. */
    float mask;
    float saltpepper;
} pml_augment;
/* Parse "shift:N,flip,noise:SIGMA,mask:P,saltpepper:P" (any of the items, comma-separated;
 * "" or "none": no augmentation) into *out: shift 0..8, noise 0..10, mask and saltpepper
 * 0..1. A bad item is PML_ERR_INVALID_ARGUMENT naming it, and leaves *out untouched. */
PML_API pml_status pml_augment_parse(const char *text, pml_augment *out);
/* The draws (src/ops/data_ops.h, docs/data.md): example b of the batch uses Philox block b of
 * stream 0xDA03<<48 | step for (dx, dy, flip), normal draws b*features + j of stream
 * 0xDA04<<48 | step for its noise and draws b*features + j of stream 0xDA05<<48 | step for its
 * corruption, with key `seed`. Flip first, then translate, add noise, corrupt. */
/* Whether aug changes anything (NULL: no). */
PML_API int pml_augment_active(const pml_augment *aug);

/* Gather `count` examples, positions [start, start+count) of the current order, into x
 * (F32, count x features, row-major) scaled as asked, and labels (I32, count) when not
 * NULL. x and labels must be on the dataset's device and have at least count rows; only
 * the first count rows are written. `aug` may be NULL; its draws are keyed by
 * (seed, step) so a batch is reproducible. */
PML_API pml_status pml_dataset_batch(const pml_dataset *ds, int64_t start, int64_t count,
                                     pml_scaling scaling, const pml_augment *aug, uint64_t seed,
                                     uint64_t step, pml_tensor *x, pml_tensor *labels);

#ifdef __cplusplus
}
#endif
#endif
