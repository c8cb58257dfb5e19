// Optimiser updates, elementwise over a list of parameter tensors in one call. Contract: see
// struct pml_nn_ops and struct pml_nn_optim_list in src/nn/nn_ops.h (SGD with optional
// momentum/Nesterov, Adam; L2 weight decay added to the gradient; state values below the
// smallest normal number stored as 0).
//
// One launch per step for all tensors: the list (1.3 KB of pointers and sizes) travels as a
// kernel parameter; a grid-stride loop runs over the concatenated elements and each thread
// advances a tensor cursor through the prefix sums (its indices only grow). The arithmetic is
// the CPU's, element by element (nvcc may contract a * b + c into an FMA, hence tolerances).
#include <cfloat>

#include "cuda/cuda.h"
#include "nn/nn_ops.h"

namespace {

// the list as the kernel sees it: prefix sums instead of sizes
struct optim_args {
    int count;
    int64_t start[PML_NN_OPTIM_MAX + 1];
    void *w[PML_NN_OPTIM_MAX];
    const void *g[PML_NN_OPTIM_MAX];
    void *s1[PML_NN_OPTIM_MAX];
    void *s2[PML_NN_OPTIM_MAX];
};

template <typename T> struct limits;
template <> struct limits<float> {
    static __device__ float min_normal() { return FLT_MIN; }
    static __device__ float sqrt(float x) { return sqrtf(x); }
};
template <> struct limits<double> {
    static __device__ double min_normal() { return DBL_MIN; }
    static __device__ double sqrt(double x) { return ::sqrt(x); }
};

template <typename T> __device__ T flush(T x)
{
    return (x < limits<T>::min_normal() && x > -limits<T>::min_normal()) ? T(0) : x;
}

} // namespace

template <typename T>
static __global__ void sgd_kernel(optim_args a, T lr, T mu, int nesterov, T wd)
{
    const int64_t total = a.start[a.count];
    int k = 0;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        while (i >= a.start[k + 1]) ++k;
        const int64_t j = i - a.start[k];
        T *w = (T *)a.w[k], *v = (T *)a.s1[k];
        const T *g = (const T *)a.g[k];
        T gi = g[j] + wd * w[j];
        if (v) {
            T vi = flush<T>(mu * v[j] + gi);
            v[j] = vi;
            w[j] -= lr * (nesterov ? gi + mu * vi : vi);
        } else {
            w[j] -= lr * gi;
        }
    }
}

template <typename T>
static __global__ void adam_kernel(optim_args a, T lr_t, T b1, T b2, T eps_t, T wd)
{
    const T c1 = T(1) - b1, c2 = T(1) - b2;
    const int64_t total = a.start[a.count];
    int k = 0;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        while (i >= a.start[k + 1]) ++k;
        const int64_t j = i - a.start[k];
        T *w = (T *)a.w[k], *m = (T *)a.s1[k], *v = (T *)a.s2[k];
        const T *g = (const T *)a.g[k];
        T gi = g[j] + wd * w[j];
        T mi = flush<T>(b1 * m[j] + c1 * gi);
        T vi = b2 * v[j] + c2 * gi * gi;
        vi = vi < limits<T>::min_normal() ? T(0) : vi;
        m[j] = mi;
        v[j] = vi;
        w[j] -= lr_t * mi / (limits<T>::sqrt(vi) + eps_t);
    }
}

static optim_args make_args(const struct pml_nn_optim_list *l)
{
    optim_args a;
    a.count = l->count;
    a.start[0] = 0;
    for (int k = 0; k < l->count; ++k) {
        a.start[k + 1] = a.start[k] + l->n[k];
        a.w[k] = l->w[k];
        a.g[k] = l->g[k];
        a.s1[k] = l->s1[k];
        a.s2[k] = l->s2[k];
    }
    return a;
}

extern "C" pml_status pml_cuda_nn_sgd(pml_device *dev, pml_dtype dtype,
                                      const struct pml_nn_optim_list *l,
                                      const struct pml_nn_optim_hyper *h)
{
    PML_TRY(pml_cuda_enter(dev));
    optim_args a = make_args(l);
    if (a.start[a.count] == 0) return PML_OK;
    cudaStream_t s = pml_cuda(dev)->stream;
    unsigned grid = pml_cuda_grid(dev, a.start[a.count], 256);
    if (dtype == PML_F32)
        sgd_kernel<float><<<grid, 256, 0, s>>>(a, (float)h->lr, (float)h->mu, h->nesterov,
                                               (float)h->wd);
    else
        sgd_kernel<double><<<grid, 256, 0, s>>>(a, h->lr, h->mu, h->nesterov, h->wd);
    PML_CUDA_LAUNCHED("sgd_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_nn_adam(pml_device *dev, pml_dtype dtype,
                                       const struct pml_nn_optim_list *l,
                                       const struct pml_nn_optim_hyper *h)
{
    PML_TRY(pml_cuda_enter(dev));
    optim_args a = make_args(l);
    if (a.start[a.count] == 0) return PML_OK;
    cudaStream_t s = pml_cuda(dev)->stream;
    unsigned grid = pml_cuda_grid(dev, a.start[a.count], 256);
    if (dtype == PML_F32)
        adam_kernel<float><<<grid, 256, 0, s>>>(a, (float)h->lr, (float)h->b1, (float)h->b2,
                                                (float)h->eps, (float)h->wd);
    else
        adam_kernel<double><<<grid, 256, 0, s>>>(a, h->lr, h->b1, h->b2, h->eps, h->wd);
    PML_CUDA_LAUNCHED("adam_kernel");
    return PML_OK;
}
