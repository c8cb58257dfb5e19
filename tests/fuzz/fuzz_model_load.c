/* pml_model_load on any bytes: the safetensors reader, then the metadata (spec, input size and
 * shape) through the spec parser, then the tensors against the model. A model loaded must
 * run: one forward pass of a zero example. */
#include <string.h>

#include "fuzz_util.h"

static void run(pml_model *m)
{
    pml_device *dev = fuzz_device();
    char summary[512];
    pml_model_summary(m, summary, sizeof summary);
    FUZZ_CHECK(pml_model_num_layers(m) >= 1 && pml_model_in_features(m) >= 1);
    pml_tensor *x = NULL;
    const pml_tensor *y = NULL;
    FUZZ_CHECK(pml_tensor_create_2d(dev, PML_F32, 1, pml_model_in_features(m), &x) == PML_OK);
    FUZZ_CHECK(pml_tensor_zero(x) == PML_OK);
    FUZZ_CHECK(pml_model_forward(m, x, 1, &y) == PML_OK);
    fuzz_touch_tensor(y);
    pml_tensor_destroy(x);
}

FUZZ_FILE_READER("in.safetensors", pml_model, pml_model_load(fuzz_device(), path, 2, &out), run,
                 pml_model_destroy)
