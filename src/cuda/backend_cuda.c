/* The CUDA backend's ops table and device set-up. Compiled only when CUDA is found; a
 * machine without a GPU gets PML_ERR_NO_DEVICE from pml_device_open, not a crash. */
#include <stdio.h>
#include <stdlib.h>

#include "cuda/cuda.h"

pml_status pml_cuda_error(cudaError_t err, const char *call, const char *file, int line)
{
    return pml_set_error(PML_ERR_CUDA, "%s failed: %s (%s) at %s:%d", call,
                         cudaGetErrorName(err), cudaGetErrorString(err), file, line);
}

pml_status pml_cublas_error(cublasStatus_t st, const char *call, const char *file, int line)
{
    return pml_set_error(PML_ERR_CUDA, "%s failed: %s at %s:%d", call, cublasGetStatusString(st),
                         file, line);
}

static int cuda_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError(); /* no driver or no GPU: clear the sticky error */
        return 0;
    }
    return n;
}

static pml_status cuda_query(int ordinal, pml_device_info *info)
{
    struct cudaDeviceProp prop;
    PML_CUDA_TRY(cudaGetDeviceProperties(&prop, ordinal));
    info->kind = PML_DEVICE_CUDA;
    info->ordinal = ordinal;
    snprintf(info->name, sizeof info->name, "%.127s", prop.name);
    info->memory_bytes = prop.totalGlobalMem;
    info->cc_major = prop.major;
    info->cc_minor = prop.minor;
    return PML_OK;
}

static pml_status cuda_init(pml_device *dev, pml_cuda_state *st, int ordinal)
{
    PML_CUDA_TRY(cudaSetDevice(ordinal));
    struct cudaDeviceProp prop;
    PML_CUDA_TRY(cudaGetDeviceProperties(&prop, ordinal));
    snprintf(dev->name, sizeof dev->name, "%.127s", prop.name);
    st->sm_count = prop.multiProcessorCount;
    dev->parallelism = prop.multiProcessorCount;
    PML_CUDA_TRY(cudaStreamCreateWithFlags(&st->stream, cudaStreamNonBlocking));
    PML_CUBLAS_TRY(cublasCreate(&st->cublas));
    PML_CUBLAS_TRY(cublasSetStream(st->cublas, st->stream));
    /* plain FP32 unless pml_device_set_tf32 asks; deterministic reductions */
    PML_CUBLAS_TRY(cublasSetMathMode(st->cublas, CUBLAS_DEFAULT_MATH));
    PML_CUBLAS_TRY(cublasSetAtomicsMode(st->cublas, CUBLAS_ATOMICS_NOT_ALLOWED));
    return PML_OK;
}

static void cuda_close(pml_device *dev);
static const struct pml_backend_ops cuda_backend;

static pml_status cuda_open(pml_device *dev, int ordinal)
{
    pml_cuda_state *st = calloc(1, sizeof *st);
    PML_CHECK(st != NULL, PML_ERR_OUT_OF_MEMORY, "pml_device_open: out of host memory");
    dev->kind = PML_DEVICE_CUDA;
    dev->ordinal = ordinal;
    snprintf(dev->spec, sizeof dev->spec, "cuda:%d", ordinal);
    dev->ops = &cuda_backend;
    dev->impl = st;
    pml_status s = cuda_init(dev, st, ordinal);
    if (s != PML_OK) {
        cuda_close(dev);
        dev->impl = NULL;
    }
    return s;
}

static void cuda_close(pml_device *dev)
{
    pml_cuda_state *st = pml_cuda(dev);
    if (st == NULL) return;
    cudaSetDevice(dev->ordinal);
    if (st->stream) cudaStreamSynchronize(st->stream);
    if (st->scratch) cudaFree(st->scratch);
    if (st->cublas) cublasDestroy(st->cublas);
    if (st->stream) cudaStreamDestroy(st->stream);
    free(st);
    dev->impl = NULL;
}

pml_status pml_cuda_scratch(pml_device *dev, size_t nbytes, void **out)
{
    pml_cuda_state *st = pml_cuda(dev);
    if (st->scratch_bytes < nbytes) {
        if (st->scratch) PML_CUDA_TRY(cudaFree(st->scratch));
        st->scratch = NULL;
        st->scratch_bytes = 0;
        PML_CUDA_TRY(cudaMalloc(&st->scratch, nbytes));
        st->scratch_bytes = nbytes;
    }
    *out = st->scratch;
    return PML_OK;
}

static pml_status cuda_capability(const pml_device *dev, int *major, int *minor)
{
    pml_device_info info;
    PML_TRY(cuda_query(dev->ordinal, &info));
    *major = info.cc_major;
    *minor = info.cc_minor;
    return PML_OK;
}

/* Every table of the CUDA backend, here and nowhere else. */
static const struct pml_ising_ops cuda_ising = {
    .sweeps = pml_cuda_ising_sweeps,
    .sw = pml_cuda_ising_sw, /* Wolff: none (physml/ising.h) */
};

static const struct pml_nn_ops cuda_nn = {
    .bias_act = pml_cuda_nn_bias_act,
    .act_backward = pml_cuda_nn_act_backward,
    .col_sum = pml_cuda_nn_col_sum,
    .loss = pml_cuda_nn_loss,
    .argmax = pml_cuda_nn_argmax,
};

static const struct pml_optim_ops cuda_optim = {
    .sgd = pml_cuda_sgd,
    .adam = pml_cuda_adam,
};

static const struct pml_data_ops cuda_data = {
    .batch = pml_cuda_data_batch,
    .gather_rows = pml_cuda_data_gather,
};

static const struct pml_vae_ops cuda_vae = {
    .reparam = pml_cuda_vae_reparam,
    .reparam_backward = pml_cuda_vae_reparam_backward,
    .add_kl = pml_cuda_vae_add_kl,
};

static const struct pml_conv_ops cuda_conv = {
    .im2col = pml_cuda_im2col,
    .col2im = pml_cuda_col2im,
    .to_chw = pml_cuda_conv_to_chw,
    .from_chw = pml_cuda_conv_from_chw,
    .bias_act = pml_cuda_conv_bias_act,
    .channel_sum = pml_cuda_conv_channel_sum,
    .pool = pml_cuda_pool,
    .pool_backward = pml_cuda_pool_backward,
    .dropout = pml_cuda_dropout,
    .bn_forward = pml_cuda_bn_forward,
    .bn_backward = pml_cuda_bn_backward,
};

static const struct pml_rbm_ops cuda_rbm = {
    .sample = pml_cuda_rbm_sample,
    .free_energy = pml_cuda_rbm_free,
    .energy = pml_cuda_rbm_energy,
    .enumerate = pml_cuda_rbm_enumerate,
    .lse = pml_cuda_rbm_lse,
    .flip = pml_cuda_rbm_flip,
};

static const struct pml_hopfield_ops cuda_hopfield = {
    .convert = pml_cuda_hopfield_convert,
    .weights = pml_cuda_hopfield_weights,
    .storkey = pml_cuda_hopfield_storkey,
    .draw = pml_cuda_hopfield_draw,
    .async = pml_cuda_hopfield_async,
    .sync = pml_cuda_hopfield_sync,
    .energy = pml_cuda_hopfield_energy,
    .softmax = pml_cuda_hopfield_softmax,
    .modern = pml_cuda_hopfield_modern,
};

static const struct pml_backend_ops cuda_backend = {
    .name = "cuda",
    .host_memory = 0,
    .close = cuda_close,
    .capability = cuda_capability,
    .memory_info = pml_cuda_memory_info,
    .synchronize = pml_cuda_synchronize,
    .alloc = pml_cuda_alloc,
    .release = pml_cuda_release,
    .upload = pml_cuda_upload,
    .download = pml_cuda_download,
    .copy = pml_cuda_copy,
    .memzero = pml_cuda_memzero,
    .fill = pml_cuda_fill,
    .rand = pml_cuda_rand,
    .gemm = pml_cuda_gemm,
    .axpy = pml_cuda_axpy,
    .scale = pml_cuda_scale,
    .sum = pml_cuda_sum,
    .ising = &cuda_ising,
    .nn = &cuda_nn,
    .optim = &cuda_optim,
    .data = &cuda_data,
    .hopfield = &cuda_hopfield,
    .rbm = &cuda_rbm,
    .conv = &cuda_conv,
    .vae = &cuda_vae,
};

const pml_backend_reg pml_cuda_backend_reg = {
    .kind = PML_DEVICE_CUDA,
    .count = cuda_count,
    .open = cuda_open,
    .query = cuda_query,
};
