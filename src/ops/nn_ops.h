/* Kernel contracts of the neural-network family (struct pml_nn_ops, hung off
 * pml_backend_ops.nn): the elementwise work of dense and activation layers, the losses and
 * the argmax. CPU: src/cpu/nn_act.c, src/cpu/nn_loss.c; CUDA: src/cuda/nn_act.cu,
 * src/cuda/nn_loss.cu (same contract comments).
 *
 * Every kernel works on raw storage already checked by src/nn: row-major matrices of
 * `rows` x `cols` with leading dimension `cols`, float dtype F32 or F64 (`dtype`), all on
 * the device. Activations are computed from the layer's output y = act(z), which is all
 * backward needs: ReLU' = [y > 0], leaky' = y > 0 ? 1 : alpha, sigmoid' = y (1 - y),
 * tanh' = 1 - y^2, softmax: dz_i = y_i (dy_i - sum_j dy_j y_j). */
#ifndef PML_OPS_NN_OPS_H
#define PML_OPS_NN_OPS_H

#include "core/backend.h"
#include "core/philox.h" /* PML_HOSTDEV */

#ifdef __cplusplus
extern "C" {
#endif

/* y[r, j] = act(y[r, j] + bias[j]) in place; bias NULL means none. */
typedef struct pml_nn_bias_act_args {
    pml_dtype dtype;
    pml_activation act;
    float alpha; /* leaky ReLU slope */
    int64_t rows, cols;
    void *y;
    const void *bias;
} pml_nn_bias_act_args;
typedef pml_status pml_nn_bias_act_fn(pml_device *dev, const pml_nn_bias_act_args *args);

/* dz = dy (.) act'(z), from y = act(z); dz may equal dy. */
typedef struct pml_nn_act_backward_args {
    pml_dtype dtype;
    pml_activation act;
    float alpha;
    int64_t rows, cols;
    const void *y, *dy;
    void *dz;
} pml_nn_act_backward_args;
typedef pml_status pml_nn_act_backward_fn(pml_device *dev, const pml_nn_act_backward_args *args);

/* sum[j] = sum_r x[r, j] (overwrites sum), rows in order. */
typedef struct pml_nn_col_sum_args {
    pml_dtype dtype;
    int64_t rows, cols;
    const void *x;
    void *sum;
} pml_nn_col_sum_args;
typedef pml_status pml_nn_col_sum_fn(pml_device *dev, const pml_nn_col_sum_args *args);

/* Per-row losses of y against labels (I32, may be NULL) or targets (y's layout, may be
 * NULL); exactly one is given; xent needs labels. dy (may be NULL) = grad_scale * dL_row/dy.
 * Each row's loss is then row_scale * loss + row_offset (row_scale 0 means 1; the gradient is
 * grad_scale's alone: a caller that scales the rows folds the scale into it), e.g. a Gaussian
 * decoder's -log p(x|z) = ||x - y||^2 / (2 s^2) + (n/2) log(2 pi s^2) from mse_half; row_out
 * (device doubles, rows entries, may be NULL) receives the rows so made.
 * The totals stay on the device: out[0] = the sum of the row losses (accumulated in double),
 * out[1] = rows whose argmax equals the label (0 without labels), as doubles; no host
 * synchronisation, so a training loop can read a window of steps at once. nonfinite (device,
 * may be NULL) is set to 1 when out[0] is not finite and left alone otherwise: a sticky flag
 * that the optimiser kernels read to skip their steps (src/ops/optim_ops.h). */
typedef struct pml_nn_loss_args {
    pml_dtype dtype;
    pml_loss_kind kind;
    int64_t rows, cols;
    const void *y;
    const int32_t *labels;
    const void *targets;
    double grad_scale;
    void *dy;
    double *out;
    int32_t *nonfinite;
    double row_scale, row_offset;
    double *row_out;
} pml_nn_loss_args;
typedef pml_status pml_nn_loss_fn(pml_device *dev, const pml_nn_loss_args *args);

/* out[r] = argmax_j y[r, j] (the first maximum), into device I32. */
typedef struct pml_nn_argmax_args {
    pml_dtype dtype;
    int64_t rows, cols;
    const void *y;
    int32_t *out;
} pml_nn_argmax_args;
typedef pml_status pml_nn_argmax_fn(pml_device *dev, const pml_nn_argmax_args *args);

/* One element of an elementwise activation (any but softmax) and its derivative from
 * y = act(z), for kernels that apply an activation inside another pass (the convolution's
 * epilogue and prologue, src/ops/conv_ops.h); C and CUDA compile the same bodies. */
#define PML_NN_ACT_BODY(T, EXP, TANH)                                                       \
    switch (act) {                                                                         \
    case PML_ACT_RELU: return z > (T)0 ? z : (T)0;                                         \
    case PML_ACT_LEAKY_RELU: return z > (T)0 ? z : alpha * z;                              \
    case PML_ACT_SIGMOID: return (T)1 / ((T)1 + EXP(-z));                                 \
    case PML_ACT_TANH: return TANH(z);                                                     \
    default: return z;                                                                     \
    }
PML_HOSTDEV float pml_nn_act_f32(pml_activation act, float z, float alpha)
{
    PML_NN_ACT_BODY(float, expf, tanhf)
}
PML_HOSTDEV double pml_nn_act_f64(pml_activation act, double z, double alpha)
{
    PML_NN_ACT_BODY(double, exp, tanh)
}
#define PML_NN_ACT_GRAD_BODY(T)                                                             \
    switch (act) {                                                                         \
    case PML_ACT_RELU: return y > (T)0 ? dy : (T)0;                                        \
    case PML_ACT_LEAKY_RELU: return y > (T)0 ? dy : alpha * dy;                            \
    case PML_ACT_SIGMOID: return dy * y * ((T)1 - y);                                      \
    case PML_ACT_TANH: return dy * ((T)1 - y * y);                                         \
    default: return dy;                                                                    \
    }
PML_HOSTDEV float pml_nn_act_grad_f32(pml_activation act, float y, float dy, float alpha)
{
    PML_NN_ACT_GRAD_BODY(float)
}
PML_HOSTDEV double pml_nn_act_grad_f64(pml_activation act, double y, double dy, double alpha)
{
    PML_NN_ACT_GRAD_BODY(double)
}

struct pml_nn_ops {
    pml_nn_bias_act_fn *bias_act;
    pml_nn_act_backward_fn *act_backward;
    pml_nn_col_sum_fn *col_sum;
    pml_nn_loss_fn *loss;
    pml_nn_argmax_fn *argmax;
};

#ifdef __cplusplus
}
#endif
#endif
