/* Devices: where tensors live and kernels run.
 *
 * A pml_device is an opaque handle on one backend instance: the reference CPU backend
 * (plain C, OpenMP, OpenBLAS) or one CUDA GPU (cuBLAS, cuRAND, hand-written kernels).
 * Every tensor belongs to one device; operations take their device from their operands.
 * A device handle may be used from one thread at a time. */
#ifndef PHYSML_DEVICE_H
#define PHYSML_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "physml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pml_device pml_device;

typedef enum pml_device_kind {
    PML_DEVICE_CPU = 0,
    PML_DEVICE_CUDA = 1
} pml_device_kind;

/* Open a device. spec: "auto" (a usable GPU, else the CPU), "cpu", "cuda" (GPU 0) or
 * "cuda:N". NULL means "auto". Without a GPU, "cuda" gives PML_ERR_NO_DEVICE and a
 * message that says why; a build without CUDA gives PML_ERR_NO_DEVICE too. */
PML_API pml_status pml_device_open(const char *spec, pml_device **out);

/* Close a device and free its resources. Accepts NULL. Tensors of the device must be
 * destroyed first. */
PML_API void pml_device_close(pml_device *dev);

PML_API pml_device_kind pml_device_get_kind(const pml_device *dev);
/* "cpu" or "cuda:N", as pml_device_open would take it. */
PML_API const char *pml_device_spec(const pml_device *dev);
/* Human name: the CPU model, or the GPU name ("NVIDIA H100 80GB HBM3"). */
PML_API const char *pml_device_name(const pml_device *dev);
/* Total and currently free memory in bytes (host RAM for the CPU). */
PML_API pml_status pml_device_memory(const pml_device *dev, size_t *total_bytes,
                                     size_t *free_bytes);
/* CUDA compute capability (major, minor); 0, 0 for the CPU. */
PML_API pml_status pml_device_compute_capability(const pml_device *dev, int *major, int *minor);
/* Worker threads the CPU backend uses (OpenMP), or streaming multiprocessors on a GPU. */
PML_API int pml_device_parallelism(const pml_device *dev);
/* Wait until all work queued on the device has finished. */
PML_API pml_status pml_device_synchronize(pml_device *dev);

/* Allow TF32 tensor-core arithmetic in FP32 GEMM on GPUs that have it. Off by default:
 * physml's FP32 GEMM is plain FP32 and deterministic unless asked otherwise. No effect on
 * the CPU. */
PML_API pml_status pml_device_set_tf32(pml_device *dev, int enable);

/* Number of CUDA devices that answer (0 without a GPU or without CUDA support). */
PML_API int pml_cuda_device_count(void);

/* One line per device that can be opened, for listings such as `physml info`. */
typedef struct pml_device_info {
    pml_device_kind kind;
    int ordinal;            /* -1 for the CPU, the CUDA ordinal otherwise */
    char name[128];
    size_t memory_bytes;    /* total memory */
    int cc_major, cc_minor; /* compute capability; 0 for the CPU */
} pml_device_info;

/* Fill up to `capacity` entries of `out` (CPU first, then each GPU); *count gets the
 * number of devices found, which may exceed capacity. */
PML_API pml_status pml_device_list(pml_device_info *out, int capacity, int *count);

#ifdef __cplusplus
}
#endif
#endif
