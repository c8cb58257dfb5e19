// Device memory for the CUDA backend. Transfers go through the device's stream and are
// complete when the call returns (pageable host memory makes them synchronous anyway).
#include "cuda/cuda.h"

extern "C" pml_status pml_cuda_alloc(pml_device *dev, size_t nbytes, void **out)
{
    PML_TRY(pml_cuda_enter(dev));
    cudaError_t e = cudaMalloc(out, nbytes ? nbytes : 1);
    if (e == cudaErrorMemoryAllocation) {
        (void)cudaGetLastError();
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes", dev->spec,
                             nbytes);
    }
    PML_CUDA_TRY(e);
    return PML_OK;
}

extern "C" void pml_cuda_release(pml_device *dev, void *ptr)
{
    (void)pml_cuda_enter(dev);
    cudaFree(ptr);
}

extern "C" pml_status pml_cuda_upload(pml_device *dev, void *dst, const void *src, size_t nbytes)
{
    PML_TRY(pml_cuda_enter(dev));
    cudaStream_t s = pml_cuda(dev)->stream;
    PML_CUDA_TRY(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, s));
    PML_CUDA_TRY(cudaStreamSynchronize(s));
    return PML_OK;
}

extern "C" pml_status pml_cuda_download(pml_device *dev, void *dst, const void *src, size_t nbytes)
{
    PML_TRY(pml_cuda_enter(dev));
    cudaStream_t s = pml_cuda(dev)->stream;
    PML_CUDA_TRY(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, s));
    PML_CUDA_TRY(cudaStreamSynchronize(s));
    return PML_OK;
}

extern "C" pml_status pml_cuda_copy(pml_device *dev, void *dst, const void *src, size_t nbytes)
{
    PML_TRY(pml_cuda_enter(dev));
    PML_CUDA_TRY(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, pml_cuda(dev)->stream));
    return PML_OK;
}

extern "C" pml_status pml_cuda_memzero(pml_device *dev, void *dst, size_t nbytes)
{
    PML_TRY(pml_cuda_enter(dev));
    PML_CUDA_TRY(cudaMemsetAsync(dst, 0, nbytes, pml_cuda(dev)->stream));
    return PML_OK;
}

extern "C" pml_status pml_cuda_synchronize(pml_device *dev)
{
    PML_TRY(pml_cuda_enter(dev));
    PML_CUDA_TRY(cudaStreamSynchronize(pml_cuda(dev)->stream));
    return PML_OK;
}

extern "C" pml_status pml_cuda_memory_info(const pml_device *dev, size_t *total, size_t *free_bytes)
{
    PML_TRY(pml_cuda_enter(dev));
    PML_CUDA_TRY(cudaMemGetInfo(free_bytes, total));
    return PML_OK;
}
