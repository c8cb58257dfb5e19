/* The physml command-line tool: shared pieces (options, JSON lines, progress, files) and
 * the command and tour-chapter registries. */
#ifndef PML_CLI_H
#define PML_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "physml/physml.h"

/* ---- options ---------------------------------------------------------------------------
 * Options are "--name value" or "--name=value"; flags are "--name". Every command takes
 * --help. */
typedef enum pml_opt_type {
    PML_OPT_FLAG,   /* int *: set to 1 */
    PML_OPT_INT,    /* long *: integer */
    PML_OPT_U64,    /* uint64_t *: unsigned integer (seeds) */
    PML_OPT_DOUBLE, /* double * */
    PML_OPT_STR     /* const char **: points into argv */
} pml_opt_type;

typedef struct pml_opt {
    const char *name; /* without the dashes: "device" */
    pml_opt_type type;
    void *target;
    const char *metavar; /* "D", "N", ... shown in the help */
    const char *help;
} pml_opt;

/* Parse argv[first..argc) against opts (terminated by an entry with name NULL).
 * Returns 0 to go on, 1 when --help was printed (exit 0), 2 on an error already printed
 * (exit 2). `usage` is the synopsis line printed with --help and after errors. */
int pml_cli_parse(const char *command, const char *usage, const char *description, int argc,
                  char **argv, int first, const pml_opt *opts);
void pml_cli_print_help(FILE *f, const char *command, const char *usage, const char *description,
                        const pml_opt *opts);

/* Report a failed physml call on stderr ("physml CMD: what: status: detail"); returns 1. */
int pml_cli_fail(const char *command, const char *what, pml_status s);

/* Open the device named on the command line, with a one-line error when it fails. */
pml_status pml_cli_open_device(const char *command, const char *spec, pml_device **out);

/* ---- JSON lines -------------------------------------------------------------------------
 * One object per line: pml_jsonl_begin, fields, pml_jsonl_end. Strings are escaped by the
 * library's pml_json_put_string (src/data/json.h). */
typedef struct pml_jsonl {
    FILE *f;
    int n;
} pml_jsonl;
void pml_jsonl_begin(pml_jsonl *j, FILE *f);
void pml_jsonl_num(pml_jsonl *j, const char *key, double v); /* null for NaN/inf */
void pml_jsonl_int(pml_jsonl *j, const char *key, long long v);
void pml_jsonl_bool(pml_jsonl *j, const char *key, int v);
void pml_jsonl_str(pml_jsonl *j, const char *key, const char *v); /* NULL writes "" */
/* Raw JSON text (an array or object written by the caller). */
void pml_jsonl_raw(pml_jsonl *j, const char *key, const char *json_text);
void pml_jsonl_end(pml_jsonl *j);

/* ---- progress on stderr: animated on a terminal, silent with --quiet -------------------- */
typedef struct pml_progress {
    const char *label;
    int64_t total;
    int animate, quiet;
    double t0, last;
} pml_progress;
void pml_progress_start(pml_progress *p, const char *label, int64_t total, int quiet);
void pml_progress_update(pml_progress *p, int64_t done, const char *suffix);
void pml_progress_finish(pml_progress *p, const char *summary);
/* Monotonic seconds. */
double pml_now(void);
/* 1 when colour escapes may be used on stream f (a terminal, NO_COLOR unset). */
int pml_cli_color(FILE *f);

/* ---- files ------------------------------------------------------------------------------ */
/* mkdir -p; 0 on success. */
int pml_mkdirs(const char *path);
/* Write an 8-bit greyscale (channels 1) or RGB (3) PNG; 0 on success. */
int pml_png_write(const char *path, int width, int height, int channels, const uint8_t *pixels);
/* Run gnuplot on a script when gnuplot is installed; 0 when a PNG was rendered, 1 when
 * gnuplot is missing (the script stays for later), -1 when gnuplot failed. */
int pml_gnuplot_render(const char *script_path);

/* ---- commands ---------------------------------------------------------------------------- */
typedef int (*pml_command_fn)(int argc, char **argv);
typedef struct pml_command {
    const char *name;
    pml_command_fn run;
    const char *summary;
} pml_command;

int pml_cmd_info(int argc, char **argv);
int pml_cmd_tour(int argc, char **argv);

int pml_cmd_ising(int argc, char **argv);      /* ising (and `ising scan`) */
int pml_cmd_ising_scan(int argc, char **argv); /* ising scan */
int pml_cmd_meanfield(int argc, char **argv);  /* meanfield */

int pml_cmd_train(int argc, char **argv);
int pml_cmd_eval(int argc, char **argv);

/* ---- the tour ----------------------------------------------------------------------------
 * Each chapter runs on the tour's device, prints progress on stderr, appends rows to the
 * summary table and a section to report.md. */
typedef struct pml_tour_ctx {
    pml_device *dev;
    const char *out_dir; /* exists */
    int quick;           /* --quick: smaller sizes */
    int quiet;
    FILE *report;        /* report.md, open for appending */
} pml_tour_ctx;

/* Add a row "chapter | quantity | value | reference/note" to the summary table. */
void pml_tour_row(const char *chapter, const char *quantity, const char *value, const char *note);

typedef int (*pml_tour_chapter_fn)(pml_tour_ctx *ctx);
typedef struct pml_tour_chapter {
    const char *name;
    const char *title;
    pml_tour_chapter_fn run;
} pml_tour_chapter;

int pml_tour_devices(pml_tour_ctx *ctx);

int pml_tour_ising(pml_tour_ctx *ctx); /* the Ising chapter */

int pml_tour_train(pml_tour_ctx *ctx);

#endif
