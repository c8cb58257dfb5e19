// The modern (dense, continuous) Hopfield update: the row softmax, and the step that adopts
// the new states and tests convergence. Contract (shared with src/cpu/hopfield_modern.c):
// pml_hopfield_softmax_args and pml_hopfield_modern_args in src/ops/hopfield_ops.h.
// - softmax: each row of x (float, rows x cols) in place, x_j = exp(beta x_j - max) / sum_k
//   exp(beta x_k - max), max and sum in double;
// - modern: for b with status[b] == 0, d = max_i |y_i - xi_i|, xi = y, s_i = sign(y_i) (a zero
//   keeps s_i); d <= tol: status[b] = 1, sweeps[b] = sweep + 1; the probes still running are
//   added to *running (one int64 on the device).
//
// CUDA: one warp per row (probe): lane-strided passes and warp trees (max, then the sum in
// double), so the softmax agrees with the CPU within the rounding of exp and of the sum's
// order; each lane rewrites only the elements it read. The modern step is exact (a maximum,
// in any order, of the same rounded differences): the CPU's states, statuses and sweeps. Each block adds its running probes to *running with one atomic.
#include "cuda/cuda.h"
#include "ops/hopfield_ops.h"
#include "cuda/hopfield_warp.cuh"

#define MODERN_WARPS 8 // rows per block

static __global__ void softmax_kernel(pml_hopfield_softmax_args a)
{
    const int lane = threadIdx.x & 31;
    const int64_t r = (int64_t)blockIdx.x * MODERN_WARPS + (threadIdx.x >> 5);
    if (r >= a.rows) return; // the whole warp; no block barrier follows
    float *x = a.x + r * a.cols;
    double mx = -INFINITY, sum = 0.0;
    for (int64_t j = lane; j < a.cols; j += 32) mx = fmax(mx, __dmul_rn(a.beta, (double)x[j]));
    for (int o = 16; o > 0; o >>= 1) mx = fmax(mx, __shfl_xor_sync(FULL_MASK, mx, o));
    for (int64_t j = lane; j < a.cols; j += 32)
        sum += exp(__dsub_rn(__dmul_rn(a.beta, (double)x[j]), mx));
    for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(FULL_MASK, sum, o);
    for (int64_t j = lane; j < a.cols; j += 32)
        x[j] = (float)(exp(__dsub_rn(__dmul_rn(a.beta, (double)x[j]), mx)) / sum);
}

static __global__ void modern_kernel(pml_hopfield_modern_args a)
{
    const int lane = threadIdx.x & 31;
    const int64_t b = (int64_t)blockIdx.x * MODERN_WARPS + (threadIdx.x >> 5);
    const int64_t n = a.n;
    int running = 0;
    if (b < a.batch && a.status[b] == 0) { // uniform across the warp
        const float *y = a.y + b * n;
        float *xi = a.xi + b * n;
        int8_t *s = a.s + b * n;
        double d = 0.0;
        for (int64_t i = lane; i < n; i += 32) {
            const float yi = y[i];
            d = fmax(d, fabs((double)yi - (double)xi[i]));
            xi[i] = yi;
            s[i] = yi > 0 ? 1 : yi < 0 ? -1 : s[i];
        }
        for (int o = 16; o > 0; o >>= 1) d = fmax(d, __shfl_xor_sync(FULL_MASK, d, o));
        running = probe_end(a.status, a.sweeps, b, a.sweep, lane, d <= a.tol ? 1 : 0);
    }
    add_running(a.running, running);
}

extern "C" pml_status pml_cuda_hopfield_softmax(pml_device *dev,
                                                const pml_hopfield_softmax_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    if (a->rows <= 0) return PML_OK;
    softmax_kernel<<<warp_blocks(a->rows, MODERN_WARPS), 32 * MODERN_WARPS, 0,
                     pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("softmax_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_hopfield_modern(pml_device *dev,
                                               const pml_hopfield_modern_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    if (a->batch <= 0) return PML_OK;
    modern_kernel<<<warp_blocks(a->batch, MODERN_WARPS), 32 * MODERN_WARPS, 0,
                    pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("modern_kernel");
    return PML_OK;
}
