/* The neural-network kernel table: one per backend (pml_cpu_nn_ops in src/cpu/nn_*.c,
 * pml_cuda_nn_ops in src/cuda/nn_*.cu), hung off pml_backend_ops.nn.
 *
 * Every kernel works on raw storage already checked by src/nn: row-major matrices of
 * `rows` x `cols` with leading dimension `cols`, float dtype F32 or F64 (`dtype`), all on
 * the device. Activations are computed from the layer's output y = act(z), which is all
 * backward needs: ReLU' = [y > 0], leaky' = y > 0 ? 1 : alpha, sigmoid' = y (1 - y),
 * tanh' = 1 - y^2, softmax: dz_i = y_i (dy_i - sum_j dy_j y_j). */
#ifndef PML_NN_OPS_H
#define PML_NN_OPS_H

#include "core/backend.h"
#include "physml/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Up to PML_NN_OPTIM_MAX parameter tensors for one optimiser step: tensor k has n[k] > 0
 * elements w[k] (parameters, updated), g[k] (gradients, read), s1[k] (SGD velocity or Adam's
 * first moment; NULL for plain SGD) and s2[k] (Adam's second moment; unused by SGD), all
 * device pointers. Passed by value to the CUDA kernel, so it stays small (1.3 KB). */
#define PML_NN_OPTIM_MAX 32
struct pml_nn_optim_list {
    int count;
    int64_t n[PML_NN_OPTIM_MAX];
    void *w[PML_NN_OPTIM_MAX];
    const void *g[PML_NN_OPTIM_MAX];
    void *s1[PML_NN_OPTIM_MAX];
    void *s2[PML_NN_OPTIM_MAX];
};

/* Per-step constants (host, double; kernels round them to the dtype once). */
struct pml_nn_optim_hyper {
    double lr;  /* SGD: lr; Adam: lr_t = lr sqrt(bc2) / bc1 */
    double wd;  /* L2 weight decay added to the gradient */
    double mu;  /* SGD momentum (used when s1 is given) */
    int nesterov;
    double b1, b2; /* Adam's betas */
    double eps;    /* Adam: eps_t = eps sqrt(bc2) */
};

struct pml_nn_ops {
    /* y[r, j] = act(y[r, j] + bias[j]) in place; bias NULL means none. */
    pml_status (*bias_act)(pml_device *dev, pml_dtype dtype, pml_activation act, float alpha,
                           int64_t rows, int64_t cols, void *y, const void *bias);
    /* dz = dy (.) act'(z), from y = act(z); dz may equal dy. */
    pml_status (*act_backward)(pml_device *dev, pml_dtype dtype, pml_activation act,
                               float alpha, int64_t rows, int64_t cols, const void *y,
                               const void *dy, void *dz);
    /* db[j] = sum_r dz[r, j] (overwrites db). */
    pml_status (*col_sum)(pml_device *dev, pml_dtype dtype, int64_t rows, int64_t cols,
                          const void *dz, void *db);
    /* Per-row losses of y against labels (I32, may be NULL) or targets (y's layout, may be
     * NULL; exactly one is given; xent needs labels). *loss_sum = sum over rows (host,
     * accumulated in double); dy (may be NULL) = grad_scale * dL_row/dy; *correct (may be
     * NULL) = rows whose argmax equals the label (labels only). */
    pml_status (*loss)(pml_device *dev, pml_dtype dtype, pml_loss_kind kind, int64_t rows,
                       int64_t cols, const void *y, const int32_t *labels, const void *targets,
                       double grad_scale, void *dy, double *loss_sum, int64_t *correct);
    /* The same as loss, but the totals stay on the device: out[0] = sum of row losses,
     * out[1] = rows whose argmax equals the label (0 without labels), as doubles. No host
     * synchronisation: the training loop reads a window of steps at once. */
    pml_status (*loss_dev)(pml_device *dev, pml_dtype dtype, pml_loss_kind kind, int64_t rows,
                           int64_t cols, const void *y, const int32_t *labels,
                           const void *targets, double grad_scale, void *dy, double *out);
    /* Optimiser steps over a list of parameter tensors at once (one pass on the CPU, one
     * launch on CUDA), elementwise, all of dtype `dtype`; see struct pml_nn_optim_list.
     * SGD: g' = g + wd w; s1 NULL: w -= lr g'; else s1 = mu s1 + g' and
     * w -= lr (nesterov ? g' + mu s1 : s1).
     * Adam: g' = g + wd w; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
     * w -= lr (m / bc1) / (sqrt(v / bc2) + eps), bc_i = 1 - b_i^t, computed on both backends
     * as lr_t m / (sqrt(v) + eps_t) with h->lr = lr_t = lr sqrt(bc2) / bc1 and
     * h->eps = eps_t = eps sqrt(bc2), computed once per step on the host in double.
     * Both: a new state value (s1, m, v) of magnitude below the dtype's smallest normal
     * number (FLT_MIN, DBL_MIN) is stored as 0, so decaying moments of parameters without
     * gradient never become subnormal (x86 CPUs take a microcode assist on every subnormal
     * operand: it doubled the CPU step). The update this drops is below lr_t FLT_MIN / eps_t
     * (1e-33 with Adam's defaults), far under one ulp of any weight. */
    pml_status (*sgd)(pml_device *dev, pml_dtype dtype, const struct pml_nn_optim_list *l,
                      const struct pml_nn_optim_hyper *h);
    pml_status (*adam)(pml_device *dev, pml_dtype dtype, const struct pml_nn_optim_list *l,
                       const struct pml_nn_optim_hyper *h);
    /* out[r] = argmax_j y[r, j] (first maximum), into device I32. */
    pml_status (*argmax)(pml_device *dev, pml_dtype dtype, int64_t rows, int64_t cols,
                         const void *y, int32_t *out);
};

extern const struct pml_nn_ops pml_cpu_nn_ops;
extern const struct pml_nn_ops pml_cuda_nn_ops;

/* CPU kernels (src/cpu/nn_*.c) */
pml_status pml_cpu_nn_bias_act(pml_device *dev, pml_dtype dtype, pml_activation act,
                               float alpha, int64_t rows, int64_t cols, void *y,
                               const void *bias);
pml_status pml_cpu_nn_act_backward(pml_device *dev, pml_dtype dtype, pml_activation act,
                                   float alpha, int64_t rows, int64_t cols, const void *y,
                                   const void *dy, void *dz);
pml_status pml_cpu_nn_col_sum(pml_device *dev, pml_dtype dtype, int64_t rows, int64_t cols,
                              const void *dz, void *db);
pml_status pml_cpu_nn_loss(pml_device *dev, pml_dtype dtype, pml_loss_kind kind, int64_t rows,
                           int64_t cols, const void *y, const int32_t *labels,
                           const void *targets, double grad_scale, void *dy, double *loss_sum,
                           int64_t *correct);
pml_status pml_cpu_nn_loss_dev(pml_device *dev, pml_dtype dtype, pml_loss_kind kind,
                               int64_t rows, int64_t cols, const void *y, const int32_t *labels,
                               const void *targets, double grad_scale, void *dy, double *out);
pml_status pml_cpu_nn_sgd(pml_device *dev, pml_dtype dtype, const struct pml_nn_optim_list *l,
                          const struct pml_nn_optim_hyper *h);
pml_status pml_cpu_nn_adam(pml_device *dev, pml_dtype dtype, const struct pml_nn_optim_list *l,
                           const struct pml_nn_optim_hyper *h);
pml_status pml_cpu_nn_argmax(pml_device *dev, pml_dtype dtype, int64_t rows, int64_t cols,
                             const void *y, int32_t *out);

/* CUDA launchers (src/cuda/nn_*.cu) */
pml_status pml_cuda_nn_bias_act(pml_device *dev, pml_dtype dtype, pml_activation act,
                                float alpha, int64_t rows, int64_t cols, void *y,
                                const void *bias);
pml_status pml_cuda_nn_act_backward(pml_device *dev, pml_dtype dtype, pml_activation act,
                                    float alpha, int64_t rows, int64_t cols, const void *y,
                                    const void *dy, void *dz);
pml_status pml_cuda_nn_col_sum(pml_device *dev, pml_dtype dtype, int64_t rows, int64_t cols,
                               const void *dz, void *db);
pml_status pml_cuda_nn_loss(pml_device *dev, pml_dtype dtype, pml_loss_kind kind, int64_t rows,
                            int64_t cols, const void *y, const int32_t *labels,
                            const void *targets, double grad_scale, void *dy, double *loss_sum,
                            int64_t *correct);
pml_status pml_cuda_nn_loss_dev(pml_device *dev, pml_dtype dtype, pml_loss_kind kind,
                                int64_t rows, int64_t cols, const void *y, const int32_t *labels,
                                const void *targets, double grad_scale, void *dy, double *out);
pml_status pml_cuda_nn_sgd(pml_device *dev, pml_dtype dtype, const struct pml_nn_optim_list *l,
                           const struct pml_nn_optim_hyper *h);
pml_status pml_cuda_nn_adam(pml_device *dev, pml_dtype dtype, const struct pml_nn_optim_list *l,
                            const struct pml_nn_optim_hyper *h);
pml_status pml_cuda_nn_argmax(pml_device *dev, pml_dtype dtype, int64_t rows, int64_t cols,
                              const void *y, int32_t *out);

#ifdef __cplusplus
}
#endif
#endif
