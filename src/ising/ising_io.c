/* Save and restore a run. File layout (little-endian, native doubles):
 *   "PMLISNG1", u32 version, u32 rule, i64 lx, ly, replicas, f64 J, u64 seed, u64 sweeps,
 *   u64 accumulator size (bytes per replica),
 *   versions 2-4: i64 lx[R], i64 ly[R] (each replica's size; the header's lx, ly are those
 *                  of pml_ising_get_config, 0 for a batch of several sizes),
 *   f64 T[R], f64 B[R], i8 spins (each replica's Ly x Lx lattice row-major, +-1, in replica
 *   order: R*Ly*Lx bytes in version 1), the R accumulators as raw bytes; nothing after them.
 * Version 4 (this build writes it) holds the whole pml_ising_acc of src/ops/ising_ops.h:
 * the version-2 accumulator (PML_ISING_ACC_V2_SIZE bytes, the same fields in the same
 * places) followed by the first sample's bond sum and |spin sum|, the flags, and the
 * jackknife bins (up to here the version-3 accumulator, PML_ISING_ACC_V3_SIZE bytes), then
 * the cluster rules' improved estimator. Version 3 loads with that estimator empty; the rule
 * field takes the cluster rules (2, 3) from version 4 on. Versions 1 and 2 (R replicas of the header's lx x ly in version 1) still
 * load: their accumulators become the prefix of the new one, with no jackknife bins and no
 * first sample, marked PML_ISING_ACC_LEGACY when they hold samples (C, chi and U then have
 * no error bars, and no frozen warning is given, until the measurements are reset).
 * Everything that decides the future of the run is in the file, so a loaded run continues
 * bit-for-bit, on any backend. The loader checks every field as pml_ising_create and a run
 * would have left it (counts, sums, bins: see acc_fault), and the file's exact length
 * before it allocates anything. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/file.h"
#include "ising/ising_model.h"

_Static_assert(offsetof(pml_ising_acc, bonds0) == PML_ISING_ACC_V2_SIZE,
               "the version-2 accumulator must stay the prefix of pml_ising_acc");
_Static_assert(offsetof(pml_ising_acc, imp_count) == PML_ISING_ACC_V3_SIZE,
               "the version-3 accumulator must stay the prefix of pml_ising_acc");

static const char magic[8] = {'P', 'M', 'L', 'I', 'S', 'N', 'G', '1'};
enum { VERSION = 4 };

typedef struct header {
    uint32_t version, rule;
    int64_t lx, ly, replicas;
    double J;
    uint64_t seed, sweeps, acc_size;
} header;

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
    pml_wfile w;
    if (s == PML_OK) s = pml_wfile_open(fn, path, &w);
    if (s == PML_OK) {
        const header h = {VERSION,   (uint32_t)g->cfg.rule, g->cfg.lx, g->cfg.ly,
                          g->cfg.replicas, g->cfg.J, g->cfg.seed, g->sweeps,
                          sizeof(pml_ising_acc)};
        /* a failed write is remembered and reported (with the OS's reason) by the commit */
        pml_wfile_write(&w, magic, sizeof magic);
        pml_wfile_write(&w, &h, sizeof h);
        pml_wfile_write(&w, g->lx, R * sizeof(int64_t));
        pml_wfile_write(&w, g->ly, R * sizeof(int64_t));
        pml_wfile_write(&w, g->T, R * sizeof(double));
        pml_wfile_write(&w, g->B, R * sizeof(double));
        pml_wfile_write(&w, spins, n);
        pml_wfile_write(&w, acc, R * sizeof *acc);
        s = pml_wfile_commit(fn, &w);
    }
    free(spins);
    free(acc);
    return s;
}

/* ---- loading ------------------------------------------------------------------------------ */
typedef struct reader {
    FILE *f;
    char where[PML_PATH_MAX + 32]; /* "pml_ising_load: 'PATH'", the start of every message */
} reader;

static int get(reader *rd, void *p, size_t n) { return fread(p, 1, n, rd->f) == n; }

/* A check of pml_ising_create that failed on a value read from the file is the file's fault
 * (its message already names the file, through rd->where, and the field). */
static pml_status file_fault(pml_status s)
{
    if (s != PML_ERR_INVALID_ARGUMENT) return s;
    char why[1024];
    snprintf(why, sizeof why, "%s", pml_last_error());
    return pml_set_error(PML_ERR_BAD_FORMAT, "%s", why);
}

/* What is wrong with replica r's accumulator (N spins, after `sweeps` sweeps) as a run would
 * have left it, into why; 0 when nothing is. Ranges keep the kernels' pushes in bounds and
 * the statistics finite; the bins must agree with the count exactly. */
static int acc_fault(const pml_ising_acc *a, int64_t N, uint64_t sweeps, char *why, size_t cap)
{
    if (a->count < 0 || (uint64_t)a->count > sweeps)
        return snprintf(why, cap, "count = %lld, needs 0 .. %llu (the sweeps done)",
                        (long long)a->count, (unsigned long long)sweeps);
    const double n = (double)a->count;
    const struct {
        const char *name;
        double v, lo, hi; /* |m| <= 1 bounds the moments of m; e only needs to be finite */
    } sums[6] = {{"sum_e", a->sum_e, -INFINITY, INFINITY},
                 {"sum_e2", a->sum_e2, 0, INFINITY},
                 {"sum_m", a->sum_m, -n, n},
                 {"sum_abs_m", a->sum_abs_m, 0, n},
                 {"sum_m2", a->sum_m2, 0, n},
                 {"sum_m4", a->sum_m4, 0, n}};
    for (int i = 0; i < 6; ++i) {
        const double slack = 1e-9 * n; /* rounding of a long sum of numbers <= 1 */
        const double v = sums[i].v;
        if (!isfinite(v) || v < sums[i].lo - slack || v > sums[i].hi + slack)
            return snprintf(why, cap, "%s = %g with %lld samples", sums[i].name, v,
                            (long long)a->count);
    }
    static const char *const obs[PML_ISING_NOBS] = {"e", "m", "|m|"};
    for (int o = 0; o < PML_ISING_NOBS; ++o)
        for (int l = 0; l < PML_ISING_LEVELS; ++l) {
            if (a->bn[o][l] != (a->count >> l))
                return snprintf(why, cap,
                                "binning of %s, level %d: %lld bins, where %lld samples make "
                                "%lld",
                                obs[o], l, (long long)a->bn[o][l], (long long)a->count,
                                (long long)(a->count >> l));
            if (!isfinite(a->part[o][l]) || !isfinite(a->bsum[o][l]) ||
                !(a->bsq[o][l] >= 0 && isfinite(a->bsq[o][l])))
                return snprintf(why, cap, "binning of %s, level %d: a sum is %g, %g or %g",
                                obs[o], l, a->part[o][l], a->bsum[o][l], a->bsq[o][l]);
        }
    if (a->flags & ~(int64_t)(PML_ISING_ACC_BONDS_VARIED | PML_ISING_ACC_AMAG_VARIED |
                              PML_ISING_ACC_LEGACY))
        return snprintf(why, cap, "flags = %lld, unknown bits", (long long)a->flags);
    if (a->bonds0 < -2 * N || a->bonds0 > 2 * N || a->amag0 < 0 || a->amag0 > N)
        return snprintf(why, cap, "first sample: bond sum %lld, |spin sum| %lld, with %lld spins",
                        (long long)a->bonds0, (long long)a->amag0, (long long)N);
    /* the jackknife bins as the pushes of count samples leave them (ising_ops.h); measurements
     * from a version 1 or 2 file count samples the bins never saw, so only ranges there */
    int64_t shift = 0, nb = 0, fill = 0;
    if (a->count > 0) {
        while ((a->count - 1) >> shift >= PML_ISING_JK_BINS) ++shift;
        nb = ((a->count - 1) >> shift) + 1;
        fill = a->count - ((nb - 1) << shift);
    }
    const int in_range = a->jk_shift >= 0 && a->jk_shift <= 62 && a->jk_nb >= 0 &&
                         a->jk_nb <= PML_ISING_JK_BINS && a->jk_fill >= 0 &&
                         a->jk_fill <= ((int64_t)1 << a->jk_shift) &&
                         (a->jk_nb > 0 || a->jk_fill == 0);
    if (!in_range || (!(a->flags & PML_ISING_ACC_LEGACY) &&
                      (a->jk_shift != shift || a->jk_nb != nb || a->jk_fill != fill)))
        return snprintf(why, cap,
                        "jackknife bins: %lld bins of 2^%lld samples, %lld in the last, where "
                        "%lld samples make %lld of 2^%lld, %lld in the last",
                        (long long)a->jk_nb, (long long)a->jk_shift, (long long)a->jk_fill,
                        (long long)a->count, (long long)nb, (long long)shift, (long long)fill);
    for (int i = 0; i < PML_ISING_JK_BINS; ++i)
        for (int k = 0; k < PML_ISING_JK_MOMENTS; ++k)
            if (!isfinite(a->jk[i][k]))
                return snprintf(why, cap, "jackknife bin %d, moment %d is %g", i, k, a->jk[i][k]);
    /* the cluster estimator: samples in 0..1, at most one per measurement */
    if (a->imp_count < 0 || a->imp_count > a->count)
        return snprintf(why, cap, "cluster estimator: %lld samples with %lld measurements",
                        (long long)a->imp_count, (long long)a->count);
    const double ni = (double)a->imp_count;
    if (!isfinite(a->imp_sum) || a->imp_sum < -1e-9 * ni || a->imp_sum > ni + 1e-9 * ni)
        return snprintf(why, cap, "cluster estimator: sum %g with %lld samples", a->imp_sum,
                        (long long)a->imp_count);
    for (int l = 0; l < PML_ISING_LEVELS; ++l) {
        if (a->imp_bn[l] != (a->imp_count >> l))
            return snprintf(why, cap, "cluster estimator, level %d: %lld bins, where %lld "
                                      "samples make %lld",
                            l, (long long)a->imp_bn[l], (long long)a->imp_count,
                            (long long)(a->imp_count >> l));
        if (!isfinite(a->imp_part[l]) || !isfinite(a->imp_bsum[l]) ||
            !(a->imp_bsq[l] >= 0 && isfinite(a->imp_bsq[l])))
            return snprintf(why, cap, "cluster estimator, level %d: a sum is not finite", l);
    }
    return 0;
}

/* The accumulators: version 3 as they are, versions 1 and 2 converted (see the top). */
static pml_status read_accs(reader *rd, const header *h, pml_ising *g, pml_ising_acc *acc)
{
    const int64_t R = h->replicas;
    for (int64_t r = 0; r < R; ++r) {
        pml_ising_acc *a = &acc[r];
        memset(a, 0, sizeof *a);
        PML_CHECK(get(rd, a, h->acc_size), PML_ERR_BAD_FORMAT, "%s is truncated", rd->where);
        if (h->version < 3 && a->count > 0) a->flags = PML_ISING_ACC_LEGACY;
        char why[256];
        PML_CHECK(!acc_fault(a, g->lx[r] * g->ly[r], h->sweeps, why, sizeof why),
                  PML_ERR_BAD_FORMAT, "%s: replica %lld: accumulator %s", rd->where,
                  (long long)r, why);
    }
    return PML_OK;
}

/* Magic, header and sizes, each checked, and the file's exact length (size bytes), before
 * anything is allocated from them: lx, ly (R each; NULL for version 1) and the total spins. */
static pml_status read_layout(reader *rd, long long size, header *h, int64_t **lx, int64_t **ly,
                              size_t *spins)
{
    *lx = *ly = NULL;
    char m[8];
    PML_CHECK(get(rd, m, sizeof m) && memcmp(m, magic, sizeof m) == 0 && get(rd, h, sizeof *h),
              PML_ERR_BAD_FORMAT, "%s is not a physml Ising state", rd->where);
    const uint64_t acc_size = h->version == VERSION ? sizeof(pml_ising_acc)
                              : h->version == 3     ? PML_ISING_ACC_V3_SIZE
                                                    : PML_ISING_ACC_V2_SIZE;
    PML_CHECK(h->version >= 1 && h->version <= VERSION && h->acc_size == acc_size,
              PML_ERR_BAD_FORMAT,
              "%s has version %u with accumulators of %llu bytes; this build reads versions "
              "1 and 2 (%d bytes), 3 (%d bytes) and 4 (%zu bytes)",
              rd->where, h->version, (unsigned long long)h->acc_size, PML_ISING_ACC_V2_SIZE,
              PML_ISING_ACC_V3_SIZE, sizeof(pml_ising_acc));
    PML_CHECK(h->version >= 4 || h->rule <= PML_ISING_HEATBATH, PML_ERR_BAD_FORMAT,
              "%s: rule %u in a version-%u file (the cluster rules came with version 4)",
              rd->where, h->rule, h->version);
    const pml_ising_config cfg = {h->lx, h->ly, h->replicas, h->J, (pml_ising_rule)h->rule,
                                  h->seed};
    /* every replica holds at least its accumulator and counters: a count the file's size
       cannot hold is refused before anything is allocated or looped over per replica */
    PML_CHECK(h->replicas < 1 || h->replicas > (1 << 24) ||
                  (double)h->replicas * (double)(16 + acc_size) <= (double)size,
              PML_ERR_BAD_FORMAT, "%s is truncated: %lld replicas cannot fit in %lld bytes", rd->where,
              (long long)h->replicas, size);
    if (h->version >= 2) {
        /* the count first: the size arrays are allocated from it */
        PML_CHECK(h->replicas >= 1 && h->replicas <= (1 << 24), PML_ERR_BAD_FORMAT,
                  "%s: replicas = %lld, needs 1 .. 2^24", rd->where, (long long)h->replicas);
        const size_t R = (size_t)h->replicas;
        *lx = malloc(R * sizeof **lx);
        *ly = malloc(R * sizeof **ly);
        PML_CHECK(*lx && *ly, PML_ERR_OUT_OF_MEMORY, "%s: host buffers", rd->where);
        PML_CHECK(get(rd, *lx, R * sizeof **lx) && get(rd, *ly, R * sizeof **ly),
                  PML_ERR_BAD_FORMAT, "%s is truncated", rd->where);
        PML_TRY(file_fault(pml_ising_check_sizes(&cfg, *lx, *ly, rd->where, spins)));
        int one = 1; /* the header names the common size, 0 x 0 when there is none */
        for (size_t r = 1; r < R; ++r) one &= (*lx)[r] == (*lx)[0] && (*ly)[r] == (*ly)[0];
        PML_CHECK(one ? h->lx == (*lx)[0] && h->ly == (*ly)[0] : h->lx == 0 && h->ly == 0,
                  PML_ERR_BAD_FORMAT, "%s: the header's size %lld x %lld is not the replicas'",
                  rd->where, (long long)h->lx, (long long)h->ly);
    } else {
        PML_TRY(file_fault(pml_ising_check_sizes(&cfg, NULL, NULL, rd->where, spins)));
    }
    PML_CHECK(h->sweeps <= (uint64_t)INT64_MAX, PML_ERR_BAD_FORMAT,
              "%s: sweep counter %llu, needs at most 2^63 - 1", rd->where,
              (unsigned long long)h->sweeps);
    const double R = (double)h->replicas, want = (double)(sizeof magic + sizeof *h) +
                                                 (h->version >= 2 ? 16 * R : 0) + 16 * R +
                                                 (double)*spins + R * (double)acc_size;
    PML_CHECK((double)size >= want, PML_ERR_BAD_FORMAT,
              "%s is truncated: %lld bytes, its header needs %.0f", rd->where, size, want);
    PML_CHECK((double)size == want, PML_ERR_BAD_FORMAT,
              "%s has %.0f bytes after the state (%lld bytes, its header needs %.0f)", rd->where,
              (double)size - want, size, want);
    return PML_OK;
}

/* After the layout: parameters, spins, accumulators, each checked, into g. */
static pml_status read_state(reader *rd, const header *h, pml_ising *g)
{
    const size_t n = pml_ising_spin_count(g), R = (size_t)h->replicas;
    PML_CHECK(get(rd, g->T, R * sizeof(double)) && get(rd, g->B, R * sizeof(double)),
              PML_ERR_BAD_FORMAT, "%s is truncated", rd->where);
    PML_TRY(file_fault(pml_ising_check_params(rd->where, h->replicas, g->T, g->B)));
    PML_TRY(file_fault(pml_ising_check_rule(rd->where, NULL, g->cfg.rule, h->replicas, g->B)));
    int8_t *spins = malloc(n);
    pml_ising_acc *acc = malloc(R * sizeof *acc);
    pml_status s = PML_OK;
    if (!spins || !acc) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host buffers", rd->where);
    if (s == PML_OK && !get(rd, spins, n))
        s = pml_set_error(PML_ERR_BAD_FORMAT, "%s is truncated", rd->where);
    for (size_t i = 0; s == PML_OK && i < n; ++i)
        if (spins[i] != 1 && spins[i] != -1)
            s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: spin %zu is %d, needs +1 or -1",
                              rd->where, i, (int)spins[i]);
    if (s == PML_OK) s = read_accs(rd, h, g, acc);
    if (s == PML_OK) s = pml_ising_upload_params(g);
    if (s == PML_OK) s = pml_ising_set_spins(g, spins, n);
    if (s == PML_OK) s = pml_tensor_upload(g->acc, acc, R * sizeof *acc);
    free(spins);
    free(acc);
    return s;
}

pml_status pml_ising_load(pml_device *dev, const char *path, pml_ising **out)
{
    static const char fn[] = "pml_ising_load";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    reader rd = {NULL, ""};
    snprintf(rd.where, sizeof rd.where, "%s: '%s'", fn, path);
    long long size = 0;
    PML_TRY(pml_open_regular(fn, path, &rd.f, &size));
    header h = {0};
    int64_t *lx = NULL, *ly = NULL;
    size_t spins = 0;
    pml_status s = read_layout(&rd, size, &h, &lx, &ly, &spins);
    const pml_ising_config cfg = {h.lx, h.ly, h.replicas, h.J, (pml_ising_rule)h.rule, h.seed};
    pml_ising *g = NULL;
    if (s == PML_OK) s = file_fault(pml_ising_alloc(dev, &cfg, lx, ly, rd.where, &g));
    if (s == PML_OK) s = read_state(&rd, &h, g);
    free(lx);
    free(ly);
    fclose(rd.f);
    if (s != PML_OK) {
        pml_ising_destroy(g);
        return s;
    }
    g->sweeps = h.sweeps;
    *out = g;
    return PML_OK;
}
