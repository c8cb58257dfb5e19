/* Mini-batch gather: u8 examples picked through the order, scaled through a 256-entry
 * table, augmented (shift, flip, noise, masking and salt-and-pepper corruption) with Philox draws keyed by (seed, step, example).
 * Contract: src/ops/data_ops.h, pml_data_batch_args. Twin: src/cuda/data_batch.cu.
 * First the reference, element by element as the contract reads; then the fast path the
 * backend uses (whole rows, runs of background, noise a Philox block at a time), which
 * tests/data_dataset_test.c checks against it bit for bit. */
#include <string.h>

#include "core/philox.h"
#include "cpu/cpu.h"

/* The Philox stream of one purpose (augmentation, noise) at the batch's step. */
static uint64_t step_stream(const pml_data_batch_args *a, uint64_t purpose)
{
    return purpose | (a->step & PML_DATA_STEP_MASK);
}

/* Example b of the batch: its index in the dataset (its label written to y), and its shift
 * and flip (none without augmentation). */
static int64_t example(const pml_data_batch_args *a, int64_t b, int *dx, int *dy, int *fl)
{
    const int64_t e = a->order ? a->order[a->start + b] : a->start + b;
    if (a->y) a->y[b] = a->labels[e];
    *dx = *dy = *fl = 0;
    if (a->shift > 0 || a->flip) {
        const uint64_t stream = step_stream(a, PML_DATA_STREAM_AUG);
        const pml_u32x4 w = pml_philox_draw4(a->seed, stream, (uint64_t)b);
        pml_data_aug_draw(w.x, w.y, w.z, a->shift, a->flip, dx, dy, fl);
    }
    return e;
}

pml_status pml_cpu_data_batch_ref(pml_device *dev, const pml_data_batch_args *a)
{
    (void)dev;
    const int rows = a->rows, cols = a->cols;
    const int64_t F = (int64_t)rows * cols;
    const uint64_t noise_stream = step_stream(a, PML_DATA_STREAM_NOISE);
    const uint64_t corrupt_stream = step_stream(a, PML_DATA_STREAM_CORRUPT);
    for (int64_t b = 0; b < a->count; ++b) {
        int dx, dy, fl;
        const int64_t e = example(a, b, &dx, &dy, &fl);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const int sr = r - dy, sc = c - dx;
                uint8_t p = 0; /* the background */
                if (sr >= 0 && sr < rows && sc >= 0 && sc < cols)
                    p = a->images[e * F + (int64_t)sr * cols + (fl ? cols - 1 - sc : sc)];
                const int64_t j = (int64_t)r * cols + c;
                float v = a->lut[p];
                if (a->noise > 0.0f)
                    v += a->noise * pml_philox_normal(a->seed, noise_stream, (uint64_t)(b * F + j));
                if (a->mask_t || a->sp_t)
                    v = pml_data_corrupt(v, pml_philox_draw(a->seed, corrupt_stream,
                                                            (uint64_t)(b * F + j)),
                                         a->mask_t, a->sp_t, a->lut[0], a->lut[255]);
                a->x[b * F + j] = v;
            }
    }
    return PML_OK;
}

/* x[j] += noise * normal(g0 + j): whole Philox blocks where aligned (one block gives two
 * Box-Muller pairs), single draws at the ragged ends; the same values as pml_philox_normal. */
static void add_noise(float *x, int64_t F, uint64_t g0, uint64_t seed, uint64_t stream,
                      float noise)
{
    int64_t j = 0;
    for (; j < F && ((g0 + (uint64_t)j) & 3u) != 0; ++j)
        x[j] += noise * pml_philox_normal(seed, stream, g0 + (uint64_t)j);
    for (; j + 4 <= F; j += 4) {
        pml_u32x4 w = pml_philox_draw4(seed, stream, (g0 + (uint64_t)j) >> 2);
        float n0, n1, n2, n3;
        pml_box_muller(w.x, w.y, &n0, &n1);
        pml_box_muller(w.z, w.w, &n2, &n3);
        x[j] += noise * n0;
        x[j + 1] += noise * n1;
        x[j + 2] += noise * n2;
        x[j + 3] += noise * n3;
    }
    for (; j < F; ++j) x[j] += noise * pml_philox_normal(seed, stream, g0 + (uint64_t)j);
}

/* The corruption of x[j] by draw g0 + j: a Philox block at a time where aligned. */
static void corrupt(const pml_data_batch_args *a, float *x, int64_t F, uint64_t g0,
                    uint64_t stream)
{
    const float lo = a->lut[0], hi = a->lut[255];
    int64_t j = 0;
    for (; j < F && ((g0 + (uint64_t)j) & 3u) != 0; ++j)
        x[j] = pml_data_corrupt(x[j], pml_philox_draw(a->seed, stream, g0 + (uint64_t)j),
                                a->mask_t, a->sp_t, lo, hi);
    for (; j + 4 <= F; j += 4) {
        const pml_u32x4 w = pml_philox_draw4(a->seed, stream, (g0 + (uint64_t)j) >> 2);
        x[j] = pml_data_corrupt(x[j], w.x, a->mask_t, a->sp_t, lo, hi);
        x[j + 1] = pml_data_corrupt(x[j + 1], w.y, a->mask_t, a->sp_t, lo, hi);
        x[j + 2] = pml_data_corrupt(x[j + 2], w.z, a->mask_t, a->sp_t, lo, hi);
        x[j + 3] = pml_data_corrupt(x[j + 3], w.w, a->mask_t, a->sp_t, lo, hi);
    }
    for (; j < F; ++j)
        x[j] = pml_data_corrupt(x[j], pml_philox_draw(a->seed, stream, g0 + (uint64_t)j),
                                a->mask_t, a->sp_t, lo, hi);
}

pml_status pml_cpu_data_batch(pml_device *dev, const pml_data_batch_args *a)
{
    (void)dev;
    const int rows = a->rows, cols = a->cols;
    const int64_t F = (int64_t)rows * cols;
    const uint64_t noise_stream = step_stream(a, PML_DATA_STREAM_NOISE);
    const uint64_t corrupt_stream = step_stream(a, PML_DATA_STREAM_CORRUPT);
    /* Threads only for big gathers: a training batch (64 x 784) converts in tens of
     * microseconds, and opening a parallel region on busy shared cores stalled for
     * milliseconds per batch (measured by bench_train). */
#pragma omp parallel for schedule(static) if (a->count * F > (1 << 20))
    for (int64_t b = 0; b < a->count; ++b) {
        int dx, dy, fl;
        const int64_t e = example(a, b, &dx, &dy, &fl);
        const uint8_t *img = a->images + e * F;
        float *x = a->x + b * F;
        if (dx == 0 && dy == 0 && !fl) {
            for (int64_t j = 0; j < F; ++j) x[j] = a->lut[img[j]];
        } else {
            /* columns c0..c1-1 come from the image (sc = c - dx), the rest is background */
            const float bg = a->lut[0];
            int c0 = dx > 0 ? dx : 0, c1 = dx < 0 ? cols + dx : cols;
            for (int r = 0; r < rows; ++r) {
                float *xr = x + (int64_t)r * cols;
                int sr = r - dy;
                if (sr < 0 || sr >= rows) {
                    for (int c = 0; c < cols; ++c) xr[c] = bg;
                    continue;
                }
                const uint8_t *src = img + (int64_t)sr * cols;
                for (int c = 0; c < c0; ++c) xr[c] = bg;
                if (fl)
                    for (int c = c0; c < c1; ++c) xr[c] = a->lut[src[cols - 1 - (c - dx)]];
                else
                    for (int c = c0; c < c1; ++c) xr[c] = a->lut[src[c - dx]];
                for (int c = c1; c < cols; ++c) xr[c] = bg;
            }
        }
        if (a->noise > 0.0f) add_noise(x, F, (uint64_t)(b * F), a->seed, noise_stream, a->noise);
        if (a->mask_t || a->sp_t) corrupt(a, x, F, (uint64_t)(b * F), corrupt_stream);
    }
    return PML_OK;
}

pml_status pml_cpu_data_gather(pml_device *dev, const pml_data_gather_args *a)
{
    (void)dev;
    unsigned char *d = a->dst;
    const unsigned char *src = a->src;
    const int64_t count = a->count, row_bytes = a->row_bytes;
#pragma omp parallel for schedule(static) if (count * row_bytes > (1 << 20))
    for (int64_t i = 0; i < count; ++i)
        memcpy(d + i * row_bytes, src + (int64_t)a->idx[i] * row_bytes, (size_t)row_bytes);
    return PML_OK;
}
