/* JSON lines: one object per line, keys in the order written. */
#include <math.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "data/json.h"

/* The escaping is the library's, so the tool and the .safetensors writer cannot drift. An
 * allocation failure (a few bytes) writes null rather than a truncated string. */
static void write_string(FILE *f, const char *s)
{
    pml_json_buf b = {0};
    pml_json_put_string(&b, s ? s : "");
    fputs(b.failed ? "null" : b.s, f);
    free(b.s);
}

static void key(pml_jsonl *j, const char *k)
{
    fputs(j->n++ ? ", " : "", j->f);
    write_string(j->f, k);
    fputs(": ", j->f);
}

void pml_jsonl_begin(pml_jsonl *j, FILE *f)
{
    j->f = f;
    j->n = 0;
    fputc('{', f);
}

void pml_jsonl_num(pml_jsonl *j, const char *k, double v)
{
    key(j, k);
    if (isfinite(v)) fprintf(j->f, "%.10g", v);
    else fputs("null", j->f);
}

void pml_jsonl_int(pml_jsonl *j, const char *k, long long v)
{
    key(j, k);
    fprintf(j->f, "%lld", v);
}

void pml_jsonl_bool(pml_jsonl *j, const char *k, int v)
{
    key(j, k);
    fputs(v ? "true" : "false", j->f);
}

void pml_jsonl_str(pml_jsonl *j, const char *k, const char *v)
{
    key(j, k);
    write_string(j->f, v);
}

void pml_jsonl_num_array(pml_jsonl *j, const char *k, const float *v, int n)
{
    key(j, k);
    fputc('[', j->f);
    for (int i = 0; i < n; ++i) {
        if (i) fputs(", ", j->f);
        if (isfinite(v[i])) fprintf(j->f, "%.9g", (double)v[i]);
        else fputs("null", j->f);
    }
    fputc(']', j->f);
}

void pml_jsonl_raw(pml_jsonl *j, const char *k, const char *json_text)
{
    key(j, k);
    fputs(json_text, j->f);
}

void pml_jsonl_end(pml_jsonl *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}
