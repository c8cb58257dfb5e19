/* The convolution family's kernels and layers on the CPU: im2col and col2im fast paths
 * against their references bit for bit; the primer's Fig. 7-11 (the 6x6 image and the 2x2
 * filter at stride 1 and 2, and padded) as exact outputs; conv and convt layers against a
 * naive seven-loop direct convolution; the direct kernels (phase planes) against the naive
 * sums in both dtypes and for any thread count; pooling's tie rule; dropout's mask; batch norm's
 * statistics. Gradients: tests/conv_grad_test.c; models, files and training:
 * tests/conv_model_test.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/internal.h"
#include "cpu/cpu.h"
#include "pml_test.h"
#include "physml/rng.h"

/* A model of input c x h x w (max batch `batch`) made of spec, weights drawn with `seed`. */
static pml_model *image_model(pml_device *dev, pml_dtype dt, int64_t c, int64_t h, int64_t w,
                              int64_t batch, const char *spec, uint64_t seed)
{
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create_shaped(dev, dt, 3, (int64_t[]){c, h, w}, batch, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, spec, PML_INIT_HE, 0.0f, seed));
    return m;
}

/* the host data of a CPU tensor the model owns */
static const double *cdata(const pml_tensor *t) { return pml_tensor_data((pml_tensor *)t); }

static void fill(double *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; ++i) p[i] = (double)pml_rng_normal(seed, 3, i);
}

/* ---- im2col / col2im: fast against reference -------------------------------------------- */
static const int64_t geoms[][8] = {
    /* c, h, w, k, stride, pad, batch */
    {1, 6, 6, 2, 1, 0, 1},  {3, 7, 5, 3, 1, 1, 2}, {2, 9, 8, 3, 2, 1, 3},
    {4, 5, 5, 5, 1, 2, 2},  {2, 11, 7, 4, 3, 2, 2}, {1, 8, 8, 1, 1, 0, 2},
    {3, 6, 9, 2, 2, 0, 1},  {2, 4, 4, 3, 1, 2, 2},
    /* planes whose tap table would pass 64K entries: the row-by-row paths */
    {1, 90, 90, 3, 1, 1, 1}, {2, 200, 180, 3, 2, 1, 1},
};

static pml_conv_geom geom(const int64_t *g)
{
    pml_conv_geom r = {g[6], g[0], g[1], g[2], g[3], g[3], g[4], g[4], g[5], g[5], 0, 0};
    r.ho = (r.h + 2 * r.ph - r.kh) / r.sh + 1;
    r.wo = (r.w + 2 * r.pw - r.kw) / r.sw + 1;
    return r;
}

Test(conv, im2col_and_col2im_fast_paths_equal_the_references)
{
    pml_device *dev = pml_test_open_cpu();
    for (size_t t = 0; t < sizeof geoms / sizeof geoms[0]; ++t) {
        const pml_conv_geom g = geom(geoms[t]);
        const size_t nx = (size_t)(g.batch * g.c * g.h * g.w);
        const size_t ncol = (size_t)(g.batch * g.ho * g.wo * g.c * g.kh * g.kw);
        float *x = malloc(nx * sizeof *x), *c1 = malloc(ncol * sizeof *c1);
        float *c2 = malloc(ncol * sizeof *c2), *x1 = malloc(nx * sizeof *x1);
        float *x2 = malloc(nx * sizeof *x2);
        for (size_t i = 0; i < nx; ++i) x[i] = pml_rng_normal(7, t, i);
        const pml_im2col_args a1 = {PML_F32, g, x, c1}, a2 = {PML_F32, g, x, c2};
        PML_ASSERT_OK(pml_cpu_im2col_ref(dev, &a1));
        PML_ASSERT_OK(pml_cpu_im2col(dev, &a2));
        cr_expect(pml_test_equal_bytes("im2col", c2, c1, ncol, sizeof(float)),
                  "geometry %zu", t);
        for (size_t i = 0; i < ncol; ++i) c1[i] = pml_rng_normal(8, t, i);
        const pml_col2im_args b1 = {PML_F32, g, c1, x1}, b2 = {PML_F32, g, c1, x2};
        PML_ASSERT_OK(pml_cpu_col2im_ref(dev, &b1));
        PML_ASSERT_OK(pml_cpu_col2im(dev, &b2));
        cr_expect(pml_test_equal_bytes("col2im", x2, x1, nx, sizeof(float)),
                  "geometry %zu", t);
        /* col2im is im2col's adjoint: <im2col(x), c> = <x, col2im(c)> */
        double lhs = 0, rhs = 0;
        PML_ASSERT_OK(pml_cpu_im2col_ref(dev, &a2));
        for (size_t i = 0; i < ncol; ++i) lhs += (double)c2[i] * c1[i];
        for (size_t i = 0; i < nx; ++i) rhs += (double)x[i] * x1[i];
        cr_expect(fabs(lhs - rhs) <= 1e-4 * (1 + fabs(lhs)), "adjoint %g vs %g", lhs, rhs);
        free(x), free(c1), free(c2), free(x1), free(x2);
    }
    pml_device_close(dev);
}

/* ---- the direct kernels (phase planes) against their references ------------------------- */
static const int64_t dgeoms[][11] = {
    /* c, h, w, kh, kw, sh, sw, ph, pw, batch, cout */
    {1, 6, 6, 2, 2, 1, 1, 0, 0, 1, 1},     {3, 7, 5, 3, 3, 1, 1, 1, 1, 2, 5},
    {2, 9, 8, 3, 3, 2, 2, 1, 1, 3, 4},     {4, 5, 5, 5, 5, 1, 1, 2, 2, 2, 3},
    {2, 11, 7, 4, 4, 3, 3, 2, 2, 2, 6},    {1, 8, 8, 1, 1, 1, 1, 0, 0, 2, 2},
    {3, 6, 9, 2, 2, 2, 2, 0, 0, 1, 7},     {2, 4, 4, 3, 3, 1, 1, 2, 2, 2, 1},
    /* rectangular kernel, unequal strides and pads */
    {5, 10, 9, 3, 2, 2, 3, 1, 0, 2, 9},
    /* a kernel smaller than the stride: phases with no taps */
    {1, 7, 7, 1, 1, 2, 2, 0, 0, 1, 3},
    /* the conv autoencoder's layers, more samples than one pass of the weight gradient */
    {16, 14, 14, 3, 3, 2, 2, 1, 1, 37, 32}, {1, 28, 28, 3, 3, 2, 2, 1, 1, 5, 16},
    {6, 30, 30, 3, 3, 1, 1, 1, 1, 2, 8},
    /* 1,152 blocks of the weight gradient: more than one group of them per thread */
    {64, 6, 6, 3, 3, 1, 1, 1, 1, 2, 32},
};

static pml_conv_geom dgeom(const int64_t *d)
{
    pml_conv_geom g = {d[9], d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], 0, 0};
    g.ho = (g.h + 2 * g.ph - g.kh) / g.sh + 1;
    g.wo = (g.w + 2 * g.pw - g.kw) / g.sw + 1;
    return g;
}

/* The references (src/cpu/conv_direct.c, element by element in double): y, dx, dw */
static void reference_direct(const pml_conv_geom *g, int64_t cout, const double *x,
                             const double *w, const double *dy, double *y, double *dx, double *dw)
{
    const pml_conv_direct_args fa = {PML_F64, *g, cout, NULL, NULL, w, y};
    const pml_conv_direct_args da = {PML_F64, *g, cout, NULL, dy, w, dx};
    const pml_conv_direct_args wa = {PML_F64, *g, cout, NULL, dy, NULL, dw};
    PML_ASSERT_OK(pml_cpu_conv_direct_forward_ref(&fa, x));
    PML_ASSERT_OK(pml_cpu_conv_direct_backward_data_ref(&da));
    PML_ASSERT_OK(pml_cpu_conv_direct_backward_weight_ref(&wa, x));
}

/* The three direct products of geometry g in dtype dt on nthreads threads (0: as set). */
static void run_direct(pml_device *dev, pml_dtype dt, const pml_conv_geom *g, int64_t cout,
                       const void *x, const void *w, const void *dy, void *y, void *dx, void *dw)
{
    pml_conv_phase_geom q;
    pml_conv_phase_geometry(g, &q);
    void *ph = malloc((size_t)(g->batch * g->c * q.phases * q.plane) * pml_dtype_size(dt));
    cr_assert(ph != NULL);
    const pml_conv_phases_args pa = {dt, *g, x, ph};
    PML_ASSERT_OK(pml_cpu_conv_phases(dev, &pa));
    const pml_conv_direct_args fa = {dt, *g, cout, ph, NULL, w, y};
    const pml_conv_direct_args da = {dt, *g, cout, NULL, dy, w, dx};
    const pml_conv_direct_args wa = {dt, *g, cout, ph, dy, NULL, dw};
    PML_ASSERT_OK(pml_cpu_conv_direct_forward(dev, &fa));
    PML_ASSERT_OK(pml_cpu_conv_direct_backward_data(dev, &da));
    PML_ASSERT_OK(pml_cpu_conv_direct_backward_weight(dev, &wa));
    free(ph);
}

/* One geometry's buffers: inputs x, w, dy (normal draws keyed by seed and t), then y, dx, dw;
 * the reference in double, the kernels in double and float. */
typedef struct dcase {
    pml_conv_geom g;
    int64_t cout;
    size_t nx, ny, nw, n;
    double *in, *ref, *got;
    float *in32, *got32;
} dcase;

static dcase dcase_make(const int64_t *d, uint64_t seed, size_t t)
{
    dcase c = {.g = dgeom(d), .cout = d[10]};
    c.nx = (size_t)(c.g.batch * c.g.c * c.g.h * c.g.w);
    c.ny = (size_t)(c.g.batch * c.cout * c.g.ho * c.g.wo);
    c.nw = (size_t)(c.cout * c.g.c * c.g.kh * c.g.kw);
    c.n = c.nx + c.ny + c.nw;
    c.in = malloc(c.n * sizeof *c.in), c.ref = malloc(c.n * sizeof *c.ref);
    c.got = malloc(c.n * sizeof *c.got);
    c.in32 = malloc(c.n * sizeof *c.in32), c.got32 = malloc(c.n * sizeof *c.got32);
    cr_assert(c.in && c.ref && c.got && c.in32 && c.got32);
    for (size_t i = 0; i < c.n; ++i) c.in32[i] = pml_rng_normal(seed, t, i), c.in[i] = c.in32[i];
    return c;
}

static void dcase_free(dcase *c)
{
    free(c->in), free(c->ref), free(c->got), free(c->in32), free(c->got32);
}

/* got (double) and got32 (float) against the reference ref, len elements of product `name` */
static void expect_product(size_t t, const char *name, const double *got, const float *got32,
                           const double *ref, size_t len)
{
    char what[64];
    snprintf(what, sizeof what, "geometry %zu f64 %s", t, name);
    cr_expect(pml_test_close_f64(what, got, ref, len, PML_TOL_GEMM_F64), "%s", what);
    float *r = malloc(len * sizeof *r);
    cr_assert(r != NULL);
    for (size_t i = 0; i < len; ++i) r[i] = (float)ref[i];
    snprintf(what, sizeof what, "geometry %zu f32 %s", t, name);
    cr_expect(pml_test_close_f32(what, got32, r, len, PML_TOL_GEMM_F32), "%s", what);
    free(r);
}

Test(conv, direct_kernels_equal_the_references_for_any_thread_count)
{
    pml_device *dev = pml_test_open_cpu();
    for (size_t t = 0; t < sizeof dgeoms / sizeof dgeoms[0]; ++t) {
        dcase c = dcase_make(dgeoms[t], 21, t);
        const pml_conv_geom g = c.g;
        const int64_t cout = c.cout;
        const size_t nx = c.nx, ny = c.ny, nw = c.nw;
        float *other = malloc(c.n * sizeof *other);
        cr_assert(other != NULL);
        const double *x = c.in, *w = c.in + nx, *dy = c.in + nx + nw;
        double *ref = c.ref;
        reference_direct(&g, cout, x, w, dy, ref, ref + ny, ref + ny + nx);
        /* the references are the forward's adjoints: <y, dy> = <x, dx> = <w, dw> */
        double yd = 0, xd = 0, wd = 0;
        for (size_t i = 0; i < ny; ++i) yd += ref[i] * dy[i];
        for (size_t i = 0; i < nx; ++i) xd += x[i] * ref[ny + i];
        for (size_t i = 0; i < nw; ++i) wd += w[i] * ref[ny + nx + i];
        cr_expect(fabs(yd - xd) <= 1e-9 * (1 + fabs(yd)) && fabs(yd - wd) <= 1e-9 * (1 + fabs(yd)),
                  "geometry %zu: <y, dy> %.12g, <x, dx> %.12g, <w, dw> %.12g", t, yd, xd, wd);
        run_direct(dev, PML_F64, &g, cout, x, w, dy, c.got, c.got + ny, c.got + ny + nx);
        const float *x32 = c.in32, *w32 = c.in32 + nx, *dy32 = c.in32 + nx + nw;
        run_direct(dev, PML_F32, &g, cout, x32, w32, dy32, c.got32, c.got32 + ny,
                   c.got32 + ny + nx);
        static const char *names[3] = {"forward", "backward_data", "backward_weight"};
        const size_t off[3] = {0, ny, ny + nx}, len[3] = {ny, nx, nw};
        for (int k = 0; k < 3; ++k)
            expect_product(t, names[k], c.got + off[k], c.got32 + off[k], ref + off[k], len[k]);
#ifdef _OPENMP
        /* the same bits on 1 and 3 threads */
        const int was = omp_get_max_threads();
        for (int threads = 1; threads <= 3; threads += 2) {
            char what[64];
            omp_set_num_threads(threads);
            run_direct(dev, PML_F32, &g, cout, x32, w32, dy32, other, other + ny,
                       other + ny + nx);
            snprintf(what, sizeof what, "geometry %zu on %d threads", t, threads);
            cr_expect(pml_test_equal_bytes(what, other, c.got32, ny + nx + nw, sizeof(float)),
                      "%s", what);
        }
        omp_set_num_threads(was);
#endif
        free(other);
        dcase_free(&c);
    }
    pml_device_close(dev);
}

/* Input elements no output reads (a stride that skips the last row or column) hold NaN and
 * infinity here: the reference never reads them, and the kernels, whose junk lanes (dy = 0)
 * run over the phase planes past the outputs, must not either (0 * inf is NaN). */
Test(conv, direct_kernels_ignore_inputs_no_output_reads)
{
    static const int64_t ngeoms[][11] = {
        /* c, h, w, kh, kw, sh, sw, ph, pw, batch, cout */
        {1, 3, 6, 3, 3, 2, 2, 0, 0, 1, 1},
        {2, 6, 7, 3, 3, 2, 2, 0, 0, 2, 3},
        {3, 9, 8, 4, 3, 3, 2, 1, 0, 2, 5},
    };
    pml_device *dev = pml_test_open_cpu();
    for (size_t t = 0; t < sizeof ngeoms / sizeof ngeoms[0]; ++t) {
        dcase c = dcase_make(ngeoms[t], 22, t);
        const pml_conv_geom g = c.g;
        const size_t nx = c.nx, ny = c.ny, nw = c.nw;
        /* an image element is read when some output's tap lands on it */
        size_t unread = 0;
        for (int64_t iy = 0; iy < g.h; ++iy)
            for (int64_t ix = 0; ix < g.w; ++ix) {
                int ry = 0, rx = 0;
                for (int64_t oy = 0; oy < g.ho; ++oy)
                    ry |= iy + g.ph - oy * g.sh >= 0 && iy + g.ph - oy * g.sh < g.kh;
                for (int64_t ox = 0; ox < g.wo; ++ox)
                    rx |= ix + g.pw - ox * g.sw >= 0 && ix + g.pw - ox * g.sw < g.kw;
                if (ry && rx) continue;
                for (int64_t bc = 0; bc < g.batch * g.c; ++bc) {
                    const size_t i = (size_t)((bc * g.h + iy) * g.w + ix);
                    c.in[i] = c.in32[i] = bc % 2 ? (float)INFINITY : (float)NAN;
                    ++unread;
                }
            }
        cr_assert(unread > 0, "geometry %zu reads every input", t);
        const double *x = c.in, *w = c.in + nx, *dy = c.in + nx + nw;
        reference_direct(&g, c.cout, x, w, dy, c.ref, c.ref + ny, c.ref + ny + nx);
        for (size_t i = 0; i < ny + nw; ++i) cr_assert(isfinite(c.ref[i < ny ? i : nx + i]));
        run_direct(dev, PML_F64, &g, c.cout, x, w, dy, c.got, c.got + ny, c.got + ny + nx);
        const float *x32 = c.in32, *w32 = c.in32 + nx, *dy32 = c.in32 + nx + nw;
        run_direct(dev, PML_F32, &g, c.cout, x32, w32, dy32, c.got32, c.got32 + ny,
                   c.got32 + ny + nx);
        expect_product(t, "forward", c.got, c.got32, c.ref, ny);
        expect_product(t, "backward_weight", c.got + ny + nx, c.got32 + ny + nx,
                       c.ref + ny + nx, nw);
        dcase_free(&c);
    }
    pml_device_close(dev);
}

/* ---- the primer's Fig. 7-11 --------------------------------------------------------------- */
static const double fig7[36] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 1, 1, 1,
                                1, 1, 2, 2, 1, 0, 0, 1, 2, 2, 0, 0, 0, 0, 2, 1, 0, 0};

static void primer_case(const char *spec, const double *want, int64_t side)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = image_model(dev, PML_F64, 1, 6, 6, 1, spec, 1);
    pml_tensor *w = NULL, *b = NULL;
    PML_ASSERT_OK(pml_model_param_tensor(m, 0, NULL, &w, NULL));
    PML_ASSERT_OK(pml_model_param_tensor(m, 1, NULL, &b, NULL));
    PML_ASSERT_OK(pml_tensor_fill(w, 1.0)); /* Fig. 9's 2x2 filter of ones */
    PML_ASSERT_OK(pml_tensor_zero(b));
    pml_tensor *x = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){1, 36}, fig7);
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, x, 1, &y));
    cr_assert_eq(pml_model_out_features(m), side * side, "%s", spec);
    const double *got = cdata(y);
    for (int64_t i = 0; i < side * side; ++i)
        cr_expect_eq(got[i], want[i], "%s: output (%lld, %lld) is %g, the primer's %g", spec,
                     (long long)(i / side), (long long)(i % side), got[i], want[i]);
    pml_tensor_destroy(x);
    pml_model_destroy(m);
    pml_device_close(dev);
}

Test(conv, primer_fig10_stride_1)
{
    static const double want[25] = {0, 0, 1, 1, 0, 1, 3, 4, 3, 2, 3, 6, 7,
                                    5, 3, 3, 6, 8, 5, 1, 1, 5, 7, 3, 0};
    primer_case("conv:1:2", want, 5);
}

Test(conv, primer_fig11_stride_2)
{
    static const double want[9] = {0, 1, 0, 3, 7, 3, 1, 7, 0};
    primer_case("conv:1:2:stride=2", want, 3);
}

Test(conv, primer_padding_keeps_the_border)
{
    static const double want[49] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 3,
                                    4, 3, 2, 1, 1, 3, 6, 7, 5, 3, 1, 1, 3, 6, 8, 5, 1,
                                    0, 0, 1, 5, 7, 3, 0, 0, 0, 0, 2, 3, 1, 0, 0};
    primer_case("conv:1:2:pad=1", want, 7);
}

/* ---- against the naive seven-loop convolution ---------------------------------------------- */
typedef struct naive {
    int64_t b, ci, h, w, co, k, s, p, ho, wo;
} naive;

/* y[n, o, oy, ox] = bias[o] + sum_{i, ky, kx} W[o, i, ky, kx] x[n, i, oy s - p + ky, ox s - p + kx] */
static void naive_conv(const naive *q, const double *x, const double *W, const double *bias,
                       double *y)
{
    for (int64_t n = 0; n < q->b; ++n)
        for (int64_t o = 0; o < q->co; ++o)
            for (int64_t oy = 0; oy < q->ho; ++oy)
                for (int64_t ox = 0; ox < q->wo; ++ox) {
                    double s = bias[o];
                    for (int64_t i = 0; i < q->ci; ++i)
                        for (int64_t ky = 0; ky < q->k; ++ky)
                            for (int64_t kx = 0; kx < q->k; ++kx) {
                                const int64_t iy = oy * q->s - q->p + ky, ix = ox * q->s - q->p + kx;
                                if (iy < 0 || iy >= q->h || ix < 0 || ix >= q->w) continue;
                                s += W[((o * q->ci + i) * q->k + ky) * q->k + kx] *
                                     x[((n * q->ci + i) * q->h + iy) * q->w + ix];
                            }
                    y[((n * q->co + o) * q->ho + oy) * q->wo + ox] = s;
                }
}

/* The transposed convolution by its definition: each input pixel scatters W[i, o] into the
 * output at (iy s - p + ky, ix s - p + kx). */
static void naive_convt(const naive *q, const double *x, const double *W, const double *bias,
                        double *y)
{
    for (int64_t n = 0; n < q->b; ++n)
        for (int64_t o = 0; o < q->co; ++o)
            for (int64_t j = 0; j < q->ho * q->wo; ++j) y[(n * q->co + o) * q->ho * q->wo + j] = bias[o];
    for (int64_t n = 0; n < q->b; ++n)
        for (int64_t i = 0; i < q->ci; ++i)
            for (int64_t iy = 0; iy < q->h; ++iy)
                for (int64_t ix = 0; ix < q->w; ++ix)
                    for (int64_t o = 0; o < q->co; ++o)
                        for (int64_t ky = 0; ky < q->k; ++ky)
                            for (int64_t kx = 0; kx < q->k; ++kx) {
                                const int64_t oy = iy * q->s - q->p + ky, ox = ix * q->s - q->p + kx;
                                if (oy < 0 || oy >= q->ho || ox < 0 || ox >= q->wo) continue;
                                y[((n * q->co + o) * q->ho + oy) * q->wo + ox] +=
                                    W[((i * q->co + o) * q->k + ky) * q->k + kx] *
                                    x[((n * q->ci + i) * q->h + iy) * q->w + ix];
                            }
}

static void against_naive(int transposed, const naive *q0, const char *spec)
{
    pml_device *dev = pml_test_open_cpu();
    naive q = *q0;
    pml_model *m = image_model(dev, PML_F64, q.ci, q.h, q.w, q.b, spec, 5);
    int64_t dims[3];
    pml_layer_out_shape(pml_model_layer(m, 0), dims);
    q.ho = dims[1];
    q.wo = dims[2];
    if (transposed) {
        cr_expect_eq(q.ho, (q.h - 1) * q.s - 2 * q.p + q.k, "%s: output rows", spec);
    } else {
        cr_expect_eq(q.ho, (q.h + 2 * q.p - q.k) / q.s + 1, "%s: output rows", spec);
    }
    pml_tensor *W = NULL, *bias = NULL;
    PML_ASSERT_OK(pml_model_param_tensor(m, 0, NULL, &W, NULL));
    PML_ASSERT_OK(pml_model_param_tensor(m, 1, NULL, &bias, NULL));
    fill(pml_tensor_data(bias), (size_t)q.co, 11);
    const size_t nx = (size_t)(q.b * q.ci * q.h * q.w), ny = (size_t)(q.b * q.co * q.ho * q.wo);
    double *x = malloc(nx * sizeof *x), *want = malloc(ny * sizeof *want);
    fill(x, nx, 12);
    pml_tensor *xt = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){q.b, (int64_t)nx / q.b}, x);
    (transposed ? naive_convt : naive_conv)(&q, x, pml_tensor_data(W), pml_tensor_data(bias), want);
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, xt, q.b, &y));
    cr_expect(pml_test_close_f64(spec, cdata(y), want, ny, PML_TOL_GEMM_F64), "%s",
              spec);
    free(x), free(want);
    pml_tensor_destroy(xt);
    pml_model_destroy(m);
    pml_device_close(dev);
}

Test(conv, conv_layer_equals_the_direct_convolution)
{
    against_naive(0, &(naive){2, 3, 9, 7, 4, 3, 1, 1, 0, 0}, "conv:4:3:pad=1");
    against_naive(0, &(naive){3, 2, 11, 8, 5, 3, 2, 1, 0, 0}, "conv:5:3:stride=2:pad=1");
    against_naive(0, &(naive){2, 1, 7, 7, 2, 4, 3, 2, 0, 0}, "conv:2:4:stride=3:pad=2");
    against_naive(0, &(naive){1, 2, 5, 6, 3, 5, 1, 2, 0, 0}, "conv:3:5:pad=same");
    against_naive(0, &(naive){2, 3, 6, 6, 2, 1, 1, 0, 0, 0}, "conv:2:1");
}

Test(conv, convt_layer_equals_the_transposed_convolution)
{
    against_naive(1, &(naive){2, 3, 4, 5, 2, 3, 2, 1, 0, 0}, "convt:2:3:stride=2:pad=1");
    against_naive(1, &(naive){2, 2, 3, 3, 3, 4, 2, 1, 0, 0}, "convt:3:4:stride=2:pad=1");
    against_naive(1, &(naive){1, 4, 5, 4, 2, 3, 1, 0, 0, 0}, "convt:2:3");
    against_naive(1, &(naive){2, 1, 7, 7, 1, 2, 2, 0, 0, 0}, "convt:1:2:stride=2");
}

/* ---- pooling ---------------------------------------------------------------------------- */
Test(conv, max_pool_takes_the_first_of_equal_values_and_routes_the_gradient_there)
{
    pml_device *dev = pml_test_open_cpu();
    /* a 4x5 plane; maxpool:2 drops the last column (floor mode) */
    const double x[20] = {1, 3, 3, 0, 9, 3, 2, 1, 5, 9, 4, 4, 7, 7, 9, 4, 4, 7, 7, 9};
    pml_model *m = image_model(dev, PML_F64, 1, 4, 5, 1, "maxpool:2", 1);
    pml_tensor *xt = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){1, 20}, x);
    PML_ASSERT_OK(pml_model_keep_input_grad(m, 1));
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, xt, 1, &y));
    cr_assert_eq(pml_model_out_features(m), 4);
    const double want[4] = {3, 5, 4, 7};
    for (int i = 0; i < 4; ++i) cr_expect_eq(cdata(y)[i], want[i]);
    const double g[4] = {10, 20, 30, 40};
    pml_tensor *dy = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){1, 4}, g);
    PML_ASSERT_OK(pml_model_backward(m, dy, 1));
    const double *dx = cdata(pml_model_input_grad(m));
    /* the first 3 of the first window (row 0, col 1), the 5, the first 4 and the first 7 */
    const double want_dx[20] = {0, 10, 0, 0, 0, 0, 0, 0, 20, 0, 30, 0, 40, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 20; ++i) cr_expect_eq(dx[i], want_dx[i], "dx[%d] = %g", i, dx[i]);
    pml_tensor_destroy(xt);
    pml_tensor_destroy(dy);
    pml_model_destroy(m);
    pml_device_close(dev);
}

Test(conv, average_and_global_pooling)
{
    pml_device *dev = pml_test_open_cpu();
    double x[2 * 16];
    for (int i = 0; i < 32; ++i) x[i] = i;
    pml_model *m = image_model(dev, PML_F64, 2, 4, 4, 1, "avgpool:2,gap", 1);
    pml_tensor *xt = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){1, 32}, x);
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, xt, 1, &y));
    cr_assert_eq(pml_model_out_features(m), 2);
    cr_expect_float_eq(cdata(y)[0], 7.5, 1e-12);
    cr_expect_float_eq(cdata(y)[1], 23.5, 1e-12);
    pml_tensor_destroy(xt);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* ---- dropout ---------------------------------------------------------------------------- */
Test(conv, dropout_drops_at_its_rate_and_backward_uses_the_same_mask)
{
    pml_device *dev = pml_test_open_cpu();
    const int64_t B = 8, F = 5000;
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create(dev, PML_F64, F, B, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, "dropout:0.3", PML_INIT_HE, 0.0f, 1));
    PML_ASSERT_OK(pml_model_keep_input_grad(m, 1));
    double *x = malloc((size_t)(B * F) * sizeof *x);
    for (int64_t i = 0; i < B * F; ++i) x[i] = 1.0 + (double)(i % 7);
    pml_tensor *xt = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){B, F}, x);
    const pml_tensor *y = NULL;
    /* evaluation: the identity */
    PML_ASSERT_OK(pml_model_forward(m, xt, B, &y));
    cr_expect(pml_test_equal_bytes("eval", cdata(y), x, (size_t)(B * F), 8));
    PML_ASSERT_OK(pml_model_set_training(m, 1, 42, 7));
    PML_ASSERT_OK(pml_model_forward(m, xt, B, &y));
    const double *yd = cdata(y);
    int64_t dropped = 0;
    for (int64_t i = 0; i < B * F; ++i) {
        if (yd[i] == 0) ++dropped;
        else cr_assert_float_eq(yd[i], x[i] / 0.7, 1e-12);
    }
    /* binomial: within 5 sigma of 0.3 N */
    const double n = (double)(B * F), sd = sqrt(n * 0.3 * 0.7);
    cr_expect(fabs((double)dropped - 0.3 * n) < 5 * sd, "dropped %lld of %g", (long long)dropped, n);
    /* backward: the same elements */
    PML_ASSERT_OK(pml_model_backward(m, xt, B));
    const double *dx = cdata(pml_model_input_grad(m));
    for (int64_t i = 0; i < B * F; ++i) cr_assert_eq(dx[i] == 0, yd[i] == 0, "element %lld", (long long)i);
    /* the same (seed, step) again: the same mask; another step: another one */
    double *keep = malloc((size_t)(B * F) * sizeof *keep);
    memcpy(keep, yd, (size_t)(B * F) * sizeof *keep);
    PML_ASSERT_OK(pml_model_forward(m, xt, B, &y));
    cr_expect(pml_test_equal_bytes("same step", cdata(y), keep, (size_t)(B * F), 8));
    PML_ASSERT_OK(pml_model_set_training(m, 1, 42, 8));
    PML_ASSERT_OK(pml_model_forward(m, xt, B, &y));
    cr_expect(memcmp(cdata(y), keep, (size_t)(B * F) * 8) != 0);
    free(keep), free(x);
    pml_tensor_destroy(xt);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* ---- batch normalisation ---------------------------------------------------------------- */
Test(conv, batchnorm_normalises_by_the_batch_and_tracks_running_statistics)
{
    pml_device *dev = pml_test_open_cpu();
    const int64_t B = 4, C = 3, H = 2, W = 3, P = H * W, F = C * P;
    pml_model *m = image_model(dev, PML_F64, C, H, W, B, "batchnorm", 1);
    double *x = malloc((size_t)(B * F) * sizeof *x);
    for (int64_t i = 0; i < B * F; ++i)
        x[i] = 2.0 * (double)(i / P % C) + (double)pml_rng_normal(3, 1, (uint64_t)i);
    pml_tensor *xt = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){B, F}, x);
    PML_ASSERT_OK(pml_model_set_training(m, 1, 1, 0));
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, xt, B, &y));
    const double *yd = cdata(y);
    pml_tensor *rm = NULL, *rv = NULL;
    const char *name = NULL;
    cr_assert_eq(pml_model_num_state_tensors(m), 4);
    PML_ASSERT_OK(pml_model_state_tensor(m, 2, &name, &rm));
    cr_expect_str_eq(name, "0.running_mean");
    PML_ASSERT_OK(pml_model_state_tensor(m, 3, &name, &rv));
    cr_expect_str_eq(name, "0.running_var");
    for (int64_t c = 0; c < C; ++c) {
        double s = 0, s2 = 0, xs = 0, xs2 = 0;
        for (int64_t b = 0; b < B; ++b)
            for (int64_t q = 0; q < P; ++q) {
                const int64_t i = (b * C + c) * P + q;
                s += yd[i], s2 += yd[i] * yd[i], xs += x[i], xs2 += x[i] * x[i];
            }
        const double n = (double)(B * P), mean = xs / n, var = xs2 / n - mean * mean;
        cr_expect(fabs(s / n) < 1e-12, "channel %lld mean %g", (long long)c, s / n);
        cr_expect(fabs(s2 / n - var / (var + 1e-5)) < 1e-9, "channel %lld variance %g",
                  (long long)c, s2 / n);
        cr_expect(fabs(((double *)pml_tensor_data(rm))[c] - 0.1 * mean) < 1e-12);
        cr_expect(fabs(((double *)pml_tensor_data(rv))[c] - (0.9 + 0.1 * var * n / (n - 1))) <
                  1e-12);
    }
    /* evaluation: the running statistics, y = (x - rm) / sqrt(rv + eps) */
    PML_ASSERT_OK(pml_model_set_training(m, 0, 0, 0));
    PML_ASSERT_OK(pml_model_forward(m, xt, B, &y));
    for (int64_t i = 0; i < B * F; ++i) {
        const int64_t c = i / P % C;
        const double mu = ((double *)pml_tensor_data(rm))[c], v = ((double *)pml_tensor_data(rv))[c];
        cr_expect(fabs(cdata(y)[i] - (x[i] - mu) / sqrt(v + 1e-5)) < 1e-12);
    }
    free(x);
    pml_tensor_destroy(xt);
    pml_model_destroy(m);
    pml_device_close(dev);
}
