/* JSON lines: one object per line, keys in the order written. */
#include <math.h>

#include "cli/cli.h"

void pml_json_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; ++p) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void key(pml_json *j, const char *k)
{
    fputs(j->n++ ? ", " : "", j->f);
    pml_json_write_string(j->f, k);
    fputs(": ", j->f);
}

void pml_json_begin(pml_json *j, FILE *f)
{
    j->f = f;
    j->n = 0;
    fputc('{', f);
}

void pml_json_num(pml_json *j, const char *k, double v)
{
    key(j, k);
    if (isfinite(v)) fprintf(j->f, "%.10g", v);
    else fputs("null", j->f);
}

void pml_json_int(pml_json *j, const char *k, long long v)
{
    key(j, k);
    fprintf(j->f, "%lld", v);
}

void pml_json_bool(pml_json *j, const char *k, int v)
{
    key(j, k);
    fputs(v ? "true" : "false", j->f);
}

void pml_json_str(pml_json *j, const char *k, const char *v)
{
    key(j, k);
    pml_json_write_string(j->f, v);
}

void pml_json_raw(pml_json *j, const char *k, const char *json_text)
{
    key(j, k);
    fputs(json_text, j->f);
}

void pml_json_end(pml_json *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}
