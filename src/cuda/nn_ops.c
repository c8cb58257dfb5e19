/* The CUDA backend's neural-network kernel table (launchers in src/cuda/nn_*.cu). */
#include "cuda/cuda.h"
#include "nn/nn_ops.h"

const struct pml_nn_ops pml_cuda_nn_ops = {
    .bias_act = pml_cuda_nn_bias_act,
    .act_backward = pml_cuda_nn_act_backward,
    .col_sum = pml_cuda_nn_col_sum,
    .loss = pml_cuda_nn_loss,
    .loss_dev = pml_cuda_nn_loss_dev,
    .sgd = pml_cuda_nn_sgd,
    .adam = pml_cuda_nn_adam,
    .argmax = pml_cuda_nn_argmax,
};
