/* Kernel contracts of the Hopfield family (struct pml_hopfield_ops, hung off
 * pml_backend_ops.hopfield), and the Philox coordinates its draws use. CPU:
 * src/cpu/hopfield_<op>.c (the references); CUDA: src/cuda/hopfield_<op>.cu (same contract
 * comments). The model (src/hopfield/) builds weights with these kernels and the generic
 * GEMM, and runs recall through them.
 *
 * Conventions for every kernel here:
 * - states are int8 +-1, row-major batch x n; patterns int8 +-1, row-major p x n;
 * - the tie rule: a neuron whose local field is exactly zero keeps its state;
 * - "sets": independent networks of the same n stored side by side (the capacity scan runs
 *   many pattern sets in one batch); probe b belongs to set b / per_set, and set s's weights
 *   start at element s * n * n. */
#ifndef PML_OPS_HOPFIELD_OPS_H
#define PML_OPS_HOPFIELD_OPS_H

#include <stdint.h>

#include "core/backend.h"
#include "core/philox.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Philox streams: a purpose tag in the top 16 bits, the global probe (or row) number below.
 * The key is always the caller's seed. */
#define PML_HOPFIELD_STREAM_ORDER ((uint64_t)0x4F01 << 48)   /* | probe; draw t*n + k */
#define PML_HOPFIELD_STREAM_GLAUBER ((uint64_t)0x4F02 << 48) /* | probe; draw t*n + k */
#define PML_HOPFIELD_STREAM_DRAW ((uint64_t)0x4F03 << 48)    /* | tag | row; draw i */
#define PML_HOPFIELD_ROW_MASK (((uint64_t)1 << 40) - 1)

/* ---- weights ---------------------------------------------------------------------------- */

/* dst[i] = (dst dtype) src[i] for i < count: int8 +-1 patterns or states into the float
 * dtype (PML_F32 or PML_F64) that the GEMMs take. */
typedef struct pml_hopfield_convert_args {
    const int8_t *src;
    void *dst;
    pml_dtype dtype;
    int64_t count;
} pml_hopfield_convert_args;
typedef pml_status pml_hopfield_convert_fn(pml_device *dev, const pml_hopfield_convert_args *args);

/* For each set s < sets and i, j < n (element e = (s*n + i)*n + j):
 *   dst[e] = 0 when i == j, else
 *   PML_I32: (int32) src[e], src holding exact integers (the Hebbian sums Xi^T Xi);
 *   PML_F32: (float) (scale * src[e]).
 * dst may equal src only for PML_F32. */
typedef struct pml_hopfield_weights_args {
    const float *src;
    void *dst;
    pml_dtype dtype;
    int64_t n, sets;
    double scale;
} pml_hopfield_weights_args;
typedef pml_status pml_hopfield_weights_fn(pml_device *dev, const pml_hopfield_weights_args *args);

/* One pattern xi (float +-1, n) learnt by Storkey's rule into W (float n x n, symmetric,
 * zero diagonal), given h = W xi computed before the step (float, n):
 *   for i != j:  W_ij += (xi_i xi_j - xi_i g_ji - g_ij xi_j) / n,
 *   with the local field g_ij = h_i - W_ij xi_j (W_ii = 0: the sum over k != i, j),
 *   all in double from the float inputs, stored as float; the diagonal stays 0. */
typedef struct pml_hopfield_storkey_args {
    float *w;
    const float *xi;
    const float *h;
    int64_t n;
} pml_hopfield_storkey_args;
typedef pml_status pml_hopfield_storkey_fn(pml_device *dev, const pml_hopfield_storkey_args *args);

/* ---- random +-1 arrays ---------------------------------------------------------------- */

/* dst[r*n + i] = base * (x < thr ? -1 : +1) for r < rows, i < n, where
 *   base = src ? src[r*n + i] : +1,
 *   x = pml_philox_draw(seed, PML_HOPFIELD_STREAM_DRAW | tag | (row0 + r), i),
 *   thr = flip probability * 2^32 (0 .. 2^32; 2^31 with src NULL gives uniform +-1 patterns).
 * tag (bits 40..47 of the stream) keeps patterns and probe noise apart. */
typedef struct pml_hopfield_draw_args {
    const int8_t *src;
    int8_t *dst;
    int64_t rows, n, row0;
    uint64_t seed, tag;
    uint64_t thr;
} pml_hopfield_draw_args;
typedef pml_status pml_hopfield_draw_fn(pml_device *dev, const pml_hopfield_draw_args *args);

/* ---- asynchronous and Glauber recall ------------------------------------------------------ */

/* Recall of every probe, one neuron at a time, the whole run in one call.
 *
 * Probe b (global number p0 + b) uses set s = b / per_set: weights w + s*n*n (symmetric, zero
 * diagonal; PML_I32: integer weights, fields exact; PML_F32: fields kept in double). Its field
 * without threshold is f_i = sum_j W_ij s_j, kept in `fields` (batch x n, int32 for PML_I32,
 * double for PML_F32) and updated after each flip of s_j by 2 s_j W_ij (W_ij = W_ji, so row j).
 * theta (n, in the units of W) or NULL; the update field is f_i - theta_i.
 * The Hebbian pattern form: with PML_I32 weights that are the Hebbian sums of p patterns and
 * xit (sets x n x p int8, row i of set s: for every mu, 0 where xi_i^mu = +1 and -1 where
 * xi_i^mu = -1, a sign mask: (m ^ x) - x is xi_i^mu m) given, w is not read (it may be NULL): `fields` (batch x max(n, p) int32) keeps each probe's overlaps
 * m_mu = sum_j xi_j^mu s_j, the field of neuron i is sum_mu xi_i^mu m_mu - p s_i at its visit
 * (O(p)), and a flip of s_i adds 2 s_i xi_i^mu to every m_mu (O(p)): the same integers as W s,
 * so the same states, energies and traces, without an n x n matrix.
 * xib (optional, with xit): the same signs as bit rows, sets x n x ceil(p / 16) uint16, bit
 * (mu mod 16) of element mu / 16 of row i set where xi_i^mu = -1, the bits past p clear. A
 * backend may read them instead of xit (the CPU does: a row is p / 8 bytes, not p); the
 * results are the same (a backend may then use the rest of a probe's row of `fields`, past
 * its p overlaps, as scratch). xip (optional, with xib): the patterns as bit rows, sets x p x
 * ceil(n / 32) uint32, bit (i mod 32) of word i / 32 of row mu set where xi_i^mu = -1, the bits
 * past n clear, from which a backend may compute the initial overlaps (the CPU does:
 * m_mu = n - 2 popcount(row mu xor the state's bits)).
 *
 * Sweep t (t = 0, 1, ...) visits every neuron once, in index order (order = 0) or in the order
 * of a permutation (order = 1): perm = identity, then for k = 0 .. n-2
 *   j = k + (x * (n - k)) >> 32,  x = pml_philox_draw(seed, PML_HOPFIELD_STREAM_ORDER | probe,
 *   t*n + k); swap perm[k], perm[j];  (scratch: batch x n int32 for perm)
 * and the k-th neuron visited, i = perm[k], is updated:
 *   glauber = 0: s_i = sign(f_i - theta_i), a zero field keeping s_i;
 *   glauber = 1: s_i = +1 when y >= q, else -1, y = pml_philox_draw(seed,
 *     PML_HOPFIELD_STREAM_GLAUBER | probe, t*n + k), q = 2^32 P(s_i = -1) where
 *     P(s_i = -1) = 1 / (1 + exp(2 beta wscale (f_i - theta_i))):
 *     with PML_I32 weights and theta NULL, q comes from the host's table:
 *       f >= 0: q = qtab[min(f, qlen - 1)];  f < 0: q = 2^32 - qtab[min(-f, qlen - 1)]
 *     (qtab[k] = round(2^32 / (1 + exp(2 beta wscale k))), qtab[qlen-1] = 0), so both
 *     backends draw the same states; otherwise q is computed in double by the kernel.
 * Deterministic recall stops after the first sweep that flips nothing (converged[b] = 1,
 * sweeps[b] = sweeps run, that one included) or after max_sweeps (converged[b] = 0); Glauber
 * recall always runs max_sweeps (converged[b] = 0).
 * Energy E = escale * sum_i s_i f_i + wscale * sum_i theta_i s_i (escale = -wscale / 2), the
 * first sum exact in int64 for PML_I32, in double otherwise; energy[b] is the final one, and trace (when not
 * NULL, batch x (max_sweeps + 1)) gets the energy before sweep 0 and after each sweep, NaN
 * after the last sweep run. */
typedef struct pml_hopfield_async_args {
    const void *w;
    pml_dtype wtype;
    const double *theta;
    const int8_t *xit;
    const uint16_t *xib;
    const uint32_t *xip;
    int64_t p;
    int8_t *s;
    void *fields;
    int32_t *scratch;
    int64_t n, batch, per_set, p0;
    uint64_t seed;
    int order, glauber;
    double beta, wscale, escale;
    const uint32_t *qtab;
    int64_t qlen;
    int64_t max_sweeps;
    int64_t *sweeps;
    int8_t *converged;
    double *energy;
    double *trace;
} pml_hopfield_async_args;
typedef pml_status pml_hopfield_async_fn(pml_device *dev, const pml_hopfield_async_args *args);

/* ---- synchronous recall ------------------------------------------------------------------- */

/* One synchronous update of every running probe, from fields computed by GEMM:
 * h (batch x n, dtype PML_F32 or PML_F64) holds sum_j W_ij s_j, or for the Hebbian O(n p)
 * form Xi^T (Xi s) with self = p (the diagonal removed here: f_i = h_i - self * s_i).
 * For b with status[b] == 0:
 *   s'_i = sign(f_i - theta_i), a zero field keeping s_i (theta NULL: 0);
 *   s' == s:    status[b] = 1 (fixed point), sweeps[b] = sweep + 1;
 *   s' == prev: status[b] = 2 (two-cycle),   sweeps[b] = sweep + 1;
 *   prev = s, s = s', and sf (batch x n, dtype of h, or NULL) = s' as floats for the next GEMM.
 * Probes with status[b] != 0 are left alone. *running += the probes still at 0 afterwards
 * (running: one int64 on the device). The arithmetic is exact for the Hebbian form as long
 * as |h| < 2^24 in PML_F32 (the model takes PML_F64 beyond).
 * Overlaps kept up to date (m and xit not NULL): m (batch x p, dtype of h) holds Xi s for the
 * set's patterns; for every neuron i of an updated probe whose state changed, m[b, mu] +=
 * 2 s'_i xi_i^mu for all mu, xi_i^mu read from xit (sets x n x p int8 sign masks, as the
 * asynchronous kernel's; probe b's set is b / per_set), so the next sweep needs no GEMM for
 * them (exact: they are integers). */
typedef struct pml_hopfield_sync_args {
    const void *h;
    pml_dtype dtype;
    double self;
    const double *theta;
    int8_t *s, *prev;
    void *sf;
    int32_t *status;
    int64_t *sweeps;
    int64_t *running;
    int64_t n, batch, sweep;
    void *m;
    const int8_t *xit;
    int64_t p, per_set;
} pml_hopfield_sync_args;
typedef pml_status pml_hopfield_sync_fn(pml_device *dev, const pml_hopfield_sync_args *args);

/* out[b] = scale * sum_k u[b*k_dim + k] * v[b*k_dim + k] + sum_i theta_i s[b*n + i] + offset,
 * u, v of dtype PML_F32 or PML_F64 (batch x k_dim), accumulated in double in index order on
 * the CPU (sums of integers are exact on every backend); theta (n) or NULL (then s may be
 * NULL). Hebbian: u = v = overlaps Xi s, scale = -1 / (2n), offset = p / 2; real weights:
 * u = W s, v = s, scale = -1/2. */
typedef struct pml_hopfield_energy_args {
    const void *u, *v;
    pml_dtype dtype;
    int64_t k_dim;
    const int8_t *s;
    const double *theta;
    int64_t n, batch;
    double scale, offset;
    double *out;
} pml_hopfield_energy_args;
typedef pml_status pml_hopfield_energy_fn(pml_device *dev, const pml_hopfield_energy_args *args);

/* ---- the modern (dense, continuous) Hopfield update -------------------------------------- */

/* Row-wise softmax of beta x in place: x (float, rows x cols), each row
 * x_j = exp(beta x_j - max) / sum_k exp(beta x_k - max), the sum in double. */
typedef struct pml_hopfield_softmax_args {
    float *x;
    int64_t rows, cols;
    double beta;
} pml_hopfield_softmax_args;
typedef pml_status pml_hopfield_softmax_fn(pml_device *dev, const pml_hopfield_softmax_args *args);

/* After y = softmax(beta X xi) X (batch x n, float) for the current states xi (batch x n,
 * float): for b with status[b] == 0, d = max_i |y_i - xi_i|; xi = y; s_i = sign(y_i), a zero
 * keeping s_i; when d <= tol: status[b] = 1, sweeps[b] = sweep + 1. *running += the probes
 * still at 0 afterwards. Probes with status[b] != 0 are left alone. */
typedef struct pml_hopfield_modern_args {
    const float *y;
    float *xi;
    int8_t *s;
    int32_t *status;
    int64_t *sweeps;
    int64_t *running;
    int64_t n, batch, sweep;
    double tol;
} pml_hopfield_modern_args;
typedef pml_status pml_hopfield_modern_fn(pml_device *dev, const pml_hopfield_modern_args *args);

struct pml_hopfield_ops {
    pml_hopfield_convert_fn *convert;
    pml_hopfield_weights_fn *weights;
    pml_hopfield_storkey_fn *storkey;
    pml_hopfield_draw_fn *draw;
    pml_hopfield_async_fn *async;
    pml_hopfield_sync_fn *sync;
    pml_hopfield_energy_fn *energy;
    pml_hopfield_softmax_fn *softmax;
    pml_hopfield_modern_fn *modern;
};

/* Shared by both backends: the permutation step and the Glauber threshold of the table. */
PML_HOSTDEV int64_t pml_hopfield_pick(uint32_t x, int64_t k, int64_t n)
{
    return k + (int64_t)(((uint64_t)x * (uint64_t)(n - k)) >> 32);
}

PML_HOSTDEV uint64_t pml_hopfield_qtab_thr(const uint32_t *qtab, int64_t qlen, int64_t f)
{
    const int64_t a = f < 0 ? -f : f;
    const uint64_t q = qtab[a < qlen ? a : qlen - 1];
    return f >= 0 ? q : ((uint64_t)1 << 32) - q;
}

#ifdef __cplusplus
}
#endif
#endif
