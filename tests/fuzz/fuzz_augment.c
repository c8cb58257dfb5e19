/* pml_augment_parse on any text. An accepted spec is in range, and the spec written back
 * from it parses to the same values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    pml_augment a;
    if (pml_augment_parse(text, &a) == PML_OK) {
        FUZZ_CHECK(a.shift >= 0 && a.shift <= 8 && (a.flip == 0 || a.flip == 1));
        FUZZ_CHECK(a.noise >= 0 && a.noise <= 10 && isfinite(a.noise));
        char again[96];
        snprintf(again, sizeof again, "shift:%d%s,noise:%.9g", a.shift, a.flip ? ",flip" : "",
                 (double)a.noise);
        pml_augment b;
        FUZZ_CHECK(pml_augment_parse(again, &b) == PML_OK);
        FUZZ_CHECK(b.shift == a.shift && b.flip == a.flip && b.noise == a.noise);
    }
    free(text);
    return 0;
}
