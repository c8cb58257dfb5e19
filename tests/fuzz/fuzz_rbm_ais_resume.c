/* pml_rbm_logz_ais_resumable resuming from any bytes (src/rbm/ais_checkpoint.c): the
 * safetensors reader, then the checkpoint's format, the run's identity (shape, fingerprints,
 * runs, steps, seed), the steps done and the state (chains 0/1, finite log-weights). A file
 * taken must give a finished run with a finite log Z; a file refused must leave a result that
 * says nothing was done. The seeds (corpus/rbm_ais_resume) are checkpoints of the fuzzer's own
 * run cut after some steps, with and without their checksum, so that mutations reach past
 * the identity check. */
#include <math.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pml_rbm *r;
    if (!r) r = fuzz_ais_model(); /* kept: the model is only read */
    char path[FUZZ_PATH_MAX];
    fuzz_file("in.safetensors", data, size, path);
    const pml_rbm_ais_checkpoint ck = {.resume = path};
    pml_rbm_ais_result res;
    memset(&res, 0x5a, sizeof res);
    const pml_status s = pml_rbm_logz_ais_resumable(r, FUZZ_AIS_RUNS, FUZZ_AIS_STEPS, NULL, 1,
                                                    &ck, &res);
    if (s == PML_OK) {
        FUZZ_CHECK(res.steps_done == FUZZ_AIS_STEPS);
        FUZZ_CHECK(res.resumed_from >= 1 && res.resumed_from <= FUZZ_AIS_STEPS);
        FUZZ_CHECK(isfinite(res.logz) && isfinite(res.logz_err) && res.logz_err >= 0);
        FUZZ_CHECK(res.ess >= 1.0 - 1e-9 && res.ess <= FUZZ_AIS_RUNS + 1e-9);
    } else {
        FUZZ_CHECK(s == PML_ERR_BAD_FORMAT || s == PML_ERR_INVALID_ARGUMENT ||
                   s == PML_ERR_UNSUPPORTED || s == PML_ERR_IO || s == PML_ERR_NUMERIC);
        FUZZ_CHECK(res.resumed_from == 0);
    }
    return 0;
}
