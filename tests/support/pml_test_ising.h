/* The Ising kernels' tests: a pml_ising's state copied to the host and run through the
 * site-by-site reference kernel of its rule (pml_cpu_ising_sweeps_ref, src/cpu/ising_sweep.c;
 * pml_cpu_ising_sw_ref, src/cpu/ising_sw.c; Wolff's one CPU kernel), so that
 * what the object's own kernels did to it can be compared with the reference, bit for bit.
 * The copy is run replica by replica (replica r alone, drawing from PML_ISING_STREAM + r),
 * not through the object's segments, so the model's grouping of the batch is checked too. */
#ifndef PML_TEST_ISING_H
#define PML_TEST_ISING_H

#include "ising/ising_model.h"

typedef struct pml_test_ising_ref {
    pml_ising *g;              /* the object copied: sizes, seed, J */
    uint8_t *spins;            /* its device image (bit planes), g->nbytes */
    pml_ising_rparams *params; /* R */
    pml_ising_acc *acc;        /* R */
    uint64_t sweeps;           /* sweeps done */
} pml_test_ising_ref;

/* Copy g's spins, parameters, accumulators and sweep counter (g on any device). */
void pml_test_ising_ref_copy(pml_ising *g, pml_test_ising_ref *ref);
/* n sweeps of the copy through the reference, measured (as pml_ising_sample) or not (as
 * pml_ising_sweep). */
void pml_test_ising_ref_run(pml_test_ising_ref *ref, int64_t n, int measure);
/* g's device image, accumulators and sweep counter equal the copy's, bit for bit; prints
 * the first difference, prefixed by `what`. */
int pml_test_ising_ref_same(const pml_test_ising_ref *ref, pml_ising *g, const char *what);
void pml_test_ising_ref_free(pml_test_ising_ref *ref);
/* g's own kernel against the reference from g's present state: `sweeps` sweeps, the first
 * half unmeasured, then bit planes, accumulators and sweep counter compared; 1 when equal
 * (the first difference printed, prefixed by `what`). */
int pml_test_ising_matches_ref(pml_ising *g, int64_t sweeps, const char *what);

/* Whether every spin of an lx x ly lattice (row-major +-1) has neighbour sum 0. */
int pml_test_ising_trapped(const int8_t *s, int64_t lx, int64_t ly);
/* Candidate k of replica r's hot start (lx * ly spins into s) as physml/ising.h defines it,
 * from pml_rng_u32 alone: s = +1 where u32(seed, PML_ISING_INIT_STREAM + r, k N + i) is odd. */
void pml_test_ising_candidate(uint64_t seed, int64_t r, int64_t k, int64_t lx, int64_t ly,
                              int8_t *s);
/* Replica r's hot start by the header's rule: the first of 64 candidates that is not trapped
 * (the last one if all are); returns its k. */
int64_t pml_test_ising_hot_start(uint64_t seed, int64_t r, int64_t lx, int64_t ly, int8_t *s);

/* Exact averages of an lx x ly lattice (lx ly <= 24) by enumerating its 2^N states, with the
 * energy convention of physml/ising.h: e, e^2, m, |m|, m^2, m^4 per spin, and C, chi
 * (with <|m|>), chi_m (with <m>) per spin. */
typedef struct pml_test_ising_exact {
    double e, e2, m, m_abs, m2, m4, c, chi, chi_m;
} pml_test_ising_exact;
pml_test_ising_exact pml_test_ising_enumerate(int lx, int ly, double J, double T, double B);

#endif
