// Mini-batch gather: u8 examples picked through the order, scaled through a 256-entry
// table, augmented (shift, flip, noise, corruption) with Philox draws keyed by (seed, step, example).
// Contract: src/ops/data_ops.h, pml_data_batch_args. Twin: src/cpu/data_batch.c.
#include "core/philox.h"
#include "cuda/cuda.h"

// One thread per output element (grid-stride); the table is staged in shared memory because
// pixel-dependent indexing of kernel parameters serialises.
static __global__ void data_batch_kernel(pml_data_batch_args a)
{
    __shared__ float lut[256];
    for (int i = threadIdx.x; i < 256; i += blockDim.x) lut[i] = a.lut[i];
    __syncthreads();
    const int rows = a.rows, cols = a.cols;
    const int64_t F = (int64_t)rows * cols;
    const int64_t total = a.count * F;
    const uint64_t aug_stream = PML_DATA_STREAM_AUG | (a.step & PML_DATA_STEP_MASK);
    const uint64_t noise_stream = PML_DATA_STREAM_NOISE | (a.step & PML_DATA_STEP_MASK);
    const uint64_t corrupt_stream = PML_DATA_STREAM_CORRUPT | (a.step & PML_DATA_STEP_MASK);
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t b = i / F, j = i - b * F;
        int r = (int)(j / cols), c = (int)(j - (int64_t)r * cols);
        int64_t pos = a.start + b;
        int64_t e = a.order ? (int64_t)a.order[pos] : pos;
        if (a.y && j == 0) a.y[b] = a.labels[e];
        int dx = 0, dy = 0, fl = 0;
        if (a.shift > 0 || a.flip) {
            pml_u32x4 w = pml_philox_draw4(a.seed, aug_stream, (uint64_t)b);
            pml_data_aug_draw(w.x, w.y, w.z, a.shift, a.flip, &dx, &dy, &fl);
        }
        int sr = r - dy, sc = c - dx;
        uint8_t p = 0;
        if (sr >= 0 && sr < rows && sc >= 0 && sc < cols)
            p = a.images[e * F + (int64_t)sr * cols + (fl ? cols - 1 - sc : sc)];
        float v = lut[p];
        if (a.noise > 0.0f) v += a.noise * pml_philox_normal(a.seed, noise_stream, (uint64_t)i);
        if (a.mask_t || a.sp_t)
            v = pml_data_corrupt(v, pml_philox_draw(a.seed, corrupt_stream, (uint64_t)i),
                                 a.mask_t, a.sp_t, lut[0], lut[255]);
        a.x[i] = v;
    }
}

static __global__ void gather_rows_kernel(unsigned char *dst, const unsigned char *src,
                                          const int32_t *idx, int64_t count, int64_t row_bytes)
{
    const int64_t total = count * row_bytes;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t r = i / row_bytes;
        dst[i] = src[(int64_t)idx[r] * row_bytes + (i - r * row_bytes)];
    }
}

extern "C" pml_status pml_cuda_data_batch(pml_device *dev, const pml_data_batch_args *args)
{
    PML_TRY(pml_cuda_enter(dev));
    int64_t total = args->count * (int64_t)args->rows * args->cols;
    data_batch_kernel<<<pml_cuda_grid(dev, total, 256), 256, 0, pml_cuda(dev)->stream>>>(*args);
    PML_CUDA_LAUNCHED("data_batch_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_data_gather(pml_device *dev, const pml_data_gather_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    gather_rows_kernel<<<pml_cuda_grid(dev, a->count * a->row_bytes, 256), 256, 0,
                         pml_cuda(dev)->stream>>>((unsigned char *)a->dst,
                                                  (const unsigned char *)a->src, a->idx,
                                                  a->count, a->row_bytes);
    PML_CUDA_LAUNCHED("gather_rows_kernel");
    return PML_OK;
}
