/* The pml_ising object, shared by the files of src/ising/. */
#ifndef PML_ISING_MODEL_H
#define PML_ISING_MODEL_H

#include "core/internal.h"
#include "ops/ising_ops.h"
#include "physml/ising.h"

/* A run of consecutive replicas of one size: one backend `sweeps` call covers it (args.r0 =
 * r0, so its replicas draw from their streams in the whole batch). */
typedef struct pml_ising_segment {
    int64_t r0, count, lx, ly;
    size_t spin0; /* index of its first spin in the row-major host layout (get/set spins) */
    size_t byte0; /* byte offset of its first replica in the device spins */
} pml_ising_segment;

struct pml_ising {
    pml_device *dev;
    pml_ising_config cfg; /* lx, ly: the common size, 0 when the replicas' sizes differ */
    double *T, *B;        /* host copies, R each */
    int64_t *lx, *ly;     /* host: each replica's size, R each */
    pml_ising_segment *seg;
    int64_t nseg;
    size_t nspins;   /* sum of lx[r] * ly[r] */
    size_t nbytes;   /* device bytes of the spins */
    pml_tensor *spins;  /* U32, nbytes / 4 words: bit-packed colour planes (src/ops/ising_ops.h),
                           replica after replica */
    pml_tensor *params; /* U8: R pml_ising_rparams */
    pml_tensor *acc;    /* U8: R pml_ising_acc */
    uint64_t sweeps; /* sweeps done since init */
};

/* The checks of pml_ising_create on the replica count and sizes (per-replica lx, ly, or both
 * NULL for cfg->lx x cfg->ly), and on T > 0 finite and B finite (B may be NULL): each
 * failure PML_ERR_INVALID_ARGUMENT naming fn and the value. *spins (may be NULL) gets the
 * total number of spins. */
pml_status pml_ising_check_sizes(const pml_ising_config *cfg, const int64_t *lx,
                                 const int64_t *ly, const char *fn, size_t *spins);
pml_status pml_ising_check_params(const char *fn, int64_t R, const double *T, const double *B);
/* The rule known, implemented on dev (skipped for dev NULL) and, for a cluster rule, every
 * B[0..R) zero (skipped for B NULL): PML_ERR_INVALID_ARGUMENT or PML_ERR_UNSUPPORTED naming
 * fn. */
pml_status pml_ising_check_rule(const char *fn, const pml_device *dev, pml_ising_rule rule,
                                int64_t R, const double *B);
/* Allocate (no parameters, spins uninitialised). lx, ly: per-replica sizes (R each), or both
 * NULL for R replicas of cfg->lx x cfg->ly. fn names the public caller in error messages. */
pml_status pml_ising_alloc(pml_device *dev, const pml_ising_config *cfg, const int64_t *lx,
                           const int64_t *ly, const char *fn, pml_ising **out);
pml_status pml_ising_upload_params(pml_ising *g);
/* Device bytes of one lx x ly replica's two bit planes: 2 * Ly * ceil(Lx/64) uint32 words.
 * Replicas lie back to back in the device buffer, so a replica's byte offset is the sum of
 * this over the replicas before it (always a multiple of 4). */
size_t pml_ising_replica_bytes(int64_t lx, int64_t ly);
void pml_ising_make_params(pml_ising_rule rule, double J, double T, double B,
                           pml_ising_rparams *p);
/* Row-major int8 +-1 (R x Ly x Lx) <-> bit planes (R replicas of replica_bytes each). */
void pml_ising_to_planes(const pml_ising_config *c, const int8_t *in, uint32_t *out);
void pml_ising_from_planes(const pml_ising_config *c, const uint32_t *in, int8_t *out);
/* The whole batch, segment by segment: rows (nspins) <-> device image (nbytes). */
void pml_ising_rows_to_device(const pml_ising *g, const int8_t *rows, void *image);
void pml_ising_device_to_rows(const pml_ising *g, const void *image, int8_t *rows);

#endif
