/* Kernel contracts of the data family (struct pml_data_ops, hung off pml_backend_ops.data),
 * and the Philox coordinates its draws use. CPU: src/cpu/data_batch.c; CUDA:
 * src/cuda/data_batch.cu (same contract comment). */
#ifndef PML_OPS_DATA_OPS_H
#define PML_OPS_DATA_OPS_H

#include "core/backend.h"
#include "core/philox.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Philox streams (see rng.h): a purpose tag in the top 16 bits, the step or epoch below.
 * The key is always the caller's seed. */
#define PML_DATA_STREAM_SPLIT ((uint64_t)0xDA01 << 48)   /* index: Fisher-Yates draws */
#define PML_DATA_STREAM_SHUFFLE ((uint64_t)0xDA02 << 48) /* | epoch; Fisher-Yates draws */
#define PML_DATA_STREAM_AUG ((uint64_t)0xDA03 << 48)     /* | step; block b: example b */
#define PML_DATA_STREAM_NOISE ((uint64_t)0xDA04 << 48)   /* | step; normal b*features+j */
#define PML_DATA_STREAM_CORRUPT ((uint64_t)0xDA05 << 48) /* | step; draw b*features+j */
#define PML_DATA_STEP_MASK (((uint64_t)1 << 48) - 1)

/* One mini-batch, already checked by pml_dataset_batch. Pointers are in the backend's
 * address space except `lut`, which is carried by value.
 *
 * For b in [0, count): example e = order ? order[start + b] : start + b;
 *   y[b] = labels[e] (when y is not NULL);
 *   x[b*F + r*cols + c] = lut[pixel] (+ noise * N(0,1) when noise > 0), F = rows*cols, where
 *   pixel = images[e*F + sr*cols + sc'], sr = r - dy, sc = c - dx, sc' = flip ? cols-1-sc : sc,
 *   and pixel = 0 (the background) when (sr, sc) falls outside the image.
 * Augmentation of example b (all zero when shift == 0 and flip == 0): one Philox block
 *   w = draw4(seed, PML_DATA_STREAM_AUG | step, b);
 *   dx = (w.x * (2 shift + 1)) >> 32 - shift,  dy = (w.y * (2 shift + 1)) >> 32 - shift,
 *   flip = do_flip && (w.z >> 31).
 * Noise N(0,1) of element j of example b: normal draw b*F + j of stream
 *   PML_DATA_STREAM_NOISE | step (pml_philox_normal), added after the lut: x += noise * n.
 * Corruption of element j of example b, last (when mask_t or sp_t is not 0): its draw
 *   u = pml_philox_draw(seed, PML_DATA_STREAM_CORRUPT | step, b*F + j) (pml_data_corrupt):
 *   u < mask_t: x = lut[0]; else u - mask_t < sp_t: x = (u & 1) ? lut[255] : lut[0]. */
typedef struct pml_data_batch_args {
    const uint8_t *images; /* n x rows x cols */
    const uint8_t *labels; /* n */
    const int32_t *order;  /* n, or NULL for the identity */
    int64_t start, count;
    int rows, cols;
    float lut[256];        /* pixel value -> scaled float */
    int shift, flip;
    float noise;
    uint32_t mask_t, sp_t; /* round(fraction 2^32), capped at 2^32 - 1 (never added) */
    uint64_t seed, step;
    float *x;              /* count x F */
    int32_t *y;            /* count, or NULL */
} pml_data_batch_args;
typedef pml_status pml_data_batch_fn(pml_device *dev, const pml_data_batch_args *args);

/* dst row i = src row idx[i] for i < count, rows of row_bytes bytes; idx on the device. */
typedef struct pml_data_gather_args {
    void *dst;
    const void *src;
    const int32_t *idx;
    int64_t count, row_bytes;
} pml_data_gather_args;
typedef pml_status pml_data_gather_fn(pml_device *dev, const pml_data_gather_args *args);

struct pml_data_ops {
    pml_data_batch_fn *batch;
    pml_data_gather_fn *gather_rows;
};

/* The augmentation of example b: shared by the kernels and the tests. */
PML_HOSTDEV void pml_data_aug_draw(uint32_t wx, uint32_t wy, uint32_t wz, int shift, int flip,
                                     int *dx, int *dy, int *fl)
{
    uint64_t range = 2 * (uint64_t)shift + 1;
    *dx = (int)(((uint64_t)wx * range) >> 32) - shift;
    *dy = (int)(((uint64_t)wy * range) >> 32) - shift;
    *fl = flip ? (int)(wz >> 31) : 0;
}

/* Element j's corrupted value from its draw u (the rule above). */
PML_HOSTDEV float pml_data_corrupt(float v, uint32_t u, uint32_t mask_t, uint32_t sp_t,
                                   float lo, float hi)
{
    if (u < mask_t) return lo;
    if (u - mask_t < sp_t) return (u & 1u) ? hi : lo;
    return v;
}

#ifdef __cplusplus
}
#endif
#endif
