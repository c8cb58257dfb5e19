/* Max and average pooling, forward and backward. Contract: src/ops/conv_ops.h. Plain loops,
 * one (sample, channel) plane per iteration: the reference the CUDA kernels are checked
 * against; 2x2/2 max pooling, the common case, a row at a time in vector registers (the
 * same comparisons in the same order). The backward gathers: each input element walks the
 * windows that hold it in increasing (oy, ox), so overlapping windows add in one fixed order
 * on every backend. The tie rule and the windows of an element are the contract's. */
#include "cpu/cpu.h"
#include "cpu/simd.h"
#include "ops/conv_ops.h"

#define DEFINE_POOL(T, SUF)                                                                  \
    /* One output row of 2x2/2 max pooling from input rows r0, r1 (the window order a, b, c, \
     * d as the general loop walks it), vectorised across the row. */                        \
    PML_SIMD_CLONES                                                                          \
    static void max2_row_##SUF(const T *restrict r0, const T *restrict r1, int64_t wo,       \
                               int32_t base, int32_t w, T *restrict y, int32_t *restrict idx) \
    {                                                                                        \
        _Pragma("omp simd")                                                                  \
        for (int64_t ox = 0; ox < wo; ++ox) {                                                \
            const T a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];  \
            const int32_t p = base + 2 * (int32_t)ox;                                        \
            T v = a;                                                                         \
            int32_t i = p;                                                                   \
            if (PML_POOL_BEATS(b, v)) v = b, i = p + 1;                                      \
            if (PML_POOL_BEATS(c, v)) v = c, i = p + w;                                      \
            if (PML_POOL_BEATS(d, v)) v = d, i = p + w + 1;                                  \
            y[ox] = v;                                                                       \
            idx[ox] = i;                                                                     \
        }                                                                                    \
    }                                                                                        \
    static void pool_##SUF(const pml_pool_args *a)                                           \
    {                                                                                        \
        const pml_conv_geom *g = &a->g;                                                      \
        const T *x = (const T *)a->x;                                                        \
        T *y = (T *)a->y;                                                                    \
        const T inv = (T)1 / (T)(g->kh * g->kw);                                             \
        const int two = a->mode == PML_POOL_MAX && g->kh == 2 && g->kw == 2 && g->sh == 2 && \
                        g->sw == 2;                                                          \
        _Pragma("omp parallel for schedule(static) if (g->batch * g->c * g->h * g->w > (1 << 18))") \
        for (int64_t bc = 0; bc < g->batch * g->c; ++bc) {                                   \
            const T *xp = x + bc * g->h * g->w;                                              \
            if (two) {                                                                       \
                for (int64_t oy = 0; oy < g->ho; ++oy)                                       \
                    max2_row_##SUF(xp + 2 * oy * g->w, xp + (2 * oy + 1) * g->w, g->wo,      \
                                   (int32_t)(2 * oy * g->w), (int32_t)g->w,                  \
                                   y + (bc * g->ho + oy) * g->wo,                            \
                                   a->idx + (bc * g->ho + oy) * g->wo);                      \
                continue;                                                                    \
            }                                                                                \
            for (int64_t oy = 0; oy < g->ho; ++oy)                                           \
                for (int64_t ox = 0; ox < g->wo; ++ox) {                                     \
                    const int64_t o = (bc * g->ho + oy) * g->wo + ox;                        \
                    const int64_t y0 = oy * g->sh, x0 = ox * g->sw;                          \
                    if (a->mode == PML_POOL_MAX) {                                           \
                        int64_t best = y0 * g->w + x0;                                       \
                        for (int64_t ky = 0; ky < g->kh; ++ky)                               \
                            for (int64_t kx = 0; kx < g->kw; ++kx) {                         \
                                const int64_t p = (y0 + ky) * g->w + x0 + kx;                \
                                if (PML_POOL_BEATS(xp[p], xp[best])) best = p;               \
                            }                                                                \
                        y[o] = xp[best];                                                     \
                        a->idx[o] = (int32_t)best;                                           \
                    } else {                                                                 \
                        T s = 0;                                                             \
                        for (int64_t ky = 0; ky < g->kh; ++ky)                               \
                            for (int64_t kx = 0; kx < g->kw; ++kx)                           \
                                s += xp[(y0 + ky) * g->w + x0 + kx];                         \
                        y[o] = s * inv;                                                      \
                    }                                                                        \
                }                                                                            \
        }                                                                                    \
    }                                                                                        \
    /* Windows that do not overlap: each element of a plane gets its window's term or none,  \
     * written as 0 + term so that the bits equal the gather's. */                           \
    static void pool_backward_apart_##SUF(const pml_pool_backward_args *a)                   \
    {                                                                                        \
        const pml_conv_geom *g = &a->g;                                                      \
        const T *dy = (const T *)a->dy;                                                      \
        T *dx = (T *)a->dx;                                                                  \
        const T inv = (T)1 / (T)(g->kh * g->kw);                                             \
        _Pragma("omp parallel for schedule(static) if (g->batch * g->c * g->h * g->w > (1 << 18))") \
        for (int64_t bc = 0; bc < g->batch * g->c; ++bc) {                                   \
            T *dxp = dx + bc * g->h * g->w;                                                  \
            for (int64_t i = 0; i < g->h * g->w; ++i) dxp[i] = 0;                            \
            for (int64_t oy = 0; oy < g->ho; ++oy)                                           \
                for (int64_t ox = 0; ox < g->wo; ++ox) {                                     \
                    const int64_t o = (bc * g->ho + oy) * g->wo + ox;                        \
                    if (a->mode == PML_POOL_MAX) {                                           \
                        dxp[a->idx[o]] = (T)0 + dy[o];                                       \
                        continue;                                                            \
                    }                                                                        \
                    for (int64_t ky = 0; ky < g->kh; ++ky)                                   \
                        for (int64_t kx = 0; kx < g->kw; ++kx)                               \
                            dxp[(oy * g->sh + ky) * g->w + ox * g->sw + kx] = (T)0 + dy[o] * inv; \
                }                                                                            \
        }                                                                                    \
    }                                                                                        \
    static void pool_backward_##SUF(const pml_pool_backward_args *a)                         \
    {                                                                                        \
        const pml_conv_geom *g = &a->g;                                                      \
        const T *dy = (const T *)a->dy;                                                      \
        T *dx = (T *)a->dx;                                                                  \
        const T inv = (T)1 / (T)(g->kh * g->kw);                                             \
        if (g->sh >= g->kh && g->sw >= g->kw) { /* windows apart: one term at most */        \
            pool_backward_apart_##SUF(a);                                                    \
            return;                                                                          \
        }                                                                                    \
        _Pragma("omp parallel for schedule(static) if (g->batch * g->c * g->h * g->w > (1 << 18))") \
        for (int64_t bc = 0; bc < g->batch * g->c; ++bc)                                     \
            for (int64_t iy = 0; iy < g->h; ++iy)                                            \
                for (int64_t ix = 0; ix < g->w; ++ix) {                                      \
                    int64_t ylo, yhi, xlo, xhi;                                              \
                    pml_pool_windows(iy, g->kh, g->sh, g->ho, &ylo, &yhi);                   \
                    pml_pool_windows(ix, g->kw, g->sw, g->wo, &xlo, &xhi);                   \
                    T s = 0;                                                                 \
                    for (int64_t oy = ylo; oy <= yhi; ++oy)                                  \
                        for (int64_t ox = xlo; ox <= xhi; ++ox) {                            \
                            const int64_t o = (bc * g->ho + oy) * g->wo + ox;                \
                            if (a->mode == PML_POOL_AVG) s += dy[o] * inv;                   \
                            else if (a->idx[o] == iy * g->w + ix) s += dy[o];                \
                        }                                                                    \
                    dx[(bc * g->h + iy) * g->w + ix] = s;                                    \
                }                                                                            \
    }

DEFINE_POOL(float, f32)
DEFINE_POOL(double, f64)

pml_status pml_cpu_pool(pml_device *dev, const pml_pool_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) pool_f32(a);
    else pool_f64(a);
    return PML_OK;
}

pml_status pml_cpu_pool_backward(pml_device *dev, const pml_pool_backward_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) pool_backward_f32(a);
    else pool_backward_f64(a);
    return PML_OK;
}
