/* Kernel contracts of the optimiser family (struct pml_optim_ops, hung off
 * pml_backend_ops.optim): one update step over a list of parameter tensors at once (one pass
 * on the CPU, one launch on CUDA). CPU: src/cpu/optim.c; CUDA: src/cuda/optim.cu. Used by
 * pml_optimizer (src/nn/optim.c) for every model that trains by gradients. */
#ifndef PML_OPS_OPTIM_OPS_H
#define PML_OPS_OPTIM_OPS_H

#include "core/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Up to PML_OPTIM_MAX parameter tensors for one step: tensor k has n[k] > 0 elements w[k]
 * (parameters, updated), g[k] (gradients, read), s1[k] (SGD velocity or Adam's first moment;
 * NULL for plain SGD) and s2[k] (Adam's second moment; unused by SGD), all device pointers.
 * Passed by value to the CUDA kernel, so it stays small (1.3 KB). */
#define PML_OPTIM_MAX 32
typedef struct pml_optim_list {
    int count;
    int64_t n[PML_OPTIM_MAX];
    void *w[PML_OPTIM_MAX];
    const void *g[PML_OPTIM_MAX];
    void *s1[PML_OPTIM_MAX];
    void *s2[PML_OPTIM_MAX];
} pml_optim_list;

/* Per-step constants (host, double; kernels round them to the dtype once). */
typedef struct pml_optim_hyper {
    double lr;  /* SGD: lr; Adam: lr_t = lr sqrt(bc2) / bc1 */
    double wd;  /* L2 weight decay added to the gradient */
    double mu;  /* SGD momentum (used when s1 is given) */
    int nesterov;
    double b1, b2; /* Adam's betas */
    double eps;    /* Adam: eps_t = eps sqrt(bc2) */
} pml_optim_hyper;

/* One step over `list`, every tensor of dtype `dtype`, elementwise:
 * SGD: g' = g + wd w; s1 NULL: w -= lr g'; else s1 = mu s1 + g' and
 * w -= lr (nesterov ? g' + mu s1 : s1).
 * Adam: g' = g + wd w; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 * w -= lr (m / bc1) / (sqrt(v / bc2) + eps), bc_i = 1 - b_i^t, computed on both backends
 * as lr_t m / (sqrt(v) + eps_t) with hyper->lr = lr_t = lr sqrt(bc2) / bc1 and
 * hyper->eps = eps_t = eps sqrt(bc2), computed once per step on the host in double.
 * Both: a new state value (s1, m, v) of magnitude below the dtype's smallest normal
 * number (FLT_MIN, DBL_MIN) is stored as 0, so decaying moments of parameters without
 * gradient never become subnormal (x86 CPUs take a microcode assist on every subnormal
 * operand: it doubled the CPU step). The update this drops is below lr_t FLT_MIN / eps_t
 * (1e-33 with Adam's defaults), far under one ulp of any weight.
 * skip (device I32, may be NULL): when *skip != 0 the step changes nothing (no parameter, no
 * state): the training driver points it at the sticky non-finite flag of the loss kernel,
 * so that after a step whose loss was not finite the parameters stay the last good ones
 * without the host looking at every step. */
typedef struct pml_optim_args {
    pml_dtype dtype;
    const pml_optim_list *list;
    const pml_optim_hyper *hyper;
    const int32_t *skip;
} pml_optim_args;

typedef pml_status pml_optim_fn(pml_device *dev, const pml_optim_args *args);

struct pml_optim_ops {
    pml_optim_fn *sgd;
    pml_optim_fn *adam;
};

#ifdef __cplusplus
}
#endif
#endif
