/* The physml command-line tool: shared pieces (options, JSON lines, progress, files) and
 * the command and tour-chapter registries. */
#ifndef PML_CLI_H
#define PML_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "core/file.h"
#include "physml/physml.h"

/* ---- options ---------------------------------------------------------------------------
 * Options are "--name value" or "--name=value"; flags are "--name". Every command takes
 * --help. The parser checks every value before the command sees it: integers and numbers
 * against the option's range (lo..hi, inclusive; `above`: lo excluded), finite, in range
 * before any narrowing; strings against a length limit; choices against their words. A bad
 * value is a one-line error naming the option, and exit 2. Every number option must declare
 * its range: an INT or DOUBLE option whose lo and hi are both 0 is a programming error that
 * the parser reports on every call (so tests/cli_test.c catches it). `given` (may be NULL)
 * is set to 1 when the option is on the command line, so a command never mistakes a value
 * for "not given". */
typedef enum pml_opt_type {
    PML_OPT_FLAG,   /* int *: set to 1 */
    PML_OPT_INT,    /* int64_t *: an integer in [lo, hi] */
    PML_OPT_U64,    /* uint64_t *: any 64-bit unsigned integer (seeds), decimal or 0x... */
    PML_OPT_DOUBLE, /* double *: a finite number in [lo, hi] ((lo, hi] with above) */
    PML_OPT_STR,    /* const char **: points into argv; at most PML_OPT_STR_MAX bytes */
    PML_OPT_CHOICE  /* const char **: one of the words of `choices`, "hot|cold|auto" */
} pml_opt_type;

#define PML_OPT_STR_MAX 4095
/* The largest |J| and |B| the Ising and mean-field commands take: only J/T and B/T matter,
 * and much larger values overflow the energy's moments (1e308 printed e = -inf). */
#define PML_CLI_FIELD_MAX 1e6
/* The lowest T they take: 1/T^2 multiplies C and chi, and at T = 1e-300 it made C NaN. */
#define PML_CLI_T_MIN 1e-6

typedef struct pml_opt {
    const char *name; /* without the dashes: "device" */
    pml_opt_type type;
    void *target;
    const char *metavar; /* "D", "N", ... shown in the help */
    const char *help;
    double lo, hi;       /* INT, DOUBLE: the accepted range */
    int above;           /* DOUBLE: lo itself is refused */
    const char *choices; /* CHOICE: the words, separated by '|' */
    int *given;
} pml_opt;

/* Parse argv[first..argc) against opts (terminated by an entry with name NULL).
 * Returns 0 to go on, 1 when --help was printed (exit 0), 2 on an error already printed
 * (exit 2). `usage` is the synopsis line printed with --help and after errors. */
int pml_cli_parse(const char *command, const char *usage, const char *description, int argc,
                  char **argv, int first, const pml_opt *opts);
void pml_cli_print_help(FILE *f, const char *command, const char *usage, const char *description,
                        const pml_opt *opts);
/* A usage error found after parsing (an option combination, a value a library parser
 * refused): "physml CMD: --OPT: detail" on stderr; returns 2. */
int pml_cli_usage(const char *command, const char *option, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Report a failed physml call on stderr ("physml CMD: what: status: detail"); returns 1. */
/* A count option (--subset N and the like; 0 means all) against the size of what it takes
 * from: 0 when n <= size, else a usage error naming the option (2). Taking everything when
 * more was asked would ignore the number quietly. */
int pml_cli_fits(const char *command, const char *option, int64_t n, int64_t size, const char *of);
/* The first n examples of ds for `option` (--subset N, --test-subset N): *part a new dataset of
 * them, or NULL when n is 0 or all of ds (use ds itself). More than ds holds is the option's
 * usage error (2, pml_cli_fits), or all of ds when option is NULL (the tour's own subsets). A
 * failure is 1 after a message. */
int pml_cli_head(const char *command, const char *option, const pml_dataset *ds, int64_t n,
                 const char *of, pml_dataset **part);
int pml_cli_fail(const char *command, const char *what, pml_status s);

/* Open the device named on the command line. 0 on success; otherwise a one-line error and
 * the exit code: 2 for a spec that names no device ("tpu"), 1 when it cannot be opened. */
int pml_cli_open_device(const char *command, const char *spec, pml_device **out);
/* The kind of dev, "cpu" or "cuda" (its spec without ":N"): what a checkpoint records, since
 * a CPU and a GPU run part ways but two GPUs of one kind do not. */
const char *pml_cli_device_kind(const pml_device *dev);

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
/* An array of n numbers (null for NaN/inf). */
void pml_jsonl_num_array(pml_jsonl *j, const char *key, const float *v, int n);
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

/* ---- files ------------------------------------------------------------------------------
 * Every file the tool writes goes through pml_wfile (src/core/file.h): whole or not at all.
 * Each returns 0 on success, or prints a one-line error naming the command and returns 1. */
/* A long command's output directory, checked before the work: created (mkdir -p), a
 * directory, and writable now (a probe file made and removed). */
int pml_cli_out_dir(const char *command, const char *dir);
/* A long command's output file (--save FILE), checked before the work: its directory exists
 * and takes a new file now. */
int pml_cli_out_file(const char *command, const char *option, const char *path);
/* The checkpoint options of a long command, checked before the work: --checkpoint-every
 * (every_given) needs --checkpoint, whose directory must take a new file now, and --resume
 * must name a regular file. 0, 1 (a file check failed) or 2 (a usage error), after a message. */
int pml_cli_resumable(const char *command, const char *checkpoint, int every_given,
                      const char *resume);
/* Start writing `path` atomically. */
int pml_cli_open(const char *command, const char *path, pml_wfile *w);
/* Finish it; "wrote PATH" on stderr (unless quiet) only once the file is in place. */
int pml_cli_commit(const char *command, pml_wfile *w, int quiet);
/* "DIR/NAME" into buf (cap bytes); 1 (with a message) when it does not fit. */
int pml_cli_path(const char *command, char *buf, size_t cap, const char *dir, const char *name);

/* ---- checkpoints of finished rows (src/cli/row_checkpoint.c) -----------------------------
 * A command that works through independent items (temperatures, loads, ...), each one's
 * numbers depending only on the options and the item, keeps the rows done in a text file,
 * rewritten atomically after each item:
 *   MAGIC
 *   options K=V ...     (every option that decides a row's numbers)
 *   x0 x1 ...           (a row: `cols` numbers, %.17g or null for NaN; the first `keys` name
 *                        the item)
 * A resumed run takes the rows of the items it asks for and works out the rest: a killed run
 * continues, and a run may add items. Rows of items it does not ask for stay in the table and
 * are written back. */
#define PML_CLI_ROWS_COLS_MAX 128
typedef struct pml_cli_rows {
    const char *cmd, *magic; /* the command (for messages) and the file's first line */
    const char *options;     /* the options line, "options ..." */
    int cols, keys;          /* numbers a row (<= PML_CLI_ROWS_COLS_MAX), of which the first
                                `keys` name its item */
    int64_t n, cap;
    double *v;               /* n rows of cols numbers */
} pml_cli_rows;
/* Add the rows of checkpoint `path` to t: 0; 1 after a failure to read it; 2 (a usage error
 * naming --resume) when it is not a checkpoint of this command, of other options (naming the
 * first that differs) or damaged. */
int pml_cli_rows_read(pml_cli_rows *t, const char *path);
/* A checkpoint `path` whose options line `there` is not this run's `here`: the usage error
 * (2) naming the first option that differs, `'seed=1' there, 'seed=2' here`. */
int pml_cli_other_run(const char *cmd, const char *path, const char *there, const char *here);
/* The row whose keys are key[0 .. keys-1] (compared exactly), or NULL. */
double *pml_cli_rows_find(const pml_cli_rows *t, const double *key);
/* Put row (cols numbers) in t, over the row of the same item if there is one: 0, or 1 after a
 * message (out of memory). */
int pml_cli_rows_put(pml_cli_rows *t, const double *row);
/* Write t to path atomically (no "wrote" line): 0, or 1 after a message. */
int pml_cli_rows_write(const pml_cli_rows *t, const char *path);
void pml_cli_rows_free(pml_cli_rows *t);

/* DIR/NAME as a .npy of host data (dtype, shape: the array's), through a CPU tensor; "wrote
 * PATH" unless quiet. 0, or 1 after a message. */
int pml_cli_npy(const char *command, const char *dir, const char *name, pml_dtype dtype,
                int ndim, const int64_t *shape, const void *host, int quiet);

/* The largest image the tool writes: sides up to PML_PNG_MAX_SIDE pixels and at most
 * PML_PNG_MAX_BYTES bytes of pixels (stb_image_write computes sizes in int). */
#define PML_PNG_MAX_SIDE 16384
#define PML_PNG_MAX_BYTES ((int64_t)1 << 28)
/* `count` images of rows x cols values in [0, 1] (or any range with normalize: each image
 * scaled from its own min..max to 0..255, the usual way to show filters) as one PNG grid of
 * per_row images, 1-pixel grey gaps, each pixel drawn `scale` x `scale`. 0, or 1 after a
 * message. */
int pml_cli_image_grid(const char *cmd, const char *dir, const char *name, const float *img,
                     int64_t count, int rows, int cols, int per_row, int scale, int normalize,
                     int quiet);
/* An 8-bit greyscale (channels 1) or RGB (3) PNG, atomically; larger than the bounds above
 * is refused (callers downsample first). */
int pml_png_write(const char *command, const char *path, int width, int height, int channels,
                  const uint8_t *pixels, int quiet);

/* Render DIR/SCRIPT with gnuplot, started without a shell in DIR (scripts name their files
 * relative to their own directory and take the image's name from the gnuplot variable
 * `pml_png`, default PNG), into a temporary file that becomes DIR/PNG once gnuplot succeeds.
 * 0: rendered ("wrote" unless quiet); 1: gnuplot is not installed (the script stays for
 * later, a note unless quiet); -1: gnuplot failed (a message, always). */
int pml_gnuplot_render(const char *command, const char *dir, const char *script, const char *png,
                       int quiet);
/* The line every script starts its output with: the image named by `pml_png`, PNG by default. */
void pml_gnuplot_output(FILE *f, const char *png, const char *terminal);

/* ---- commands ---------------------------------------------------------------------------- */
typedef int (*pml_command_fn)(int argc, char **argv);
typedef struct pml_command {
    const char *name;
    pml_command_fn run;
    const char *summary;
} pml_command;

/* `physml NAME <sub> ...`: run the subcommand argv[2] names from sub (NULL-terminated), or
 * list them (stdout and 0 for --help; stderr and 2 otherwise). */
int pml_cli_subcommand(const char *name, const pml_command *sub, int argc, char **argv);

int pml_cmd_info(int argc, char **argv);
int pml_cmd_tour(int argc, char **argv);

int pml_cmd_ising(int argc, char **argv);      /* ising (and `ising scan`) */
int pml_cmd_ising_scan(int argc, char **argv); /* ising scan */
int pml_cmd_meanfield(int argc, char **argv);  /* meanfield */
int pml_cmd_hopfield(int argc, char **argv);   /* hopfield recall | capacity */
int pml_cmd_rbm(int argc, char **argv);        /* rbm train | logz | sample | complete | ising */

int pml_cmd_train(int argc, char **argv);
int pml_cmd_eval(int argc, char **argv);
int pml_cmd_predict(int argc, char **argv);
int pml_cmd_conv(int argc, char **argv);
int pml_cmd_ae(int argc, char **argv); /* ae train | anomaly | sample | reconstruct | encode | ising */

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
int pml_tour_cnn(pml_tour_ctx *ctx);
int pml_tour_ae(pml_tour_ctx *ctx);

int pml_tour_ising(pml_tour_ctx *ctx); /* the Ising chapter */
int pml_tour_hopfield(pml_tour_ctx *ctx);
int pml_tour_rbm(pml_tour_ctx *ctx);

int pml_tour_train(pml_tour_ctx *ctx);

#endif
