// exp, log and tanh for a template's float type, as one name: the float overloads call the
// single-precision functions (expf, ...), so F32 kernels never widen to double.
#ifndef PML_DEVICE_MATH_CUH
#define PML_DEVICE_MATH_CUH

#include "ops/nn_ops.h"

template <typename T> static __device__ T pml_dexp(T x);
template <> __device__ float pml_dexp<float>(float x) { return expf(x); }
template <> __device__ double pml_dexp<double>(double x) { return exp(x); }
template <typename T> static __device__ T pml_dlog(T x);
template <> __device__ float pml_dlog<float>(float x) { return logf(x); }
template <> __device__ double pml_dlog<double>(double x) { return log(x); }
template <typename T> static __device__ T pml_dlog1p(T x);
template <> __device__ float pml_dlog1p<float>(float x) { return log1pf(x); }
template <> __device__ double pml_dlog1p<double>(double x) { return log1p(x); }
template <typename T> static __device__ T pml_dtanh(T x);
template <> __device__ float pml_dtanh<float>(float x) { return tanhf(x); }
template <> __device__ double pml_dtanh<double>(double x) { return tanh(x); }

// One element of an elementwise activation and its derivative from y, for a template's float
// type: the bodies the CPU compiles too (src/ops/nn_ops.h).
static __device__ __forceinline__ float pml_dact(pml_activation act, float z, float alpha)
{
    return pml_nn_act_f32(act, z, alpha);
}
static __device__ __forceinline__ double pml_dact(pml_activation act, double z, double alpha)
{
    return pml_nn_act_f64(act, z, alpha);
}
static __device__ __forceinline__ float pml_dact_grad(pml_activation act, float y, float dy,
                                                      float alpha)
{
    return pml_nn_act_grad_f32(act, y, dy, alpha);
}
static __device__ __forceinline__ double pml_dact_grad(pml_activation act, double y, double dy,
                                                       double alpha)
{
    return pml_nn_act_grad_f64(act, y, dy, alpha);
}

// The sum of v over a block of N threads (every thread gets it), by a fixed tree in shared
// memory of N doubles: deterministic for a given N.
template <int N> static __device__ double pml_block_sum(double v, double *shared)
{
    shared[threadIdx.x] = v;
    __syncthreads();
    for (int s = N / 2; s > 0; s /= 2) {
        if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
        __syncthreads();
    }
    const double r = shared[0];
    __syncthreads();
    return r;
}

#endif
