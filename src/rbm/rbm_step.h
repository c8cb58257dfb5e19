/* The RBM's contrastive-divergence step on the training driver (step_cd.c), which
 * pml_rbm_train (train.c) runs. */
#ifndef PML_RBM_STEP_H
#define PML_RBM_STEP_H

#include "rbm/rbm_model.h"

typedef struct pml_rbm_step_opts {
    pml_rbm_method method;
    int k;
    int64_t chains; /* PCD chains per temperature (0: the batch) */
    int pt;         /* temperatures (<= 1: none) */
    double pt_beta_min;
    pml_rbm_binarize binarize;
    double threshold;
    uint64_t seed;
} pml_rbm_step_opts;

pml_status pml_rbm_step_create(pml_rbm *r, const pml_rbm_step_opts *o, pml_train_step **out);
/* The tempering ladder and this run's swap counts per neighbouring pair (k - 1 of them). */
void pml_rbm_step_tempering(pml_train_step *s, int64_t *k, const double **betas,
                            int64_t **tries, int64_t **accepts);

#endif
