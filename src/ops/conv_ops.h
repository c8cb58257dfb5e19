/* Kernel contracts of the convolution family (struct pml_conv_ops, hung off
 * pml_backend_ops.conv): im2col and col2im, the NCHW <-> channel-major reorderings that carry a
 * convolution's bias and activation, pooling, dropout and batch normalisation. CPU:
 * src/cpu/im2col.c, src/cpu/pool.c, src/cpu/dropout.c, src/cpu/batchnorm.c; CUDA: the .cu
 * files of the same names (same contract comments).
 *
 * Layout: images are NCHW (batch, channels, height, width), row-major and contiguous; a
 * plane is H*W elements. A convolution's columns are channel-major, as Caffe and darknet lay
 * them out: col is (c*kh*kw) x (batch*ho*wo), row k = (ci*kh + ky)*kw + kx, column
 * r = (b*ho + oy)*wo + ox; the rows of PyTorch's [out, in, kh, kw] weight flattened to
 * [out, in*kh*kw] match k, so the convolution is one GEMM Z = W col, Z (out) x (batch*ho*wo),
 * and every copy in and out of it runs along ox, contiguous in memory. Float dtype F32 or F64,
 * everything on the device, already checked by src/nn.
 *
 * Every kernel is deterministic; im2col, col2im, pooling and dropout agree bit for bit across
 * backends (col2im and the pooling backward add in a stated order); the sums in double
 * (channel sums, batch norm) round to the same float in all but rare ties. */
#ifndef PML_OPS_CONV_OPS_H
#define PML_OPS_CONV_OPS_H

#include "core/backend.h"
#include "core/philox.h" /* PML_HOSTDEV */

#ifdef __cplusplus
extern "C" {
#endif

/* Philox stream of dropout masks: a purpose tag in the top 16 bits, the layer's position in
 * bits 40..47 and the training step below; draw i is element i = r*cols + j of the batch. */
#define PML_CONV_STREAM_DROPOUT ((uint64_t)0xC001 << 48)
#define PML_CONV_STEP_MASK (((uint64_t)1 << 40) - 1)

/* The geometry of one convolution: input c x h x w, kernel kh x kw, stride, zero padding,
 * output ho x wo = floor((h + 2 ph - kh) / sh) + 1 (and likewise for w). */
typedef struct pml_conv_geom {
    int64_t batch, c, h, w;
    int64_t kh, kw, sh, sw, ph, pw;
    int64_t ho, wo;
} pml_conv_geom;

/* col[k, r] = x[b, ci, oy*sh - ph + ky, ox*sw - pw + kx], 0 outside the image. */
typedef struct pml_im2col_args {
    pml_dtype dtype;
    pml_conv_geom g;
    const void *x;
    void *col;
} pml_im2col_args;
typedef pml_status pml_im2col_fn(pml_device *dev, const pml_im2col_args *args);

/* The adjoint of im2col: x[b, ci, iy, ix] = the sum of every col entry im2col would have read
 * from there, overwriting x. The sum runs over ky, then kx, increasing, starting from +0: the
 * order in which adding whole rows of col into the image meets each element. */
typedef struct pml_col2im_args {
    pml_dtype dtype;
    pml_conv_geom g;
    const void *col;
    void *x;
} pml_col2im_args;
typedef pml_status pml_col2im_fn(pml_device *dev, const pml_col2im_args *args);

/* z (c) x (batch*plane)  ->  y (batch, c, plane):
 *   y[b, ch, q] = act(z[ch, b*plane + q] + bias[ch])   (bias NULL: none)
 * The convolution's forward epilogue; with identity and no bias a reordering of whole planes.
 * Softmax is not an allowed act here. */
typedef struct pml_conv_to_chw_args {
    pml_dtype dtype;
    pml_activation act;
    float alpha;
    int64_t batch, c, plane;
    const void *z, *bias;
    void *y;
} pml_conv_to_chw_args;
typedef pml_status pml_conv_to_chw_fn(pml_device *dev, const pml_conv_to_chw_args *args);

/* y, dy (batch, c, plane)  ->  dz (c) x (batch*plane):
 *   dz[ch, b*plane + q] = dy[b, ch, q] * act'(y[b, ch, q])
 * with the derivative from y = act(z) as in nn_ops.h (y may be NULL for identity): the
 * convolution's backward prologue; with identity a reordering of whole planes. */
typedef struct pml_conv_from_chw_args {
    pml_dtype dtype;
    pml_activation act;
    float alpha;
    int64_t batch, c, plane;
    const void *y, *dy;
    void *dz;
} pml_conv_from_chw_args;
typedef pml_status pml_conv_from_chw_fn(pml_device *dev, const pml_conv_from_chw_args *args);

/* In place on y (batch, c, plane): y[b, ch, q] = act(y[b, ch, q] + bias[ch]) (bias may be
 * NULL; not softmax). */
typedef struct pml_conv_bias_act_args {
    pml_dtype dtype;
    pml_activation act;
    float alpha;
    int64_t batch, c, plane;
    const void *bias;
    void *y;
} pml_conv_bias_act_args;
typedef pml_status pml_conv_bias_act_fn(pml_device *dev, const pml_conv_bias_act_args *args);

/* sum[ch] = the sum over b and q of x[b, ch, q] (overwrites sum), accumulated in double in a
 * fixed order (the CPU: a vectorised sum per plane, planes in order; CUDA: a fixed tree per
 * channel), rounded once. A convolution's bias gradient is this with batch 1 over dz. */
typedef struct pml_conv_channel_sum_args {
    pml_dtype dtype;
    int64_t batch, c, plane;
    const void *x;
    void *sum;
} pml_conv_channel_sum_args;
typedef pml_status pml_conv_channel_sum_fn(pml_device *dev,
                                           const pml_conv_channel_sum_args *args);

/* Direct convolution through phase planes, with no column matrix (the CPU backend's
 * src/cpu/conv_direct.c; a backend that leaves these NULL gets im2col + GEMM from src/nn).
 * A stride (sy, sx) convolution is a sum over the sy*sx phases (ry, rx) of the zero-padded
 * input, P[a, j] = xpad[a*sy + ry, j*sx + rx], of stride-1 correlations with the phase's
 * taps ky = qy*sy + ry < kh, kx = qx*sx + rx < kw. A phase plane is laid out `rows` rows of
 * `stride` elements, stride = wo + ceil(kw/sx) - 1: output (oy, ox) sits at p = oy*stride +
 * ox in a run of the same row stride, and for every tap reads the plane at p + qy*stride +
 * qx. One tap is then one contiguous run of the plane across a whole output plane, however
 * small or strided the convolution (the conv autoencoder's 7 x 7 planes at stride 2).
 * Positions with ox >= wo are not outputs. */
typedef struct pml_conv_phase_geom {
    int64_t phases;       /* sy*sx, phase r = ry*sx + rx */
    int64_t qy, qx;       /* taps per phase at most: ceil(kh/sy), ceil(kw/sx) */
    int64_t rows, stride; /* ho + qy - 1, wo + qx - 1 */
    int64_t nread;        /* output positions a kernel may compute: ho*stride rounded up to 16 */
    int64_t plane;        /* elements per (sample, channel, phase) plane: room for every tap's
                             read of nread positions, a multiple of 16 */
} pml_conv_phase_geom;

PML_HOSTDEV void pml_conv_phase_geometry(const pml_conv_geom *g, pml_conv_phase_geom *q)
{
    q->phases = g->sh * g->sw;
    q->qy = (g->kh + g->sh - 1) / g->sh;
    q->qx = (g->kw + g->sw - 1) / g->sw;
    q->rows = g->ho + q->qy - 1;
    q->stride = g->wo + q->qx - 1;
    q->nread = (g->ho * q->stride + 15) / 16 * 16;
    const int64_t need = q->nread + (q->qy - 1) * q->stride + q->qx - 1;
    const int64_t all = q->rows * q->stride;
    q->plane = ((need > all ? need : all) + 15) / 16 * 16;
}

/* ph[((b*c + ci)*phases + r)*plane + a*stride + j] = x[b, ci, a*sy + ry - ph, j*sx + rx - pw]
 * for a < rows and j < stride (0 outside the image); 0 in the rest of each plane, and 0 where
 * no output reads: a phase with ny = ceil((kh - ry)/sy) < qy taps down (nx across) holds 0 in
 * its rows a >= ho + ny - 1 (columns j >= wo + nx - 1), so an infinite or NaN input element
 * that no output reads cannot reach a gradient through the kernels' junk lanes. */
typedef struct pml_conv_phases_args {
    pml_dtype dtype;
    pml_conv_geom g;
    const void *x;
    void *ph;
} pml_conv_phases_args;
typedef pml_status pml_conv_phases_fn(pml_device *dev, const pml_conv_phases_args *args);

/* The three products of a convolution of geometry g with cout output channels and weight w
 * [cout, c, kh, kw], each overwriting out:
 *   forward:         out = y (batch, cout, ho, wo), y[b, co, oy, ox] = sum over ci, then the
 *                    taps, of w[co, ci, ky, kx] * x[b, ci, oy*sy - ph + ky, ox*sx - pw + kx]
 *                    (read from ph, the input's phase planes); no bias (bias_act after it);
 *   backward_data:   out = dx (batch, c, h, w), the adjoint of forward applied to dy (batch,
 *                    cout, ho, wo) (a transposed convolution's forward);
 *   backward_weight: out = dw [cout, c, kh, kw], the sum over the batch and the outputs of
 *                    dy[b, co, oy, ox] * x[b, ci, oy*sy - ph + ky, ox*sx - pw + kx] (x from
 *                    ph).
 * F32 or F64. Each sum is taken in an order fixed by the geometry alone: deterministic and
 * independent of the thread count, but not the order of im2col + GEMM, so the two agree
 * within GEMM tolerances, not bit for bit. */
typedef struct pml_conv_direct_args {
    pml_dtype dtype;
    pml_conv_geom g;
    int64_t cout;
    const void *ph; /* forward, backward_weight */
    const void *dy; /* backward_data, backward_weight */
    const void *w;  /* forward, backward_data */
    void *out;
} pml_conv_direct_args;
typedef pml_status pml_conv_direct_fn(pml_device *dev, const pml_conv_direct_args *args);

/* Pooling over windows kh x kw at stride sh x sw of each plane, no padding (ph = pw = 0);
 * output ho x wo as for a convolution (windows that do not fit are dropped: PyTorch's floor
 * mode).
 *   max: y = the window's maximum; idx[b, ch, oy, ox] = its position iy*w + ix in the plane,
 *        the first in row-major window order among equal values; the first NaN wins, so a
 *        NaN propagates as in PyTorch;
 *   avg: y = the window's mean (sum in row-major window order, then divided by kh*kw). */
typedef enum pml_pool_mode { PML_POOL_MAX = 0, PML_POOL_AVG = 1 } pml_pool_mode;

typedef struct pml_pool_args {
    pml_dtype dtype;
    pml_pool_mode mode;
    pml_conv_geom g; /* c = channels; ph, pw = 0 */
    const void *x;
    void *y;
    int32_t *idx; /* max only */
} pml_pool_args;
typedef pml_status pml_pool_fn(pml_device *dev, const pml_pool_args *args);

/* The max-pooling comparison both backends make: b replaces the running maximum v when it is
 * larger, or when it is the first NaN (a NaN then stays). */
#define PML_POOL_BEATS(b, v) ((b) > (v) || ((b) != (b) && (v) == (v)))

/* The output rows (or columns) [*lo, *hi] whose windows (k wide, stride s, n_out of them)
 * hold input row i; empty when *lo > *hi. */
PML_HOSTDEV void pml_pool_windows(int64_t i, int64_t k, int64_t s, int64_t n_out, int64_t *lo,
                                  int64_t *hi)
{
    *lo = i - k + 1 <= 0 ? 0 : (i - k + 1 + s - 1) / s;
    *hi = i / s < n_out - 1 ? i / s : n_out - 1;
}

/* The adjoint, overwriting dx (batch, c, h, w): each input element gathers, over the windows
 * that hold it in increasing (oy, ox) order, dy (max: where idx names it) or dy / (kh*kw)
 * (avg). */
typedef struct pml_pool_backward_args {
    pml_dtype dtype;
    pml_pool_mode mode;
    pml_conv_geom g;
    const void *dy;
    const int32_t *idx; /* max only */
    void *dx;
} pml_pool_backward_args;
typedef pml_status pml_pool_backward_fn(pml_device *dev, const pml_pool_backward_args *args);

/* y[i] = u_i >= threshold ? x[i] * scale : 0 for i < n, u_i = Philox draw i of (seed, stream).
 * The same call on dy gives the backward. threshold = round(p 2^32) and scale = 1/(1 - p) are
 * made once on the host, so the mask is an integer comparison on every backend. y may be x. */
typedef struct pml_dropout_args {
    pml_dtype dtype;
    int64_t n;
    uint32_t threshold;
    double scale;
    uint64_t seed, stream;
    const void *x;
    void *y;
} pml_dropout_args;
typedef pml_status pml_dropout_fn(pml_device *dev, const pml_dropout_args *args);

/* Batch normalisation per channel of x (batch, c, plane) (a flat input is c features and
 * plane 1), N = batch*plane values per channel.
 * training: mean and the biased variance of the batch from the sums of x and x^2 in one pass
 *   (in double: the CPU row by row, CUDA by a fixed tree per channel; var = E[x^2] - mean^2,
 *   0 if that rounds below; double keeps the cancellation small for any mean below ~1e4 std);
 *   save_mean = mean, save_invstd = 1/sqrt(var + eps); running_mean and running_var move by
 *   momentum towards mean and the unbiased variance (N/(N-1) var; var when N = 1), as
 *   PyTorch's BatchNorm does.
 * evaluation: mean and var are running_mean and running_var, left as they are.
 * Both: save_mean = mean, save_invstd = invstd = 1/sqrt(var + eps) (stored in the dtype) and
 *   y = act((x - mean) * invstd * gamma[ch] + beta[ch]), with mean and invstd rounded to the
 *   dtype and act an elementwise activation (not softmax; identity for none). */
typedef struct pml_bn_forward_args {
    pml_dtype dtype;
    int training;
    pml_activation act;
    float alpha;
    int64_t batch, c, plane;
    double eps, momentum;
    const void *x, *gamma, *beta;
    void *y, *running_mean, *running_var, *save_mean, *save_invstd;
} pml_bn_forward_args;
typedef pml_status pml_bn_forward_fn(pml_device *dev, const pml_bn_forward_args *args);

/* The backward of a forward, from its save_mean and save_invstd and its output y (read only
 * for the activation's derivative, as in nn_ops.h): dz = dy act'(y), xhat = (x - mean) invstd;
 * dbeta[ch] = sum dz; dgamma[ch] = sum dz xhat (in double, as above); dx (may be NULL) =
 * gamma invstd / N (N dz - dbeta - xhat dgamma) after a training forward (the batch
 * statistics depend on x), gamma invstd dz after an evaluation one. */
typedef struct pml_bn_backward_args {
    pml_dtype dtype;
    int training;
    pml_activation act;
    float alpha;
    int64_t batch, c, plane;
    const void *x, *y, *dy, *gamma, *save_mean, *save_invstd;
    void *dx, *dgamma, *dbeta;
} pml_bn_backward_args;
typedef pml_status pml_bn_backward_fn(pml_device *dev, const pml_bn_backward_args *args);

struct pml_conv_ops {
    pml_im2col_fn *im2col;
    pml_col2im_fn *col2im;
    pml_conv_to_chw_fn *to_chw;
    pml_conv_from_chw_fn *from_chw;
    pml_conv_bias_act_fn *bias_act;
    pml_conv_channel_sum_fn *channel_sum;
    /* optional (NULL: im2col + GEMM) */
    pml_conv_phases_fn *phases;
    pml_conv_direct_fn *direct_forward;
    pml_conv_direct_fn *direct_backward_data;
    pml_conv_direct_fn *direct_backward_weight;
    pml_pool_fn *pool;
    pml_pool_backward_fn *pool_backward;
    pml_dropout_fn *dropout;
    pml_bn_forward_fn *bn_forward;
    pml_bn_backward_fn *bn_backward;
};

#ifdef __cplusplus
}
#endif
#endif
