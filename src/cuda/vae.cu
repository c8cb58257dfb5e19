// The variational autoencoder's kernels: reparameterisation with its KL term and log-weights,
// its backward, the KL added to a step's totals. Contract: src/ops/vae_ops.h. Twin:
// src/cpu/vae.c. One thread per row for the forward (its KL and log-weight summed over the
// units in order, as the CPU does), then one block sums the rows in a fixed order.
#include "cuda/cuda.h"
#include "cuda/device_math.cuh"

template <typename T> static __device__ T vae_unit(T mu, T lv, T e, double *kl, double *logw);
template <> __device__ float vae_unit<float>(float mu, float lv, float e, double *kl, double *logw)
{
    return pml_vae_unit_f32(mu, lv, e, kl, logw);
}
template <> __device__ double vae_unit<double>(double mu, double lv, double e, double *kl,
                                               double *logw)
{
    return pml_vae_unit_f64(mu, lv, e, kl, logw);
}

template <typename T>
static __global__ void reparam_kernel(pml_vae_reparam_args a, double *kl_rows)
{
    const int64_t d = a.d;
    const T *x = (const T *)a.x;
    T *z = (T *)a.z, *eps = (T *)a.eps;
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < a.rows;
         r += (int64_t)gridDim.x * blockDim.x) {
        double kl = 0.0, logw = 0.0;
        for (int64_t j = 0; j < d; ++j) {
            const T e = a.sample ? (T)pml_philox_normal(a.seed, a.stream, (uint64_t)(r * d + j))
                                 : (T)0;
            eps[r * d + j] = e;
            z[r * d + j] = vae_unit<T>(x[r * 2 * d + j], x[r * 2 * d + d + j], e, &kl, &logw);
        }
        kl_rows[r] = kl;
        if (a.logw_rows) a.logw_rows[r] = logw;
    }
}

// kl[0] = sum of kl_rows in a fixed order (one block of 256 threads)
static __global__ void kl_total_kernel(int64_t rows, const double *kl_rows, double *kl)
{
    __shared__ double s[256];
    double v = 0.0;
    for (int64_t r = threadIdx.x; r < rows; r += 256) v += kl_rows[r];
    s[threadIdx.x] = v;
    __syncthreads();
    for (int k = 128; k > 0; k /= 2) {
        if ((int)threadIdx.x < k) s[threadIdx.x] += s[threadIdx.x + k];
        __syncthreads();
    }
    if (threadIdx.x == 0) kl[0] = s[0];
}

extern "C" pml_status pml_cuda_vae_reparam(pml_device *dev, const pml_vae_reparam_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    cudaStream_t s = pml_cuda(dev)->stream;
    double *kl_rows = a->kl_rows;
    if (kl_rows == nullptr) {
        void *scratch = nullptr;
        PML_TRY(pml_cuda_scratch(dev, (size_t)a->rows * sizeof(double), &scratch));
        kl_rows = (double *)scratch;
    }
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        reparam_kernel<T><<<pml_cuda_grid(dev, a->rows, 128), 128, 0, s>>>(*a, kl_rows);
    });
    PML_CUDA_LAUNCHED("reparam_kernel");
    if (a->kl) {
        kl_total_kernel<<<1, 256, 0, s>>>(a->rows, kl_rows, a->kl);
        PML_CUDA_LAUNCHED("kl_total_kernel");
    }
    return PML_OK;
}

template <typename T>
static __global__ void reparam_backward_kernel(pml_vae_reparam_backward_args a)
{
    const int64_t d = a.d, n = a.rows * d;
    const T *x = (const T *)a.x, *eps = (const T *)a.eps, *dz = (const T *)a.dz;
    T *dx = (T *)a.dx;
    const T ks = (T)a.kl_scale;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = i / d, j = i - r * d;
        const T mu = x[r * 2 * d + j], lv = x[r * 2 * d + d + j];
        const T g = dz[i], sd = pml_dexp<T>(lv * (T)0.5);
        dx[r * 2 * d + j] = g + ks * mu;
        dx[r * 2 * d + d + j] = g * eps[i] * sd * (T)0.5 + ks * (sd * sd - (T)1) * (T)0.5;
    }
}

extern "C" pml_status pml_cuda_vae_reparam_backward(pml_device *dev,
                                                    const pml_vae_reparam_backward_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        reparam_backward_kernel<T><<<pml_cuda_grid(dev, a->rows * a->d, 256), 256, 0,
                                     pml_cuda(dev)->stream>>>(*a);
    });
    PML_CUDA_LAUNCHED("reparam_backward_kernel");
    return PML_OK;
}

static __global__ void add_kl_kernel(pml_vae_add_kl_args a)
{
    a.out[0] += a.beta * a.kl[0];
    a.out[1] = a.kl[0];
    if (a.nonfinite && !isfinite(a.out[0])) *a.nonfinite = 1;
}

extern "C" pml_status pml_cuda_vae_add_kl(pml_device *dev, const pml_vae_add_kl_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    add_kl_kernel<<<1, 1, 0, pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("add_kl_kernel");
    return PML_OK;
}
