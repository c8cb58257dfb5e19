/* Mini-batch gather: u8 examples picked through the order, scaled through a 256-entry
 * table, augmented (shift, flip, noise) with Philox draws keyed by (seed, step, example).
 * Contract: src/data/data_ops.h, pml_data_batch_args. Twin: src/cuda/data_batch.cu. */
#include <string.h>

#include "core/philox.h"
#include "cpu/cpu.h"
#include "data/data_ops.h"

pml_status pml_cpu_data_batch(pml_device *dev, const pml_data_batch_args *a)
{
    (void)dev;
    const int rows = a->rows, cols = a->cols;
    const int64_t F = (int64_t)rows * cols;
    const uint64_t aug_stream = PML_DATA_STREAM_AUG | (a->step & PML_DATA_STEP_MASK);
    const uint64_t noise_stream = PML_DATA_STREAM_NOISE | (a->step & PML_DATA_STEP_MASK);
#pragma omp parallel for schedule(static) if (a->count * F > 32768)
    for (int64_t b = 0; b < a->count; ++b) {
        int64_t pos = a->start + b;
        int64_t e = a->order ? a->order[pos] : pos;
        if (a->y) a->y[b] = a->labels[e];
        const uint8_t *img = a->images + e * F;
        float *x = a->x + b * F;
        int dx = 0, dy = 0, fl = 0;
        if (a->shift > 0 || a->flip) {
            pml_u32x4 w = pml_philox_draw4(a->seed, aug_stream, (uint64_t)b);
            pml_data_aug_draw(w.x, w.y, w.z, a->shift, a->flip, &dx, &dy, &fl);
        }
        for (int r = 0; r < rows; ++r) {
            int sr = r - dy;
            for (int c = 0; c < cols; ++c) {
                int sc = c - dx;
                uint8_t p = 0;
                if (sr >= 0 && sr < rows && sc >= 0 && sc < cols)
                    p = img[(int64_t)sr * cols + (fl ? cols - 1 - sc : sc)];
                x[(int64_t)r * cols + c] = a->lut[p];
            }
        }
        if (a->noise > 0.0f) {
            uint64_t g0 = (uint64_t)(b * F);
            for (int64_t j = 0; j < F; ++j)
                x[j] += a->noise * pml_philox_normal(a->seed, noise_stream, g0 + (uint64_t)j);
        }
    }
    return PML_OK;
}

pml_status pml_cpu_gather_rows(pml_device *dev, void *dst, const void *src, const int32_t *idx,
                               int64_t count, int64_t row_bytes)
{
    (void)dev;
    unsigned char *d = dst;
    const unsigned char *s = src;
#pragma omp parallel for schedule(static) if (count * row_bytes > (1 << 20))
    for (int64_t i = 0; i < count; ++i)
        memcpy(d + i * row_bytes, s + (int64_t)idx[i] * row_bytes, (size_t)row_bytes);
    return PML_OK;
}

const struct pml_data_ops pml_cpu_data_ops = {
    .batch = pml_cpu_data_batch,
    .gather_rows = pml_cpu_gather_rows,
};
