/* The one clock of the library and the tool: monotonic seconds, for timings. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "core/internal.h"

double pml_clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
