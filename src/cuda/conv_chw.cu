// The convolution's epilogue and prologue: rows <-> NCHW with the bias and the activation
// folded in, the per-channel bias pass and the per-channel sums. Contract:
// src/ops/conv_ops.h. The activation bodies are the CPU's (src/ops/nn_ops.h).
#include "cuda/cuda.h"

static __device__ __forceinline__ float act_one(pml_activation act, float z, float alpha)
{
    return pml_nn_act_f32(act, z, alpha);
}
static __device__ __forceinline__ double act_one(pml_activation act, double z, double alpha)
{
    return pml_nn_act_f64(act, z, alpha);
}
static __device__ __forceinline__ float act_grad(pml_activation act, float y, float dy,
                                                 float alpha)
{
    return pml_nn_act_grad_f32(act, y, dy, alpha);
}
static __device__ __forceinline__ double act_grad(pml_activation act, double y, double dy,
                                                  double alpha)
{
    return pml_nn_act_grad_f64(act, y, dy, alpha);
}

// One thread per NCHW element (writes coalesced).
template <typename T>
static __global__ void to_chw_kernel(pml_activation act, T alpha, int64_t batch, int64_t C,
                                     int64_t P, const T *rows, const T *bias, T *y)
{
    const int64_t n = batch * C * P;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t q = i % P, ch = i / P % C, b = i / (C * P);
        y[i] = act_one(act, rows[(b * P + q) * C + ch] + (bias ? bias[ch] : T(0)), alpha);
    }
}

// One thread per row entry (writes coalesced).
template <typename T>
static __global__ void from_chw_kernel(pml_activation act, T alpha, int64_t batch, int64_t C,
                                       int64_t P, const T *y, const T *dy, T *rows)
{
    const int64_t n = batch * C * P;
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < n;
         r += (int64_t)gridDim.x * blockDim.x) {
        const int64_t ch = r % C, q = r / C % P, b = r / (C * P);
        const int64_t i = (b * C + ch) * P + q;
        rows[r] = y ? act_grad(act, y[i], dy[i], alpha) : dy[i];
    }
}

template <typename T>
static __global__ void bias_act_kernel(pml_activation act, T alpha, int64_t batch, int64_t C,
                                       int64_t P, const T *bias, T *y)
{
    const int64_t n = batch * C * P;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        y[i] = act_one(act, y[i] + (bias ? bias[i / P % C] : T(0)), alpha);
}

// One thread per channel, (b, q) in order: the CPU's sum.
template <typename T>
static __global__ void channel_sum_kernel(int64_t batch, int64_t C, int64_t P, const T *x,
                                          T *sum)
{
    for (int64_t ch = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; ch < C;
         ch += (int64_t)gridDim.x * blockDim.x) {
        T s = 0;
        for (int64_t b = 0; b < batch; ++b)
            for (int64_t q = 0; q < P; ++q) s += x[(b * C + ch) * P + q];
        sum[ch] = s;
    }
}

extern "C" pml_status pml_cuda_conv_to_chw(pml_device *dev, const pml_conv_to_chw_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        to_chw_kernel<T><<<pml_cuda_grid(dev, a->batch * a->c * a->plane, 256), 256, 0,
                           pml_cuda(dev)->stream>>>(a->act, (T)a->alpha, a->batch, a->c,
                                                    a->plane, (const T *)a->rows,
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
                                                      (const T *)a->dy, (T *)a->rows);
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
        channel_sum_kernel<T><<<pml_cuda_grid(dev, a->c, 64), 64, 0, pml_cuda(dev)->stream>>>(
            a->batch, a->c, a->plane, (const T *)a->x, (T *)a->sum);
    });
    PML_CUDA_LAUNCHED("channel_sum_kernel");
    return PML_OK;
}
