// Hopfield weights: the int8 -> float conversion the GEMMs take, the step that turns a GEMM's
// sums into stored weights (zero diagonal), and one pattern of Storkey's rule.
// Contract (shared with src/cpu/hopfield_weights.c): pml_hopfield_convert_args,
// pml_hopfield_weights_args, pml_hopfield_storkey_args in src/ops/hopfield_ops.h.
// - convert: dst[i] = (F32 | F64) src[i], i < count;
// - weights: for each set s and i, j < n, element e = (s n + i) n + j: 0 on the diagonal, else
//   (int32) src[e] (PML_I32, exact integers) or (float) (scale * src[e]) (PML_F32, dst may be
//   src);
// - storkey: W_ij += (xi_i xi_j - xi_i g_ji - g_ij xi_j) / n for i != j, g_ij = h_i - W_ij xi_j,
//   in double, stored as float; the diagonal untouched.
//
// CUDA: one thread per element (grid-stride), the CPU's arithmetic operation by operation
// (explicit round-to-nearest products and sums, no contraction), so the results are the CPU's.
// Storkey reads only its own element of W (W_ji = W_ij), so the update in place is race-free.
#include "cuda/cuda.h"
#include "ops/hopfield_ops.h"

template <typename T>
static __global__ void convert_kernel(const int8_t *src, T *dst, int64_t count)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < count;
         i += (int64_t)gridDim.x * blockDim.x)
        dst[i] = (T)src[i];
}

static __global__ void weights_kernel(pml_hopfield_weights_args a)
{
    const int64_t n = a.n, total = a.sets * n * n;
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = e / n, j = e - r * n, i = r % n;
        if (a.dtype == PML_I32)
            ((int32_t *)a.dst)[e] = j == i ? 0 : (int32_t)a.src[e];
        else
            ((float *)a.dst)[e] = j == i ? 0.0f : (float)__dmul_rn(a.scale, (double)a.src[e]);
    }
}

static __global__ void storkey_kernel(pml_hopfield_storkey_args a)
{
    const int64_t n = a.n, total = n * n;
    const double inv_n = 1.0 / (double)n;
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t i = e / n, j = e - i * n;
        if (j == i) continue;
        const double xi = a.xi[i], hi = a.h[i], xj = a.xi[j], hj = a.h[j], wij = a.w[e];
        const double gij = __dsub_rn(hi, __dmul_rn(wij, xj)); // field at i without j
        const double gji = __dsub_rn(hj, __dmul_rn(wij, xi)); // W_ji = W_ij
        const double d = __dsub_rn(__dsub_rn(__dmul_rn(xi, xj), __dmul_rn(xi, gji)),
                                   __dmul_rn(gij, xj));
        a.w[e] = (float)__dadd_rn(wij, __dmul_rn(d, inv_n));
    }
}

extern "C" pml_status pml_cuda_hopfield_convert(pml_device *dev,
                                                const pml_hopfield_convert_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    PML_CHECK(a->dtype == PML_F32 || a->dtype == PML_F64, PML_ERR_UNSUPPORTED,
              "hopfield convert: dtype %d", (int)a->dtype);
    cudaStream_t st = pml_cuda(dev)->stream;
    const unsigned grid = pml_cuda_grid(dev, a->count, 256);
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        convert_kernel<T><<<grid, 256, 0, st>>>(a->src, (T *)a->dst, a->count);
    });
    PML_CUDA_LAUNCHED("convert_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_hopfield_weights(pml_device *dev,
                                                const pml_hopfield_weights_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    PML_CHECK(a->dtype == PML_F32 || a->dtype == PML_I32, PML_ERR_UNSUPPORTED,
              "hopfield weights: dtype %d", (int)a->dtype);
    weights_kernel<<<pml_cuda_grid(dev, a->sets * a->n * a->n, 256), 256, 0,
                     pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("weights_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_hopfield_storkey(pml_device *dev,
                                                const pml_hopfield_storkey_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    storkey_kernel<<<pml_cuda_grid(dev, a->n * a->n, 256), 256, 0, pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("storkey_kernel");
    return PML_OK;
}
