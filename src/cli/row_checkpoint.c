/* Checkpoints of finished rows: the text files with which `rbm ising` (a temperature a row),
 * `hopfield capacity` (a network size and load a row) and `ae ising` (a lattice size's
 * temperatures and fit) resume (the format is in cli.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/internal.h"

/* The longest line a checkpoint may hold: its options (ae ising's name up to 256
 * temperatures), or a row of up to PML_CLI_ROWS_COLS_MAX numbers. */
#define LINE_MAX_BYTES 16384
#define COLS_MAX PML_CLI_ROWS_COLS_MAX

int pml_cli_other_run(const char *cmd, const char *path, const char *there, const char *here)
{
    /* name the first option that differs: the words around the first differing byte */
    const char *a = there, *b = here;
    while (*a && *a == *b) ++a, ++b;
    while (a > there && a[-1] != ' ') --a, --b;
    return pml_cli_usage(cmd, "resume", "'%.200s' is of another run: '%.*s' there, '%.*s' here",
                         path, (int)strcspn(a, " "), a, (int)strcspn(b, " "), b);
}

double *pml_cli_rows_find(const pml_cli_rows *t, const double *key)
{
    for (int64_t i = 0; i < t->n; ++i) {
        double *row = t->v + i * t->cols;
        int k = 0;
        while (k < t->keys && row[k] == key[k]) ++k;
        if (k == t->keys) return row;
    }
    return NULL;
}

int pml_cli_rows_put(pml_cli_rows *t, const double *row)
{
    double *at = pml_cli_rows_find(t, row);
    if (!at) {
        if (t->n == t->cap) {
            const int64_t cap = t->cap ? 2 * t->cap : 16;
            double *grown = realloc(t->v, (size_t)(cap * t->cols) * sizeof *grown);
            if (!grown) return pml_cli_fail(t->cmd, "checkpoint", PML_ERR_OUT_OF_MEMORY);
            t->v = grown;
            t->cap = cap;
        }
        at = t->v + t->n++ * t->cols;
    }
    memcpy(at, row, (size_t)t->cols * sizeof *row);
    return 0;
}

void pml_cli_rows_free(pml_cli_rows *t)
{
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

int pml_cli_rows_write(const pml_cli_rows *t, const char *path)
{
    pml_wfile w;
    if (pml_cli_open(t->cmd, path, &w)) return 1;
    fprintf(w.f, "%s\n%s\n", t->magic, t->options);
    for (int64_t i = 0; i < t->n; ++i) {
        const double *row = t->v + i * t->cols;
        for (int q = 0; q < t->cols; ++q) {
            if (isfinite(row[q])) fprintf(w.f, q ? " %.17g" : "%.17g", row[q]);
            else fprintf(w.f, q ? " null" : "null");
        }
        fputc('\n', w.f);
    }
    return pml_cli_commit(t->cmd, &w, 1);
}

/* One number of a row at *s (a decimal, or null for NaN); 0 when there is none. */
static int get_num(const char **s, double *v)
{
    while (**s == ' ') ++*s;
    if (strncmp(*s, "null", 4) == 0) {
        *v = NAN;
        *s += 4;
        return 1;
    }
    char *end;
    *v = pml_strtod_dec(*s, &end);
    if (end == *s) return 0;
    *s = end;
    return 1;
}

/* The next line of f into line (its newline removed): 1; 0 at the end or for a line too long
 * (*too_long set). */
static int get_line(FILE *f, char *line, size_t cap, int *too_long)
{
    if (!fgets(line, (int)cap, f)) return 0;
    const size_t n = strlen(line);
    if (n && line[n - 1] == '\n') {
        line[n - 1] = '\0';
        return 1;
    }
    if (!feof(f)) {
        *too_long = 1;
        return 0;
    }
    return 1; /* the last line, without its newline */
}

int pml_cli_rows_read(pml_cli_rows *t, const char *path)
{
    if (t->cols < 1 || t->cols > COLS_MAX || t->keys < 1 || t->keys > t->cols)
        return pml_cli_fail(t->cmd, "checkpoint", PML_ERR_INVALID_ARGUMENT);
    FILE *f = NULL;
    const pml_status st = pml_open_regular(t->cmd, path, &f, NULL);
    if (st != PML_OK) return pml_cli_fail(t->cmd, "--resume", st);
    char line[LINE_MAX_BYTES];
    int rc = 0, n = 2, too_long = 0;
    if (!get_line(f, line, sizeof line, &too_long) || strcmp(line, t->magic) != 0) {
        rc = pml_cli_usage(t->cmd, "resume", "'%.200s' is not a checkpoint of %s", path, t->cmd);
    } else if (!get_line(f, line, sizeof line, &too_long)) {
        rc = pml_cli_usage(t->cmd, "resume", "'%.200s' has no options line", path);
    } else if (strcmp(line, t->options) != 0) {
        rc = pml_cli_other_run(t->cmd, path, line, t->options);
    }
    while (!rc && get_line(f, line, sizeof line, &too_long)) {
        ++n;
        const char *s = line;
        double v[COLS_MAX];
        int k = 0;
        while (k < t->cols && get_num(&s, &v[k])) ++k;
        while (*s == ' ') ++s;
        int keys_ok = 1;
        for (int q = 0; q < t->keys && q < k; ++q) keys_ok &= isfinite(v[q]) != 0;
        if (k != t->cols || *s != '\0' || !keys_ok) {
            rc = pml_cli_usage(t->cmd, "resume", "'%.200s': line %d is damaged", path, n);
            break;
        }
        rc = pml_cli_rows_put(t, v);
    }
    if (!rc && too_long)
        rc = pml_cli_usage(t->cmd, "resume", "'%.200s': line %d is damaged", path, n + 1);
    if (!rc && ferror(f)) rc = pml_cli_usage(t->cmd, "resume", "'%.200s': a read failed", path);
    fclose(f);
    return rc;
}
