/* The CUDA backend: launchers with C linkage (kernels stay inside the .cu files), and the
 * per-device state. Included by C (backend_cuda.c) and by CUDA C++ (the .cu files). Every
 * launcher is declared here through its contract's function type (src/core/backend.h,
 * src/ops/<family>_ops.h), so its signature is written once; backend_cuda.c puts them into
 * the tables. */
#ifndef PML_CUDA_H
#define PML_CUDA_H

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "core/backend.h"
#include "ops/conv_ops.h"
#include "ops/vae_ops.h"
#include "ops/data_ops.h"
#include "ops/hopfield_ops.h"
#include "ops/ising_ops.h"
#include "ops/nn_ops.h"
#include "ops/optim_ops.h"
#include "ops/rbm_ops.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pml_cuda_state {
    cudaStream_t stream;
    cublasHandle_t cublas;
    void *scratch; /* small device buffer for reductions */
    size_t scratch_bytes;
    int sm_count;
} pml_cuda_state;

static inline pml_cuda_state *pml_cuda(const pml_device *dev)
{
    return (pml_cuda_state *)dev->impl;
}

pml_status pml_cuda_error(cudaError_t err, const char *call, const char *file, int line);
pml_status pml_cublas_error(cublasStatus_t st, const char *call, const char *file, int line);

/* Turn a failing CUDA runtime / cuBLAS call into PML_ERR_CUDA naming call, file and line. */
#define PML_CUDA_TRY(call)                                                               \
    do {                                                                                 \
        cudaError_t pml_e_ = (call);                                                     \
        if (pml_e_ != cudaSuccess) return pml_cuda_error(pml_e_, #call, __FILE__, __LINE__); \
    } while (0)
#define PML_CUBLAS_TRY(call)                                                                    \
    do {                                                                                        \
        cublasStatus_t pml_e_ = (call);                                                         \
        if (pml_e_ != CUBLAS_STATUS_SUCCESS) return pml_cublas_error(pml_e_, #call, __FILE__, __LINE__); \
    } while (0)
/* Make dev's GPU the calling thread's current device (a no-op when it already is). Every CUDA
 * entry point starts with it, so "cuda:1" launches, copies and cuBLAS calls go to GPU 1 even
 * when the thread last used another device. */
static inline pml_status pml_cuda_enter(const pml_device *dev)
{
    int cur = -1;
    if (cudaGetDevice(&cur) == cudaSuccess && cur == dev->ordinal) return PML_OK;
    PML_CUDA_TRY(cudaSetDevice(dev->ordinal));
    return PML_OK;
}
/* After a kernel launch: catches bad configurations without synchronising; the error names
 * the kernel. */
#define PML_CUDA_LAUNCHED(name)                                                           \
    do {                                                                                  \
        cudaError_t pml_e_ = cudaGetLastError();                                          \
        if (pml_e_ != cudaSuccess)                                                        \
            return pml_cuda_error(pml_e_, "launch of " name, __FILE__, __LINE__);         \
    } while (0)

/* Ensure the scratch buffer holds at least nbytes. */
pml_status pml_cuda_scratch(pml_device *dev, size_t nbytes, void **out);

/* memory.cu */
pml_status pml_cuda_alloc(pml_device *dev, size_t nbytes, void **out);
void pml_cuda_release(pml_device *dev, void *ptr);
pml_status pml_cuda_upload(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cuda_download(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cuda_copy(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cuda_memzero(pml_device *dev, void *dst, size_t nbytes);
pml_status pml_cuda_synchronize(pml_device *dev);
pml_status pml_cuda_memory_info(const pml_device *dev, size_t *total, size_t *free_bytes);

/* generic kernels: fill.cu, rand.cu, gemm.cu (cuBLAS), axpy.cu, reduce.cu */
pml_fill_fn pml_cuda_fill;
pml_rand_fn pml_cuda_rand;
pml_gemm_fn pml_cuda_gemm;
pml_axpy_fn pml_cuda_axpy;
pml_scale_fn pml_cuda_scale;
pml_sum_fn pml_cuda_sum;

/* Ising: ising_sweep.cu, ising_sw.cu (Swendsen-Wang) */
pml_ising_sweeps_fn pml_cuda_ising_sweeps;
pml_ising_sweeps_fn pml_cuda_ising_sw;

/* neural networks: nn_act.cu, nn_loss.cu */
pml_nn_bias_act_fn pml_cuda_nn_bias_act;
pml_nn_act_backward_fn pml_cuda_nn_act_backward;
pml_nn_col_sum_fn pml_cuda_nn_col_sum;
pml_nn_loss_fn pml_cuda_nn_loss;
pml_nn_argmax_fn pml_cuda_nn_argmax;

/* convolution family: im2col.cu, conv_chw.cu, pool.cu, dropout.cu, batchnorm.cu */
pml_im2col_fn pml_cuda_im2col;
pml_col2im_fn pml_cuda_col2im;
pml_conv_to_chw_fn pml_cuda_conv_to_chw;
pml_conv_from_chw_fn pml_cuda_conv_from_chw;
pml_conv_bias_act_fn pml_cuda_conv_bias_act;
pml_conv_channel_sum_fn pml_cuda_conv_channel_sum;
/* variational autoencoders: vae.cu */
pml_vae_reparam_fn pml_cuda_vae_reparam;
pml_vae_reparam_backward_fn pml_cuda_vae_reparam_backward;
pml_vae_add_kl_fn pml_cuda_vae_add_kl;
pml_pool_fn pml_cuda_pool;
pml_pool_backward_fn pml_cuda_pool_backward;
pml_dropout_fn pml_cuda_dropout;
pml_bn_forward_fn pml_cuda_bn_forward;
pml_bn_backward_fn pml_cuda_bn_backward;

/* optimisers: optim.cu */
pml_optim_fn pml_cuda_sgd, pml_cuda_adam;

/* data: data_batch.cu */
pml_data_batch_fn pml_cuda_data_batch;
pml_data_gather_fn pml_cuda_data_gather;

/* Hopfield: hopfield_async.cu, hopfield_weights.cu (convert, weights, storkey),
 * hopfield_draw.cu, hopfield_sync.cu (sync, energy), hopfield_modern.cu (softmax, modern) */
pml_hopfield_async_fn pml_cuda_hopfield_async;
pml_hopfield_convert_fn pml_cuda_hopfield_convert;
pml_hopfield_weights_fn pml_cuda_hopfield_weights;
pml_hopfield_storkey_fn pml_cuda_hopfield_storkey;
pml_hopfield_draw_fn pml_cuda_hopfield_draw;
pml_hopfield_sync_fn pml_cuda_hopfield_sync;
pml_hopfield_energy_fn pml_cuda_hopfield_energy;
pml_hopfield_softmax_fn pml_cuda_hopfield_softmax;
pml_hopfield_modern_fn pml_cuda_hopfield_modern;

/* RBM: rbm_gibbs.cu (sample, flip), rbm_free.cu (free energies, energies), rbm_enumerate.cu
 * (states, log-sum-exp) */
pml_rbm_sample_fn pml_cuda_rbm_sample;
pml_rbm_flip_fn pml_cuda_rbm_flip;
pml_rbm_free_fn pml_cuda_rbm_free;
pml_rbm_energy_fn pml_cuda_rbm_energy;
pml_rbm_enumerate_fn pml_cuda_rbm_enumerate;
pml_rbm_lse_fn pml_cuda_rbm_lse;

/* Grid size for a grid-stride loop over n elements. */
static inline unsigned pml_cuda_grid(const pml_device *dev, int64_t n, int block)
{
    int64_t want = (n + block - 1) / block;
    int64_t cap = (int64_t)pml_cuda(dev)->sm_count * 32;
    if (want > cap) want = cap;
    return (unsigned)(want > 0 ? want : 1);
}

#ifdef __cplusplus
}
#endif

#ifdef __CUDACC__
/* f(float()) or f(double()) for an F32 or F64 dtype, so that one generic lambda holds a
 * launcher's body for both element types:
 *     pml_cuda_by_float_dtype(a->dtype, [&](auto zero) { using T = decltype(zero); ... });  */
template <typename F> static inline void pml_cuda_by_float_dtype(pml_dtype dtype, F &&f)
{
    if (dtype == PML_F32) f(float());
    else f(double());
}
#endif
#endif
