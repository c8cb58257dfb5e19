/* Checked wrapper for the loss kernels, and the losses' names. */
#include <math.h>

#include "nn/layer.h"

static const char *const loss_names[] = {
    [PML_LOSS_MSE] = "mse", [PML_LOSS_MSE_HALF] = "mse_half",
    [PML_LOSS_SOFTMAX_XENT] = "xent", [PML_LOSS_BCE] = "bce",
    [PML_LOSS_BCE_LOGITS] = "bce_logits",
};
_Static_assert(PML_NAMES_COUNT(loss_names) == PML_LOSS_BCE_LOGITS + 1, "a name for every loss");

/* pml_loss_name and pml_loss_parse */
PML_DEFINE_NAMES(pml_loss, pml_loss_kind, "loss", loss_names)

pml_status pml_loss_compute(pml_loss_kind kind, pml_reduction red, const pml_tensor *y,
                            const pml_tensor *labels, const pml_tensor *targets, int64_t batch,
                            double *loss_mean, pml_tensor *dy, int64_t *correct)
{
    static const char fn[] = "pml_loss_compute";
    PML_TRY(pml_check_tensor(fn, "y", y));
    PML_CHECK_ARG(loss_mean != NULL, fn, "loss_mean is NULL");
    PML_CHECK(kind >= PML_LOSS_MSE && kind <= PML_LOSS_BCE_LOGITS, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown loss %d", fn, (int)kind);
    PML_CHECK(red == PML_REDUCE_MEAN || red == PML_REDUCE_SUM, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown reduction %d", fn, (int)red);
    PML_CHECK(pml_dtype_is_float(y->dtype), PML_ERR_INVALID_ARGUMENT, "%s: y is %s", fn,
              pml_dtype_name(y->dtype));
    PML_CHECK((labels != NULL) != (targets != NULL), PML_ERR_INVALID_ARGUMENT,
              "%s: give exactly one of labels and targets", fn);
    PML_CHECK(kind != PML_LOSS_SOFTMAX_XENT || labels != NULL, PML_ERR_INVALID_ARGUMENT,
              "%s: softmax cross-entropy needs class labels", fn);
    PML_CHECK(correct == NULL || labels != NULL, PML_ERR_INVALID_ARGUMENT,
              "%s: accuracy needs labels", fn);
    int64_t cols = pml_tensor_dim(y, -1);
    PML_CHECK(batch >= 1 && y->ndim >= 2 && batch * cols <= y->numel, PML_ERR_INVALID_ARGUMENT,
              "%s: y (%lld elements) does not hold %lld rows of %lld", fn, (long long)y->numel,
              (long long)batch, (long long)cols);
    if (labels) {
        PML_TRY(pml_check_same_device(fn, y->dev, labels, "labels"));
        PML_CHECK(labels->dtype == PML_I32 && labels->numel >= batch, PML_ERR_INVALID_ARGUMENT,
                  "%s: labels must be i32 with >= %lld elements", fn, (long long)batch);
    }
    if (targets) {
        PML_TRY(pml_check_same_device(fn, y->dev, targets, "targets"));
        PML_CHECK(targets->dtype == y->dtype && targets->numel >= batch * cols,
                  PML_ERR_INVALID_ARGUMENT, "%s: targets must match y's dtype and rows", fn);
    }
    if (dy) {
        PML_TRY(pml_check_same_device(fn, y->dev, dy, "dy"));
        PML_CHECK(dy->dtype == y->dtype && dy->numel >= batch * cols && dy != y,
                  PML_ERR_INVALID_ARGUMENT, "%s: dy must match y's dtype and rows", fn);
    }
    PML_NN_OPS(y->dev, fn, ops);
    /* the kernel leaves its totals on the device */
    pml_tensor *tot = NULL;
    PML_TRY(pml_error_within(pml_tensor_create_1d(y->dev, PML_F64, 2, &tot), fn));
    const pml_nn_loss_args a = {
        .dtype = y->dtype,
        .kind = kind,
        .rows = batch,
        .cols = cols,
        .y = y->data,
        .labels = labels ? (const int32_t *)labels->data : NULL,
        .targets = targets ? targets->data : NULL,
        .grad_scale = red == PML_REDUCE_MEAN ? 1.0 / (double)batch : 1.0,
        .dy = dy ? dy->data : NULL,
        .out = (double *)tot->data,
        .nonfinite = NULL,
    };
    double host[2] = {0.0, 0.0};
    pml_status s = ops->loss(y->dev, &a);
    if (s == PML_OK) s = pml_tensor_download(tot, host, sizeof host);
    pml_tensor_destroy(tot);
    PML_TRY(s);
    *loss_mean = host[0] / (double)batch;
    if (correct) *correct = (int64_t)host[1];
    return PML_OK;
}
