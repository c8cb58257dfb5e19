/* Evaluation: a step's loss (and accuracy) over a whole dataset, without training; and class
 * predictions. The totals of a window of batches stay on the device and are read at once. */
#include <math.h>
#include <string.h>

#include "nn/train_step.h"

/* batches whose totals are read back at once */
#define EVAL_WINDOW 64

pml_status pml_evaluate_step(const char *fn, pml_model *m, pml_train_step *step,
                             const pml_dataset *ds, pml_loss_kind loss, pml_scaling scaling,
                             double *loss_mean, double *accuracy)
{
    PML_CHECK_ARG(m != NULL && ds != NULL, fn, "model or dataset is NULL");
    PML_CHECK(m->dtype == PML_F32, PML_ERR_INVALID_ARGUMENT, "%s: needs an f32 model", fn);
    PML_CHECK(m->nlayers > 0, PML_ERR_INVALID_ARGUMENT, "%s: the model has no layers", fn);
    PML_TRY(pml_check_loss_scaling(fn, loss, scaling));
    if (step->vt->check) PML_TRY(step->vt->check(step, fn, m, loss));
    PML_TRY(pml_check_dataset(fn, m, step, ds, "evaluation", 0));
    const int64_t n = pml_dataset_size(ds), mb = m->max_batch;
    pml_tensor *x = NULL, *labels = NULL, *stats = NULL;
    pml_status s = pml_tensor_create_2d(m->dev, PML_F32, mb, m->in_f, &x);
    if (s == PML_OK) s = pml_tensor_create_1d(m->dev, PML_I32, mb, &labels);
    if (s == PML_OK) s = pml_tensor_create_1d(m->dev, PML_F64, 2 * EVAL_WINDOW, &stats);
    const pml_step_ctx ctx = {m, NULL, loss, PML_REDUCE_MEAN, NULL};
    double total = 0.0, hits = 0.0;
    for (int64_t k = 0; k * mb < n && s == PML_OK; ++k) {
        const int64_t start = k * mb, count = n - start < mb ? n - start : mb;
        s = pml_dataset_batch(ds, start, count, scaling, NULL, 0, 0, x, labels);
        /* the batch's number is its step: a stochastic evaluation (a VAE's ELBO) keys its
         * draws by it, the same for every evaluation of the same set */
        const pml_batch b = {x, labels, x, count, (uint64_t)k, 0};
        if (s == PML_OK)
            s = step->vt->evaluate(step, &ctx, &b, (double *)stats->data + 2 * (k % EVAL_WINDOW));
        const int64_t last = (k + 1) * mb >= n;
        if (s != PML_OK || ((k + 1) % EVAL_WINDOW != 0 && !last)) continue;
        double st[2 * EVAL_WINDOW];
        s = pml_tensor_download(stats, st, sizeof st);
        /* batch by batch in order: the mean of each batch weighted by its size */
        for (int64_t j = k - k % EVAL_WINDOW; j <= k && s == PML_OK; ++j) {
            const int64_t cj = n - j * mb < mb ? n - j * mb : mb;
            total += st[2 * (j % EVAL_WINDOW)] / (double)cj * (double)cj;
            hits += st[2 * (j % EVAL_WINDOW) + 1];
        }
    }
    pml_tensor_destroy(x);
    pml_tensor_destroy(labels);
    pml_tensor_destroy(stats);
    PML_TRY(s);
    if (loss_mean) *loss_mean = total / (double)n;
    if (accuracy) *accuracy = step->has_accuracy || step->has_kl ? hits / (double)n : NAN;
    return PML_OK;
}

/* pml_evaluate_step with a fresh step made by `make`. */
static pml_status evaluate_with(const char *fn, pml_status (*make)(pml_train_step **),
                                pml_model *m, const pml_dataset *ds, pml_loss_kind loss,
                                pml_scaling scaling, double *loss_mean, double *accuracy)
{
    pml_train_step *step = NULL;
    PML_TRY(pml_error_within(make(&step), fn));
    const pml_status s = pml_evaluate_step(fn, m, step, ds, loss, scaling, loss_mean, accuracy);
    pml_train_step_destroy(step);
    return s;
}

pml_status pml_evaluate(pml_model *m, const pml_dataset *ds, pml_loss_kind loss,
                        pml_scaling scaling, double *loss_mean, double *accuracy)
{
    return evaluate_with("pml_evaluate", pml_train_step_classifier, m, ds, loss, scaling,
                         loss_mean, accuracy);
}

pml_status pml_evaluate_reconstruction(pml_model *m, const pml_dataset *ds, pml_loss_kind loss,
                                       pml_scaling scaling, double *loss_mean)
{
    static const char fn[] = "pml_evaluate_reconstruction";
    PML_CHECK(loss != PML_LOSS_SOFTMAX_XENT, PML_ERR_INVALID_ARGUMENT,
              "%s: softmax cross-entropy needs class labels", fn);
    return evaluate_with(fn, pml_train_step_reconstruction, m, ds, loss, scaling, loss_mean,
                         NULL);
}

pml_status pml_model_predict(pml_model *m, const pml_tensor *x, int64_t batch,
                             int32_t *labels_host)
{
    static const char fn[] = "pml_model_predict";
    PML_CHECK_ARG(m != NULL && labels_host != NULL, fn, "model or labels_host is NULL");
    const pml_tensor *y = NULL;
    PML_TRY(pml_error_within(pml_model_forward_eval(m, x, batch, &y), fn));
    PML_NN_OPS(m->dev, fn, ops);
    pml_tensor *lab = NULL;
    PML_TRY(pml_tensor_create_1d(m->dev, PML_I32, batch, &lab));
    const pml_nn_argmax_args a = {m->dtype, batch, pml_model_out_features(m), y->data,
                                  (int32_t *)lab->data};
    pml_status s = ops->argmax(m->dev, &a);
    if (s == PML_OK) s = pml_tensor_download(lab, labels_host, (size_t)batch * sizeof(int32_t));
    pml_tensor_destroy(lab);
    return s;
}
