// Swendsen-Wang sweeps on the GPU: the twin of src/cpu/ising_sw.c (the reference) and
// src/cpu/ising_sw_fast.c (the CPU kernel), the same contract (physml/ising.h, "Cluster
// rules") and the same per-word bodies (src/ops/ising_cluster.h), so the lattices are the
// CPU's bit for bit. A call converts the replicas' colour planes to row words once, then per
// sweep:
//   1. bonds: one thread per row word draws its 32 right and 32 down bonds (bit-sliced u <
//      thr) and sets the labels of its 32 sites to themselves;
//   2. labels by label equivalence: link passes (each site takes the smallest label of its
//      active-bond neighbours and links its old label there, atomicMin) and pointer jumping,
//      repeated until a pass changes nothing (one flag read back per pass). The result is each
//      cluster's smallest site whatever the order of the threads;
//   3. flips: the flip words (one Philox block per 128 sites), then one thread per row word
//      applies them by its sites' labels; when measuring, the row words' bond and spin sums
//      are reduced per replica and pushed into the accumulators, and so is the improved
//      estimator of <m^2> (the cluster sizes counted by atomicAdd on the labels, their squares
//      summed in 64-bit integers).
// Finally the row words go back to the colour planes. Tested by running the same bodies on
// the host (tests/ising_cluster_test.c) and, on a GPU, against the CPU
// (tests/parity_ising_test.c).
#include "core/philox.h"
#include "cuda/cuda.h"
#include "cuda/ising_reduce.cuh"
#include "ops/ising_cluster.h"

#define SW_BLOCK 256

// One thread per (replica, row, word): item k = (r ly + y) XW + w.
static __global__ void sw_to_rows(const uint32_t *planes, uint32_t *rows, int64_t lx, int64_t ly,
                                  int64_t R)
{
    const int64_t XW = pml_ising_xwords(lx), W = lx / 2, per = ly * XW;
    const int64_t pw = 2 * ly * pml_ising_row_words(lx);
    for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < R * per;
         k += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = k / per, y = (k % per) / XW, w = k % XW;
        rows[k] = pml_ising_row_word(planes + r * pw, W, ly, y, w);
    }
}

// One thread per (replica, colour, row, plane word).
static __global__ void sw_to_planes(uint32_t *planes, const uint32_t *rows, int64_t lx, int64_t ly,
                                    int64_t R)
{
    const int64_t XW = pml_ising_xwords(lx), WW = pml_ising_row_words(lx), per = 2 * ly * WW;
    for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < R * per;
         k += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = k / per, c = (k % per) / (ly * WW), y = (k % (ly * WW)) / WW, pw = k % WW;
        planes[k] = pml_ising_plane_word(rows + (r * ly + y) * XW, XW, y, (int)c, pw);
    }
}

static __global__ void sw_bonds(const uint32_t *rows, uint32_t *act, int32_t *labels,
                                const pml_ising_rparams *params, int64_t lx, int64_t ly,
                                int64_t R, double J, uint64_t seed, uint64_t stream0, uint64_t t)
{
    const int64_t XW = pml_ising_xwords(lx), per = ly * XW;
    for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < R * per;
         k += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = k / per, y = (k % per) / XW, w = k % XW;
        const uint32_t *row = rows + (r * ly + y) * XW;
        const uint32_t *down = rows + (r * ly + (y + 1 == ly ? 0 : y + 1)) * XW;
        const uint32_t v = pml_ising_valid(lx, w), s = row[w];
        const uint32_t sr = pml_ising_satisfied(s, pml_ising_side(row, lx, XW, w, 1), v, J);
        const uint32_t sd = pml_ising_satisfied(s, down[w], v, J);
        const pml_ising_rparams *p = &params[r];
        const uint32_t always = p->always & PML_ISING_BOND_ALWAYS;
        const uint64_t stream = stream0 + (uint64_t)r;
        uint32_t *actR = act + 2 * r * per, *actD = actR + per;
        actR[y * XW + w] = pml_ising_sw_bonds(sr, p->bond_thr, always, seed, stream,
                                              pml_ising_sw_block(t, 0, ly, XW, y, w));
        actD[y * XW + w] = pml_ising_sw_bonds(sd, p->bond_thr, always, seed, stream,
                                              pml_ising_sw_block(t, 1, ly, XW, y, w));
        int32_t *L = labels + r * lx * ly;
        for (int64_t x = 32 * w; x < lx && x < 32 * w + 32; ++x) L[y * lx + x] = (int32_t)(y * lx + x);
    }
}

// One thread per (replica, site).
static __global__ void sw_link(int32_t *labels, const uint32_t *act, int64_t lx, int64_t ly,
                               int64_t R, int *changed)
{
    const int64_t XW = pml_ising_xwords(lx), N = lx * ly, per = ly * XW;
    int any = 0;
    for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < R * N;
         k += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = k / N;
        any |= pml_ising_sw_link(labels + r * N, act + 2 * r * per, act + 2 * r * per + per, lx,
                                 ly, XW, k % N);
    }
    if (__syncthreads_or(any) && threadIdx.x == 0) *changed = 1;
}

static __global__ void sw_jump(int32_t *labels, int64_t N, int64_t R)
{
    for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < R * N;
         k += (int64_t)gridDim.x * blockDim.x)
        pml_ising_sw_jump(labels + (k / N) * N, k % N);
}

// The flip words of every replica: item k = r NW + i, word i of replica r in sweep t.
static __global__ void sw_flip_words(uint32_t *fw, int64_t NW, int64_t R, uint64_t seed,
                                     uint64_t stream0, uint64_t t)
{
    for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < R * NW;
         k += (int64_t)gridDim.x * blockDim.x)
        fw[k] = pml_philox_draw(seed, stream0 + (uint64_t)(k / NW), t * (uint64_t)NW + (uint64_t)(k % NW));
}

// Flips, then (sums != NULL) the sums of the new row words, one replica per blockIdx.y slice.
static __global__ void sw_apply(uint32_t *rows, const int32_t *labels, const uint32_t *fw,
                                int64_t lx, int64_t ly, int64_t R, int64_t NW,
                                unsigned long long *sums)
{
    const int64_t XW = pml_ising_xwords(lx), per = ly * XW;
    for (int64_t r = blockIdx.y; r < R; r += gridDim.y) {
        for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < per;
             k += (int64_t)gridDim.x * blockDim.x) {
            uint32_t *row = rows + r * per;
            row[k] = pml_ising_sw_apply(row[k], labels + r * lx * ly, fw + r * NW, lx, k / XW,
                                        k % XW);
        }
    }
}

static __global__ void sw_sums(const uint32_t *rows, int64_t lx, int64_t ly, int64_t R,
                               unsigned long long *sums)
{
    const int64_t XW = pml_ising_xwords(lx), per = ly * XW;
    for (int64_t r = blockIdx.y; r < R; r += gridDim.y) {
        long long bm[2] = {0, 0};
        for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < per;
             k += (int64_t)gridDim.x * blockDim.x)
            pml_ising_row_sums(rows + r * per, lx, ly, XW, k / XW, k % XW, bm);
        add_sums(bm, &sums[2 * r]);
    }
}

// The improved estimator: the cluster sizes by root (cnt, zeroed before), one thread per
// (replica, site) ...
static __global__ void sw_count(const int32_t *labels, int32_t *cnt, int64_t N, int64_t R)
{
    for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < R * N;
         k += (int64_t)gridDim.x * blockDim.x)
        atomicAdd(&cnt[(k / N) * N + labels[k]], 1);
}

// ... the sum over clusters of |C|^2 per replica (blockIdx.y slices), into sq[r] ...
static __global__ void sw_squares(const int32_t *cnt, int64_t N, int64_t R, unsigned long long *sq)
{
    for (int64_t r = blockIdx.y; r < R; r += gridDim.y) {
        long long bm[2] = {0, 0};
        for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < N;
             k += (int64_t)gridDim.x * blockDim.x)
            bm[0] += pml_ising_sw_square(cnt + r * N, k);
        add_sums(bm, &sq[2 * r]);
    }
}

// ... pushed as sq / N^2 into each replica's accumulator, sq cleared.
static __global__ void sw_push_imp(unsigned long long *sq, pml_ising_acc *acc, int64_t N, int64_t R)
{
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < R;
         r += (int64_t)gridDim.x * blockDim.x) {
        pml_ising_acc_imp(&acc[r], (double)(long long)sq[2 * r] / ((double)N * (double)N));
        sq[2 * r] = 0;
        sq[2 * r + 1] = 0;
    }
}

extern "C" pml_status pml_cuda_ising_sw(pml_device *dev, const pml_ising_sweeps_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    cudaStream_t st = pml_cuda(dev)->stream;
    const int64_t lx = a->lx, ly = a->ly, R = a->replicas, N = lx * ly, XW = pml_ising_xwords(lx);
    const int64_t NW = (N + 31) / 32, per = ly * XW, WW = pml_ising_row_words(lx);
    // rows, active bonds (2 per word), flip words, labels, cluster sizes (when measuring),
    // sums, squares, the changed flag
    const size_t nrows = (size_t)(R * per), nfw = (size_t)(R * NW), nlab = (size_t)(R * N);
    const size_t ncnt = a->measure ? nlab : 0;
    const size_t bytes = 4 * (3 * nrows + nfw + nlab + ncnt) + 32 * (size_t)R + 32;
    void *mem = NULL;
    PML_TRY(pml_cuda_alloc(dev, bytes, &mem));
    uint32_t *rows = (uint32_t *)mem, *act = rows + nrows, *fw = act + 2 * nrows;
    int32_t *labels = (int32_t *)(fw + nfw), *cnt = labels + nlab;
    unsigned long long *sums = (unsigned long long *)(((uintptr_t)(cnt + ncnt) + 15) & ~(uintptr_t)15);
    unsigned long long *sq = sums + 2 * R;
    int *changed = (int *)(sq + 2 * R);
    pml_status s = PML_OK;
#define SW_LAUNCH(name, items, ...)                                                         \
    do {                                                                                    \
        name<<<pml_cuda_grid(dev, (items), SW_BLOCK), SW_BLOCK, 0, st>>>(__VA_ARGS__);      \
        const cudaError_t e_ = cudaGetLastError();                                          \
        if (e_ != cudaSuccess) s = pml_cuda_error(e_, "launch of " #name, __FILE__, __LINE__); \
    } while (0)
    const uint64_t stream0 = PML_ISING_SW_STREAM + (uint64_t)a->r0;
    const uint64_t fstream0 = PML_ISING_SW_FLIP_STREAM + (uint64_t)a->r0;
    const unsigned gy = (unsigned)(R < 65535 ? R : 65535);
    const dim3 grid2((unsigned)((per + SW_BLOCK - 1) / SW_BLOCK < 1024 ? (per + SW_BLOCK - 1) / SW_BLOCK : 1024), gy);
    if (a->measure) {
        const cudaError_t e = cudaMemsetAsync(sums, 0, 32 * (size_t)R, st);
        if (e != cudaSuccess) s = pml_cuda_error(e, "cudaMemsetAsync", __FILE__, __LINE__);
    }
    if (s == PML_OK) SW_LAUNCH(sw_to_rows, R * per, (const uint32_t *)a->spins, rows, lx, ly, R);
    for (int64_t n = 0; s == PML_OK && n < a->n; ++n) {
        const uint64_t t = a->t0 + (uint64_t)n;
        SW_LAUNCH(sw_bonds, R * per, rows, act, labels, a->params, lx, ly, R, a->J, a->seed,
                  stream0, t);
        for (int pass = 0; s == PML_OK; ++pass) {
            int flag = 0;
            cudaError_t e = cudaMemsetAsync(changed, 0, sizeof(int), st);
            if (e != cudaSuccess) {
                s = pml_cuda_error(e, "cudaMemsetAsync", __FILE__, __LINE__);
                break;
            }
            SW_LAUNCH(sw_link, R * N, labels, act, lx, ly, R, changed);
            if (s == PML_OK) SW_LAUNCH(sw_jump, R * N, labels, N, R);
            if (s != PML_OK) break;
            e = cudaMemcpyAsync(&flag, changed, sizeof(int), cudaMemcpyDeviceToHost, st);
            if (e == cudaSuccess) e = cudaStreamSynchronize(st);
            if (e != cudaSuccess) s = pml_cuda_error(e, "the labelling's flag", __FILE__, __LINE__);
            if (!flag) break;
        }
        if (s == PML_OK) SW_LAUNCH(sw_flip_words, R * NW, fw, NW, R, a->seed, fstream0, t);
        if (s == PML_OK) {
            sw_apply<<<grid2, SW_BLOCK, 0, st>>>(rows, labels, fw, lx, ly, R, NW, NULL);
            const cudaError_t e = cudaGetLastError();
            if (e != cudaSuccess) s = pml_cuda_error(e, "launch of sw_apply", __FILE__, __LINE__);
        }
        if (s == PML_OK && a->measure) {
            sw_sums<<<grid2, SW_BLOCK, 0, st>>>(rows, lx, ly, R, sums);
            cudaError_t e = cudaGetLastError();
            if (e == cudaSuccess) {
                ising_push_kernel<<<pml_cuda_grid(dev, R, 128), 128, 0, st>>>(
                    sums, a->acc, a->params, R, a->J, 1.0 / (double)N);
                e = cudaGetLastError();
            }
            if (e != cudaSuccess) s = pml_cuda_error(e, "launch of sw_sums", __FILE__, __LINE__);
            if (s == PML_OK) {
                e = cudaMemsetAsync(cnt, 0, 4 * ncnt, st);
                if (e != cudaSuccess) s = pml_cuda_error(e, "cudaMemsetAsync", __FILE__, __LINE__);
            }
            if (s == PML_OK) SW_LAUNCH(sw_count, R * N, labels, cnt, N, R);
            if (s == PML_OK) {
                const dim3 gs((unsigned)((N + SW_BLOCK - 1) / SW_BLOCK < 1024 ? (N + SW_BLOCK - 1) / SW_BLOCK : 1024), gy);
                sw_squares<<<gs, SW_BLOCK, 0, st>>>(cnt, N, R, sq);
                e = cudaGetLastError();
                if (e == cudaSuccess) {
                    sw_push_imp<<<pml_cuda_grid(dev, R, 128), 128, 0, st>>>(sq, a->acc, N, R);
                    e = cudaGetLastError();
                }
                if (e != cudaSuccess)
                    s = pml_cuda_error(e, "launch of sw_squares", __FILE__, __LINE__);
            }
        }
    }
    if (s == PML_OK) SW_LAUNCH(sw_to_planes, R * 2 * ly * WW, (uint32_t *)a->spins, rows, lx, ly, R);
#undef SW_LAUNCH
    if (s == PML_OK) {
        const cudaError_t e = cudaStreamSynchronize(st); // before the scratch is freed
        if (e != cudaSuccess) s = pml_cuda_error(e, "Swendsen-Wang sweeps", __FILE__, __LINE__);
    }
    pml_cuda_release(dev, mem);
    return s;
}
