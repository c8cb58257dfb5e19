/* pml_ising_load on any bytes (state files of versions 1 and 2). A state loaded must be a
 * working simulation: its spins read back as +-1, a sweep and a measurement run, and the
 * statistics come out. */
#include <stdlib.h>

#include "fuzz_util.h"

static void run(pml_ising *g)
{
    pml_ising_config cfg;
    FUZZ_CHECK(pml_ising_get_config(g, &cfg) == PML_OK && cfg.replicas >= 1);
    const size_t n = pml_ising_spin_count(g);
    int8_t *spins = malloc(n);
    pml_ising_stats *st = calloc((size_t)cfg.replicas, sizeof *st);
    FUZZ_CHECK(spins != NULL && st != NULL);
    FUZZ_CHECK(pml_ising_get_spins(g, spins, n) == PML_OK);
    for (size_t i = 0; i < n; ++i) FUZZ_CHECK(spins[i] == 1 || spins[i] == -1);
    FUZZ_CHECK(pml_ising_sample(g, 1) == PML_OK);
    FUZZ_CHECK(pml_ising_stats_get(g, st, cfg.replicas) == PML_OK);
    free(spins);
    free(st);
}

FUZZ_FILE_READER("in.ising", pml_ising, pml_ising_load(fuzz_device(), path, &out), run,
                 pml_ising_destroy)
