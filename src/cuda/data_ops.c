/* The CUDA data kernel table (C, for designated initialisers); kernels in data_batch.cu. */
#include "data/data_ops.h"

const struct pml_data_ops pml_cuda_data_ops = {
    .batch = pml_cuda_data_batch,
    .gather_rows = pml_cuda_gather_rows,
};
