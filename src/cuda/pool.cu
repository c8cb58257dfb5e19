// Max and average pooling, forward and backward. Contract: src/ops/conv_ops.h. One thread per
// output element (forward) or input element (backward, gathering over the windows that hold
// it in increasing (oy, ox), as the CPU does).
#include "cuda/cuda.h"

template <typename T>
static __global__ void pool_kernel(pml_pool_mode mode, pml_conv_geom g, const T *x, T *y,
                                   int32_t *idx)
{
    const int64_t n = g.batch * g.c * g.ho * g.wo;
    const T inv = T(1) / T(g.kh * g.kw);
    for (int64_t o = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; o < n;
         o += (int64_t)gridDim.x * blockDim.x) {
        const int64_t ox = o % g.wo, oy = o / g.wo % g.ho, bc = o / (g.ho * g.wo);
        const T *xp = x + bc * g.h * g.w;
        const int64_t y0 = oy * g.sh, x0 = ox * g.sw;
        if (mode == PML_POOL_MAX) {
            int64_t best = y0 * g.w + x0;
            for (int64_t ky = 0; ky < g.kh; ++ky)
                for (int64_t kx = 0; kx < g.kw; ++kx) {
                    const int64_t p = (y0 + ky) * g.w + x0 + kx;
                    if (PML_POOL_BEATS(xp[p], xp[best])) best = p;
                }
            y[o] = xp[best];
            idx[o] = (int32_t)best;
        } else {
            T s = 0;
            for (int64_t ky = 0; ky < g.kh; ++ky)
                for (int64_t kx = 0; kx < g.kw; ++kx) s += xp[(y0 + ky) * g.w + x0 + kx];
            y[o] = s * inv;
        }
    }
}

template <typename T>
static __global__ void pool_backward_kernel(pml_pool_mode mode, pml_conv_geom g, const T *dy,
                                            const int32_t *idx, T *dx)
{
    const int64_t n = g.batch * g.c * g.h * g.w;
    const T inv = T(1) / T(g.kh * g.kw);
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t ix = i % g.w, iy = i / g.w % g.h, bc = i / (g.h * g.w);
        int64_t ylo, yhi, xlo, xhi;
        pml_pool_windows(iy, g.kh, g.sh, g.ho, &ylo, &yhi);
        pml_pool_windows(ix, g.kw, g.sw, g.wo, &xlo, &xhi);
        T s = 0;
        for (int64_t oy = ylo; oy <= yhi; ++oy)
            for (int64_t ox = xlo; ox <= xhi; ++ox) {
                const int64_t o = (bc * g.ho + oy) * g.wo + ox;
                if (mode == PML_POOL_AVG) s += dy[o] * inv;
                else if (idx[o] == iy * g.w + ix) s += dy[o];
            }
        dx[i] = s;
    }
}

extern "C" pml_status pml_cuda_pool(pml_device *dev, const pml_pool_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    const int64_t n = a->g.batch * a->g.c * a->g.ho * a->g.wo;
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        pool_kernel<T><<<pml_cuda_grid(dev, n, 256), 256, 0, pml_cuda(dev)->stream>>>(
            a->mode, a->g, (const T *)a->x, (T *)a->y, a->idx);
    });
    PML_CUDA_LAUNCHED("pool_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_pool_backward(pml_device *dev, const pml_pool_backward_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    const int64_t n = a->g.batch * a->g.c * a->g.h * a->g.w;
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        pool_backward_kernel<T><<<pml_cuda_grid(dev, n, 256), 256, 0, pml_cuda(dev)->stream>>>(
            a->mode, a->g, (const T *)a->dy, a->idx, (T *)a->dx);
    });
    PML_CUDA_LAUNCHED("pool_backward_kernel");
    return PML_OK;
}
