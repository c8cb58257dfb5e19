/* The pml_ising object, shared by the files of src/ising/. */
#ifndef PML_ISING_MODEL_H
#define PML_ISING_MODEL_H

#include "core/internal.h"
#include "ising/ising_ops.h"
#include "physml/ising.h"

struct pml_ising {
    pml_device *dev;
    pml_ising_config cfg;
    double *T, *B;   /* host copies, R each */
    void *spins;     /* device: bit-packed colour planes (src/ising/ising_ops.h) */
    void *params;    /* device: R pml_ising_rparams */
    void *acc;       /* device: R pml_ising_acc */
    uint64_t sweeps; /* sweeps done since init */
};

/* Allocate (no parameters, spins uninitialised). */
pml_status pml_ising_alloc(pml_device *dev, const pml_ising_config *cfg, pml_ising **out);
pml_status pml_ising_upload_params(pml_ising *g);
/* R * Ly * Lx: spins in the host's int8 layout. */
size_t pml_ising_nspins(const pml_ising *g);
/* Device bytes of one replica's two bit planes: 2 * Ly * ceil(Lx/64) uint32 words. */
size_t pml_ising_replica_bytes(int64_t lx, int64_t ly);
void pml_ising_make_params(pml_ising_rule rule, double J, double T, double B,
                           pml_ising_rparams *p);
/* Row-major int8 +-1 (R x Ly x Lx) <-> bit planes (R replicas of replica_bytes each). */
void pml_ising_to_planes(const pml_ising_config *c, const int8_t *in, uint32_t *out);
void pml_ising_from_planes(const pml_ising_config *c, const uint32_t *in, int8_t *out);

#endif
