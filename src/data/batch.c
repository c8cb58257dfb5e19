/* pml_dataset_batch: argument checks, the scaling table, dispatch to the backend; the
 * scalings' names. */
#include <math.h>
#include <string.h>

#include "data/dataset.h"

static const char *const scaling_names[] = {
    [PML_SCALE_UNIT] = "unit", [PML_SCALE_RAW] = "raw", [PML_SCALE_STANDARD] = "standard",
};
_Static_assert(PML_NAMES_COUNT(scaling_names) == PML_SCALE_STANDARD + 1,
               "a name for every scaling");

/* pml_scaling_name and pml_scaling_parse */
PML_DEFINE_NAMES(pml_scaling, pml_scaling, "scaling", scaling_names)

/* lut[p] for every pixel value p, computed in float exactly as documented in data.h so that
 * a host reference can reproduce it bit for bit. */
void pml_data_scaling_lut(pml_scaling scaling, double mean, double std, float lut[256])
{
    float m = (float)mean, sd = (float)std;
    for (int p = 0; p < 256; ++p) {
        switch (scaling) {
        case PML_SCALE_RAW: lut[p] = (float)p; break;
        case PML_SCALE_STANDARD: lut[p] = ((float)p / 255.0f - m) / sd; break;
        case PML_SCALE_UNIT:
        default: lut[p] = (float)p / 255.0f; break;
        }
    }
}

/* A tensor with at least `count` rows of `row` elements: shape[0] >= count, numel / shape[0]
 * == row. */
static pml_status check_rows(const char *fn, const char *name, const pml_tensor *t,
                             pml_dtype dtype, int64_t count, int64_t row)
{
    PML_CHECK(t->dtype == dtype, PML_ERR_INVALID_ARGUMENT, "%s: %s is %s, needs %s", fn, name,
              pml_dtype_name(t->dtype), pml_dtype_name(dtype));
    int64_t d0 = t->shape[0];
    PML_CHECK(d0 >= count && d0 > 0 && t->numel / d0 == row, PML_ERR_INVALID_ARGUMENT,
              "%s: %s has %lld rows of %lld elements, needs at least %lld rows of %lld", fn, name,
              (long long)d0, (long long)(d0 > 0 ? t->numel / d0 : 0), (long long)count,
              (long long)row);
    return PML_OK;
}

void pml_data_batch_setup(const pml_dataset *ds, int64_t start, int64_t count,
                          pml_scaling scaling, const pml_augment *aug, uint64_t seed,
                          uint64_t step, pml_tensor *x, pml_tensor *labels,
                          pml_data_batch_args *a)
{
    const pml_augment none = {0};
    if (aug == NULL) aug = &none;
    memset(a, 0, sizeof *a);
    a->images = ds->images->data;
    a->labels = ds->labels->data;
    a->order = ds->order ? ds->order->data : NULL;
    a->start = start;
    a->count = count;
    a->rows = ds->rows;
    a->cols = ds->cols;
    pml_data_scaling_lut(scaling, ds->mean, ds->std, a->lut);
    a->shift = aug->shift;
    a->flip = aug->flip != 0;
    a->noise = aug->noise;
    a->mask_t = pml_u32_threshold(aug->mask);
    a->sp_t = pml_u32_threshold(aug->saltpepper);
    a->seed = seed;
    a->step = step;
    a->x = x->data;
    a->y = labels ? labels->data : NULL;
}

pml_status pml_dataset_batch(const pml_dataset *ds, int64_t start, int64_t count,
                             pml_scaling scaling, const pml_augment *aug, uint64_t seed,
                             uint64_t step, pml_tensor *x, pml_tensor *labels)
{
    static const char fn[] = "pml_dataset_batch";
    PML_CHECK_ARG(ds != NULL, fn, "ds is NULL");
    PML_TRY(pml_check_same_device(fn, ds->dev, x, "x"));
    if (labels) PML_TRY(pml_check_same_device(fn, ds->dev, labels, "labels"));
    PML_CHECK(start >= 0 && count >= 0 && start <= ds->n && count <= ds->n - start,
              PML_ERR_INVALID_ARGUMENT, "%s: examples [%lld, %lld) outside the %lld of the dataset",
              fn, (long long)start, (long long)(start + count), (long long)ds->n);
    PML_CHECK(scaling == PML_SCALE_UNIT || scaling == PML_SCALE_RAW ||
                  scaling == PML_SCALE_STANDARD,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown scaling %d", fn, (int)scaling);
    pml_augment none = {0};
    if (aug == NULL) aug = &none;
    PML_CHECK(aug->shift >= 0 && aug->shift < ds->rows && aug->shift < ds->cols,
              PML_ERR_INVALID_ARGUMENT, "%s: shift %d outside 0..%d for %d x %d images", fn,
              aug->shift, (ds->rows < ds->cols ? ds->rows : ds->cols) - 1, ds->rows, ds->cols);
    PML_CHECK(aug->noise >= 0.0f && isfinite(aug->noise), PML_ERR_INVALID_ARGUMENT,
              "%s: noise %g (need a finite value >= 0)", fn, (double)aug->noise);
    PML_CHECK(aug->mask >= 0.0f && aug->saltpepper >= 0.0f &&
                  aug->mask + aug->saltpepper <= 1.0f,
              PML_ERR_INVALID_ARGUMENT, "%s: mask %g, saltpepper %g (need both >= 0, sum <= 1)",
              fn, (double)aug->mask, (double)aug->saltpepper);
    PML_CHECK(step <= PML_DATA_STEP_MASK, PML_ERR_INVALID_ARGUMENT,
              "%s: step %llu is beyond 2^48-1", fn, (unsigned long long)step);
    int64_t f = (int64_t)ds->rows * ds->cols;
    PML_TRY(check_rows(fn, "x", x, PML_F32, count, f));
    if (labels) PML_TRY(check_rows(fn, "labels", labels, PML_I32, count, 1));
    if (count == 0) return PML_OK;
    pml_device *dev = ds->dev;
    PML_NEED_OP(dev, dev->ops->data, fn);
    PML_NEED_OP(dev, dev->ops->data->batch, fn);

    pml_data_batch_args a;
    pml_data_batch_setup(ds, start, count, scaling, aug, seed, step, x, labels, &a);
    return dev->ops->data->batch(dev, &a);
}
