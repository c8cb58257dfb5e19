// Batch normalisation per channel, forward and backward. Contract: src/ops/conv_ops.h. One
// block per channel; its sums in double by a fixed tree, so a run repeats exactly.
#include "cuda/cuda.h"
#include "cuda/device_math.cuh"

#define BN_THREADS 256

template <typename T>
static __global__ void bn_forward_kernel(int training, pml_activation act, T alpha,
                                         int64_t batch, int64_t C, int64_t P,
                                         double eps, double momentum, const T *x, const T *gamma,
                                         const T *beta, T *y, T *rm, T *rv, T *sm, T *si)
{
    __shared__ double shared[BN_THREADS];
    const int64_t ch = blockIdx.x, N = batch * P;
    double mean, var;
    if (training) {
        double s = 0, s2 = 0;
        for (int64_t j = threadIdx.x; j < N; j += BN_THREADS) {
            const double v = (double)x[(j / P * C + ch) * P + j % P];
            s += v;
            s2 += v * v;
        }
        mean = pml_block_sum<BN_THREADS>(s, shared) / (double)N;
        var = pml_block_sum<BN_THREADS>(s2, shared) / (double)N - mean * mean;
        var = var > 0 ? var : 0.0;
        if (threadIdx.x == 0) {
            const double unbiased = N > 1 ? var * (double)N / (double)(N - 1) : var;
            rm[ch] = (T)((1.0 - momentum) * (double)rm[ch] + momentum * mean);
            rv[ch] = (T)((1.0 - momentum) * (double)rv[ch] + momentum * unbiased);
        }
    } else {
        mean = (double)rm[ch];
        var = (double)rv[ch];
    }
    const T m = (T)mean, inv = (T)(1.0 / sqrt(var + eps)), gm = gamma[ch], bt = beta[ch];
    if (threadIdx.x == 0) {
        sm[ch] = m;
        si[ch] = inv;
    }
    for (int64_t j = threadIdx.x; j < N; j += BN_THREADS) {
        const int64_t i = (j / P * C + ch) * P + j % P;
        y[i] = pml_dact(act, (x[i] - m) * inv * gm + bt, alpha);
    }
}

template <typename T>
static __global__ void bn_backward_kernel(int training, pml_activation act, T alpha,
                                          int64_t batch, int64_t C, int64_t P, const T *x,
                                          const T *y, const T *dy, const T *gamma, const T *sm, const T *si,
                                          T *dx, T *dg, T *db)
{
    __shared__ double shared[BN_THREADS];
    const int64_t ch = blockIdx.x, N = batch * P;
    const double m = (double)sm[ch], inv = (double)si[ch];
    double sdy = 0, sdyx = 0;
    for (int64_t j = threadIdx.x; j < N; j += BN_THREADS) {
        const int64_t i = (j / P * C + ch) * P + j % P;
        const double dz = (double)pml_dact_grad(act, y[i], dy[i], alpha);
        sdy += dz;
        sdyx += dz * (((double)x[i] - m) * inv);
    }
    sdy = pml_block_sum<BN_THREADS>(sdy, shared);
    sdyx = pml_block_sum<BN_THREADS>(sdyx, shared);
    if (threadIdx.x == 0) {
        dg[ch] = (T)sdyx;
        db[ch] = (T)sdy;
    }
    if (dx == nullptr) return;
    const double k = (double)gamma[ch] * inv / (double)N;
    for (int64_t j = threadIdx.x; j < N; j += BN_THREADS) {
        const int64_t i = (j / P * C + ch) * P + j % P;
        const double xh = ((double)x[i] - m) * inv;
        const double dz = (double)pml_dact_grad(act, y[i], dy[i], alpha);
        dx[i] = training ? (T)(k * ((double)N * dz - sdy - xh * sdyx)) : (T)(k * (double)N * dz);
    }
}

extern "C" pml_status pml_cuda_bn_forward(pml_device *dev, const pml_bn_forward_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        bn_forward_kernel<T><<<(unsigned)a->c, BN_THREADS, 0, pml_cuda(dev)->stream>>>(
            a->training, a->act, (T)a->alpha, a->batch, a->c, a->plane, a->eps, a->momentum,
            (const T *)a->x,
            (const T *)a->gamma, (const T *)a->beta, (T *)a->y, (T *)a->running_mean,
            (T *)a->running_var, (T *)a->save_mean, (T *)a->save_invstd);
    });
    PML_CUDA_LAUNCHED("bn_forward_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_bn_backward(pml_device *dev, const pml_bn_backward_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        bn_backward_kernel<T><<<(unsigned)a->c, BN_THREADS, 0, pml_cuda(dev)->stream>>>(
            a->training, a->act, (T)a->alpha, a->batch, a->c, a->plane, (const T *)a->x,
            (const T *)a->y, (const T *)a->dy,
            (const T *)a->gamma,
            (const T *)a->save_mean, (const T *)a->save_invstd, (T *)a->dx, (T *)a->dgamma,
            (T *)a->dbeta);
    });
    PML_CUDA_LAUNCHED("bn_backward_kernel");
    return PML_OK;
}
