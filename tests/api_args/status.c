/* api_args cases for status.h. */
#include "api_args.h"

#define STATUS_CHECKS(Y)                                                                   \
    Y(pml_status_string, strcmp(pml_status_string((pml_status)99), "unknown status") == 0) \
    Y(pml_status_string, pml_status_string((pml_status)-1) != NULL)
DEFINE_GROUP(status_h, "status.h", NO_CASES, STATUS_CHECKS)
