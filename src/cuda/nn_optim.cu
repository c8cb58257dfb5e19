// Optimiser updates, elementwise over one parameter tensor. Contract: see struct pml_nn_ops
// in src/nn/nn_ops.h (SGD with optional momentum/Nesterov, Adam; L2 weight decay added to
// the gradient).
#include "cuda/cuda.h"
#include "nn/nn_ops.h"

template <typename T>
static __global__ void sgd_kernel(int64_t n, T *w, const T *g, T *v, T lr, T mu, int nesterov,
                                  T wd)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        T gi = g[i] + wd * w[i];
        if (v) {
            T vi = mu * v[i] + gi;
            v[i] = vi;
            w[i] -= lr * (nesterov ? gi + mu * vi : vi);
        } else {
            w[i] -= lr * gi;
        }
    }
}

template <typename T> static __device__ T dsqrt(T x);
template <> __device__ float dsqrt<float>(float x) { return sqrtf(x); }
template <> __device__ double dsqrt<double>(double x) { return sqrt(x); }

template <typename T>
static __global__ void adam_kernel(int64_t n, T *w, const T *g, T *m, T *v, T lr, T b1, T b2,
                                   T eps, T wd, T bc1, T bc2)
{
    // the CPU's form: lr_t m / (sqrt(v) + eps_t), lr_t = lr sqrt(bc2) / bc1, eps_t = eps sqrt(bc2)
    const T lr_t = lr * dsqrt<T>(bc2) / bc1, eps_t = eps * dsqrt<T>(bc2);
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        T gi = g[i] + wd * w[i];
        T mi = b1 * m[i] + (T(1) - b1) * gi;
        T vi = b2 * v[i] + (T(1) - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= lr_t * mi / (dsqrt<T>(vi) + eps_t);
    }
}

extern "C" pml_status pml_cuda_nn_sgd(pml_device *dev, pml_dtype dtype, int64_t n, void *w,
                                      const void *g, void *v, double lr, double mu, int nesterov,
                                      double wd)
{
    cudaStream_t s = pml_cuda(dev)->stream;
    unsigned grid = pml_cuda_grid(dev, n, 256);
    if (dtype == PML_F32)
        sgd_kernel<float><<<grid, 256, 0, s>>>(n, (float *)w, (const float *)g, (float *)v,
                                               (float)lr, (float)mu, nesterov, (float)wd);
    else
        sgd_kernel<double><<<grid, 256, 0, s>>>(n, (double *)w, (const double *)g, (double *)v,
                                                lr, mu, nesterov, wd);
    PML_CUDA_LAUNCHED("sgd_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_nn_adam(pml_device *dev, pml_dtype dtype, int64_t n, void *w,
                                       const void *g, void *m, void *v, double lr, double b1,
                                       double b2, double eps, double wd, double bc1, double bc2)
{
    cudaStream_t s = pml_cuda(dev)->stream;
    unsigned grid = pml_cuda_grid(dev, n, 256);
    if (dtype == PML_F32)
        adam_kernel<float><<<grid, 256, 0, s>>>(n, (float *)w, (const float *)g, (float *)m,
                                                (float *)v, (float)lr, (float)b1, (float)b2,
                                                (float)eps, (float)wd, (float)bc1, (float)bc2);
    else
        adam_kernel<double><<<grid, 256, 0, s>>>(n, (double *)w, (const double *)g, (double *)m,
                                                 (double *)v, lr, b1, b2, eps, wd, bc1, bc2);
    PML_CUDA_LAUNCHED("adam_kernel");
    return PML_OK;
}
