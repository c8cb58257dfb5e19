/* pml_rbm_load on any bytes: the safetensors reader, then the three tensors (F32 or F64) whose
 * shapes must agree with each other. A model loaded must run: the free energy and the hidden
 * probabilities of a zero visible vector, and one Gibbs step. */
#include <math.h>
#include <string.h>

#include "fuzz_util.h"

static void run(pml_rbm *r)
{
    pml_device *dev = fuzz_device();
    FUZZ_CHECK(pml_rbm_visible(r) >= 1 && pml_rbm_hidden(r) >= 1);
    pml_tensor *v = NULL, *ph = NULL;
    FUZZ_CHECK(pml_tensor_create_2d(dev, PML_F32, 1, pml_rbm_visible(r), &v) == PML_OK);
    FUZZ_CHECK(pml_tensor_create_2d(dev, PML_F32, 1, pml_rbm_hidden(r), &ph) == PML_OK);
    FUZZ_CHECK(pml_tensor_zero(v) == PML_OK);
    double f = 0;
    FUZZ_CHECK(pml_rbm_free_energy(r, v, 1, &f) == PML_OK);
    FUZZ_CHECK(pml_rbm_hidden_probs(r, v, 1, ph) == PML_OK);
    fuzz_touch_tensor(ph);
    const pml_rbm_gibbs_opts o = {.seed = 1};
    FUZZ_CHECK(pml_rbm_gibbs(r, v, 1, 1, &o) == PML_OK);
    fuzz_touch_tensor(v);
    pml_tensor_destroy(v);
    pml_tensor_destroy(ph);
}

FUZZ_FILE_READER("in.safetensors", pml_rbm, pml_rbm_load(fuzz_device(), path, 2, &out), run,
                 pml_rbm_destroy)
