/* Decimal numbers as people write them, for every parser of user text (src/core/internal.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

long long pml_strtoll_dec(const char *s, char **end)
{
    /* an optional minus, then a digit: what strtoll would also take before it (space, a plus)
     * is refused; base 10, so no 0x */
    if (!isdigit((unsigned char)s[*s == '-'])) {
        if (end) *end = (char *)s;
        return 0;
    }
    return strtoll(s, end, 10);
}

double pml_strtod_dec(const char *s, char **end)
{
    const char *p = s;
    if (*p == '+' || *p == '-') ++p;
    int digits = 0;
    while (isdigit((unsigned char)*p)) ++p, ++digits;
    if (*p == '.') {
        ++p;
        while (isdigit((unsigned char)*p)) ++p, ++digits;
    }
    if (digits == 0) { /* no number: "", "-", ".", "inf", "nan", " 1" */
        if (end) *end = (char *)s;
        return 0.0;
    }
    if (*p == 'e' || *p == 'E') { /* an exponent only when digits follow */
        const char *q = p + 1;
        if (*q == '+' || *q == '-') ++q;
        if (isdigit((unsigned char)*q)) {
            while (isdigit((unsigned char)*q)) ++q;
            p = q;
        }
    }
    /* strtod on a copy of exactly this text: on s itself it would read "0x10" as 16 */
    char buf[400];
    const size_t n = (size_t)(p - s);
    if (n >= sizeof buf) { /* no one writes a number this long: refused */
        if (end) *end = (char *)s;
        return 0.0;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (end) *end = (char *)p;
    return strtod(buf, NULL);
}

int pml_real_dec(const char *s, char **end, double *v)
{
    char *e;
    errno = 0;
    const double x = pml_strtod_dec(s, &e);
    /* overflow gives inf; underflow to 0 would read "1e-400" as 0; a denormal is a value */
    if (e == s || !isfinite(x) || (errno == ERANGE && x == 0.0)) {
        if (end) *end = (char *)s;
        return 0;
    }
    if (end) *end = e;
    *v = x;
    return 1;
}
