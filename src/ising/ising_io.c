/* Save and restore a run. File layout (little-endian, native doubles):
 *   "PMLISNG1", u32 version, u32 rule, i64 lx, ly, replicas, f64 J, u64 seed, u64 sweeps,
 *   u64 accumulator size (bytes per replica),
 *   versions 2, 3: i64 lx[R], i64 ly[R] (each replica's size; the header's lx, ly are those
 *                  of pml_ising_get_config, 0 for a batch of several sizes),
 *   f64 T[R], f64 B[R], i8 spins (each replica's Ly x Lx lattice row-major, +-1, in replica
 *   order: R*Ly*Lx bytes in version 1), the R accumulators as raw bytes.
 * Version 3 (this build writes it) holds the whole pml_ising_acc of src/ops/ising_ops.h:
 * the version-2 accumulator (PML_ISING_ACC_V2_SIZE bytes, the same fields in the same
 * places) followed by the first sample's bond sum and |spin sum|, the flags, and the
 * jackknife bins. Versions 1 and 2 (R replicas of the header's lx x ly in version 1) still
 * load: their accumulators become the prefix of the new one, with no jackknife bins and no
 * first sample, marked PML_ISING_ACC_LEGACY when they hold samples (C, chi and U then have
 * no error bars, and no frozen warning is given, until the measurements are reset).
 * Everything that decides the future of the run is in the file, so a loaded run continues
 * bit-for-bit, on any backend. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "ising/ising_model.h"

_Static_assert(offsetof(pml_ising_acc, bonds0) == PML_ISING_ACC_V2_SIZE,
               "the version-2 accumulator must stay the prefix of pml_ising_acc");

static const char magic[8] = {'P', 'M', 'L', 'I', 'S', 'N', 'G', '1'};

typedef struct header {
    uint32_t version, rule;
    int64_t lx, ly, replicas;
    double J;
    uint64_t seed, sweeps, acc_size;
} header;

static int put(FILE *f, const void *p, size_t n) { return fwrite(p, 1, n, f) == n; }
static int get(FILE *f, void *p, size_t n) { return fread(p, 1, n, f) == n; }

pml_status pml_ising_save(pml_ising *g, const char *path)
{
    static const char fn[] = "pml_ising_save";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    const size_t n = pml_ising_spin_count(g), R = (size_t)g->cfg.replicas;
    int8_t *spins = malloc(n);
    pml_ising_acc *acc = malloc(R * sizeof *acc);
    pml_status s = PML_OK;
    if (!spins || !acc) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host buffers", fn);
    if (s == PML_OK) s = pml_ising_get_spins(g, spins, n);
    if (s == PML_OK) s = pml_tensor_download(g->acc, acc, R * sizeof *acc);
    FILE *f = NULL;
    if (s == PML_OK && !(f = fopen(path, "wb")))
        s = pml_set_error(PML_ERR_IO, "%s: cannot open '%s' for writing", fn, path);
    if (s == PML_OK) {
        header h = {3u, (uint32_t)g->cfg.rule, g->cfg.lx, g->cfg.ly, g->cfg.replicas,
                    g->cfg.J, g->cfg.seed, g->sweeps, sizeof(pml_ising_acc)};
        int ok = put(f, magic, sizeof magic) && put(f, &h, sizeof h) &&
                 put(f, g->lx, R * sizeof(int64_t)) && put(f, g->ly, R * sizeof(int64_t)) &&
                 put(f, g->T, R * sizeof(double)) && put(f, g->B, R * sizeof(double)) &&
                 put(f, spins, n) && put(f, acc, R * sizeof *acc);
        if (fclose(f) != 0) ok = 0;
        if (!ok) s = pml_set_error(PML_ERR_IO, "%s: writing '%s' failed", fn, path);
    }
    free(spins);
    free(acc);
    return s;
}

/* Version 2's size arrays, read and checked before anything is allocated from them. */
static pml_status read_sizes(FILE *f, const header *h, const char *path, int64_t **lx,
                             int64_t **ly)
{
    static const char fn[] = "pml_ising_load";
    *lx = *ly = NULL;
    PML_CHECK(h->replicas >= 1 && h->replicas <= (1 << 24), PML_ERR_BAD_FORMAT,
              "%s: '%s' has %lld replicas", fn, path, (long long)h->replicas);
    const size_t R = (size_t)h->replicas;
    *lx = malloc(R * sizeof **lx);
    *ly = malloc(R * sizeof **ly);
    PML_CHECK(*lx && *ly, PML_ERR_OUT_OF_MEMORY, "%s: host buffers", fn);
    PML_CHECK(get(f, *lx, R * sizeof **lx) && get(f, *ly, R * sizeof **ly), PML_ERR_BAD_FORMAT,
              "%s: '%s' is truncated", fn, path);
    return PML_OK;
}

pml_status pml_ising_load(pml_device *dev, const char *path, pml_ising **out)
{
    static const char fn[] = "pml_ising_load";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    FILE *f = fopen(path, "rb");
    PML_CHECK(f != NULL, PML_ERR_IO, "%s: cannot open '%s'", fn, path);
    char m[8];
    header h;
    if (!get(f, m, sizeof m) || memcmp(m, magic, sizeof m) != 0 || !get(f, &h, sizeof h)) {
        fclose(f);
        return pml_set_error(PML_ERR_BAD_FORMAT, "%s: '%s' is not a physml Ising state", fn,
                             path);
    }
    const uint64_t acc_size = h.version == 3 ? sizeof(pml_ising_acc) : PML_ISING_ACC_V2_SIZE;
    if (h.version < 1 || h.version > 3 || h.acc_size != acc_size) {
        fclose(f);
        return pml_set_error(PML_ERR_BAD_FORMAT,
                             "%s: '%s' has version %u with accumulators of %llu bytes; this "
                             "build reads versions 1 and 2 (%d bytes) and 3 (%zu bytes)",
                             fn, path, h.version, (unsigned long long)h.acc_size,
                             PML_ISING_ACC_V2_SIZE, sizeof(pml_ising_acc));
    }
    int64_t *lx = NULL, *ly = NULL;
    pml_status s = h.version >= 2 ? read_sizes(f, &h, path, &lx, &ly) : PML_OK;
    pml_ising_config cfg = {h.lx, h.ly, h.replicas, h.J, (pml_ising_rule)h.rule, h.seed};
    pml_ising *g = NULL;
    if (s == PML_OK) s = pml_ising_alloc(dev, &cfg, lx, ly, fn, &g);
    free(lx);
    free(ly);
    if (s == PML_ERR_INVALID_ARGUMENT) { /* sizes, J or rule out of range: the file's fault */
        char why[256];
        snprintf(why, sizeof why, "%s", pml_last_error());
        s = pml_set_error(PML_ERR_BAD_FORMAT, "'%s': %s", path, why);
    }
    if (s != PML_OK) {
        fclose(f);
        return s;
    }
    const size_t n = pml_ising_spin_count(g), R = (size_t)h.replicas;
    int8_t *spins = malloc(n);
    pml_ising_acc *acc = malloc(R * sizeof *acc);
    if (!spins || !acc) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host buffers", fn);
    if (s == PML_OK && !(get(f, g->T, R * sizeof(double)) && get(f, g->B, R * sizeof(double)) &&
                         get(f, spins, n)))
        s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: '%s' is truncated", fn, path);
    for (size_t r = 0; s == PML_OK && r < R; ++r) {
        memset(&acc[r], 0, sizeof acc[r]);
        if (!get(f, &acc[r], h.acc_size))
            s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: '%s' is truncated", fn, path);
        else if (h.version < 3 && acc[r].count > 0)
            acc[r].flags = PML_ISING_ACC_LEGACY; /* no jackknife bins, no first sample */
    }
    for (size_t r = 0; s == PML_OK && r < R; ++r)
        if (!(g->T[r] > 0) || g->B[r] != g->B[r])
            s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: '%s' has a bad T or B", fn, path);
    if (s == PML_OK) s = pml_ising_upload_params(g);
    if (s == PML_OK) s = pml_ising_set_spins(g, spins, n);
    if (s == PML_OK) s = pml_tensor_upload(g->acc, acc, R * sizeof *acc);
    fclose(f);
    free(spins);
    free(acc);
    if (s != PML_OK) {
        pml_ising_destroy(g);
        return s;
    }
    g->sweeps = h.sweeps;
    *out = g;
    return PML_OK;
}
