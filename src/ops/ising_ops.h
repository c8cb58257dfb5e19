/* Kernel contracts of the Ising family (struct pml_ising_ops, hung off
 * pml_backend_ops.ising), and the data the kernels share with the model code (src/ising/):
 * thresholds, accumulators. CPU: src/cpu/ising_sweep.c (the site-by-site reference) and its
 * fast paths; CUDA: src/cuda/ising_sweep.cu. The per-word body both fast paths run is in
 * src/ops/ising_word.h. Compiles as C11 and as CUDA C++.
 *
 * Device layout of the spins ("two bit-packed colour planes"): W = Lx/2 colour sites per row,
 * WW = ceil(W / 32) uint32 words per row. Replica r, colour c, row y is the WW words at
 *     spins + ((2r + c) * Ly + y) * WW           (uint32 words; pml_ising_replica_bytes()
 *                                                 bytes per replica)
 * and bit l of word w is colour site j = 32 w + l: 1 = spin +1, 0 = spin -1. Bits of the last
 * word past W are 0 and stay 0 (they are never a neighbour). Site j of plane c, row y is the
 * lattice site (x = 2j + ((y + c) & 1), y); the four neighbours of a colour-c site are all in
 * plane 1 - c: up (y-1, j), down (y+1, j), and in row y: j and j-1 when x is even (o = 0),
 * j and j+1 when x is odd (o = 1), where o = (y + c) & 1; all periodic (at W, not at 32 WW).
 * The draws of a word (physml/ising.h): in half-sweep h the 32 sites of word w of row y use
 * the 32 draws at indices ((h Ly + y) WW + w) * 32 + b, b = 0..31, i.e. the 8 Philox blocks
 * from pml_ising_word_block(); word b of them is "plane" b, whose bit l is bit 31 - b of
 * lane l's u. */
#ifndef PML_OPS_ISING_OPS_H
#define PML_OPS_ISING_OPS_H

#include <stdint.h>

#include "core/backend.h"
#include "core/philox.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Acceptance data of one replica rearranged for bit-sliced words (built from the
 * thresholds by pml_ising_wparams_make, on the host, once per change of T or B): cases with
 * `always` flip; cases with thr == 0 never flip; the others, the cases that need a draw, are
 * grouped by equal threshold (with B = 0 the + and - spin cases pair up): group g holds the
 * cases in bit set gcase[g] and compares with gthr[g]. */
typedef struct pml_ising_wparams {
    uint32_t ng;       /* number of groups, 0..10 */
    uint32_t always;   /* bit i: case i always flips */
    uint32_t gthr[10]; /* threshold of group g */
    uint32_t gcase[10];
} pml_ising_wparams;

/* Per-replica acceptance data, computed on the host (pml_ising_make_params in
 * src/ising/ising.c). Case index i = (s > 0) * 5 + (n + 4) / 2 for spin s and neighbour sum n.
 * Flip iff u < thr[i] or bit i of `always` is set (probability exactly 1). `w` holds the same
 * thresholds grouped for the word kernels, so that no kernel rebuilds them per launch. */
typedef struct pml_ising_rparams {
    uint32_t thr[10];
    uint32_t always;   /* bits 0..9: the cases; PML_ISING_BOND_ALWAYS: bond_thr is 2^32 */
    uint32_t bond_thr; /* cluster rules: floor(p 2^32 + 1/2) of p = 1 - exp(-2 |J| / T) */
    double B;
    pml_ising_wparams w;
} pml_ising_rparams;
#define PML_ISING_BOND_ALWAYS (1u << 10)

/* Measurement accumulators of one replica, on the device; all zero is the empty state
 * (pml_ising_reset_stats zeroes them). Observables o: 0 e, 1 m, 2 |m|.
 * - count and the sums of e, e^2, m, |m|, m^2, m^4 give the means.
 * - The logarithmic binning (e, m, |m|; pml_ising_acc_bin) gives their error bars and tau:
 *   level l holds bins of 2^l sweeps: bn = bins completed (always count >> l), bsum/bsq the
 *   sum and sum of squares of their means, part the last of them while bn is odd (the first
 *   half of the next level's bin).
 * - The jackknife bins (pml_ising_acc_jk) give the error bars of C, chi and U, which are
 *   nonlinear in several moments: jk[i] holds the sums of the six moments over bin i, in
 *   the order e, e^2, m, |m|, m^2, m^4. Bins hold 2^jk_shift consecutive samples; jk_nb
 *   bins are in use, the last with jk_fill samples. When all PML_ISING_JK_BINS are full,
 *   neighbouring pairs merge and the length doubles, so 32 to 64 bins of equal length
 *   always cover the run. The state follows from count alone: 0 bins for count = 0, else
 *   jk_shift the least s >= 0 with count <= 64 * 2^s, jk_nb = ceil(count / 2^s) and
 *   jk_fill = count - (jk_nb - 1) 2^s (the file loader checks exactly this).
 * - bonds0 and amag0 are the first sample's bond sum and |spin sum|; flags says whether a
 *   later sample differed (PML_ISING_ACC_*_VARIED), so a run that never moved is known
 *   exactly, with integers, on every backend; PML_ISING_ACC_LEGACY marks measurements loaded
 *   from a state file of version 1 or 2, which had neither the jackknife bins nor bonds0. */
#define PML_ISING_NOBS 3
#define PML_ISING_LEVELS 40
#define PML_ISING_JK_BINS 64
#define PML_ISING_JK_MOMENTS 6
#define PML_ISING_ACC_BONDS_VARIED 1
#define PML_ISING_ACC_AMAG_VARIED 2
#define PML_ISING_ACC_LEGACY 4
typedef struct pml_ising_acc {
    int64_t count;
    double sum_e, sum_e2, sum_m, sum_abs_m, sum_m2, sum_m4;
    double part[PML_ISING_NOBS][PML_ISING_LEVELS];
    double bsum[PML_ISING_NOBS][PML_ISING_LEVELS];
    double bsq[PML_ISING_NOBS][PML_ISING_LEVELS];
    int64_t bn[PML_ISING_NOBS][PML_ISING_LEVELS];
    /* ---- the fields above are the whole accumulator of state files version 1 and 2 ---- */
    int64_t bonds0, amag0, flags;
    int64_t jk_nb, jk_fill, jk_shift;
    double jk[PML_ISING_JK_BINS][PML_ISING_JK_MOMENTS];
    /* ---- the fields above are the whole accumulator of state files version 3 ---- */
    /* The cluster rules' improved estimator of <m^2> (pml_ising_acc_imp): Swendsen-Wang's
     * sum over clusters of |C|^2 / N^2 after each sweep, Wolff's |C| / N of each step's
     * cluster; its sample count, sum and logarithmic binning as above. Zero for the local
     * rules. */
    int64_t imp_count;
    double imp_sum;
    double imp_part[PML_ISING_LEVELS], imp_bsum[PML_ISING_LEVELS], imp_bsq[PML_ISING_LEVELS];
    int64_t imp_bn[PML_ISING_LEVELS];
} pml_ising_acc;
/* Bytes of the accumulator of state files version 1 and 2 (the prefix up to bonds0) and of
 * version 3 (the prefix up to imp_count). */
#define PML_ISING_ACC_V2_SIZE 3896
#define PML_ISING_ACC_V3_SIZE 7016

/* Push x into a logarithmic binning: level l holds bins of 2^l samples (bn, bsum, bsq), part
 * the first half of the next level's bin while bn is odd. */
PML_HOSTDEV void pml_ising_bin_push(double *part, double *bsum, double *bsq, int64_t *bn, double x)
{
    for (int l = 0; l < PML_ISING_LEVELS; ++l) {
        bsum[l] += x;
        bsq[l] += x * x;
        bn[l] += 1;
        if (bn[l] & 1) {
            part[l] = x; /* first half of the next level's bin */
            return;
        }
        x = 0.5 * (part[l] + x);
    }
}

PML_HOSTDEV void pml_ising_acc_bin(pml_ising_acc *a, int o, double x)
{
    pml_ising_bin_push(a->part[o], a->bsum[o], a->bsq[o], a->bn[o], x);
}

/* One sample x of the cluster estimator of <m^2> (0 <= x <= 1). */
PML_HOSTDEV void pml_ising_acc_imp(pml_ising_acc *a, double x)
{
    a->imp_count += 1;
    a->imp_sum += x;
    pml_ising_bin_push(a->imp_part, a->imp_bsum, a->imp_bsq, a->imp_bn, x);
}

/* Add the six moments x of one sample to the current jackknife bin, starting a new bin when
 * the current one is full, and first merging pairs when every bin is (once per doubling of
 * the run: the common path is a compare and six additions). */
PML_HOSTDEV void pml_ising_acc_jk(pml_ising_acc *a, const double *x)
{
    if (a->jk_nb == 0 || a->jk_fill == ((int64_t)1 << a->jk_shift)) {
        if (a->jk_nb == PML_ISING_JK_BINS) {
            for (int i = 0; i < PML_ISING_JK_BINS / 2; ++i) /* bin i from bins 2i, 2i + 1 */
                for (int k = 0; k < PML_ISING_JK_MOMENTS; ++k)
                    a->jk[i][k] = a->jk[2 * i][k] + a->jk[2 * i + 1][k];
            for (int i = PML_ISING_JK_BINS / 2; i < PML_ISING_JK_BINS; ++i)
                for (int k = 0; k < PML_ISING_JK_MOMENTS; ++k) a->jk[i][k] = 0.0;
            a->jk_nb = PML_ISING_JK_BINS / 2;
            a->jk_shift += 1;
        }
        a->jk_nb += 1;
        a->jk_fill = 0;
    }
    double *b = a->jk[a->jk_nb - 1];
    for (int k = 0; k < PML_ISING_JK_MOMENTS; ++k) b[k] += x[k];
    a->jk_fill += 1;
}

/* Add one measurement: bonds = sum over the 2N bonds of s_i s_j, mag = sum of spins. */
PML_HOSTDEV void pml_ising_acc_push(pml_ising_acc *a, int64_t bonds, int64_t mag, double J,
                                    double B, double inv_n)
{
    double m = (double)mag * inv_n;
    double e = (-J * (double)bonds - B * (double)mag) * inv_n;
    double am = m < 0 ? -m : m, m2 = m * m;
    const int64_t amag = mag < 0 ? -mag : mag;
    if (a->count == 0) {
        a->bonds0 = bonds;
        a->amag0 = amag;
    }
    a->flags |= (bonds != a->bonds0 ? PML_ISING_ACC_BONDS_VARIED : 0) |
                (amag != a->amag0 ? PML_ISING_ACC_AMAG_VARIED : 0);
    a->count += 1;
    a->sum_e += e;
    a->sum_e2 += e * e;
    a->sum_m += m;
    a->sum_abs_m += am;
    a->sum_m2 += m2;
    a->sum_m4 += m2 * m2;
    pml_ising_acc_bin(a, 0, e);
    pml_ising_acc_bin(a, 1, m);
    pml_ising_acc_bin(a, 2, am);
    const double x[PML_ISING_JK_MOMENTS] = {e, e * e, m, am, m2, m2 * m2};
    pml_ising_acc_jk(a, x);
}

/* n >= 1 sweeps of every replica of a run of replicas of one size, the first being global
 * sweep t0: colour 0 then colour 1, the draws of physml/ising.h; with `measure`, after each
 * sweep the bond sum and the spin sum of each replica go to its accumulator through
 * pml_ising_acc_push. Reads and writes spins and acc, reads params. No floating point
 * touches a spin. */
typedef struct pml_ising_sweeps_args {
    void *spins;                     /* replica 0's bit planes (uint32 words), see above */
    const pml_ising_rparams *params; /* replicas entries, on the device */
    pml_ising_acc *acc;              /* replicas entries, on the device */
    int64_t lx, ly, replicas;
    int64_t r0; /* batch number of replica 0 here: replica r draws from stream
                   PML_ISING_STREAM + r0 + r (a call may cover a slice of a batch) */
    double J;
    uint64_t seed;
    uint64_t t0;
    int64_t n;
    int measure;
} pml_ising_sweeps_args;

typedef pml_status pml_ising_sweeps_fn(pml_device *dev, const pml_ising_sweeps_args *args);

/* The kernels of one backend. sweeps: checkerboard Metropolis or heat-bath (the thresholds
 * in params); sw: Swendsen-Wang sweeps, wolff: Wolff sweeps (physml/ising.h states their
 * draws; src/ops/ising_cluster.h what their implementations share), both at B = 0 with
 * params' bond_thr, the same arguments and measurement. A NULL entry: the backend lacks the
 * rule (PML_ERR_UNSUPPORTED). */
struct pml_ising_ops {
    pml_ising_sweeps_fn *sweeps;
    pml_ising_sweeps_fn *sw;
    pml_ising_sweeps_fn *wolff;
};

/* Words per row of a colour plane. */
PML_HOSTDEV int64_t pml_ising_row_words(int64_t lx) { return (lx / 2 + 31) / 32; }

/* First Philox block of word w of row y in half-sweep h: the word's 32 draws are the 8
 * blocks from here on (draw indices ((h Ly + y) WW + w) * 32 + b). */
PML_HOSTDEV uint64_t pml_ising_word_block(uint64_t h, int64_t ly, int64_t ww, int64_t y,
                                          int64_t w)
{
    return ((h * (uint64_t)ly + (uint64_t)y) * (uint64_t)ww + (uint64_t)w) * 8u;
}

PML_HOSTDEV void pml_ising_wparams_make(const pml_ising_rparams *p, pml_ising_wparams *w)
{
    w->ng = 0;
    w->always = p->always & 0x3FFu;
    for (int i = 0; i < 10; ++i) {
        w->gthr[i] = 0;
        w->gcase[i] = 0;
    }
    for (int i = 0; i < 10; ++i) {
        if (((p->always >> i) & 1u) || p->thr[i] == 0) continue;
        uint32_t g = 0;
        while (g < w->ng && w->gthr[g] != p->thr[i]) ++g;
        if (g == w->ng) {
            w->gthr[g] = p->thr[i];
            w->ng += 1;
        }
        w->gcase[g] |= 1u << i;
    }
}

#ifdef __cplusplus
}
#endif
#endif
