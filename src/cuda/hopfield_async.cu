// Asynchronous and Glauber Hopfield recall, the whole run in one launch.
// Contract (shared with src/cpu/hopfield_async.c): pml_hopfield_async_args in
// src/ops/hopfield_ops.h. Probe b (global p0 + b) uses the weights of set b / per_set (n x n,
// symmetric, zero diagonal, PML_I32 or PML_F32); its fields f = W s (int32, or double) are
// kept in `fields` and updated by 2 s_i W[i, :] after each flip; sweep t visits the neurons in
// index order or in the Fisher-Yates permutation of Philox stream ORDER | probe (written to
// `scratch`), deciding by the sign of f_i - theta_i (a zero keeps s_i) or by Glauber's rule
// with draw GLAUBER | probe, t n + k (qtab for integer weights without theta). Energy
// E = escale * sum_i s_i f_i + wscale * sum_i theta_i s_i. Writes s, fields, scratch, sweeps,
// converged, energy and, when not NULL, trace (batch x (max_sweeps + 1): before sweep 0,
// after each sweep, NaN after the last one run).
//
// CUDA: one warp per probe. The visit order within a probe is the contract's, so the
// arithmetic on every field and state is the CPU's: lane 0 reads f_i and decides, the
// decision is broadcast, and on a flip the 32 lanes update the n fields with the row W[i, :]
// (coalesced). Per block of 32 visits the lanes load the neuron numbers and compute the
// Glauber draws in parallel; the permutation's draws too, while its swaps stay sequential in
// lane 0 (the contract's swap sequence). Energies: int64 sums (exact in any order) for
// integer weights, a warp tree in double otherwise; sum theta_i s_i is summed by lane 0 in
// index order, so with integer weights states, energies and traces match the CPU bit for bit.
#include "core/philox.h"
#include "cuda/cuda.h"
#include "ops/hopfield_ops.h"
#include "cuda/hopfield_warp.cuh"

#define ASYNC_WARPS 4 // probes per block
// The C library's NAN as a double (CUDART_NAN has the sign bit set): traces keep the CPU's bits.
#define TRACE_NAN __longlong_as_double(0x7ff8000000000000LL)

// The probe's energy, valid in lane 0: escale * sum_i s_i f_i + wscale * sum_i theta_i s_i,
// the first sum exact (int64) or a warp tree in double, the second in index order (as the CPU)
// so that integer weights give the CPU's bits. Every lane must call it.
template <bool INTS, typename F>
static __device__ double probe_energy(const pml_hopfield_async_args &a, const int8_t *s,
                                      const F *f, int lane)
{
    const int64_t n = a.n;
    double q;
    if constexpr (INTS) {
        long long acc = 0;
        for (int64_t i = lane; i < n; i += 32) acc += (long long)f[i] * s[i];
        q = (double)warp_sum_ll(acc);
    } else {
        double acc = 0.0;
        for (int64_t i = lane; i < n; i += 32) acc += (double)f[i] * s[i];
        q = warp_sum_d(acc);
    }
    double td = 0.0;
    if (lane == 0 && a.theta)
        for (int64_t i = 0; i < n; ++i) td = __dadd_rn(td, __dmul_rn(a.theta[i], (double)s[i]));
    return __dadd_rn(__dmul_rn(a.escale, q), __dmul_rn(a.wscale, td));
}

// The new state of neuron i with field f (threshold not yet subtracted); y is the Glauber draw.
template <bool INTS>
static __device__ int8_t decide(const pml_hopfield_async_args &a, int64_t i, double f,
                                int64_t fint, int8_t si, uint32_t y)
{
    const double th = a.theta ? a.theta[i] : 0.0;
    if (!a.glauber) {
        const double g = INTS && !a.theta ? (double)fint : f - th;
        return g > 0 ? 1 : g < 0 ? -1 : si;
    }
    uint64_t q;
    if (INTS && !a.theta) {
        q = pml_hopfield_qtab_thr(a.qtab, a.qlen, fint);
    } else {
        const double z = __dmul_rn(__dmul_rn(__dmul_rn(2.0, a.beta), a.wscale), f - th);
        const double x = 4294967296.0 / (1.0 + exp(z));
        const double r = floor(x + 0.5);
        q = r <= 0.0 ? 0 : r >= 4294967296.0 ? ((uint64_t)1 << 32) : (uint64_t)r;
    }
    return (uint64_t)y >= q ? 1 : -1;
}

// perm = identity, then (order = 1) the contract's swaps: the draws 32 at a time across the
// lanes, the swaps one after another in lane 0.
static __device__ void make_perm(const pml_hopfield_async_args &a, int64_t probe, int64_t t,
                                 int32_t *perm, int lane)
{
    const int64_t n = a.n;
    for (int64_t k = lane; k < n; k += 32) perm[k] = (int32_t)k;
    __syncwarp();
    if (!a.order) return;
    const uint64_t stream = PML_HOPFIELD_STREAM_ORDER | (uint64_t)probe;
    for (int64_t k0 = 0; k0 + 1 < n; k0 += 32) {
        const int64_t k = k0 + lane;
        long long j = 0;
        if (k + 1 < n)
            j = pml_hopfield_pick(pml_philox_draw(a.seed, stream, (uint64_t)t * (uint64_t)n + (uint64_t)k),
                                  k, n);
        const int cnt = n - 1 - k0 < 32 ? (int)(n - 1 - k0) : 32;
        for (int l = 0; l < cnt; ++l) {
            const long long jj = __shfl_sync(FULL_MASK, j, l);
            if (lane == 0) {
                const int32_t tmp = perm[k0 + l];
                perm[k0 + l] = perm[jj];
                perm[jj] = tmp;
            }
        }
    }
    __syncwarp();
}

// Visits k0 .. k0+31 of sweep t: lane l loads the neuron of visit k0 + l and its Glauber draw
// (the lanes then take turns, in the contract's order); returns how many of the 32 exist.
static __device__ int visit_block(const pml_hopfield_async_args &a, const int32_t *perm,
                                  uint64_t gstream, int64_t t, int64_t k0, int lane,
                                  int32_t *my_i, uint32_t *my_y)
{
    const int64_t n = a.n, kk = k0 + lane;
    *my_i = kk < n ? perm[kk] : 0;
    *my_y = a.glauber && kk < n
                ? pml_philox_draw(a.seed, gstream, (uint64_t)t * (uint64_t)n + (uint64_t)kk)
                : 0u;
    return n - k0 < 32 ? (int)(n - k0) : 32;
}

// W is int32_t with F = int32_t fields (INTS), or float with double fields.
template <bool INTS, typename W, typename F>
static __global__ void async_kernel(pml_hopfield_async_args a)
{
    const int lane = threadIdx.x & 31;
    const int64_t b = (int64_t)blockIdx.x * ASYNC_WARPS + (threadIdx.x >> 5);
    if (b >= a.batch) return; // the whole warp: no block-wide barrier follows
    const int64_t n = a.n, T = a.max_sweeps, probe = a.p0 + b;
    const W *w = (const W *)a.w + (b / a.per_set) * n * n;
    int8_t *s = a.s + b * n;
    int32_t *perm = a.scratch + b * n;
    F *f = (F *)a.fields + b * n;
    double *tr = a.trace ? a.trace + b * (T + 1) : nullptr;

    // fields from scratch, f_i = sum_j W_ij s_j: int32 sums wrap like the CPU's (mod 2^32,
    // order-free); double sums in a warp tree
    for (int64_t i = 0; i < n; ++i) {
        const W *row = w + i * n;
        if constexpr (INTS) {
            uint32_t acc = 0;
            for (int64_t j = lane; j < n; j += 32) acc += (uint32_t)((int32_t)row[j] * s[j]);
            for (int o = 16; o > 0; o >>= 1) acc += __shfl_down_sync(FULL_MASK, acc, o);
            if (lane == 0) f[i] = (F)(int32_t)acc;
        } else {
            double acc = 0.0;
            for (int64_t j = lane; j < n; j += 32) acc += (double)row[j] * s[j];
            acc = warp_sum_d(acc);
            if (lane == 0) f[i] = (F)acc;
        }
    }
    __syncwarp();
    {
        const double e = probe_energy<INTS, F>(a, s, f, lane);
        if (tr && lane == 0) tr[0] = e;
    }

    const uint64_t gstream = PML_HOPFIELD_STREAM_GLAUBER | (uint64_t)probe;
    int64_t t = 0;
    bool conv = false;
    while (t < T && !conv) {
        make_perm(a, probe, t, perm, lane);
        int64_t flips = 0;
        for (int64_t k0 = 0; k0 < n; k0 += 32) {
            int32_t my_i;
            uint32_t my_y;
            const int cnt = visit_block(a, perm, gstream, t, k0, lane, &my_i, &my_y);
            for (int l = 0; l < cnt; ++l) {
                const int32_t i = __shfl_sync(FULL_MASK, my_i, l);
                const uint32_t y = __shfl_sync(FULL_MASK, my_y, l);
                int flip = 0, v = 0;
                if (lane == 0) {
                    const F fi = f[i];
                    const int8_t si = s[i];
                    int8_t nv;
                    if constexpr (INTS) nv = decide<true>(a, i, (double)fi, (int64_t)fi, si, y);
                    else nv = decide<false>(a, i, fi, 0, si, y);
                    flip = nv != si;
                    v = nv;
                }
                flip = __shfl_sync(FULL_MASK, flip, 0);
                if (!flip) continue;
                v = __shfl_sync(FULL_MASK, v, 0);
                const W *row = w + (int64_t)i * n;
                if constexpr (INTS) {
                    const int32_t two = 2 * v;
                    for (int64_t j = lane; j < n; j += 32) f[j] += (F)(two * (int32_t)row[j]);
                } else {
                    const double two = 2.0 * v;
                    for (int64_t j = lane; j < n; j += 32)
                        f[j] = (F)__dadd_rn((double)f[j], __dmul_rn(two, (double)row[j]));
                }
                if (lane == 0) s[i] = (int8_t)v;
                ++flips;
                __syncwarp(); // the fields and s_i, visible to the next visit's lane 0
            }
        }
        ++t;
        const double e = probe_energy<INTS, F>(a, s, f, lane);
        if (tr && lane == 0) tr[t] = e;
        conv = !a.glauber && flips == 0;
    }
    if (tr)
        for (int64_t u = t + 1 + lane; u <= T; u += 32) tr[u] = TRACE_NAN;
    const double e = probe_energy<INTS, F>(a, s, f, lane);
    if (lane == 0) {
        a.sweeps[b] = t;
        a.converged[b] = (int8_t)conv;
        a.energy[b] = e;
    }
}

// The Hebbian pattern form (a.xit given): each probe keeps its overlaps m_mu = sum_j xi_j^mu s_j
// in `fields`; a visit's field sum_mu xi_i^mu m_mu - p s_i is a warp sum over mu (exact
// integers, order-free), a flip adds 2 s_i xi_i^mu to the m_mu the lanes own. Lane 0 decides,
// in the contract's visit order, so states, energies and traces are the CPU's.
static __device__ double pattern_energy(const pml_hopfield_async_args &a, const int8_t *s,
                                        const int32_t *m, int lane)
{
    long long q = 0;
    for (int64_t mu = lane; mu < a.p; mu += 32) q += (long long)m[mu] * m[mu];
    q = warp_sum_ll(q) - (long long)(a.p * a.n);
    double td = 0.0;
    if (lane == 0 && a.theta)
        for (int64_t i = 0; i < a.n; ++i) td = __dadd_rn(td, __dmul_rn(a.theta[i], (double)s[i]));
    return __dadd_rn(__dmul_rn(a.escale, (double)q), __dmul_rn(a.wscale, td));
}

static __global__ void pattern_kernel(pml_hopfield_async_args a)
{
    const int lane = threadIdx.x & 31;
    const int64_t b = (int64_t)blockIdx.x * ASYNC_WARPS + (threadIdx.x >> 5);
    if (b >= a.batch) return; // the whole warp: no block-wide barrier follows
    const int64_t n = a.n, p = a.p, T = a.max_sweeps, probe = a.p0 + b;
    const int8_t *xt = a.xit + (b / a.per_set) * n * p;
    int8_t *s = a.s + b * n;
    int32_t *perm = a.scratch + b * n;
    int32_t *m = (int32_t *)a.fields + b * (n > p ? n : p);
    double *tr = a.trace ? a.trace + b * (T + 1) : nullptr;
    for (int64_t mu = lane; mu < p; mu += 32) { // m = Xi s; (1 ^ c) - c = xi s for c = mask ^ sign
        int32_t acc = 0;
        for (int64_t j = 0; j < n; ++j) {
            const int32_t c = xt[j * p + mu] ^ (s[j] > 0 ? 0 : -1);
            acc += (1 ^ c) - c;
        }
        m[mu] = acc;
    }
    __syncwarp();
    {
        const double e = pattern_energy(a, s, m, lane);
        if (tr && lane == 0) tr[0] = e;
    }
    const uint64_t gstream = PML_HOPFIELD_STREAM_GLAUBER | (uint64_t)probe;
    int64_t t = 0;
    bool conv = false;
    while (t < T && !conv) {
        make_perm(a, probe, t, perm, lane);
        int64_t flips = 0;
        for (int64_t k0 = 0; k0 < n; k0 += 32) {
            int32_t my_i;
            uint32_t my_y;
            const int cnt = visit_block(a, perm, gstream, t, k0, lane, &my_i, &my_y);
            for (int l = 0; l < cnt; ++l) {
                const int32_t i = __shfl_sync(FULL_MASK, my_i, l);
                const uint32_t y = __shfl_sync(FULL_MASK, my_y, l);
                const int8_t *x = xt + (int64_t)i * p;
                int32_t part = 0;
                for (int64_t mu = lane; mu < p; mu += 32) part += (m[mu] ^ x[mu]) - x[mu];
                for (int o = 16; o > 0; o >>= 1) part += __shfl_xor_sync(FULL_MASK, part, o);
                const int8_t si = s[i];
                const int32_t f = part - (int32_t)p * si;
                const int8_t v = decide<true>(a, i, (double)f, (int64_t)f, si, y);
                if (v == si) continue; // every lane decided the same
                const int32_t sv = v > 0 ? 0 : -1; // m += 2 v xi_i
                for (int64_t mu = lane; mu < p; mu += 32) {
                    const int32_t c = x[mu] ^ sv;
                    m[mu] += 2 * ((1 ^ c) - c);
                }
                if (lane == 0) s[i] = v;
                ++flips;
                __syncwarp(); // m and s_i, visible to the next visit
            }
        }
        ++t;
        const double e = pattern_energy(a, s, m, lane);
        if (tr && lane == 0) tr[t] = e;
        conv = !a.glauber && flips == 0;
    }
    if (tr)
        for (int64_t u = t + 1 + lane; u <= T; u += 32) tr[u] = TRACE_NAN;
    const double e = pattern_energy(a, s, m, lane);
    if (lane == 0) {
        a.sweeps[b] = t;
        a.converged[b] = (int8_t)conv;
        a.energy[b] = e;
    }
}

extern "C" pml_status pml_cuda_hopfield_async(pml_device *dev, const pml_hopfield_async_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    if (a->batch <= 0) return PML_OK;
    const int64_t blocks = (a->batch + ASYNC_WARPS - 1) / ASYNC_WARPS;
    PML_CHECK(blocks <= 0x7fffffff, PML_ERR_INVALID_ARGUMENT, "hopfield async: batch too large");
    cudaStream_t st = pml_cuda(dev)->stream;
    if (a->wtype == PML_I32 && a->xit)
        pattern_kernel<<<(unsigned)blocks, 32 * ASYNC_WARPS, 0, st>>>(*a);
    else if (a->wtype == PML_I32)
        async_kernel<true, int32_t, int32_t><<<(unsigned)blocks, 32 * ASYNC_WARPS, 0, st>>>(*a);
    else if (a->wtype == PML_F32)
        async_kernel<false, float, double><<<(unsigned)blocks, 32 * ASYNC_WARPS, 0, st>>>(*a);
    else
        return pml_set_error(PML_ERR_UNSUPPORTED, "hopfield async: weight dtype %d", (int)a->wtype);
    PML_CUDA_LAUNCHED("async_kernel");
    return PML_OK;
}
