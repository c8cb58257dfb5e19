// sum: *out = sum of x[0..n), any dtype, accumulated in double (pml_sum_args). Two passes with
// a fixed grid, so the result is deterministic run to run.
#include "cuda/cuda.h"

#define PML_SUM_BLOCK 256
#define PML_SUM_GRID 1024

static __device__ double block_sum(double v)
{
    __shared__ double part[PML_SUM_BLOCK / 32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = v;
    __syncthreads();
    v = threadIdx.x < PML_SUM_BLOCK / 32 ? part[threadIdx.x] : 0.0;
    if (threadIdx.x < 32)
        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

template <typename T>
static __global__ void sum_partial_kernel(const T *x, int64_t n, double *partial)
{
    double acc = 0.0;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        acc += (double)x[i];
    acc = block_sum(acc);
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

static __global__ void sum_final_kernel(double *partial, int count)
{
    double acc = 0.0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
    acc = block_sum(acc);
    if (threadIdx.x == 0) partial[count] = acc;
}

template <typename T>
static void launch_partial(const pml_sum_args *a, double *partial, cudaStream_t s)
{
    sum_partial_kernel<T><<<PML_SUM_GRID, PML_SUM_BLOCK, 0, s>>>((const T *)a->x, a->n, partial);
}

extern "C" pml_status pml_cuda_sum(pml_device *dev, const pml_sum_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    void *scratch = NULL;
    PML_TRY(pml_cuda_scratch(dev, (PML_SUM_GRID + 1) * sizeof(double), &scratch));
    double *partial = (double *)scratch;
    cudaStream_t s = pml_cuda(dev)->stream;
#define PARTIAL(T) launch_partial<T>(a, partial, s)
    PML_DTYPE_CASES(a->dtype, PARTIAL)
#undef PARTIAL
    PML_CUDA_LAUNCHED("sum_partial_kernel");
    sum_final_kernel<<<1, PML_SUM_BLOCK, 0, s>>>(partial, PML_SUM_GRID);
    PML_CUDA_LAUNCHED("sum_final_kernel");
    PML_CUDA_TRY(cudaMemcpyAsync(a->out, partial + PML_SUM_GRID, sizeof(double),
                                 cudaMemcpyDeviceToHost, s));
    PML_CUDA_TRY(cudaStreamSynchronize(s));
    return PML_OK;
}
