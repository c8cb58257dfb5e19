// Synchronous Hopfield recall and energies. Contract (shared with src/cpu/hopfield_sync.c):
// pml_hopfield_sync_args and pml_hopfield_energy_args in src/ops/hopfield_ops.h.
// - sync: for each probe b with status[b] == 0, from h (batch x n, F32 or F64) the field
//   f_i = h_i - self s_i - theta_i, s'_i = sign(f_i) (a zero keeps s_i); s' == s: status 1,
//   s' == prev: status 2 (sweeps[b] = sweep + 1); prev = s, s = s', sf = s' as floats; the
//   probes still running are added to *running (one int64 on the device);
// - energy: out[b] = scale * sum_k u_bk v_bk + sum_i theta_i s_bi + offset, in double.
//
// CUDA: one warp per probe. sync: every element's arithmetic is the CPU's (so, given the same
// h, the same states, statuses and sweeps); the fixed-point and two-cycle tests are warp votes,
// and each block adds its running probes to *running with one atomic. energy: lane-strided
// partial sums and a warp tree in double (exact for integer-valued inputs, within rounding of
// the CPU's index-order sum otherwise).
#include "cuda/cuda.h"
#include "ops/hopfield_ops.h"
#include "cuda/hopfield_warp.cuh"

#define SYNC_WARPS 8 // probes per block

template <typename T>
static __global__ void sync_kernel(pml_hopfield_sync_args a)
{
    const int lane = threadIdx.x & 31;
    const int64_t b = (int64_t)blockIdx.x * SYNC_WARPS + (threadIdx.x >> 5);
    const int64_t n = a.n;
    int running = 0;
    if (b < a.batch && a.status[b] == 0) { // uniform across the warp
        const T *h = (const T *)a.h + b * n;
        T *sf = a.sf ? (T *)a.sf + b * n : nullptr;
        int8_t *s = a.s + b * n, *prev = a.prev + b * n;
        int same = 1, cycle = 1;
        for (int64_t i = lane; i < n; i += 32) {
            const int8_t si = s[i];
            double f = __dsub_rn((double)h[i], __dmul_rn(a.self, (double)si));
            f = __dsub_rn(f, a.theta ? a.theta[i] : 0.0);
            const int8_t v = f > 0 ? 1 : f < 0 ? -1 : si;
            same &= v == si;
            cycle &= v == prev[i];
            prev[i] = si;
            s[i] = v;
            if (sf) sf[i] = (T)v;
        }
        same = __all_sync(FULL_MASK, same);
        cycle = __all_sync(FULL_MASK, cycle);
        if (a.m && a.xit && !same) { // m += 2 s'_i xi_i for the flipped i: lane-owned mu
            __syncwarp();
            const int64_t p = a.p;
            const int8_t *xt = a.xit + (b / a.per_set) * n * p;
            T *mb = (T *)a.m + b * p;
            for (int64_t mu = lane; mu < p; mu += 32) {
                T acc = 0;
                for (int64_t i = 0; i < n; ++i)
                    if (prev[i] != s[i]) acc += xt[i * p + mu] ? (T)(-2 * s[i]) : (T)(2 * s[i]);
                mb[mu] += acc;
            }
        }
        running = probe_end(a.status, a.sweeps, b, a.sweep, lane, same ? 1 : cycle ? 2 : 0);
    }
    add_running(a.running, running);
}

template <typename T>
static __global__ void energy_kernel(pml_hopfield_energy_args a)
{
    const int lane = threadIdx.x & 31;
    const int64_t b = (int64_t)blockIdx.x * SYNC_WARPS + (threadIdx.x >> 5);
    if (b >= a.batch) return; // the whole warp; no block barrier follows
    const T *u = (const T *)a.u + b * a.k_dim, *v = (const T *)a.v + b * a.k_dim;
    double q = 0.0, t = 0.0;
    for (int64_t k = lane; k < a.k_dim; k += 32)
        q = __dadd_rn(q, __dmul_rn((double)u[k], (double)v[k]));
    if (a.theta)
        for (int64_t i = lane; i < a.n; i += 32)
            t = __dadd_rn(t, __dmul_rn(a.theta[i], (double)a.s[b * a.n + i]));
    q = warp_sum_d(q);
    t = warp_sum_d(t);
    if (lane == 0) a.out[b] = __dadd_rn(__dadd_rn(__dmul_rn(a.scale, q), t), a.offset);
}

extern "C" pml_status pml_cuda_hopfield_sync(pml_device *dev, const pml_hopfield_sync_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    PML_CHECK(a->dtype == PML_F32 || a->dtype == PML_F64, PML_ERR_UNSUPPORTED,
              "hopfield sync: dtype %d", (int)a->dtype);
    if (a->batch <= 0) return PML_OK;
    cudaStream_t st = pml_cuda(dev)->stream;
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        sync_kernel<T><<<warp_blocks(a->batch, SYNC_WARPS), 32 * SYNC_WARPS, 0, st>>>(*a);
    });
    PML_CUDA_LAUNCHED("sync_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_hopfield_energy(pml_device *dev,
                                               const pml_hopfield_energy_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    PML_CHECK(a->dtype == PML_F32 || a->dtype == PML_F64, PML_ERR_UNSUPPORTED,
              "hopfield energy: dtype %d", (int)a->dtype);
    if (a->batch <= 0) return PML_OK;
    cudaStream_t st = pml_cuda(dev)->stream;
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        energy_kernel<T><<<warp_blocks(a->batch, SYNC_WARPS), 32 * SYNC_WARPS, 0, st>>>(*a);
    });
    PML_CUDA_LAUNCHED("energy_kernel");
    return PML_OK;
}
