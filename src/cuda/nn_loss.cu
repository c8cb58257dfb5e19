// Losses with their gradients, one row (example) at a time. Contract: pml_nn_loss_args in
// src/ops/nn_ops.h. Row losses are summed in double; softmax cross-entropy subtracts the
// row maximum before exponentiating (log-sum-exp), so large logits do not overflow.
// One thread per row writes its loss and hit into scratch; one block then sums them in a
// fixed order (deterministic) into out on the device, and raises the non-finite flag.
#include <math_constants.h>

#include "cuda/cuda.h"
#include "cuda/device_math.cuh"

#define BCE_EPS 1e-7


template <typename T>
static __global__ void loss_rows_kernel(pml_loss_kind kind, int64_t rows, int64_t cols,
                                        const T *y, const int32_t *labels, const T *targets,
                                        double gs, T *dy, double scale, double offset,
                                        double *row_loss, int *row_hit, double *row_out)
{
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < rows;
         r += (int64_t)gridDim.x * blockDim.x) {
        const T *yr = y + r * cols;
        T *dyr = dy ? dy + r * cols : nullptr;
        int lab = labels ? labels[r] : -1;
        double row = 0.0;
        int hit = 0;
        if (labels) {
            int64_t best = 0;
            for (int64_t j = 1; j < cols; ++j)
                if (yr[j] > yr[best]) best = j;
            hit = best == lab;
        }
        if (kind == PML_LOSS_MSE || kind == PML_LOSS_MSE_HALF) {
            double c = kind == PML_LOSS_MSE ? 1.0 / (double)cols : 0.5;
            T g = (T)(gs * 2.0 * c);
            for (int64_t j = 0; j < cols; ++j) {
                T t = labels ? (T)(j == lab) : targets[r * cols + j];
                T d = yr[j] - t;
                row += (double)d * (double)d;
                if (dyr) dyr[j] = g * d;
            }
            row *= c;
        } else if (kind == PML_LOSS_SOFTMAX_XENT) {
            T mx = yr[0];
            for (int64_t j = 1; j < cols; ++j) mx = yr[j] > mx ? yr[j] : mx;
            T s = 0;
            for (int64_t j = 0; j < cols; ++j) s += pml_dexp<T>(yr[j] - mx);
            T lse = mx + pml_dlog<T>(s);
            // a label outside [0, cols) gives NaN (caught by training), not a stray read
            row = lab >= 0 && lab < cols ? (double)(lse - yr[lab]) : CUDART_NAN;
            if (dyr)
                for (int64_t j = 0; j < cols; ++j)
                    dyr[j] = (T)gs * (pml_dexp<T>(yr[j] - lse) - (T)(j == lab));
        } else if (kind == PML_LOSS_BCE_LOGITS) {
            for (int64_t j = 0; j < cols; ++j) {
                T t = labels ? (T)(j == lab) : targets[r * cols + j];
                T z = yr[j];
                T av = z < T(0) ? -z : z;
                T e = pml_dexp<T>(-av);
                row += (double)((z > T(0) ? z : T(0)) - z * t + pml_dlog1p<T>(e));
                if (dyr) {
                    T p = z >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
                    dyr[j] = (T)gs * (p - t);
                }
            }
        } else {
            for (int64_t j = 0; j < cols; ++j) {
                T t = labels ? (T)(j == lab) : targets[r * cols + j];
                T p = yr[j];
                p = p < (T)BCE_EPS ? (T)BCE_EPS : (p > (T)(1 - BCE_EPS) ? (T)(1 - BCE_EPS) : p);
                row -= (double)(t * pml_dlog<T>(p) + (T(1) - t) * pml_dlog<T>(T(1) - p));
                if (dyr) dyr[j] = (T)gs * (p - t) / (p * (T(1) - p));
            }
        }
        row = row * scale + offset;
        row_loss[r] = row;
        if (row_out) row_out[r] = row;
        row_hit[r] = hit;
    }
}

// One block of 256 threads: strided partial sums, then a fixed-order tree.
// out[0] = loss sum, out[1] = hits (as a double: exact below 2^53).
static __global__ void loss_total_kernel(int64_t rows, const double *row_loss,
                                         const int *row_hit, double *out, int32_t *nonfinite)
{
    __shared__ double sl[256];
    __shared__ long long sh[256];
    double l = 0.0;
    long long h = 0;
    for (int64_t r = threadIdx.x; r < rows; r += 256) {
        l += row_loss[r];
        h += row_hit[r];
    }
    sl[threadIdx.x] = l;
    sh[threadIdx.x] = h;
    __syncthreads();
    for (int s = 128; s > 0; s /= 2) {
        if ((int)threadIdx.x < s) {
            sl[threadIdx.x] += sl[threadIdx.x + s];
            sh[threadIdx.x] += sh[threadIdx.x + s];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        out[0] = sl[0];
        out[1] = (double)sh[0];
        if (nonfinite && !isfinite(sl[0])) *nonfinite = 1;
    }
}

// Row losses into scratch, totals into out (device); returns without synchronising.
extern "C" pml_status pml_cuda_nn_loss(pml_device *dev, const pml_nn_loss_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    cudaStream_t s = pml_cuda(dev)->stream;
    const int64_t rows = a->rows;
    // scratch: rows doubles, then rows ints
    const size_t off_hit = (size_t)rows * sizeof(double);
    void *scratch = nullptr;
    PML_TRY(pml_cuda_scratch(dev, off_hit + (size_t)rows * sizeof(int), &scratch));
    double *row_loss = (double *)scratch;
    int *row_hit = (int *)((char *)scratch + off_hit);
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        loss_rows_kernel<T><<<pml_cuda_grid(dev, rows, 128), 128, 0, s>>>(
            a->kind, rows, a->cols, (const T *)a->y, a->labels, (const T *)a->targets,
            a->grad_scale, (T *)a->dy, a->row_scale == 0.0 ? 1.0 : a->row_scale, a->row_offset,
            row_loss, row_hit, a->row_out);
    });
    PML_CUDA_LAUNCHED("loss_rows_kernel");
    loss_total_kernel<<<1, 256, 0, s>>>(rows, row_loss, row_hit, a->out, a->nonfinite);
    PML_CUDA_LAUNCHED("loss_total_kernel");
    return PML_OK;
}
