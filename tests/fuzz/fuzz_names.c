/* The enum name parsers (pml_loss_parse, pml_activation_parse, pml_optim_parse,
 * pml_scaling_parse) on any text: a name accepted is the exact name of its value. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    pml_loss_kind loss;
    pml_activation act;
    pml_optim_kind opt;
    pml_scaling scaling;
    if (pml_loss_parse(text, &loss) == PML_OK) FUZZ_CHECK(strcmp(pml_loss_name(loss), text) == 0);
    if (pml_activation_parse(text, &act) == PML_OK)
        FUZZ_CHECK(strcmp(pml_activation_name(act), text) == 0);
    if (pml_optim_parse(text, &opt) == PML_OK) FUZZ_CHECK(strcmp(pml_optim_name(opt), text) == 0);
    if (pml_scaling_parse(text, &scaling) == PML_OK)
        FUZZ_CHECK(strcmp(pml_scaling_name(scaling), text) == 0);
    free(text);
    return 0;
}
