// Dense-layer elementwise kernels: fused bias + activation, activation backward, bias
// gradient (column sums), argmax. Contract: src/ops/nn_ops.h. Row-major rows x cols, F32 or
// F64; backward derivatives are computed from y = act(z).
#include "cuda/cuda.h"
#include "cuda/device_math.cuh"


template <typename T>
static __global__ void bias_act_kernel(pml_activation act, T alpha, int64_t rows, int64_t cols,
                                       T *y, const T *bias)
{
    int64_t n = rows * cols;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        T z = y[i];
        if (bias) z += bias[i % cols];
        y[i] = pml_dact(act, z, alpha);
    }
}

// One warp per row: max, sum of exponentials, normalise.
template <typename T>
static __global__ void softmax_rows_kernel(int64_t rows, int64_t cols, T *y, const T *bias)
{
    int64_t r = blockIdx.x * (int64_t)(blockDim.x / 32) + threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    if (r >= rows) return;
    T *row = y + r * cols;
    T mx = -INFINITY;
    for (int64_t j = lane; j < cols; j += 32) {
        T z = row[j] + (bias ? bias[j] : T(0));
        row[j] = z;
        mx = z > mx ? z : mx;
    }
    for (int o = 16; o > 0; o /= 2) {
        T other = __shfl_xor_sync(0xffffffffu, mx, o);
        mx = other > mx ? other : mx;
    }
    T s = 0;
    for (int64_t j = lane; j < cols; j += 32) {
        T e = pml_dexp<T>(row[j] - mx);
        row[j] = e;
        s += e;
    }
    for (int o = 16; o > 0; o /= 2) s += __shfl_xor_sync(0xffffffffu, s, o);
    for (int64_t j = lane; j < cols; j += 32) row[j] /= s;
}

template <typename T>
static __global__ void act_backward_kernel(pml_activation act, T alpha, int64_t n, const T *y,
                                           const T *dy, T *dz)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        dz[i] = pml_dact_grad(act, y[i], dy[i], alpha);
}

template <typename T>
static __global__ void softmax_backward_kernel(int64_t rows, int64_t cols, const T *y,
                                               const T *dy, T *dz)
{
    int64_t r = blockIdx.x * (int64_t)(blockDim.x / 32) + threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    if (r >= rows) return;
    const T *yr = y + r * cols, *dyr = dy + r * cols;
    T dot = 0;
    for (int64_t j = lane; j < cols; j += 32) dot += dyr[j] * yr[j];
    for (int o = 16; o > 0; o /= 2) dot += __shfl_xor_sync(0xffffffffu, dot, o);
    for (int64_t j = lane; j < cols; j += 32) dz[r * cols + j] = yr[j] * (dyr[j] - dot);
}

// One thread per column, rows in order: deterministic.
template <typename T>
static __global__ void col_sum_kernel(int64_t rows, int64_t cols, const T *dz, T *db)
{
    for (int64_t j = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; j < cols;
         j += (int64_t)gridDim.x * blockDim.x) {
        T s = 0;
        for (int64_t r = 0; r < rows; ++r) s += dz[r * cols + j];
        db[j] = s;
    }
}

template <typename T>
static __global__ void argmax_kernel(int64_t rows, int64_t cols, const T *y, int32_t *out)
{
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < rows;
         r += (int64_t)gridDim.x * blockDim.x) {
        const T *row = y + r * cols;
        int64_t best = 0;
        for (int64_t j = 1; j < cols; ++j)
            if (row[j] > row[best]) best = j;
        out[r] = (int32_t)best;
    }
}

template <typename T>
static pml_status bias_act_t(pml_device *dev, pml_activation act, float alpha, int64_t rows,
                             int64_t cols, void *y, const void *bias)
{
    cudaStream_t s = pml_cuda(dev)->stream;
    if (act == PML_ACT_SOFTMAX) {
        unsigned grid = (unsigned)((rows + 7) / 8);
        softmax_rows_kernel<T><<<grid, 256, 0, s>>>(rows, cols, (T *)y, (const T *)bias);
        PML_CUDA_LAUNCHED("softmax_rows_kernel");
    } else {
        bias_act_kernel<T><<<pml_cuda_grid(dev, rows * cols, 256), 256, 0, s>>>(
            act, (T)alpha, rows, cols, (T *)y, (const T *)bias);
        PML_CUDA_LAUNCHED("bias_act_kernel");
    }
    return PML_OK;
}

template <typename T>
static pml_status act_backward_t(pml_device *dev, pml_activation act, float alpha, int64_t rows,
                                 int64_t cols, const void *y, const void *dy, void *dz)
{
    cudaStream_t s = pml_cuda(dev)->stream;
    if (act == PML_ACT_SOFTMAX) {
        unsigned grid = (unsigned)((rows + 7) / 8);
        softmax_backward_kernel<T><<<grid, 256, 0, s>>>(rows, cols, (const T *)y, (const T *)dy,
                                                         (T *)dz);
        PML_CUDA_LAUNCHED("softmax_backward_kernel");
    } else {
        act_backward_kernel<T><<<pml_cuda_grid(dev, rows * cols, 256), 256, 0, s>>>(
            act, (T)alpha, rows * cols, (const T *)y, (const T *)dy, (T *)dz);
        PML_CUDA_LAUNCHED("act_backward_kernel");
    }
    return PML_OK;
}

extern "C" pml_status pml_cuda_nn_bias_act(pml_device *dev, const pml_nn_bias_act_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_status st = PML_OK;
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        st = bias_act_t<T>(dev, a->act, a->alpha, a->rows, a->cols, a->y, a->bias);
    });
    return st;
}

extern "C" pml_status pml_cuda_nn_act_backward(pml_device *dev,
                                               const pml_nn_act_backward_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_status st = PML_OK;
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        st = act_backward_t<T>(dev, a->act, a->alpha, a->rows, a->cols, a->y, a->dy, a->dz);
    });
    return st;
}

extern "C" pml_status pml_cuda_nn_col_sum(pml_device *dev, const pml_nn_col_sum_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        col_sum_kernel<T><<<pml_cuda_grid(dev, a->cols, 128), 128, 0, pml_cuda(dev)->stream>>>(
            a->rows, a->cols, (const T *)a->x, (T *)a->sum);
    });
    PML_CUDA_LAUNCHED("col_sum_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_nn_argmax(pml_device *dev, const pml_nn_argmax_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        argmax_kernel<T><<<pml_cuda_grid(dev, a->rows, 128), 128, 0, pml_cuda(dev)->stream>>>(
            a->rows, a->cols, (const T *)a->y, a->out);
    });
    PML_CUDA_LAUNCHED("argmax_kernel");
    return PML_OK;
}
