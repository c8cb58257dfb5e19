/* Direct convolution through phase planes: the forward, the data gradient and the weight
 * gradient with no column matrix. Contract and layout: src/ops/conv_ops.h
 * (pml_conv_phase_geometry).
 *
 * im2col + GEMM writes every input value kh*kw times into the columns, the BLAS packs them
 * again, and col2im adds them back: on the conv autoencoder's 7 x 7 and 14 x 14 planes that
 * movement cost as much as the multiply-adds. Here every tap of a phase plane is one
 * contiguous run over a whole output plane (with the plane's few junk columns), so each
 * kernel is a register block of 4 channels x 4 vectors of accumulators (the last block of a
 * run 2 or 1 vectors) fed by unaligned vector loads and broadcast weights: where oneDNN's
 * direct kernels block channels, the phase planes make the spatial runs contiguous instead.
 *
 *   forward          per sample: 4 output channels x 4 vectors, summed over (ci, tap)
 *   backward_data    per sample and phase of the padded input: 4 input channels x 4 vectors
 *                    over (co, tap), dy laid out with the "full" padding of a transposed
 *                    convolution, each image element written once by its own phase
 *   backward_weight  per block of 4 output channels x 4 (ci, tap) runs: lane-wise sums over
 *                    the positions of 4 samples at a time (so the block's runs stay in L1;
 *                    blocks channel-fastest), dy laid out at the planes' row stride with 0
 *                    in the junk columns, then each lane sum added in lane order
 *
 * Threads take whole samples (forward, data gradient) or whole blocks of dw (weight
 * gradient): every sum runs in the same order for any thread count. The references, the
 * contract's sums element by element in double, close the file (tests/conv_test.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"
#include "cpu/simd.h"
#include "ops/conv_ops.h"

/* ISO C mode leaves GCC's multiply-adds unfused; these sums are not held to another
 * backend's bits, so let it fuse them */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast", "no-tree-loop-distribute-patterns")
#endif

#define CB 4 /* channels per register block */
#define VB 4 /* (ci, tap) runs per register block of the weight gradient */
/* the weight gradient's blocks one thread sums at a time over all samples: their lane sums
 * (GROUP KiB) stay in L2 beside the samples of one pass, and bound the scratch for any weight */
#define GROUP 512

/* one tap of a phase: where it reads (relative to the plane or run) and its (ky, kx) */
typedef struct tap {
    int64_t src; /* forward / weight: r*plane + qy*stride + qx; data: the run offset */
    int64_t k;   /* ky*kw + kx */
    int64_t r;   /* phase */
} tap;

/* The taps in the contract's order: phases in order, then qy, then qx. */
static int64_t forward_taps(const pml_conv_geom *g, const pml_conv_phase_geom *q, tap *t)
{
    int64_t n = 0;
    for (int64_t r = 0; r < q->phases; ++r) {
        const int64_t ry = r / g->sw, rx = r % g->sw;
        for (int64_t ky = ry; ky < g->kh; ky += g->sh)
            for (int64_t kx = rx; kx < g->kw; kx += g->sw)
                t[n++] = (tap){r * q->plane + (ky / g->sh) * q->stride + kx / g->sw,
                               ky * g->kw + kx, r};
    }
    return n;
}

/* the calling thread's place in its team */
static int team_size(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}
static int team_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int64_t up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

/* The largest team a parallel region `if (on)` may get: each thread's scratch is allocated
 * before the region (a thread that failed to allocate inside it could not leave the team's
 * worksharing loop without the others waiting for it at its end) */
static int team_bound(int on)
{
#ifdef _OPENMP
    return on ? omp_get_max_threads() : 1;
#else
    (void)on;
    return 1;
#endif
}

/* acc[i][j] += sum over n taps (and nouter outer steps) of w[t*wstep + i] * the NV-vector run
 * x + xoff[2t], then out[i*ostep + j*NL] = acc: the register block of every kernel but the
 * weight gradient's. */
#define DEFINE_BLOCK(T, SUF, NV)                                                             \
    PML_SIMD_CLONES                                                                          \
    static void block_##SUF##_##NV(const T *x, const int64_t *xoff, const T *w, int64_t wstep, \
                                   int64_t n, int64_t xstep, int64_t nouter, int64_t wouter,  \
                                   T *out, int64_t ostep)                                    \
    {                                                                                        \
        v_##SUF acc[CB][NV];                                                                 \
        _Pragma("GCC unroll 4") for (int i = 0; i < CB; ++i)                                 \
            _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) acc[i][j] = (v_##SUF){0};  \
        for (int64_t o = 0; o < nouter; ++o, x += xstep, w += wouter)                        \
            for (int64_t t = 0; t < n; ++t) {                                                \
                const T *px = x + xoff[2 * t], *pw = w + xoff[2 * t + 1] * wstep;            \
                v_##SUF xv[NV];                                                              \
                _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j)                         \
                    xv[j] = *(const vu_##SUF *)(px + j * NL_##SUF);                          \
                _Pragma("GCC unroll 4") for (int i = 0; i < CB; ++i) {                       \
                    const T wi = pw[i];                                                      \
                    _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) acc[i][j] += xv[j] * wi; \
                }                                                                            \
            }                                                                                \
        _Pragma("GCC unroll 4") for (int i = 0; i < CB; ++i)                                 \
            _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j)                             \
                *(vu_##SUF *)(out + i * ostep + j * NL_##SUF) = acc[i][j];                  \
    }

#define DEFINE_DIRECT(T, SUF)                                                                \
    typedef T v_##SUF __attribute__((vector_size(64)));                                     \
    typedef T vu_##SUF __attribute__((vector_size(64), aligned(sizeof(T))));                \
    enum { NL_##SUF = 64 / sizeof(T) };                                                     \
                                                                                             \
    /* The phase planes of one (sample, channel) plane xi: each padded row is laid out once \
     * with its zero padding, then dealt to its sx phases. */                               \
    static void phases_plane_##SUF(const pml_conv_geom *g, const pml_conv_phase_geom *q,     \
                                   const T *xi, T *p, T *row)                                \
    {                                                                                        \
        const int64_t sx = g->sw, S = q->phases, wide = q->stride * sx;                      \
        /* row[u] = x[iy, u - pw] for u < wide: the columns [lo, hi) come from the image */  \
        const int64_t lo = g->pw < wide ? g->pw : wide;                                      \
        const int64_t hi = g->pw + g->w < wide ? g->pw + g->w : wide;                        \
        for (int64_t u = 0; u < lo; ++u) row[u] = 0;                                         \
        for (int64_t u = hi; u < wide; ++u) row[u] = 0;                                      \
        for (int64_t a = 0; a < q->rows; ++a)                                                \
            for (int64_t ry = 0; ry < g->sh; ++ry) {                                         \
                const int64_t iy = a * g->sh + ry - g->ph;                                   \
                T *dst = p + ry * sx * q->plane + a * q->stride;                             \
                if (iy < 0 || iy >= g->h) {                                                  \
                    for (int64_t rx = 0; rx < sx; ++rx)                                      \
                        for (int64_t j = 0; j < q->stride; ++j) dst[rx * q->plane + j] = 0;  \
                    continue;                                                                \
                }                                                                            \
                const T *src = xi + iy * g->w - g->pw;                                       \
                if (sx == 1) {                                                               \
                    for (int64_t j = 0; j < lo; ++j) dst[j] = 0;                             \
                    for (int64_t j = lo; j < hi; ++j) dst[j] = src[j];                       \
                    for (int64_t j = hi; j < wide; ++j) dst[j] = 0;                          \
                    continue;                                                                \
                }                                                                            \
                for (int64_t u = lo; u < hi; ++u) row[u] = src[u];                           \
                if (sx == 2) {                                                               \
                    T *d1 = dst + q->plane;                                                  \
                    for (int64_t j = 0; j < q->stride; ++j)                                  \
                        dst[j] = row[2 * j], d1[j] = row[2 * j + 1];                         \
                } else {                                                                     \
                    for (int64_t rx = 0; rx < sx; ++rx)                                      \
                        for (int64_t j = 0; j < q->stride; ++j)                              \
                            dst[rx * q->plane + j] = row[j * sx + rx];                       \
                }                                                                            \
            }                                                                                \
        for (int64_t r = 0; r < S; ++r)                                                      \
            for (int64_t i = q->rows * q->stride; i < q->plane; ++i) p[r * q->plane + i] = 0; \
        /* 0 where a phase with fewer taps than qy (qx) has rows (columns) no output reads: \
         * the weight gradient's junk lanes (dy = 0) read them, and 0 * inf is NaN */       \
        for (int64_t r = 0; r < S; ++r) {                                                    \
            const int64_t ry = r / sx, rx = r % sx;                                          \
            const int64_t ny = ry < g->kh ? (g->kh - ry + g->sh - 1) / g->sh : 0;            \
            const int64_t nx = rx < g->kw ? (g->kw - rx + sx - 1) / sx : 0;                  \
            if (ny == 0 || nx == 0 || (ny == q->qy && nx == q->qx)) continue;                \
            const int64_t arow = g->ho + ny - 1, jcol = g->wo + nx - 1;                      \
            for (int64_t a = 0; a < q->rows; ++a)                                            \
                for (int64_t j = a < arow ? jcol : 0; j < q->stride; ++j)                    \
                    p[r * q->plane + a * q->stride + j] = 0;                                 \
        }                                                                                    \
    }                                                                                        \
                                                                                             \
    static pml_status phases_##SUF(const pml_conv_geom *g, const pml_conv_phase_geom *q,    \
                                   const T *x, T *ph)                                        \
    {                                                                                        \
        const int64_t n = g->batch * g->c, S = q->phases, wide = q->stride * g->sw;         \
        const int on = n * S * q->plane > (1 << 15), nth = team_bound(on);                  \
        T *rows = malloc((size_t)(nth * wide) * sizeof(T));                                 \
        const int bad = rows == NULL;                                                        \
        if (!bad) {                                                                          \
            _Pragma("omp parallel for schedule(static) if (on) num_threads(nth)")            \
            for (int64_t bc = 0; bc < n; ++bc)                                               \
                phases_plane_##SUF(g, q, x + bc * g->h * g->w, ph + bc * S * q->plane,       \
                                   rows + team_id() * wide);                                 \
        }                                                                                    \
        free(rows);                                                                          \
        PML_CHECK(!bad, PML_ERR_OUT_OF_MEMORY, "conv phases: out of host memory");           \
        return PML_OK;                                                                       \
    }                                                                                        \
                                                                                             \
    DEFINE_BLOCK(T, SUF, 4)                                                                  \
    DEFINE_BLOCK(T, SUF, 2)                                                                  \
    DEFINE_BLOCK(T, SUF, 1)                                                                  \
    /* The register blocks over `lanes` outputs (a multiple of NL): 4 vectors at a time, the \
     * rest by 2 and 1 */                                                                    \
    static void blocks_##SUF(int64_t lanes, const T *x, const int64_t *xoff, const T *w,     \
                             int64_t wstep, int64_t n, int64_t xstep, int64_t nouter,         \
                             int64_t wouter, T *out, int64_t ostep)                           \
    {                                                                                        \
        int64_t v = 0;                                                                       \
        for (; v + 4 * NL_##SUF <= lanes; v += 4 * NL_##SUF)                                 \
            block_##SUF##_4(x + v, xoff, w, wstep, n, xstep, nouter, wouter, out + v, ostep); \
        if (v + 2 * NL_##SUF <= lanes) {                                                     \
            block_##SUF##_2(x + v, xoff, w, wstep, n, xstep, nouter, wouter, out + v, ostep); \
            v += 2 * NL_##SUF;                                                               \
        }                                                                                    \
        if (v < lanes)                                                                       \
            block_##SUF##_1(x + v, xoff, w, wstep, n, xstep, nouter, wouter, out + v, ostep); \
    }                                                                                        \
                                                                                             \
    static pml_status forward_##SUF(const pml_conv_direct_args *a)                           \
    {                                                                                        \
        const pml_conv_geom *g = &a->g;                                                      \
        pml_conv_phase_geom q;                                                               \
        pml_conv_phase_geometry(g, &q);                                                      \
        const int64_t KK = g->kh * g->kw, cpad = up(a->cout, CB), P = g->ho * g->wo;         \
        tap *taps = malloc((size_t)KK * sizeof *taps);                                       \
        int64_t *off = malloc((size_t)(2 * KK) * sizeof *off);                               \
        T *wt = malloc((size_t)(g->c * KK * cpad) * sizeof(T));                              \
        int bad = taps == NULL || off == NULL || wt == NULL;                                 \
        if (!bad) {                                                                          \
            const int64_t nt = forward_taps(g, &q, taps);                                    \
            for (int64_t t = 0; t < nt; ++t) off[2 * t] = taps[t].src, off[2 * t + 1] = t;   \
            /* wt[(ci*KK + t)*cpad + co] = w[co, ci, tap t] */                               \
            const T *w = (const T *)a->w;                                                    \
            for (int64_t ci = 0; ci < g->c; ++ci)                                            \
                for (int64_t t = 0; t < nt; ++t)                                             \
                    for (int64_t co = 0; co < cpad; ++co)                                    \
                        wt[(ci * KK + t) * cpad + co] =                                      \
                            co < a->cout ? w[(co * g->c + ci) * KK + taps[t].k] : (T)0;      \
            const T *ph = (const T *)a->ph;                                                  \
            T *y = (T *)a->out;                                                              \
            const int64_t work = g->batch * a->cout * P * g->c * KK;                         \
            const int on = work > (1 << 18), nth = team_bound(on);                           \
            T *stages = malloc((size_t)(nth * CB * q.nread) * sizeof(T));                    \
            bad = stages == NULL;                                                            \
            if (!bad) {                                                                      \
                _Pragma("omp parallel if (on) num_threads(nth)")                             \
                {                                                                            \
                    T *stage = stages + team_id() * CB * q.nread;                            \
                    _Pragma("omp for schedule(static)")                                      \
                    for (int64_t b = 0; b < g->batch; ++b) {                                 \
                        const T *pb = ph + b * g->c * q.phases * q.plane;                    \
                        for (int64_t co0 = 0; co0 < a->cout; co0 += CB) {                    \
                            blocks_##SUF(q.nread, pb, off, wt + co0, cpad, nt,               \
                                         q.phases * q.plane, g->c, KK * cpad, stage, q.nread); \
                            for (int64_t i = 0; i < CB && co0 + i < a->cout; ++i) {          \
                                T *yo = y + (b * a->cout + co0 + i) * P;                     \
                                for (int64_t oy = 0; oy < g->ho; ++oy)                       \
                                    for (int64_t ox = 0; ox < g->wo; ++ox)                   \
                                        yo[oy * g->wo + ox] = stage[i * q.nread + oy * q.stride + ox]; \
                            }                                                                \
                        }                                                                    \
                    }                                                                        \
                }                                                                            \
            }                                                                                \
            free(stages);                                                                    \
        }                                                                                    \
        free(taps), free(off), free(wt);                                                     \
        PML_CHECK(!bad, PML_ERR_OUT_OF_MEMORY, "conv direct forward: out of host memory");   \
        return PML_OK;                                                                       \
    }                                                                                        \
                                                                                             \
    /* dx: phase r of the padded input, position (a, j) <-> (a*sy + ry, j*sx + rx), gathers  \
     * dy[co, a - qy, j - qx] w[co, ci, qy*sy + ry, qx*sx + rx]. Each phase computes only its  \
     * rows [a0, a1) and columns [j0, j1) that land in the image, at (a - a0)*WQ + j - j0; dy \
     * sits in a run of row stride WQ with qy_max - 1 zero rows above and qx_max - 1 zero     \
     * columns on the left, so a tap reads the run at that position + base_r + its offset.  */ \
    static pml_status backward_data_##SUF(const pml_conv_direct_args *a)                     \
    {                                                                                        \
        const pml_conv_geom *g = &a->g;                                                      \
        pml_conv_phase_geom q;                                                               \
        pml_conv_phase_geometry(g, &q);                                                      \
        const int64_t KK = g->kh * g->kw, cpad = up(g->c, CB), S = q.phases;                 \
        const int64_t top = q.qy - 1, left = q.qx - 1;                                       \
        /* per phase: a0, a1, j0, j1, then its taps' (run offset, k) from first[r] */         \
        int64_t *rng = malloc((size_t)(4 * S) * sizeof *rng);                                \
        int64_t *off = malloc((size_t)(2 * KK) * sizeof *off);                               \
        int64_t *first = malloc((size_t)(S + 1) * sizeof *first);                            \
        T *wb = malloc((size_t)(a->cout * KK * cpad) * sizeof(T));                           \
        int bad = rng == NULL || off == NULL || first == NULL || wb == NULL;                 \
        int64_t WQ = g->wo, nread = 0, len = 0;                                              \
        if (!bad) {                                                                          \
            for (int64_t r = 0; r < S; ++r) {                                                \
                const int64_t ry = r / g->sw, rx = r % g->sw;                                \
                int64_t *W = rng + 4 * r;                                                    \
                /* 0 <= a*sy + ry - ph < h, and likewise for j */                            \
                W[0] = g->ph - ry <= 0 ? 0 : (g->ph - ry + g->sh - 1) / g->sh;               \
                W[1] = g->h - 1 + g->ph - ry < 0 ? 0 : (g->h - 1 + g->ph - ry) / g->sh + 1;  \
                W[2] = g->pw - rx <= 0 ? 0 : (g->pw - rx + g->sw - 1) / g->sw;               \
                W[3] = g->w - 1 + g->pw - rx < 0 ? 0 : (g->w - 1 + g->pw - rx) / g->sw + 1;  \
                if (W[1] < W[0]) W[1] = W[0];                                                \
                if (W[3] < W[2]) W[3] = W[2];                                                \
                if (W[3] > WQ) WQ = W[3];                                                    \
            }                                                                                \
            WQ += left;                                                                      \
            int64_t n = 0, reach = (top + g->ho) * WQ;                                       \
            for (int64_t r = 0; r < S; ++r) {                                                \
                const int64_t ry = r / g->sw, rx = r % g->sw, *W = rng + 4 * r;              \
                const int64_t base = W[0] * WQ + W[2], lanes = up((W[1] - W[0]) * WQ, 16);   \
                if (lanes > nread) nread = lanes;                                            \
                first[r] = n;                                                                \
                for (int64_t ky = ry; ky < g->kh; ky += g->sh)                               \
                    for (int64_t kx = rx; kx < g->kw; kx += g->sw, ++n) {                    \
                        off[2 * n] = base + (top - ky / g->sh) * WQ + left - kx / g->sw;     \
                        off[2 * n + 1] = ky * g->kw + kx;                                    \
                        if (off[2 * n] + lanes > reach) reach = off[2 * n] + lanes;          \
                    }                                                                        \
            }                                                                                \
            first[S] = n;                                                                    \
            len = up(reach, 16);                                                             \
            /* wb[(co*KK + k)*cpad + ci] = w[co, ci, k] */                                   \
            const T *w = (const T *)a->w;                                                    \
            for (int64_t co = 0; co < a->cout; ++co)                                         \
                for (int64_t k = 0; k < KK; ++k)                                             \
                    for (int64_t ci = 0; ci < cpad; ++ci)                                    \
                        wb[(co * KK + k) * cpad + ci] =                                      \
                            ci < g->c ? w[(co * g->c + ci) * KK + k] : (T)0;                 \
        }                                                                                    \
        if (!bad) {                                                                          \
            const T *dy = (const T *)a->dy;                                                  \
            T *dx = (T *)a->out;                                                             \
            const int64_t work = g->batch * a->cout * g->ho * g->wo * g->c * KK;             \
            const int on = work > (1 << 18), nth = team_bound(on);                           \
            const int64_t each = a->cout * len + CB * nread;                                 \
            T *runs = calloc((size_t)(nth * each), sizeof(T));                               \
            bad = runs == NULL;                                                              \
            if (!bad) {                                                                      \
                _Pragma("omp parallel if (on) num_threads(nth)")                             \
                {                                                                            \
                    T *run = runs + team_id() * each, *stage = run + a->cout * len;          \
                    _Pragma("omp for schedule(static)")                                      \
                    for (int64_t b = 0; b < g->batch; ++b) {                                 \
                        for (int64_t co = 0; co < a->cout; ++co)                             \
                            for (int64_t oy = 0; oy < g->ho; ++oy) {                         \
                                T *d = run + co * len + (top + oy) * WQ + left;              \
                                const T *sy = dy + ((b * a->cout + co) * g->ho + oy) * g->wo; \
                                for (int64_t ox = 0; ox < g->wo; ++ox) d[ox] = sy[ox];       \
                            }                                                                \
                        for (int64_t r = 0; r < S; ++r) {                                    \
                            const int64_t ry = r / g->sw, rx = r % g->sw, *W = rng + 4 * r; \
                            const int64_t na = W[1] - W[0], nj = W[3] - W[2];               \
                            const int64_t lanes = up(na * WQ, 16);                           \
                            for (int64_t ci0 = 0; ci0 < g->c; ci0 += CB) {                   \
                                blocks_##SUF(lanes, run, off + 2 * first[r], wb + ci0, cpad, \
                                             first[r + 1] - first[r], len, a->cout,          \
                                             KK * cpad, stage, nread);                       \
                                for (int64_t i = 0; i < CB && ci0 + i < g->c; ++i) {         \
                                    T *xo = dx + (b * g->c + ci0 + i) * g->h * g->w +        \
                                            (W[0] * g->sh + ry - g->ph) * g->w +             \
                                            W[2] * g->sw + rx - g->pw;                       \
                                    const T *sv = stage + i * nread;                         \
                                    for (int64_t pa = 0; pa < na; ++pa)                      \
                                        for (int64_t j = 0; j < nj; ++j)                     \
                                            xo[pa * g->sh * g->w + j * g->sw] = sv[pa * WQ + j]; \
                                }                                                            \
                            }                                                                \
                        }                                                                    \
                    }                                                                        \
                }                                                                            \
            }                                                                                \
            free(runs);                                                                      \
        }                                                                                    \
        free(rng), free(off), free(first), free(wb);                                         \
        PML_CHECK(!bad, PML_ERR_OUT_OF_MEMORY, "conv direct backward_data: out of host memory"); \
        return PML_OK;                                                                       \
    }                                                                                        \
                                                                                             \
    /* acc[i][j] (lane-wise) += dy run i * x run j over n positions from each sample of      \
     * nb, then stored to acc's memory */                                                    \
    PML_SIMD_CLONES                                                                          \
    static void wblock_##SUF(const T *const *dyr, const T *const *xr, int64_t dstep,          \
                             int64_t xstep, int64_t nb, int64_t n, T *mem)                   \
    {                                                                                        \
        v_##SUF acc[CB][VB];                                                                 \
        _Pragma("GCC unroll 4") for (int i = 0; i < CB; ++i)                                 \
            _Pragma("GCC unroll 4") for (int j = 0; j < VB; ++j) acc[i][j] = *(vu_##SUF *)(mem + (i * VB + j) * NL_##SUF); \
        for (int64_t b = 0; b < nb; ++b)                                                     \
            for (int64_t p = 0; p < n; p += NL_##SUF) {                                      \
                v_##SUF dv[CB], xv[VB];                                                      \
                _Pragma("GCC unroll 4") for (int i = 0; i < CB; ++i)                         \
                    dv[i] = *(const vu_##SUF *)(dyr[i] + b * dstep + p);                     \
                _Pragma("GCC unroll 4") for (int j = 0; j < VB; ++j)                         \
                    xv[j] = *(const vu_##SUF *)(xr[j] + b * xstep + p);                      \
                _Pragma("GCC unroll 4") for (int i = 0; i < CB; ++i)                         \
                    _Pragma("GCC unroll 4") for (int j = 0; j < VB; ++j) acc[i][j] += dv[i] * xv[j]; \
            }                                                                                \
        _Pragma("GCC unroll 4") for (int i = 0; i < CB; ++i)                                 \
            _Pragma("GCC unroll 4") for (int j = 0; j < VB; ++j) *(vu_##SUF *)(mem + (i * VB + j) * NL_##SUF) = acc[i][j]; \
    }                                                                                        \
                                                                                             \
    static pml_status backward_weight_##SUF(const pml_conv_direct_args *a)                   \
    {                                                                                        \
        const pml_conv_geom *g = &a->g;                                                      \
        pml_conv_phase_geom q;                                                               \
        pml_conv_phase_geometry(g, &q);                                                      \
        const int64_t KK = g->kh * g->kw, M = g->c * KK, S = q.phases;                       \
        const int64_t nco = up(a->cout, CB) / CB, nm = up(M, VB) / VB, nblk = nco * nm;      \
        /* the samples of one pass over the blocks: their planes and runs stay in L2 */      \
        const int64_t chunk = 4;                                                            \
        tap *taps = malloc((size_t)KK * sizeof *taps);                                       \
        /* 64-byte aligned: every load of dy is one cache line */                          \
        T *dyr = aligned_alloc(64, (size_t)(g->batch * a->cout * q.nread) * sizeof(T));      \
        /* each thread's lane sums for up to GROUP blocks at a time (1 KiB a block) */      \
        const int64_t work = g->batch * a->cout * g->ho * g->wo * M, blk = CB * VB * NL_##SUF; \
        const int on = work > (1 << 18), nth = team_bound(on);                               \
        const int64_t group = nblk < GROUP ? nblk : GROUP;                                   \
        T *mems = malloc((size_t)(nth * group * blk) * sizeof(T));                           \
        int bad = taps == NULL || dyr == NULL || mems == NULL;                               \
        if (!bad) {                                                                          \
            forward_taps(g, &q, taps);                                                       \
            const T *dy = (const T *)a->dy, *ph = (const T *)a->ph;                          \
            const int64_t rows = g->batch * a->cout;                                         \
            /* dy at the planes' row stride, 0 in the junk columns and past the plane */     \
            _Pragma("omp parallel for schedule(static) if (rows * q.nread > (1 << 15))")    \
            for (int64_t bc = 0; bc < rows; ++bc) {                                          \
                T *d = dyr + bc * q.nread;                                                   \
                const T *src = dy + bc * g->ho * g->wo;                                      \
                for (int64_t oy = 0; oy < g->ho; ++oy) {                                     \
                    for (int64_t ox = 0; ox < g->wo; ++ox)                                   \
                        d[oy * q.stride + ox] = src[oy * g->wo + ox];                        \
                    for (int64_t ox = g->wo; ox < q.stride; ++ox) d[oy * q.stride + ox] = 0; \
                }                                                                            \
                for (int64_t i = g->ho * q.stride; i < q.nread; ++i) d[i] = 0;               \
            }                                                                                \
            _Pragma("omp parallel if (on) num_threads(nth)")                                 \
            {                                                                                \
                const int nt = team_size(), id = team_id();                                  \
                const int64_t lo = nblk * id / nt, hi = nblk * (id + 1) / nt;                \
                T *mem = mems + id * group * blk, *dw = (T *)a->out;                         \
                for (int64_t k0 = lo; k0 < hi; k0 += group) {                                \
                    const int64_t k1 = k0 + group < hi ? k0 + group : hi;                    \
                    memset(mem, 0, (size_t)((k1 - k0) * blk) * sizeof(T));                   \
                    for (int64_t b0 = 0; b0 < g->batch; b0 += chunk) {                       \
                        const int64_t nb = g->batch - b0 < chunk ? g->batch - b0 : chunk;    \
                        for (int64_t k = k0; k < k1; ++k) {                                  \
                            const int64_t co0 = k % nco * CB, m0 = k / nco * VB;             \
                            const T *dp[CB], *xp[VB];                                        \
                            for (int i = 0; i < CB; ++i) {                                   \
                                const int64_t co = co0 + i < a->cout ? co0 + i : a->cout - 1; \
                                dp[i] = dyr + (b0 * a->cout + co) * q.nread;                 \
                            }                                                                \
                            for (int j = 0; j < VB; ++j) {                                   \
                                const int64_t m = m0 + j < M ? m0 + j : M - 1;               \
                                const tap *t = &taps[m % KK];                                \
                                xp[j] = ph + (b0 * g->c + m / KK) * S * q.plane + t->src;    \
                            }                                                                \
                            wblock_##SUF(dp, xp, a->cout * q.nread, g->c * S * q.plane, nb,  \
                                         q.nread, mem + (k - k0) * blk);                     \
                        }                                                                    \
                    }                                                                        \
                    for (int64_t k = k0; k < k1; ++k) {                                      \
                        const int64_t co0 = k % nco * CB, m0 = k / nco * VB;                 \
                        for (int i = 0; i < CB && co0 + i < a->cout; ++i)                    \
                            for (int j = 0; j < VB && m0 + j < M; ++j) {                     \
                                const T *lanes = mem + (k - k0) * blk + (i * VB + j) * NL_##SUF; \
                                T s = 0;                                                     \
                                for (int l = 0; l < NL_##SUF; ++l) s += lanes[l];            \
                                const int64_t m = m0 + j, ci = m / KK;                       \
                                dw[((co0 + i) * g->c + ci) * KK + taps[m % KK].k] = s;       \
                            }                                                                \
                    }                                                                        \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
        free(taps), free(dyr), free(mems);                                                   \
        PML_CHECK(!bad, PML_ERR_OUT_OF_MEMORY,                                               \
                  "conv direct backward_weight: out of host memory");                        \
        return PML_OK;                                                                       \
    }

DEFINE_DIRECT(float, f32)
DEFINE_DIRECT(double, f64)

/* The references: the contract's three sums element by element, accumulated in double from
 * the image itself (not the phase planes), in the order ci, ky, kx (forward), b, oy, ox
 * (weight gradient) and co, oy, ox (data gradient). */
static double at(const void *p, pml_dtype dt, int64_t i)
{
    return dt == PML_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}
static void put(void *p, pml_dtype dt, int64_t i, double v)
{
    if (dt == PML_F32) ((float *)p)[i] = (float)v;
    else ((double *)p)[i] = v;
}

/* the input element a tap reads, or -1 in the padding */
static int64_t tap_in(const pml_conv_geom *g, int64_t b, int64_t ci, int64_t oy, int64_t ox,
                      int64_t ky, int64_t kx)
{
    const int64_t iy = oy * g->sh - g->ph + ky, ix = ox * g->sw - g->pw + kx;
    if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) return -1;
    return ((b * g->c + ci) * g->h + iy) * g->w + ix;
}

/* forward: x (batch, c, h, w) in place of the phase planes */
pml_status pml_cpu_conv_direct_forward_ref(const pml_conv_direct_args *a, const void *x)
{
    const pml_conv_geom *g = &a->g;
    for (int64_t b = 0; b < g->batch; ++b)
        for (int64_t co = 0; co < a->cout; ++co)
            for (int64_t oy = 0; oy < g->ho; ++oy)
                for (int64_t ox = 0; ox < g->wo; ++ox) {
                    double s = 0;
                    for (int64_t ci = 0; ci < g->c; ++ci)
                        for (int64_t ky = 0; ky < g->kh; ++ky)
                            for (int64_t kx = 0; kx < g->kw; ++kx) {
                                const int64_t i = tap_in(g, b, ci, oy, ox, ky, kx);
                                if (i >= 0)
                                    s += at(a->w, a->dtype,
                                            ((co * g->c + ci) * g->kh + ky) * g->kw + kx) *
                                         at(x, a->dtype, i);
                            }
                    put(a->out, a->dtype, ((b * a->cout + co) * g->ho + oy) * g->wo + ox, s);
                }
    return PML_OK;
}

pml_status pml_cpu_conv_direct_backward_data_ref(const pml_conv_direct_args *a)
{
    const pml_conv_geom *g = &a->g;
    for (int64_t b = 0; b < g->batch; ++b)
        for (int64_t ci = 0; ci < g->c; ++ci)
            for (int64_t iy = 0; iy < g->h; ++iy)
                for (int64_t ix = 0; ix < g->w; ++ix) {
                    double s = 0;
                    for (int64_t co = 0; co < a->cout; ++co)
                        for (int64_t oy = 0; oy < g->ho; ++oy)
                            for (int64_t ox = 0; ox < g->wo; ++ox) {
                                const int64_t ky = iy + g->ph - oy * g->sh;
                                const int64_t kx = ix + g->pw - ox * g->sw;
                                if (ky < 0 || ky >= g->kh || kx < 0 || kx >= g->kw) continue;
                                s += at(a->w, a->dtype, ((co * g->c + ci) * g->kh + ky) * g->kw + kx) *
                                     at(a->dy, a->dtype,
                                        ((b * a->cout + co) * g->ho + oy) * g->wo + ox);
                            }
                    put(a->out, a->dtype, ((b * g->c + ci) * g->h + iy) * g->w + ix, s);
                }
    return PML_OK;
}

/* weight gradient: x (batch, c, h, w) in place of the phase planes */
pml_status pml_cpu_conv_direct_backward_weight_ref(const pml_conv_direct_args *a, const void *x)
{
    const pml_conv_geom *g = &a->g;
    for (int64_t co = 0; co < a->cout; ++co)
        for (int64_t ci = 0; ci < g->c; ++ci)
            for (int64_t ky = 0; ky < g->kh; ++ky)
                for (int64_t kx = 0; kx < g->kw; ++kx) {
                    double s = 0;
                    for (int64_t b = 0; b < g->batch; ++b)
                        for (int64_t oy = 0; oy < g->ho; ++oy)
                            for (int64_t ox = 0; ox < g->wo; ++ox) {
                                const int64_t i = tap_in(g, b, ci, oy, ox, ky, kx);
                                if (i >= 0)
                                    s += at(a->dy, a->dtype,
                                            ((b * a->cout + co) * g->ho + oy) * g->wo + ox) *
                                         at(x, a->dtype, i);
                            }
                    put(a->out, a->dtype, ((co * g->c + ci) * g->kh + ky) * g->kw + kx, s);
                }
    return PML_OK;
}

pml_status pml_cpu_conv_phases(pml_device *dev, const pml_conv_phases_args *a)
{
    (void)dev;
    pml_conv_phase_geom q;
    pml_conv_phase_geometry(&a->g, &q);
    return a->dtype == PML_F32 ? phases_f32(&a->g, &q, a->x, a->ph)
                               : phases_f64(&a->g, &q, a->x, a->ph);
}

#define DISPATCH(name)                                                                       \
    pml_status pml_cpu_conv_direct_##name(pml_device *dev, const pml_conv_direct_args *a)   \
    {                                                                                        \
        (void)dev;                                                                           \
        return a->dtype == PML_F32 ? name##_f32(a) : name##_f64(a);                          \
    }
DISPATCH(forward)
DISPATCH(backward_data)
DISPATCH(backward_weight)
