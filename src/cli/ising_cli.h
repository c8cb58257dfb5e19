/* Pieces shared by `physml ising`, `physml ising scan`, `physml meanfield` and the Ising
 * tour chapter. */
#ifndef PML_ISING_CLI_H
#define PML_ISING_CLI_H

#include "cli/cli.h"
#include "physml/ising.h"

#define PML_SCAN_MAX_L 8

/* A temperature scan: one mixed batch (one pml_ising) holding every (L, T), replica
 * l*nT + i being L[l] x L[l] at T[i] (its Philox stream PML_ISING_STREAM + l*nT + i); with a
 * cluster window, two batches (the replicas outside the window, then those inside, each in
 * that order and numbered from 0 in its batch). */
typedef struct pml_ising_scan {
    int nL;
    int64_t L[PML_SCAN_MAX_L];
    int nT;
    double *T; /* nT temperatures (owned by the caller) */
    double B, J;
    pml_ising_rule rule;
    /* cluster >= 0 (a cluster rule): the temperatures within `window` of T_c(J) run it, in a
     * second batch (the replicas are independent, so this changes nothing else); -1: none */
    int cluster;
    double window;
    int64_t cluster_sweeps; /* measured sweeps of the cluster batch; 0: sweeps */
    int64_t sweeps, therm;
    uint64_t seed;
    /* save_state: the batches' states at every progress step (a hundredth of the run) and at
     * the end, the base rule's batch in save_state and the cluster window's in
     * save_state.cluster (pml_ising_save: atomic); resume: continue the scan those files hold,
     * each batch from where its file got, to the result of an uninterrupted scan. NULL: none. */
    const char *save_state, *resume;
    pml_ising_stats *stats; /* nL x nT, allocated by pml_ising_scan_run */
    double seconds, flips;
    double tc;    /* Binder crossing of the two largest sizes; NaN when none */
    double tc_lo, tc_hi; /* spread of the crossings over the pairs of sizes that cross */
} pml_ising_scan;

/* Run the scan on dev with progress on stderr (unless quiet); 0 on success. */
int pml_ising_scan_run(pml_device *dev, pml_ising_scan *s, int quiet, const char *command);
void pml_ising_scan_free(pml_ising_scan *s);
/* Write DIR/scan.csv, scan.dat, exact.dat, scan.gp (atomically, "wrote" for each unless
 * quiet) and render DIR/scan.png; *png = 1 when it was rendered (0: gnuplot missing). 0 on
 * success; 1 after a message naming the file that failed. DIR exists (pml_cli_out_dir). */
int pml_ising_scan_write(const pml_ising_scan *s, const char *dir, const char *command,
                         int quiet, int *png);

/* "32,64" -> values; "1.5:3.5:0.05" -> an inclusive range (or a single value, or a list).
 * Return the count, or -1 on a parse error. */
int pml_parse_i64_list(const char *text, int64_t *out, int cap);
int pml_parse_range(const char *text, double *out, int cap);
/* The statistics of one run as JSON keys: e, m, |m|, their errors, m2, m4, C, chi, chi_m,
 * U and their jackknife errors (null when there are none), the autocorrelation times,
 * "frozen", and "warning" when `warning` is not empty. */
void pml_ising_stats_jsonl(pml_jsonl *j, const pml_ising_stats *st, const char *warning);
/* The warning text of st into buf (pml_ising_warning_text; "" when none) and, when there is
 * one, the line "physml COMMAND: warning: [WHERE: ]TEXT" on stderr (also under --quiet:
 * numbers that cannot be trusted say so). `where` may be NULL. */
void pml_ising_warn(const char *command, const char *where, const pml_ising_stats *st,
                    char *buf, size_t cap);

/* Rule name -> rule; -1 when unknown. */
int pml_parse_rule(const char *name);
const char *pml_rule_name(pml_ising_rule r);
/* What a command checks of its rule before any work: a cluster rule needs B = 0 (exit 2
 * naming --B), Wolff runs on the CPU (device "auto" becomes "cpu"; a CUDA device: exit 2). 0
 * when it can run. */
int pml_ising_rule_check(const char *command, int rule, double B, const char **device);
#define PML_ISING_RULE_CHOICES "metropolis|heatbath|heat-bath|glauber|sw|swendsen-wang|wolff"

/* An Lx x Ly int8 lattice as a greyscale PNG (+1 white), scaled up by an integer factor to
 * at least 256 pixels a side, or down to at most 4096 (a pixel then shows the fraction of up
 * spins of its block). 0 on success, else 1 with a message. */
int pml_ising_png(const char *command, const char *path, const int8_t *spins, int64_t lx,
                  int64_t ly, int quiet);

#endif
