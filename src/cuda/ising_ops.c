/* The CUDA Ising kernel table (C, for designated initialisers). */
#include "cuda/cuda.h"
#include "ising/ising_ops.h"

pml_status pml_cuda_ising_sweeps(pml_device *dev, const pml_ising_kargs *a, uint64_t t0,
                                 int64_t n, int measure);

const struct pml_ising_ops pml_cuda_ising_ops = {
    .sweeps = pml_cuda_ising_sweeps,
};
