/* RBM test helpers shared by tests/rbm_test.c and tests/parity_rbm_test.c: a host copy of a
 * small model in double, its joint energy, and the check of the Gibbs sampler's marginals
 * against exact enumeration (which the parity suite runs on a GPU). */
#ifndef PML_TEST_RBM_H
#define PML_TEST_RBM_H

#include "physml/rbm.h"

/* A model of at most 64 x 64 units, in double on the host. */
typedef struct pml_test_host_rbm {
    int nv, nh;
    double w[64 * 64], a[64], b[64];
} pml_test_host_rbm;

/* W ~ N(0, sigma^2), biases N(0, bsig^2) from Philox keyed by seed, rounded to float, uploaded
 * into r and kept in h. */
void pml_test_rbm_randomize(pml_rbm *r, pml_test_host_rbm *h, double sigma, double bsig,
                            uint64_t seed);
/* r's parameters into h. */
void pml_test_rbm_download(pml_rbm *r, pml_test_host_rbm *h);
/* E(v, h) of the states given as bit masks (bit i of v is v_i). */
double pml_test_rbm_energy(const pml_test_host_rbm *h, unsigned v, unsigned hh);
/* 20000 chains of a 6 x 4 RBM with random parameters on dev, 60 Gibbs steps from noise (seed),
 * against the exact joint distribution: every marginal of v_i and h_j and of the pairs
 * (v_i, v_k), (v_i, h_j); the count of those further than 4 standard errors from exact (each
 * printed). */
int pml_test_rbm_marginals(pml_device *dev, uint64_t seed);

#endif
