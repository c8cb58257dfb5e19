/* pml_strtod_dec and pml_strtoll_dec (src/core/number.c), the readers of numbers in user
 * text: what they read, where they stop, and what they refuse (end == start). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/internal.h"
#include "pml_test.h"

/* s read as the number `want`, stopping `rest` characters before the end of s */
static void reads(const char *s, double want, size_t rest)
{
    char *end = NULL;
    errno = 0;
    const double v = pml_strtod_dec(s, &end);
    cr_expect(end == s + strlen(s) - rest, "'%s': stopped at offset %td, want %zu", s, end - s,
              strlen(s) - rest);
    cr_expect(v == want, "'%s': %.17g, want %.17g", s, v, want);
}

/* nothing read: end == s, 0 returned */
static void refused(const char *s)
{
    char *end = (char *)"x";
    const double v = pml_strtod_dec(s, &end);
    cr_expect(end == s && v == 0.0, "'%s' was read (%.17g, %td characters)", s, v, end - s);
}

Test(number, decimal_forms)
{
    reads("2", 2.0, 0);
    reads("-2.5", -2.5, 0);
    reads("+0.125", 0.125, 0);
    reads(".5", 0.5, 0);
    reads("5.", 5.0, 0);
    reads("1e3", 1000.0, 0);
    reads("1E-2", 0.01, 0);
    reads("2.5e+1", 25.0, 0);
    reads("0.1", 0.1, 0); /* the same rounding as strtod */
    reads("2.269185314213022", 2.269185314213022, 0);
}

Test(number, stops_before_what_is_not_decimal)
{
    reads("0x10", 0.0, 3);   /* hex: strtod would read 16 */
    reads("0x1p1", 0.0, 4);
    reads("1e", 1.0, 1);     /* an exponent needs digits */
    reads("1e+", 1.0, 2);
    reads("3,4", 3.0, 2);    /* a list's separator */
    reads("2:3:0.5", 2.0, 6);
    reads("1.5x", 1.5, 1);
    reads("1..2", 1.0, 2);
}

Test(number, refuses_what_is_no_number)
{
    refused("");
    refused("-");
    refused("+");
    refused(".");
    refused("e5");
    refused(" 1");   /* no leading space */
    refused("\t-1");
    refused("inf");
    refused("-inf");
    refused("nan");
    refused("infinity");
    char longest[500];
    memset(longest, '1', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    refused(longest); /* longer than anyone writes: refused, not cut */
}

Test(number, integers)
{
    char *end = NULL;
    cr_expect(pml_strtoll_dec("42", &end) == 42 && *end == '\0');
    cr_expect(pml_strtoll_dec("-7x", &end) == -7 && *end == 'x');
    cr_expect(pml_strtoll_dec("0x10", &end) == 0 && *end == 'x', "base 10: no hex");
    const char *bad[] = {"", "-", "+5", " 5", "\t-1", "x1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        end = NULL;
        cr_expect(pml_strtoll_dec(bad[i], &end) == 0 && end == bad[i], "'%s' was read", bad[i]);
    }
    errno = 0;
    pml_strtoll_dec("99999999999999999999", &end);
    cr_expect(errno == ERANGE && *end == '\0');
}

Test(number, overflow_and_underflow_as_strtod)
{
    char *end = NULL;
    errno = 0;
    const double big = pml_strtod_dec("1e400", &end);
    cr_expect(isinf(big) && errno == ERANGE && *end == '\0');
    errno = 0;
    const double tiny = pml_strtod_dec("1e-400", &end);
    cr_expect(tiny == 0.0 && errno == ERANGE && *end == '\0');
    cr_expect(pml_strtod_dec("7", NULL) == 7.0, "end may be NULL");
}

/* The real the tool reads: a finite value, a denormal kept, overflow and underflow to 0
 * refused with end at the start; what follows the number is the caller's. */
Test(number, reals_finite_and_not_lost)
{
    char *end = NULL;
    double v = -1.0;
    cr_expect(pml_real_dec("2.5,3", &end, &v) == 1 && v == 2.5 && *end == ',');
    cr_expect(pml_real_dec("4e-320", &end, &v) == 1 && v > 0.0 && v < 1e-310, "a denormal");
    const char *bad[] = {"1e400", "-1e400", "1e-400", "", "x", "-", ".e5", "inf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        v = 42.0;
        end = NULL;
        cr_expect(pml_real_dec(bad[i], &end, &v) == 0 && end == bad[i] && v == 42.0,
                  "'%s' was read", bad[i]);
    }
    cr_expect(pml_real_dec("0", NULL, &v) == 1 && v == 0.0, "zero written as zero");
}
