/* pml_schedule_parse on any text. A schedule accepted must give a learning rate in
 * [0, lr0] at every epoch, and reduce-on-plateau must stay there whatever it observes. */
#include <math.h>
#include <stdlib.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    const double lr0 = 0.1;
    pml_schedule s;
    if (pml_schedule_parse(text, lr0, &s) == PML_OK) {
        static const int epochs[] = {0, 1, 2, 3, 7, 10, 100, 1000000, 2147483647};
        for (size_t i = 0; i < sizeof epochs / sizeof *epochs; ++i) {
            const double lr = pml_schedule_lr(&s, epochs[i]);
            FUZZ_CHECK(lr >= 0 && lr <= lr0);
        }
        static const double metrics[] = {1.0, 1.0, 0.5, INFINITY, NAN, 0.5, 0.5, 0.5, 0.5};
        for (size_t i = 0; i < sizeof metrics / sizeof *metrics; ++i) {
            const double lr = pml_schedule_observe(&s, metrics[i]);
            FUZZ_CHECK(lr >= 0 && lr <= lr0);
        }
    }
    free(text);
    return 0;
}
