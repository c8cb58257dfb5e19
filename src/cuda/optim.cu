// Optimiser updates, elementwise over a list of parameter tensors in one call. Contract:
// pml_optim_args in src/ops/optim_ops.h (SGD with optional momentum/Nesterov, Adam; L2 weight
// decay added to the gradient; state values below the smallest normal number stored as 0; the
// whole step skipped while the skip flag is set: every thread reads it, no host round trip).
//
// One launch per step for all tensors: the list (1.3 KB of pointers and sizes) travels as a
// kernel parameter; a grid-stride loop runs over the concatenated elements and each thread
// advances a tensor cursor through the prefix sums (its indices only grow). The arithmetic is
// the CPU's, element by element (nvcc may contract a * b + c into an FMA, hence tolerances).
#include <cfloat>

#include "cuda/cuda.h"

namespace {

// the list as the kernel sees it: prefix sums instead of sizes
struct optim_args {
    int count;
    int64_t start[PML_OPTIM_MAX + 1];
    void *w[PML_OPTIM_MAX];
    const void *g[PML_OPTIM_MAX];
    void *s1[PML_OPTIM_MAX];
    void *s2[PML_OPTIM_MAX];
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

// The element updates. The hyperparameters travel as doubles and are rounded to T here, once
// per thread: the same rounding the CPU does on the host.
template <typename T> struct sgd_update {
    T lr, mu, wd;
    int nesterov;
    __device__ explicit sgd_update(const pml_optim_hyper &h)
        : lr((T)h.lr), mu((T)h.mu), wd((T)h.wd), nesterov(h.nesterov)
    {
    }
    __device__ void operator()(const optim_args &a, int k, int64_t j) const
    {
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
};

template <typename T> struct adam_update {
    T lr_t, b1, b2, eps_t, wd, c1, c2;
    __device__ explicit adam_update(const pml_optim_hyper &h)
        : lr_t((T)h.lr), b1((T)h.b1), b2((T)h.b2), eps_t((T)h.eps), wd((T)h.wd),
          c1(T(1) - (T)h.b1), c2(T(1) - (T)h.b2)
    {
    }
    __device__ void operator()(const optim_args &a, int k, int64_t j) const
    {
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
};

// A grid-stride loop over the concatenated elements; each thread's indices only grow, so its
// tensor cursor k only moves forward. Nothing happens while the skip flag is raised.
template <typename U>
static __global__ void optim_kernel(optim_args a, pml_optim_hyper h, const int32_t *skip)
{
    if (skip && *skip) return;
    const U update(h);
    const int64_t total = a.start[a.count];
    int k = 0;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        while (i >= a.start[k + 1]) ++k;
        update(a, k, i - a.start[k]);
    }
}

static optim_args make_args(const pml_optim_list *l)
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

typedef void kernel_fn(optim_args, pml_optim_hyper, const int32_t *);

// One launch over every tensor of the list, in the dtype asked for.
static pml_status launch(pml_device *dev, const pml_optim_args *args, kernel_fn *f32,
                         kernel_fn *f64)
{
    PML_TRY(pml_cuda_enter(dev));
    optim_args a = make_args(args->list);
    if (a.start[a.count] == 0) return PML_OK;
    unsigned grid = pml_cuda_grid(dev, a.start[a.count], 256);
    kernel_fn *k = args->dtype == PML_F32 ? f32 : f64;
    k<<<grid, 256, 0, pml_cuda(dev)->stream>>>(a, *args->hyper, args->skip);
    PML_CUDA_LAUNCHED("optimiser kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_sgd(pml_device *dev, const pml_optim_args *args)
{
    return launch(dev, args, optim_kernel<sgd_update<float>>, optim_kernel<sgd_update<double>>);
}

extern "C" pml_status pml_cuda_adam(pml_device *dev, const pml_optim_args *args)
{
    return launch(dev, args, optim_kernel<adam_update<float>>, optim_kernel<adam_update<double>>);
}
