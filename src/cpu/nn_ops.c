/* The CPU backend's neural-network kernel table (kernels in src/cpu/nn_*.c). */
#include "cpu/cpu.h"
#include "nn/nn_ops.h"

const struct pml_nn_ops pml_cpu_nn_ops = {
    .bias_act = pml_cpu_nn_bias_act,
    .act_backward = pml_cpu_nn_act_backward,
    .col_sum = pml_cpu_nn_col_sum,
    .loss = pml_cpu_nn_loss,
    .loss_dev = pml_cpu_nn_loss_dev,
    .sgd = pml_cpu_nn_sgd,
    .adam = pml_cpu_nn_adam,
    .argmax = pml_cpu_nn_argmax,
};
