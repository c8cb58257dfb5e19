/* The dataset object, shared by the files of src/data/. */
#ifndef PML_DATA_DATASET_H
#define PML_DATA_DATASET_H

#include "core/backend.h"
#include "physml/data.h"
#include "ops/data_ops.h"

struct pml_dataset {
    pml_device *dev;
    int64_t n;
    int rows, cols, classes;
    pml_tensor *images; /* U8 n x rows x cols */
    pml_tensor *labels; /* U8 n */
    pml_tensor *order;  /* I32 n, NULL until the first shuffle (identity) */
    /* Per-example pixel sums, kept on the host so a subset's mean and std come exactly
     * from integers without touching the device. */
    int64_t *pix_sum, *pix_sq;
    double mean, std; /* of x/255 over every pixel of every example */
};

/* A Philox permutation of 0..n-1: Fisher-Yates from i = n-1 down to 1, j uniform in [0, i]
 * by Lemire's multiply-shift with rejection, draws taken in order from index 0 of
 * (seed, stream). */
void pml_data_permutation(int64_t n, uint64_t seed, uint64_t stream, int32_t *perm);

/* A new dataset on dev holding the rows idx[0..count) of ds (all of them in order when idx
 * is NULL and count == ds->n, or the first count when idx is NULL). */
pml_status pml_dataset_subset(const pml_dataset *ds, const int32_t *idx, int64_t count,
                              const char *fn, pml_dataset **out);

/* The kernel arguments of pml_dataset_batch for arguments it has checked (batch.c). */
void pml_data_batch_setup(const pml_dataset *ds, int64_t start, int64_t count,
                          pml_scaling scaling, const pml_augment *aug, uint64_t seed,
                          uint64_t step, pml_tensor *x, pml_tensor *labels,
                          pml_data_batch_args *a);

/* The scaling table of pml_dataset_batch (batch.c). */
void pml_data_scaling_lut(pml_scaling scaling, double mean, double std, float lut[256]);

#endif
