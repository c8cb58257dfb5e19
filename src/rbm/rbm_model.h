/* struct pml_rbm, shared by the RBM sources: the model (rbm.c), sampling (gibbs.c), training
 * (train.c, step_cd.c) and partition functions (logz.c).
 *
 * An RBM is a one-layer pml_model whose layer is the kind "rbm:H" (layer.c): its parameters
 * are weight [H, V], hidden_bias [H] and visible_bias [V], its forward pass p(h|v). Being a
 * model, it trains through the library's driver (pml_train_with) with its own step, and its
 * checkpoints are the driver's. */
#ifndef PML_RBM_MODEL_H
#define PML_RBM_MODEL_H

#include "nn/model.h"
#include "ops/rbm_ops.h"
#include "physml/rbm.h"

struct pml_rbm {
    pml_device *dev;
    pml_model *model;
    int64_t nv, nh, max_batch;
    pml_tensor *w, *a, *b; /* the layer's parameters (not owned) */
    /* scratch for max_batch rows */
    pml_tensor *pre_h; /* rows x nh: W v, then p(h|v) or h */
    pml_tensor *pre_v; /* rows x nv: W^T h, then p(v|h) */
    pml_tensor *v1;    /* rows x nv */
    pml_tensor *h1;    /* rows x nh */
    pml_tensor *dout;  /* rows doubles */
};

/* The parameter order of the rbm layer kind (layer.c, pml_rbm_kind in nn/layer.h). */
enum { PML_RBM_P_WEIGHT = 0, PML_RBM_P_HIDDEN = 1, PML_RBM_P_VISIBLE = 2 };

/* An RBM around a model whose only layer is of kind rbm (takes ownership of the model, also
 * on failure). */
pml_status pml_rbm_wrap(const char *fn, pml_model *m, pml_rbm **out);

/* pre (rows x nh) = v W^T, and pre (rows x nv) = h W: the GEMMs every kernel here starts from. */
pml_status pml_rbm_pre_hidden(pml_rbm *r, const void *v, int64_t rows, pml_tensor *pre);
pml_status pml_rbm_pre_visible(pml_rbm *r, const void *h, int64_t rows, pml_tensor *pre);

/* One layer drawn: state (and prob, may be NULL) from pre, in place allowed (state == pre). */
typedef struct pml_rbm_draw {
    uint64_t seed, stream, chain0, step;
    double beta;       /* 1: the model itself */
    const float *base; /* AIS: the base-rate biases mixed in with weight 1 - beta; else NULL */
    const float *keep, *keep_val;
} pml_rbm_draw;
pml_status pml_rbm_draw_hidden(pml_rbm *r, const pml_tensor *pre, int64_t rows,
                               const pml_rbm_draw *d, float *prob, float *state);
pml_status pml_rbm_draw_visible(pml_rbm *r, const pml_tensor *pre, int64_t rows,
                                const pml_rbm_draw *d, float *prob, float *state);

/* Binarise rows x (features) of x into dst as `binarize` says (ASIS: a copy). step: the
 * Philox counter of SAMPLE (one per use of the data), row0 the first example's number. */
pml_status pml_rbm_binarize_rows(pml_rbm *r, const float *x, float *dst, int64_t rows,
                                 pml_rbm_binarize binarize, double threshold, uint64_t seed,
                                 uint64_t row0, uint64_t step);

/* -F(v) of rows v into out (device doubles, rows): the free-energy kernel at beta 1. */
pml_status pml_rbm_neg_free(pml_rbm *r, const float *v, int64_t rows, double *out);

/* Examples [start, start + rows) of ds (rows <= max_batch) gathered and binarised into r->v1,
 * and their -F(v) into host (rows doubles): what the monitors and the log-probability read. */
pml_status pml_rbm_batch_neg_free(pml_rbm *r, const pml_dataset *ds, int64_t start,
                                  int64_t rows, pml_rbm_binarize binarize, double threshold,
                                  uint64_t seed, uint64_t step, double *host);

/* rows x n units of x (device storage) set to uniform random 0/1: each drawn with p = 1/2 from
 * PML_RBM_STREAM_INIT at chains chain0 .. (chains started from noise). */
pml_status pml_rbm_noise(pml_device *dev, float *x, int64_t rows, int64_t n, uint64_t seed,
                         uint64_t chain0);

/* Checks every public entry runs: r, a tensor on r's device of F32 with rows x cols elements
 * (at least), rows within 1 .. max_batch. */
pml_status pml_rbm_check_rows(const char *fn, const pml_rbm *r, int64_t rows);
pml_status pml_rbm_check_states(const char *fn, const pml_rbm *r, const pml_tensor *t,
                                const char *name, int64_t rows, int64_t cols);
/* A dataset for r (not NULL, on r's device, n_visible features, not empty) and a binarisation
 * (a known one, threshold in [0, 1)), naming fn. */
pml_status pml_rbm_check_data(const char *fn, const pml_rbm *r, const pml_dataset *data,
                              pml_rbm_binarize binarize, double threshold);

#endif
