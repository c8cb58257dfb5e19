// The convolution's epilogue and prologue: channel-major z <-> NCHW with the bias and the
// activation folded in, the per-channel bias pass and the per-channel sums. Contract:
// src/ops/conv_ops.h. The activation bodies are the CPU's (src/ops/nn_ops.h).
#include "cuda/cuda.h"
#include "cuda/device_math.cuh"


// One thread per NCHW element; both sides contiguous along q.
template <typename T>
static __global__ void to_chw_kernel(pml_activation act, T alpha, int64_t batch, int64_t C,
                                     int64_t P, const T *z, const T *bias, T *y)
{
    const int64_t n = batch * C * P;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t q = i % P, ch = i / P % C, b = i / (C * P);
        y[i] = pml_dact(act, z[(ch * batch + b) * P + q] + (bias ? bias[ch] : T(0)), alpha);
    }
}

template <typename T>
static __global__ void from_chw_kernel(pml_activation act, T alpha, int64_t batch, int64_t C,
                                       int64_t P, const T *y, const T *dy, T *dz)
{
    const int64_t n = batch * C * P;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t q = i % P, ch = i / P % C, b = i / (C * P);
        dz[(ch * batch + b) * P + q] = y ? pml_dact_grad(act, y[i], dy[i], alpha) : dy[i];
    }
}

template <typename T>
static __global__ void bias_act_kernel(pml_activation act, T alpha, int64_t batch, int64_t C,
                                       int64_t P, const T *bias, T *y)
{
    const int64_t n = batch * C * P;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        y[i] = pml_dact(act, y[i] + (bias ? bias[i / P % C] : T(0)), alpha);
}

// One block per channel, the sum in double by a fixed tree.
#define SUM_THREADS 256
template <typename T>
static __global__ void channel_sum_kernel(int64_t batch, int64_t C, int64_t P, const T *x,
                                          T *sum)
{
    __shared__ double shared[SUM_THREADS];
    const int64_t ch = blockIdx.x, N = batch * P;
    double s = 0;
    for (int64_t j = threadIdx.x; j < N; j += SUM_THREADS)
        s += (double)x[(j / P * C + ch) * P + j % P];
    s = pml_block_sum<SUM_THREADS>(s, shared);
    if (threadIdx.x == 0) sum[ch] = (T)s;
}

extern "C" pml_status pml_cuda_conv_to_chw(pml_device *dev, const pml_conv_to_chw_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        to_chw_kernel<T><<<pml_cuda_grid(dev, a->batch * a->c * a->plane, 256), 256, 0,
                           pml_cuda(dev)->stream>>>(a->act, (T)a->alpha, a->batch, a->c,
                                                    a->plane, (const T *)a->z,
                                                    (const T *)a->bias, (T *)a->y);
    });
    PML_CUDA_LAUNCHED("to_chw_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_conv_from_chw(pml_device *dev, const pml_conv_from_chw_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        from_chw_kernel<T><<<pml_cuda_grid(dev, a->batch * a->c * a->plane, 256), 256, 0,
                             pml_cuda(dev)->stream>>>(a->act, (T)a->alpha, a->batch, a->c,
                                                      a->plane, (const T *)a->y,
                                                      (const T *)a->dy, (T *)a->dz);
    });
    PML_CUDA_LAUNCHED("from_chw_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_conv_bias_act(pml_device *dev, const pml_conv_bias_act_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        bias_act_kernel<T><<<pml_cuda_grid(dev, a->batch * a->c * a->plane, 256), 256, 0,
                             pml_cuda(dev)->stream>>>(a->act, (T)a->alpha, a->batch, a->c,
                                                      a->plane, (const T *)a->bias, (T *)a->y);
    });
    PML_CUDA_LAUNCHED("conv bias_act_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_conv_channel_sum(pml_device *dev,
                                                const pml_conv_channel_sum_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        channel_sum_kernel<T><<<(unsigned)a->c, SUM_THREADS, 0, pml_cuda(dev)->stream>>>(
            a->batch, a->c, a->plane, (const T *)a->x, (T *)a->sum);
    });
    PML_CUDA_LAUNCHED("channel_sum_kernel");
    return PML_OK;
}
