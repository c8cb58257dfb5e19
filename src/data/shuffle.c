/* Philox permutations: validation splits, heads, and the per-epoch visiting order.
 * The permutation is computed on the host (a few ms for 60000 examples, once per epoch)
 * and uploaded, so it is identical on every backend by construction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/philox.h"
#include "data/dataset.h"

void pml_data_permutation(int64_t n, uint64_t seed, uint64_t stream, int32_t *perm)
{
    for (int64_t i = 0; i < n; ++i) perm[i] = (int32_t)i;
    uint64_t k = 0; /* next draw index */
    for (int64_t i = n - 1; i >= 1; --i) {
        /* Lemire: j = floor(u * range / 2^32), rejecting the biased low part */
        uint32_t range = (uint32_t)(i + 1);
        uint32_t threshold = (uint32_t)(-range) % range;
        uint64_t m;
        do {
            m = (uint64_t)pml_philox_draw(seed, stream, k++) * range;
        } while ((uint32_t)m < threshold);
        int64_t j = (int64_t)(m >> 32);
        int32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

pml_status pml_dataset_split(const pml_dataset *ds, double val_fraction, uint64_t seed,
                             pml_dataset **train, pml_dataset **val)
{
    static const char fn[] = "pml_dataset_split";
    PML_CHECK_ARG(train != NULL, fn, "train is NULL");
    PML_CHECK_ARG(val != NULL, fn, "val is NULL");
    *train = NULL;
    *val = NULL;
    PML_CHECK_ARG(ds != NULL, fn, "ds is NULL");
    PML_CHECK(val_fraction >= 0.0 && val_fraction < 1.0, PML_ERR_INVALID_ARGUMENT,
              "%s: val_fraction %g is outside [0, 1)", fn, val_fraction);
    int64_t nval = (int64_t)llround(val_fraction * (double)ds->n);
    PML_CHECK(nval < ds->n, PML_ERR_INVALID_ARGUMENT,
              "%s: val_fraction %g of %lld examples leaves no training examples", fn,
              val_fraction, (long long)ds->n);
    if (nval == 0) return pml_dataset_subset(ds, NULL, ds->n, fn, train);

    int32_t *perm = malloc((size_t)ds->n * sizeof *perm);
    PML_CHECK(perm != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_data_permutation(ds->n, seed, PML_DATA_STREAM_SPLIT, perm);
    int64_t ntrain = ds->n - nval;
    /* each part keeps the original order of its examples */
    qsort(perm, (size_t)ntrain, sizeof *perm, cmp_i32);
    qsort(perm + ntrain, (size_t)nval, sizeof *perm, cmp_i32);
    pml_status s = pml_dataset_subset(ds, perm, ntrain, fn, train);
    if (s == PML_OK) s = pml_dataset_subset(ds, perm + ntrain, nval, fn, val);
    free(perm);
    if (s != PML_OK) {
        pml_dataset_destroy(*train);
        *train = NULL;
    }
    return s;
}

pml_status pml_dataset_head(const pml_dataset *ds, int64_t count, pml_dataset **out)
{
    static const char fn[] = "pml_dataset_head";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(ds != NULL, fn, "ds is NULL");
    PML_CHECK(count >= 1 && count <= ds->n, PML_ERR_INVALID_ARGUMENT,
              "%s: count %lld outside 1..%lld", fn, (long long)count, (long long)ds->n);
    return pml_dataset_subset(ds, NULL, count, fn, out);
}

pml_status pml_dataset_shuffle(pml_dataset *ds, uint64_t seed, uint64_t epoch)
{
    static const char fn[] = "pml_dataset_shuffle";
    PML_CHECK_ARG(ds != NULL, fn, "ds is NULL");
    PML_CHECK(epoch <= PML_DATA_STEP_MASK, PML_ERR_INVALID_ARGUMENT,
              "%s: epoch %llu is beyond 2^48-1", fn, (unsigned long long)epoch);
    int32_t *perm = malloc((size_t)ds->n * sizeof *perm);
    PML_CHECK(perm != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_data_permutation(ds->n, seed, PML_DATA_STREAM_SHUFFLE | epoch, perm);
    pml_status s = PML_OK;
    if (ds->order == NULL) s = pml_tensor_create_1d(ds->dev, PML_I32, ds->n, &ds->order);
    if (s == PML_OK) s = pml_tensor_upload(ds->order, perm, (size_t)ds->n * sizeof *perm);
    free(perm);
    return s;
}

pml_status pml_dataset_unshuffle(pml_dataset *ds)
{
    static const char fn[] = "pml_dataset_unshuffle";
    PML_CHECK_ARG(ds != NULL, fn, "ds is NULL");
    pml_tensor_destroy(ds->order);
    ds->order = NULL;
    return PML_OK;
}
