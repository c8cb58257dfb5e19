/* im2col and col2im, columns channel-major. Contract: src/ops/conv_ops.h.
 *
 * The references (pml_cpu_im2col_ref, pml_cpu_col2im_ref) are the contract written element by
 * element: each col entry from its formula; each image element gathering its terms with ky
 * and kx increasing. The fast paths work a row of col at a time: for one (channel, ky, kx) and
 * one output row (b, oy), col's run over ox reads the image row with stride sw, contiguous at
 * stride 1, so both copy and add vectorise; col2im adds whole rows into the image, one
 * (sample, channel) plane per thread, meeting each element's terms in the reference's order,
 * so the two agree bit for bit (tests/conv_test.c). Planes small enough for a table of every
 * tap's input offset per output position (64K entries) go through it instead: a whole
 * (sample, channel) plane per task, each tap a gather (im2col) or a scatter-add (col2im, taps
 * in the reference's order) from a plane that stays in L1. */
#include <stdint.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/simd.h"
#include "ops/conv_ops.h"

/* The output columns [lo, hi) whose tap kx lands inside a row of w: 0 <= ox*s - p + kx < w. */
static void inside(int64_t kx, int64_t s, int64_t p, int64_t w, int64_t wo, int64_t *lo,
                   int64_t *hi)
{
    const int64_t a = p - kx; /* ox*s >= a */
    *lo = a <= 0 ? 0 : (a + s - 1) / s;
    const int64_t b = w - 1 + p - kx; /* ox*s <= b */
    *hi = b < 0 ? 0 : b / s + 1;
    if (*hi > wo) *hi = wo;
    if (*lo > *hi) *lo = *hi;
}

/* Runs shorter than this are copied or added in place: the 7-element rows of a 7 x 7 output
 * cost a conv autoencoder's step 2 ms as calls through the clones' resolver. */
#define RUN_CALL 16

#define DEFINE_IM2COL(T, SUF)                                                                \
    static void im2col_ref_##SUF(const pml_conv_geom *g, const T *x, T *col)                 \
    {                                                                                        \
        const int64_t K = g->c * g->kh * g->kw, R = g->batch * g->ho * g->wo;               \
        for (int64_t k = 0; k < K; ++k)                                                      \
            for (int64_t r = 0; r < R; ++r) {                                                \
                const int64_t b = r / (g->ho * g->wo), oy = r / g->wo % g->ho, ox = r % g->wo; \
                const int64_t ci = k / (g->kh * g->kw), ky = k / g->kw % g->kh, kx = k % g->kw; \
                const int64_t iy = oy * g->sh - g->ph + ky, ix = ox * g->sw - g->pw + kx;      \
                const int in = iy >= 0 && iy < g->h && ix >= 0 && ix < g->w;                  \
                col[k * R + r] = in ? x[((b * g->c + ci) * g->h + iy) * g->w + ix] : (T)0;   \
            }                                                                                \
    }                                                                                        \
    static void col2im_ref_##SUF(const pml_conv_geom *g, const T *col, T *x)                 \
    {                                                                                        \
        const int64_t R = g->batch * g->ho * g->wo;                                          \
        for (int64_t b = 0; b < g->batch; ++b)                                               \
            for (int64_t ci = 0; ci < g->c; ++ci)                                            \
                for (int64_t iy = 0; iy < g->h; ++iy)                                        \
                    for (int64_t ix = 0; ix < g->w; ++ix) {                                  \
                        T acc = 0;                                                           \
                        for (int64_t ky = 0; ky < g->kh; ++ky) {                             \
                            const int64_t ny = iy + g->ph - ky, oy = ny / g->sh;             \
                            if (ny < 0 || ny % g->sh || oy >= g->ho) continue;               \
                            for (int64_t kx = 0; kx < g->kw; ++kx) {                         \
                                const int64_t nx = ix + g->pw - kx, ox = nx / g->sw;         \
                                if (nx < 0 || nx % g->sw || ox >= g->wo) continue;           \
                                const int64_t r = (b * g->ho + oy) * g->wo + ox;             \
                                acc += col[((ci * g->kh + ky) * g->kw + kx) * R + r];        \
                            }                                                                \
                        }                                                                    \
                        x[((b * g->c + ci) * g->h + iy) * g->w + ix] = acc;                  \
                    }                                                                        \
    }                                                                                        \
    /* dst[ox - lo] = src[ox*s] for ox in [lo, hi) (src already offset by lo*s) */           \
    PML_SIMD_CLONES                                                                          \
    static void copy_run_##SUF(T *restrict dst, const T *restrict src, int64_t n, int64_t s) \
    {                                                                                        \
        if (s == 1) {                                                                        \
            _Pragma("omp simd")                                                              \
            for (int64_t i = 0; i < n; ++i) dst[i] = src[i];                                 \
        } else {                                                                             \
            _Pragma("omp simd")                                                              \
            for (int64_t i = 0; i < n; ++i) dst[i] = src[i * s];                             \
        }                                                                                    \
    }                                                                                        \
    PML_SIMD_CLONES                                                                          \
    static void add_run_##SUF(T *restrict dst, const T *restrict src, int64_t n, int64_t s)  \
    {                                                                                        \
        if (s == 1) {                                                                        \
            _Pragma("omp simd")                                                              \
            for (int64_t i = 0; i < n; ++i) dst[i] += src[i];                                \
        } else {                                                                             \
            for (int64_t i = 0; i < n; ++i) dst[i * s] += src[i];                            \
        }                                                                                    \
    }                                                                                        \
    static void im2col_fast_##SUF(const pml_conv_geom *gp, const T *x, T *col)               \
    {                                                                                        \
        /* a copy the stores cannot alias, so the loops keep the geometry in registers */   \
        const pml_conv_geom gl = *gp, *g = &gl;                                              \
        const int64_t K = g->c * g->kh * g->kw, R = g->batch * g->ho * g->wo;               \
        const int64_t plane = g->h * g->w;                                                   \
        _Pragma("omp parallel for schedule(static) if (K * R > (1 << 16))")                  \
        for (int64_t kb = 0; kb < K * g->batch; ++kb) {                                      \
            const int64_t k = kb / g->batch, b = kb % g->batch;                              \
            const int64_t ci = k / (g->kh * g->kw), ky = k / g->kw % g->kh, kx = k % g->kw;  \
            int64_t lo, hi;                                                                  \
            inside(kx, g->sw, g->pw, g->w, g->wo, &lo, &hi);                                 \
            const T *xb = x + (b * g->c + ci) * plane;                                       \
            for (int64_t oy = 0; oy < g->ho; ++oy) {                                         \
                T *dst = col + k * R + (b * g->ho + oy) * g->wo;                             \
                const int64_t iy = oy * g->sh - g->ph + ky;                                  \
                if (iy < 0 || iy >= g->h) {                                                  \
                    for (int64_t ox = 0; ox < g->wo; ++ox) dst[ox] = 0;                      \
                    continue;                                                                \
                }                                                                            \
                for (int64_t ox = 0; ox < lo; ++ox) dst[ox] = 0;                             \
                const T *src = xb + iy * g->w - g->pw + kx;                                  \
                if (hi - lo >= RUN_CALL) /* short runs inline: a call costs more than 7 */    \
                    copy_run_##SUF(dst + lo, src + lo * g->sw, hi - lo, g->sw);               \
                else                                                                         \
                    for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox * g->sw];          \
                for (int64_t ox = hi; ox < g->wo; ++ox) dst[ox] = 0;                         \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    static void col2im_fast_##SUF(const pml_conv_geom *gp, const T *col, T *x)               \
    {                                                                                        \
        const pml_conv_geom gl = *gp, *g = &gl;                                              \
        const int64_t R = g->batch * g->ho * g->wo, plane = g->h * g->w;                     \
        _Pragma("omp parallel for schedule(static) if (g->c * g->kh * g->kw * R > (1 << 16))") \
        for (int64_t bc = 0; bc < g->batch * g->c; ++bc) {                                   \
            const int64_t b = bc / g->c, ci = bc % g->c;                                     \
            T *xp = x + bc * plane;                                                          \
            for (int64_t i = 0; i < plane; ++i) xp[i] = 0;                                   \
            for (int64_t ky = 0; ky < g->kh; ++ky)                                           \
                for (int64_t kx = 0; kx < g->kw; ++kx) {                                     \
                    const T *src = col + ((ci * g->kh + ky) * g->kw + kx) * R + b * g->ho * g->wo; \
                    int64_t lo, hi;                                                          \
                    inside(kx, g->sw, g->pw, g->w, g->wo, &lo, &hi);                         \
                    for (int64_t oy = 0; oy < g->ho; ++oy) {                                 \
                        const int64_t iy = oy * g->sh - g->ph + ky;                          \
                        if (iy < 0 || iy >= g->h || hi <= lo) continue;                      \
                        T *d = xp + iy * g->w - g->pw + kx;                                  \
                        const T *c = src + oy * g->wo;                                       \
                        if (hi - lo >= RUN_CALL)                                             \
                            add_run_##SUF(d + lo * g->sw, c + lo, hi - lo, g->sw);           \
                        else                                                                 \
                            for (int64_t ox = lo; ox < hi; ++ox) d[ox * g->sw] += c[ox];     \
                    }                                                                        \
                }                                                                            \
        }                                                                                    \
    }

/* Small planes: a table of every tap's input offset for every output position (-1 in the
 * padding), made once per call, and whole (sample, channel) planes per thread. The 7 x 7
 * outputs of a conv autoencoder's second layer took 0.8 ms an im2col on two threads as rows
 * (0.9 ns an element: index arithmetic and a short run per row); the table reads each tap
 * straight from a plane in L1. */
#define TAB_MAX ((int64_t)1 << 16) /* entries: taps x output positions */

static int32_t *tap_table(const pml_conv_geom *g)
{
    const int64_t P = g->ho * g->wo, T = g->kh * g->kw;
    if (P * T > TAB_MAX || g->h * g->w > INT32_MAX) return NULL;
    int32_t *tab = malloc((size_t)(P * T) * sizeof *tab);
    if (tab == NULL) return NULL;
    for (int64_t t = 0; t < T; ++t) {
        const int64_t ky = t / g->kw, kx = t % g->kw;
        for (int64_t oy = 0; oy < g->ho; ++oy)
            for (int64_t ox = 0; ox < g->wo; ++ox) {
                const int64_t iy = oy * g->sh - g->ph + ky, ix = ox * g->sw - g->pw + kx;
                const int in = iy >= 0 && iy < g->h && ix >= 0 && ix < g->w;
                tab[t * P + oy * g->wo + ox] = in ? (int32_t)(iy * g->w + ix) : -1;
            }
    }
    return tab;
}

#define DEFINE_TABLE_PATHS(T, SUF)                                                           \
    static void im2col_tab_##SUF(const pml_conv_geom *g, const int32_t *tab, const T *x,     \
                                 T *col)                                                     \
    {                                                                                        \
        const int64_t P = g->ho * g->wo, NT = g->kh * g->kw, R = g->batch * P;               \
        const int64_t C = g->c, plane = g->h * g->w, BC = g->batch * g->c;                   \
        _Pragma("omp parallel for schedule(static) if (BC * NT * P > (1 << 16))")            \
        for (int64_t bc = 0; bc < BC; ++bc) {                                                \
            const int64_t b = bc / C, ci = bc % C;                                           \
            const T *restrict xp = x + bc * plane;                                           \
            for (int64_t t = 0; t < NT; ++t) {                                               \
                T *restrict dst = col + (ci * NT + t) * R + b * P;                           \
                const int32_t *restrict ix = tab + t * P;                                    \
                for (int64_t p = 0; p < P; ++p) dst[p] = ix[p] >= 0 ? xp[ix[p]] : (T)0;      \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    /* each plane's terms added tap by tap (ky, then kx, increasing) from +0: the            \
     * reference's order; within a tap no two outputs land on one element */                \
    static void col2im_tab_##SUF(const pml_conv_geom *g, const int32_t *tab, const T *col,   \
                                 T *x)                                                       \
    {                                                                                        \
        const int64_t P = g->ho * g->wo, NT = g->kh * g->kw, R = g->batch * P;               \
        const int64_t C = g->c, plane = g->h * g->w, BC = g->batch * g->c;                   \
        _Pragma("omp parallel for schedule(static) if (BC * NT * P > (1 << 16))")            \
        for (int64_t bc = 0; bc < BC; ++bc) {                                                \
            const int64_t b = bc / C, ci = bc % C;                                           \
            T *restrict xp = x + bc * plane;                                                 \
            for (int64_t i = 0; i < plane; ++i) xp[i] = 0;                                   \
            for (int64_t t = 0; t < NT; ++t) {                                               \
                const T *restrict src = col + (ci * NT + t) * R + b * P;                     \
                const int32_t *restrict ix = tab + t * P;                                    \
                for (int64_t p = 0; p < P; ++p)                                              \
                    if (ix[p] >= 0) xp[ix[p]] += src[p];                                     \
            }                                                                                \
        }                                                                                    \
    }

DEFINE_IM2COL(float, f32)
DEFINE_IM2COL(double, f64)
DEFINE_TABLE_PATHS(float, f32)
DEFINE_TABLE_PATHS(double, f64)

pml_status pml_cpu_im2col_ref(pml_device *dev, const pml_im2col_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) im2col_ref_f32(&a->g, (const float *)a->x, (float *)a->col);
    else im2col_ref_f64(&a->g, (const double *)a->x, (double *)a->col);
    return PML_OK;
}

/* The table path where the plane is small enough for one, else the row path; F32 or F64. */
#define DISPATCH(OP, g, dtype, in, out)                                                      \
    do {                                                                                     \
        int32_t *tab = tap_table(g);                                                         \
        if (tab && (dtype) == PML_F32)                                                       \
            OP##_tab_f32(g, tab, (const float *)(in), (float *)(out));                       \
        else if (tab)                                                                        \
            OP##_tab_f64(g, tab, (const double *)(in), (double *)(out));                     \
        else if ((dtype) == PML_F32)                                                         \
            OP##_fast_f32(g, (const float *)(in), (float *)(out));                           \
        else                                                                                 \
            OP##_fast_f64(g, (const double *)(in), (double *)(out));                         \
        free(tab);                                                                           \
    } while (0)

pml_status pml_cpu_im2col(pml_device *dev, const pml_im2col_args *a)
{
    (void)dev;
    DISPATCH(im2col, &a->g, a->dtype, a->x, a->col);
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
    DISPATCH(col2im, &a->g, a->dtype, a->col, a->x);
    return PML_OK;
}
