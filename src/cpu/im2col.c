/* im2col and col2im. Contract: src/ops/conv_ops.h.
 *
 * The references (pml_cpu_im2col_ref, pml_cpu_col2im_ref) are the contract written element by
 * element: each col entry from its formula; each image element gathering its terms with ky
 * and kx walking downwards, which is increasing (oy, ox). The fast paths are what a CPU wants:
 * im2col writes whole rows of col, a sample's rows in one thread; col2im scatters each
 * (sample, channel) plane's rows in row order, one plane per thread, which adds the same terms
 * in the same order as the reference, so both agree bit for bit (tests/conv_test.c). */
#include <string.h>

#include "cpu/cpu.h"
#include "ops/conv_ops.h"

#define DEFINE_IM2COL(T, SUF)                                                                \
    static void im2col_ref_##SUF(const pml_conv_geom *g, const T *x, T *col)                 \
    {                                                                                        \
        const int64_t K = g->c * g->kh * g->kw, rows = g->batch * g->ho * g->wo;            \
        for (int64_t r = 0; r < rows; ++r)                                                   \
            for (int64_t k = 0; k < K; ++k) {                                                \
                const int64_t b = r / (g->ho * g->wo), oy = r / g->wo % g->ho, ox = r % g->wo; \
                const int64_t ci = k / (g->kh * g->kw), ky = k / g->kw % g->kh, kx = k % g->kw; \
                const int64_t iy = oy * g->sh - g->ph + ky, ix = ox * g->sw - g->pw + kx;      \
                const int in = iy >= 0 && iy < g->h && ix >= 0 && ix < g->w;                  \
                col[r * K + k] = in ? x[((b * g->c + ci) * g->h + iy) * g->w + ix] : (T)0;   \
            }                                                                                \
    }                                                                                        \
    static void col2im_ref_##SUF(const pml_conv_geom *g, const T *col, T *x)                 \
    {                                                                                        \
        const int64_t K = g->c * g->kh * g->kw;                                              \
        for (int64_t b = 0; b < g->batch; ++b)                                               \
            for (int64_t ci = 0; ci < g->c; ++ci)                                            \
                for (int64_t iy = 0; iy < g->h; ++iy)                                        \
                    for (int64_t ix = 0; ix < g->w; ++ix) {                                  \
                        T acc = 0;                                                           \
                        for (int64_t ky = g->kh - 1; ky >= 0; --ky) {                        \
                            const int64_t ny = iy + g->ph - ky, oy = ny / g->sh;             \
                            if (ny < 0 || ny % g->sh || oy >= g->ho) continue;               \
                            for (int64_t kx = g->kw - 1; kx >= 0; --kx) {                    \
                                const int64_t nx = ix + g->pw - kx, ox = nx / g->sw;         \
                                if (nx < 0 || nx % g->sw || ox >= g->wo) continue;           \
                                const int64_t r = (b * g->ho + oy) * g->wo + ox;             \
                                acc += col[r * K + (ci * g->kh + ky) * g->kw + kx];          \
                            }                                                                \
                        }                                                                    \
                        x[((b * g->c + ci) * g->h + iy) * g->w + ix] = acc;                  \
                    }                                                                        \
    }                                                                                        \
    /* A sample's rows: for each output position, kw-long runs per (channel, ky). */         \
    static void im2col_fast_##SUF(const pml_conv_geom *g, const T *x, T *col)                \
    {                                                                                        \
        const int64_t K = g->c * g->kh * g->kw, plane = g->h * g->w;                          \
        _Pragma("omp parallel for schedule(static) if (g->batch * g->ho * g->wo * K > (1 << 16))") \
        for (int64_t bo = 0; bo < g->batch * g->ho; ++bo) {                                  \
            const int64_t b = bo / g->ho, oy = bo % g->ho;                                   \
            const T *xb = x + b * g->c * plane;                                              \
            for (int64_t ox = 0; ox < g->wo; ++ox) {                                         \
                T *row = col + (bo * g->wo + ox) * K;                                        \
                const int64_t x0 = ox * g->sw - g->pw;                                       \
                const int inside = x0 >= 0 && x0 + g->kw <= g->w;                            \
                for (int64_t ci = 0; ci < g->c; ++ci)                                        \
                    for (int64_t ky = 0; ky < g->kh; ++ky, row += g->kw) {                   \
                        const int64_t iy = oy * g->sh - g->ph + ky;                          \
                        if (iy < 0 || iy >= g->h) {                                          \
                            for (int64_t kx = 0; kx < g->kw; ++kx) row[kx] = 0;              \
                            continue;                                                        \
                        }                                                                    \
                        const T *src = xb + ci * plane + iy * g->w;                          \
                        if (inside) {                                                        \
                            for (int64_t kx = 0; kx < g->kw; ++kx) row[kx] = src[x0 + kx];   \
                        } else {                                                             \
                            for (int64_t kx = 0; kx < g->kw; ++kx) {                         \
                                const int64_t ix = x0 + kx;                                  \
                                row[kx] = ix >= 0 && ix < g->w ? src[ix] : (T)0;             \
                            }                                                                \
                        }                                                                    \
                    }                                                                        \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    /* One (sample, channel) plane per iteration, its terms added in row order. */          \
    static void col2im_fast_##SUF(const pml_conv_geom *g, const T *col, T *x)                \
    {                                                                                        \
        const int64_t K = g->c * g->kh * g->kw, plane = g->h * g->w;                          \
        _Pragma("omp parallel for schedule(static) if (g->batch * g->ho * g->wo * K > (1 << 16))") \
        for (int64_t bc = 0; bc < g->batch * g->c; ++bc) {                                   \
            const int64_t b = bc / g->c, ci = bc % g->c;                                     \
            T *xp = x + bc * plane;                                                          \
            for (int64_t i = 0; i < plane; ++i) xp[i] = 0;                                   \
            for (int64_t oy = 0; oy < g->ho; ++oy)                                           \
                for (int64_t ox = 0; ox < g->wo; ++ox) {                                     \
                    const T *row = col + ((b * g->ho + oy) * g->wo + ox) * K + ci * g->kh * g->kw; \
                    const int64_t x0 = ox * g->sw - g->pw;                                   \
                    for (int64_t ky = 0; ky < g->kh; ++ky, row += g->kw) {                   \
                        const int64_t iy = oy * g->sh - g->ph + ky;                          \
                        if (iy < 0 || iy >= g->h) continue;                                  \
                        T *dst = xp + iy * g->w;                                             \
                        for (int64_t kx = 0; kx < g->kw; ++kx)                               \
                            if (x0 + kx >= 0 && x0 + kx < g->w) dst[x0 + kx] += row[kx];     \
                    }                                                                        \
                }                                                                            \
        }                                                                                    \
    }

DEFINE_IM2COL(float, f32)
DEFINE_IM2COL(double, f64)

pml_status pml_cpu_im2col_ref(pml_device *dev, const pml_im2col_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) im2col_ref_f32(&a->g, (const float *)a->x, (float *)a->col);
    else im2col_ref_f64(&a->g, (const double *)a->x, (double *)a->col);
    return PML_OK;
}

pml_status pml_cpu_im2col(pml_device *dev, const pml_im2col_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) im2col_fast_f32(&a->g, (const float *)a->x, (float *)a->col);
    else im2col_fast_f64(&a->g, (const double *)a->x, (double *)a->col);
    return PML_OK;
}

pml_status pml_cpu_col2im_ref(pml_device *dev, const pml_col2im_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) col2im_ref_f32(&a->g, (const float *)a->col, (float *)a->x);
    else col2im_ref_f64(&a->g, (const double *)a->col, (double *)a->x);
    return PML_OK;
}

pml_status pml_cpu_col2im(pml_device *dev, const pml_col2im_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) col2im_fast_f32(&a->g, (const float *)a->col, (float *)a->x);
    else col2im_fast_f64(&a->g, (const double *)a->col, (double *)a->x);
    return PML_OK;
}
