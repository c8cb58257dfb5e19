/* Host memory for the CPU backend. Buffers are 64-byte aligned for vector loads. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"

pml_status pml_cpu_alloc(pml_device *dev, size_t nbytes, void **out)
{
    (void)dev;
    size_t rounded = (nbytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    PML_CHECK(p != NULL, PML_ERR_OUT_OF_MEMORY, "cpu: cannot allocate %zu bytes", nbytes);
    *out = p;
    return PML_OK;
}

void pml_cpu_release(pml_device *dev, void *ptr)
{
    (void)dev;
    free(ptr);
}

pml_status pml_cpu_upload(pml_device *dev, void *dst, const void *src, size_t nbytes)
{
    (void)dev;
    memcpy(dst, src, nbytes);
    return PML_OK;
}

pml_status pml_cpu_download(pml_device *dev, void *dst, const void *src, size_t nbytes)
{
    (void)dev;
    memcpy(dst, src, nbytes);
    return PML_OK;
}

pml_status pml_cpu_copy(pml_device *dev, void *dst, const void *src, size_t nbytes)
{
    (void)dev;
    memmove(dst, src, nbytes);
    return PML_OK;
}

pml_status pml_cpu_memzero(pml_device *dev, void *dst, size_t nbytes)
{
    (void)dev;
    memset(dst, 0, nbytes);
    return PML_OK;
}

pml_status pml_cpu_synchronize(pml_device *dev)
{
    (void)dev;
    return PML_OK;
}

pml_status pml_cpu_memory_info(const pml_device *dev, size_t *total, size_t *free_bytes)
{
    (void)dev;
    long pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES),
         page = sysconf(_SC_PAGESIZE);
    *total = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
    *free_bytes = avail > 0 && page > 0 ? (size_t)avail * (size_t)page : 0;
    return PML_OK;
}
