/* Enum names: one table per enum (table[v] names value v) serves both directions, the
 * *_name functions and the *_parse functions, and the accepted names in a parse error. */
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

const char *pml_name_of(const char *const *table, int n, int value)
{
    return value >= 0 && value < n ? table[value] : "?";
}

const char *pml_name_list(const char *const *table, int n, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int v = 0; v < n && len < cap; ++v) {
        int w = snprintf(buf + len, cap - len, "%s%s", v ? ", " : "", table[v]);
        if (w < 0) break;
        len += (size_t)w;
    }
    return buf;
}

pml_status pml_name_parse(const char *fn, const char *what, const char *const *table, int n,
                          const char *name, const void *out, int *value)
{
    PML_CHECK_ARG(name != NULL, fn, "name is NULL");
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    for (int v = 0; v < n; ++v)
        if (strcmp(name, table[v]) == 0) {
            *value = v;
            return PML_OK;
        }
    char list[256];
    return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: unknown %s '%.100s' (%s)", fn, what, name,
                         pml_name_list(table, n, list, sizeof list));
}
