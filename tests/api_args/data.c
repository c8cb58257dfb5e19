/* api_args cases for data.h: ds is 4 examples of 2x3 pixels, 3 classes. */
#define _DEFAULT_SOURCE /* setenv */
#include "api_args.h"

#define IDX(dtype, ndim, d0, data) (&(const pml_idx){(dtype), (ndim), {(d0)}, (data)})
#define BATCH(start, count, scaling, aug, step, x, labels) \
    pml_dataset_batch(f->ds, start, count, scaling, aug, 1, step, x, labels)
#define KEEP(...) ((const uint8_t[]){__VA_ARGS__})
#define SELECT(keep, nkeep) pml_dataset_select_classes(f->ds, keep, nkeep, &f->out_ds)
#define DATA_CASES(X)                                                                      \
    X(pml_idx_read, S_INVALID, pml_idx_read(NULL, &f->idx))                                \
    X(pml_idx_read, S_INVALID, pml_idx_read(f->missing, NULL))                             \
    X(pml_idx_read, S_IO, pml_idx_read(f->missing, &f->idx))                               \
    X(pml_idx_write, S_INVALID, pml_idx_write(NULL, &f->idx_ok))                           \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, NULL))                              \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX(PML_U8, 1, 4, NULL)))           \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX(PML_U8, 0, 4, f->pixels)))      \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX(PML_U8, 5, 4, f->pixels)))      \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX(PML_U8, 1, 0, f->pixels)))      \
    X(pml_idx_write, S_UNSUPPORTED, pml_idx_write(f->path, IDX(PML_U32, 1, 4, f->pixels))) \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX((pml_dtype)99, 1, 4, f->pixels))) \
    X(pml_idx_write, S_IO, pml_idx_write(f->unwritable, &f->idx_ok))                       \
    X(pml_dataset_load, S_INVALID, pml_dataset_load(f->dev, f->missing, PML_SPLIT_TRAIN, NULL)) \
    X(pml_dataset_load, S_INVALID,                                                         \
      pml_dataset_load(NULL, f->missing, PML_SPLIT_TRAIN, &f->out_ds))                     \
    X(pml_dataset_load, S_INVALID,                                                         \
      pml_dataset_load(f->dev, f->missing, (pml_split)2, &f->out_ds))                      \
    X(pml_dataset_load, S_IO, pml_dataset_load(f->dev, f->missing, PML_SPLIT_TEST, &f->out_ds)) \
    X(pml_dataset_load, S_IO, /* dir NULL: $PML_DATA_DIR */                                \
      (setenv("PML_DATA_DIR", f->missing, 1), pml_dataset_load(f->dev, NULL, 0, &f->out_ds))) \
    X(pml_dataset_load_expect, S_INVALID,                                                  \
      pml_dataset_load_expect(f->dev, f->missing, PML_SPLIT_TRAIN, 784, NULL))             \
    X(pml_dataset_load_expect, S_INVALID,                                                  \
      pml_dataset_load_expect(NULL, f->missing, PML_SPLIT_TRAIN, 784, &f->out_ds))         \
    X(pml_dataset_load_expect, S_INVALID,                                                  \
      pml_dataset_load_expect(f->dev, f->missing, (pml_split)2, 784, &f->out_ds))          \
    X(pml_dataset_load_expect, S_INVALID,                                                  \
      pml_dataset_load_expect(f->dev, f->missing, PML_SPLIT_TRAIN, -1, &f->out_ds))        \
    X(pml_dataset_load_expect, S_IO,                                                       \
      pml_dataset_load_expect(f->dev, f->missing, PML_SPLIT_TEST, 784, &f->out_ds))        \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(NULL, 4, 2, 3, f->pixels, f->labels, 3, &f->out_ds))           \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, NULL, f->labels, 3, &f->out_ds))              \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, NULL, 3, &f->out_ds))              \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, f->labels, 3, NULL))               \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 0, 2, 3, f->pixels, f->labels, 3, &f->out_ds))         \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, -4, 2, 3, f->pixels, f->labels, 3, &f->out_ds))        \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 0, 3, f->pixels, f->labels, 3, &f->out_ds))         \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, -3, f->pixels, f->labels, 3, &f->out_ds))        \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, f->labels, 0, &f->out_ds))         \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, f->labels, 257, &f->out_ds))       \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, f->labels_bad, 3, &f->out_ds))     \
    X(pml_dataset_pixel_stats, S_INVALID, pml_dataset_pixel_stats(NULL, &f->dval, &f->dval2)) \
    X(pml_dataset_pixel_stats, S_OK, pml_dataset_pixel_stats(f->ds, NULL, NULL))           \
    X(pml_dataset_set_pixel_stats, S_INVALID, pml_dataset_set_pixel_stats(NULL, 0.5, 0.2)) \
    X(pml_dataset_set_pixel_stats, S_INVALID, pml_dataset_set_pixel_stats(f->ds, 0.5, 0.0)) \
    X(pml_dataset_set_pixel_stats, S_INVALID, pml_dataset_set_pixel_stats(f->ds, 0.5, -1.0)) \
    X(pml_dataset_set_pixel_stats, S_INVALID, pml_dataset_set_pixel_stats(f->ds, NAN, 0.2)) \
    X(pml_dataset_set_pixel_stats, S_INVALID,                                              \
      pml_dataset_set_pixel_stats(f->ds, 0.5, INFINITY))                                   \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(NULL, 0.25, 1, &f->out_ds, &f->out_ds2)) \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(f->ds, 0.25, 1, NULL, &f->out_ds2))  \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(f->ds, 0.25, 1, &f->out_ds, NULL))   \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(f->ds, 1.0, 1, &f->out_ds, &f->out_ds2)) \
    X(pml_dataset_split, S_INVALID,                                                        \
      pml_dataset_split(f->ds, -0.1, 1, &f->out_ds, &f->out_ds2))                          \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(f->ds, NAN, 1, &f->out_ds, &f->out_ds2)) \
    X(pml_dataset_split, S_INVALID,                                                        \
      pml_dataset_split(f->ds, 0.9, 1, &f->out_ds, &f->out_ds2)) /* no training examples */ \
    X(pml_dataset_split, S_OK, pml_dataset_split(f->ds, 0.0, 1, &f->out_ds, &f->out_ds2))  \
    X(pml_dataset_unshuffle, S_INVALID, pml_dataset_unshuffle(NULL))                        \
    X(pml_dataset_unshuffle, S_OK, pml_dataset_unshuffle(f->ds))                            \
    X(pml_dataset_head, S_INVALID, pml_dataset_head(NULL, 2, &f->out_ds))                  \
    X(pml_dataset_head, S_INVALID, pml_dataset_head(f->ds, 2, NULL))                       \
    X(pml_dataset_head, S_INVALID, pml_dataset_head(f->ds, 0, &f->out_ds))                 \
    X(pml_dataset_head, S_INVALID, pml_dataset_head(f->ds, 5, &f->out_ds))                 \
    X(pml_dataset_select_classes, S_INVALID,                                               \
      pml_dataset_select_classes(f->ds, KEEP(1, 0), 2, NULL))                              \
    X(pml_dataset_select_classes, S_INVALID,                                               \
      pml_dataset_select_classes(NULL, KEEP(1, 0), 2, &f->out_ds))                         \
    X(pml_dataset_select_classes, S_INVALID, SELECT(NULL, 2))                              \
    X(pml_dataset_select_classes, S_INVALID, SELECT(KEEP(1, 0), 0))                        \
    X(pml_dataset_select_classes, S_INVALID, SELECT(KEEP(1, 0), -1))                       \
    X(pml_dataset_select_classes, S_INVALID, SELECT(f->pixels, 257))                       \
    X(pml_dataset_select_classes, S_INVALID, /* no example of a kept class */              \
      SELECT(KEEP(0, 0, 0), 3))                                                            \
    X(pml_dataset_select_classes, S_INVALID, /* class 0 not kept, 1 and 2 past nkeep */     \
      SELECT(KEEP(0), 1))                                                                  \
    X(pml_dataset_select_classes, S_OK, SELECT(KEEP(1, 0), 2))                             \
    X(pml_dataset_select_classes, S_OK, SELECT(KEEP(0, 1, 1), 3))                          \
    X(pml_dataset_shuffle, S_INVALID, pml_dataset_shuffle(NULL, 1, 0))                     \
    X(pml_dataset_shuffle, S_INVALID, pml_dataset_shuffle(f->ds, 1, 1ull << 48))           \
    X(pml_dataset_batch, S_INVALID,                                                        \
      pml_dataset_batch(NULL, 0, 2, PML_SCALE_UNIT, NULL, 1, 0, f->x, f->i32))             \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, NULL, f->i32))    \
    X(pml_dataset_batch, S_INVALID, BATCH(-1, 2, PML_SCALE_UNIT, NULL, 0, f->x, f->i32))   \
    X(pml_dataset_batch, S_INVALID, BATCH(0, -2, PML_SCALE_UNIT, NULL, 0, f->x, f->i32))   \
    X(pml_dataset_batch, S_INVALID, BATCH(3, 2, PML_SCALE_UNIT, NULL, 0, f->x, f->i32))    \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, (pml_scaling)9, NULL, 0, f->x, f->i32))    \
    X(pml_dataset_batch, S_INVALID,                                                        \
      BATCH(0, 2, PML_SCALE_UNIT, AUG(-1, 0, 0.0f), 0, f->x, f->i32))                      \
    X(pml_dataset_batch, S_INVALID,                                                        \
      BATCH(0, 2, PML_SCALE_UNIT, AUG(2, 0, 0.0f), 0, f->x, f->i32)) /* shift >= rows */   \
    X(pml_dataset_batch, S_INVALID,                                                        \
      BATCH(0, 2, PML_SCALE_UNIT, AUG(0, 0, -1.0f), 0, f->x, f->i32))                      \
    X(pml_dataset_batch, S_INVALID,                                                        \
      BATCH(0, 2, PML_SCALE_UNIT, AUG(0, 0, NAN), 0, f->x, f->i32))                        \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 1ull << 48, f->x, f->i32)) \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->i22, f->i32))  \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 3, PML_SCALE_UNIT, NULL, 0, f->x26, NULL))    \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->c, f->i32))    \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->x, f->v6))     \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 3, PML_SCALE_UNIT, NULL, 0, f->x, f->lab2))   \
    X(pml_dataset_batch, S_MISMATCH, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->far, f->i32)) \
    X(pml_dataset_batch, S_MISMATCH, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->x, f->far_i32)) \
    X(pml_dataset_batch, S_OK, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->x, NULL))           \
    PARSE_CASES(X, pml_scaling_parse, "standard", "Standard", &f->scaling)                \
    PARSE_CASES(X, pml_augment_parse, "shift:2,flip", "shift:9", &f->augment)              \
    X(pml_augment_parse, S_INVALID, pml_augment_parse("flip,", &f->augment))               \
    X(pml_augment_parse, S_INVALID, pml_augment_parse("noise:nan", &f->augment))
#define DATA_CHECKS(Y)                                                                     \
    Y(pml_idx_free, (pml_idx_free(NULL), 1))                                               \
    Y(pml_idx_free, (pml_idx_free(&f->idx), 1)) /* zeroed */                               \
    Y(pml_dataset_destroy, (pml_dataset_destroy(NULL), 1))                                 \
    Y(pml_dataset_size, pml_dataset_size(NULL) == 0)                                       \
    Y(pml_dataset_rows, pml_dataset_rows(NULL) == 0)                                       \
    Y(pml_dataset_cols, pml_dataset_cols(NULL) == 0)                                       \
    Y(pml_dataset_features, pml_dataset_features(NULL) == 0)                               \
    Y(pml_dataset_classes, pml_dataset_classes(NULL) == 0)                                 \
    Y(pml_dataset_device, pml_dataset_device(NULL) == NULL)                                \
    Y(pml_scaling_name, strcmp(pml_scaling_name((pml_scaling)99), "?") == 0)               \
    Y(pml_scaling_name, strcmp(pml_scaling_name((pml_scaling)-1), "?") == 0)              \
    Y(pml_augment_active, pml_augment_active(NULL) == 0)                                   \
    Y(pml_augment_active, pml_augment_active(AUG(0, 0, 0.0f)) == 0)                       \
    Y(pml_augment_active, pml_augment_active(AUG(0, 1, 0.0f)) == 1)                       \
    Y(pml_augment_active, pml_augment_active(&(const pml_augment){.saltpepper = 0.1f}) == 1)
DEFINE_GROUP(data_h, "data.h", DATA_CASES, DATA_CHECKS)
