// im2col and col2im, columns channel-major. Contract: src/ops/conv_ops.h. One thread per col
// entry (im2col; consecutive threads along ox, so writes coalesce) or per image element
// (col2im, gathering its terms with ky and kx increasing, the order the CPU's row adds meet
// them in), so both agree with the CPU bit for bit.
#include "cuda/cuda.h"

template <typename T>
static __global__ void im2col_kernel(pml_conv_geom g, const T *x, T *col)
{
    const int64_t R = g.batch * g.ho * g.wo, n = R * g.c * g.kh * g.kw;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t k = i / R, r = i % R;
        const int64_t b = r / (g.ho * g.wo), oy = r / g.wo % g.ho, ox = r % g.wo;
        const int64_t ci = k / (g.kh * g.kw), ky = k / g.kw % g.kh, kx = k % g.kw;
        const int64_t iy = oy * g.sh - g.ph + ky, ix = ox * g.sw - g.pw + kx;
        const bool in = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
        col[i] = in ? x[((b * g.c + ci) * g.h + iy) * g.w + ix] : T(0);
    }
}

template <typename T>
static __global__ void col2im_kernel(pml_conv_geom g, const T *col, T *x)
{
    const int64_t R = g.batch * g.ho * g.wo, n = g.batch * g.c * g.h * g.w;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x) {
        const int64_t ix = i % g.w, iy = i / g.w % g.h, ci = i / (g.h * g.w) % g.c,
                      b = i / (g.c * g.h * g.w);
        T acc = 0;
        for (int64_t ky = 0; ky < g.kh; ++ky) {
            const int64_t ny = iy + g.ph - ky, oy = ny / g.sh;
            if (ny < 0 || ny % g.sh || oy >= g.ho) continue;
            for (int64_t kx = 0; kx < g.kw; ++kx) {
                const int64_t nx = ix + g.pw - kx, ox = nx / g.sw;
                if (nx < 0 || nx % g.sw || ox >= g.wo) continue;
                const int64_t r = (b * g.ho + oy) * g.wo + ox;
                acc += col[((ci * g.kh + ky) * g.kw + kx) * R + r];
            }
        }
        x[i] = acc;
    }
}

extern "C" pml_status pml_cuda_im2col(pml_device *dev, const pml_im2col_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    const pml_conv_geom g = a->g;
    const int64_t n = g.batch * g.ho * g.wo * g.c * g.kh * g.kw;
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        im2col_kernel<T><<<pml_cuda_grid(dev, n, 256), 256, 0, pml_cuda(dev)->stream>>>(
            g, (const T *)a->x, (T *)a->col);
    });
    PML_CUDA_LAUNCHED("im2col_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_col2im(pml_device *dev, const pml_col2im_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    const pml_conv_geom g = a->g;
    const int64_t n = g.batch * g.c * g.h * g.w;
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        col2im_kernel<T><<<pml_cuda_grid(dev, n, 256), 256, 0, pml_cuda(dev)->stream>>>(
            g, (const T *)a->col, (T *)a->x);
    });
    PML_CUDA_LAUNCHED("col2im_kernel");
    return PML_OK;
}
