/* The 2D Ising model: a batch of replicas on a periodic square lattice, updated by
 * checkerboard Metropolis or heat-bath (Glauber), bit-identical on every backend.
 *
 * Model and units (stated once, here). k_B = 1. A lattice is Lx x Ly (both even, >= 2),
 * periodic in both directions, spins s(x, y) = +-1 stored row-major (index y*Lx + x).
 *
 *     H = -J sum_{x,y} s(x,y) [s(x+1,y) + s(x,y+1)]  -  B sum_{x,y} s(x,y)
 *
 * i.e. 2N bonds (each site's right and down neighbour; on a side of length 2 the two bonds
 * between the same pair both count). B > 0 favours s = +1 (see shared/primer/ERRATA.md).
 * e = H / N and m = (1/N) sum s are per spin.
 *
 * A pml_ising holds R independent replicas, all with the same J and rule, each with its own
 * temperature T[r] > 0 and field B[r]. In a uniform batch (pml_ising_create) every replica is
 * the same Lx x Ly lattice; in a mixed batch (pml_ising_create_mixed) replica r is an
 * lx[r] x ly[r] lattice. One sweep updates colour 0 (x + y even) of every replica, then
 * colour 1: a half-sweep is one kernel launch for each run of consecutive replicas of one
 * size (for a uniform batch: one launch for the whole batch).
 *
 * Replica r is always replica r: its draws, its hot start and its results depend on its own
 * size, T[r], B[r], J, the rule, the seed and its number r in the batch, and on nothing
 * else (not on the other replicas). So replica r of a mixed batch follows, bit for bit, the
 * trajectory of replica r of a uniform batch of its size with the same seed, J, rule, T[r]
 * and B[r].
 *
 * ---- Random numbers (see physml/rng.h for (seed, stream, index)) ----------------------------
 * Colour planes: plane c (sites with x + y = c mod 2) of replica r has rows y = 0..Ly-1 and
 * colour sites j = 0..W-1, W = Lx/2 (Lx, Ly: the replica's own), where site j of row y is
 * x = 2j + ((y + c) & 1). A row's sites are grouped in words of 32: word w = j / 32 (w = 0..WW-1, WW = ceil(W / 32)), lane
 * l = j % 32. Sweep t (t counts every sweep since pml_ising_init, 0-based, across
 * save/restore) is half-sweep h = 2t of colour 0, then h = 2t + 1 of colour 1. In half-sweep
 * h, each (row y, word w) of replica r owns the 32 consecutive draws (8 whole Philox blocks)
 *
 *     D(r, h, y, w, b) = pml_rng_u32(seed, PML_ISING_STREAM + r, ((h*Ly + y)*WW + w)*32 + b),
 *                        b = 0..31 ("plane" b),
 *
 * and the draw of site (y, j) is the 32-bit integer u whose bit 31 - b is bit l of
 * D(r, h, y, w, b): plane 0 gives every lane's most significant bit, plane 31 its least. So
 * one Philox word carries one bit of each of 32 sites. The draw depends on nothing but these
 * coordinates, so a trajectory is the same whatever the backend, launch configuration, storage
 * layout or thread count. (Kernels generate only the planes the comparison below needs;
 * docs/ising.md says how.) Hot starts: candidate k = 0, 1, ... of replica r (N = Lx*Ly
 * spins) is s(x, y) = (u32(seed, PML_ISING_INIT_STREAM + r, k*N + y*Lx + x) & 1) ? +1 : -1,
 * and the start is the first candidate in which some spin's neighbour sum is not 0 (or
 * candidate 63 if none of the first 64 is; on 2x2, the worst case, 1 in 2^128). A state whose
 * every neighbour sum is 0 is a trap of checkerboard Metropolis at B = 0: each half-sweep
 * flips its whole colour with probability 1, for ever (docs/ising.md, "Trapped states").
 * Skipping it changes the start only on tiny lattices (4x4: 36 of 65,536 states) and not the
 * distribution the run converges to.
 *
 * ---- Acceptance: integers only ----------------------------------------------------------
 * A site with spin s and neighbour sum n = sum of its four neighbours (-4, -2, 0, 2, 4) is
 * in one of ten cases; flipping it changes the energy by dE = 2 s (J n + B). For each
 * replica the host computes, once per (T, B) setting, the flip probability p of each case
 *     Metropolis: p = min(1, exp(-dE / T))
 *     heat-bath:  p = 1 / (1 + exp(dE / T))      (the new spin drawn from its conditional)
 * in double precision and rounds it to an integer threshold
 *     thr = floor(p * 2^32 + 1/2), an integer in [0, 2^32].
 * The kernel flips iff  u < thr  (as 64-bit integers; thr = 2^32 is "always", kept as a
 * flag so that kernels compare 32-bit words). The probability realised is exactly
 * thr / 2^32, within 2^-33 of p; p = 1 (Metropolis with dE <= 0) is realised exactly. No
 * exp() runs in a kernel, and no floating-point rounding differs between backends.
 *
 * ---- Cluster rules (B = 0 only; any J != 0) ----------------------------------------------
 * One sweep of a cluster rule is one update of the whole lattice; the sweep counter, the
 * measurements, save/restore and mixed batches work as for the local rules, and a run may
 * change rule between calls (pml_ising_set_rule): the draws below depend on the sweep number
 * t, never on the rule used before. A bond is satisfied when J s s' > 0 (aligned for J > 0,
 * opposite for J < 0); it is activated with p = 1 - exp(-2 |J| / T), rounded to the integer
 * threshold thr = floor(p 2^32 + 1/2) (2^32: always) and compared as u < thr. Bonds: bond d of
 * site (x, y) joins it to (x + 1, y) (d = 0) or (x, y + 1) (d = 1), periodic; site index
 * i = y Lx + x; row word w of row y = sites x = 32 w .. 32 w + 31, lane l = x % 32, XW =
 * ceil(Lx / 32) words a row.
 * Swendsen-Wang, sweep t of replica r: the bond's u has bit 31 - b equal to bit l of
 *     u32(seed, PML_ISING_SW_STREAM + r, (((2t + d) Ly + y) XW + w) 32 + b),  b = 0..31
 * (bit planes, as for the local rules); a satisfied bond is active iff u < thr. The clusters
 * (sites joined by active bonds) are each flipped iff bit (i % 32) of
 *     u32(seed, PML_ISING_SW_FLIP_STREAM + r, t ceil(N / 32) + i / 32)
 * is 1, i being the cluster's smallest site index. Labels, bonds and flips depend on nothing
 * else, so the lattices are the same on every backend.
 * Wolff (CPU): one sweep of the counter is ONE single-cluster update (a "step"; its cost
 * and its decorrelation are those of one cluster of mean size <|C|> = N <m^2>, so N / <|C|>
 * steps make a sweep's worth of flips: docs/ising.md). Step t of replica r takes its draws
 * in this order from
 *     u32(seed, PML_ISING_WOLFF_STREAM + r, t (4N + 2) + j),  j = 0, 1, ...:
 * the seed site is floor(N (2^32 a + b) / 2^64) of the first two draws a, b; then the sites of
 * the cluster are visited in the order they joined (the seed first): each is flipped, and
 * each of its neighbours right, left, down, up (the periodic (x +- 1, y), then (x, y +- 1))
 * that is not in the cluster and would satisfy the bond with the visited site's old spin
 * takes the next draw u and joins iff u < thr. Limits: Wolff N < 2^30 and t (4N + 2) < 2^64;
 * Swendsen-Wang N < 2^31 (cluster labels are 32-bit site numbers).
 *
 * ---- Measurements -------------------------------------------------------------------------
 * pml_ising_sample runs sweeps and after each one measures e and m of every replica on the
 * device, from exact integer sums, and adds them to per-replica accumulators that also stay
 * on the device (sums of e, e^2, m, |m|, m^2, m^4, and a logarithmic binning of e, m and |m|).
 * Only pml_ising_stats_get copies them to the host. Error bars of e, m, |m| come from the
 * binning analysis (the error of the mean of bins of 2^l sweeps, at the largest level that
 * still has at least 32 bins); tau = (err_binned / err_naive)^2 / 2 is the integrated
 * autocorrelation time in sweeps (1/2 for uncorrelated samples). C, chi, chi_m and U are
 * nonlinear in several moments: their error bars come from a delete-one jackknife over 32 to
 * 64 bins of equal length (n/64 to n/32 sweeps for n samples; docs/ising.md, "Error bars").
 * Both are honest only when a bin is much longer than tau, i.e. for runs of many thousand tau.
 * With N the replica's own number of spins:
 *   C    = N (<e^2> - <e>^2) / T^2                 specific heat per spin
 *   chi  = N (<m^2> - <|m|>^2) / T                 susceptibility per spin, finite-lattice form
 *   chi_m= N (<m^2> - <m>^2) / T                   the fluctuation form (use it with B != 0)
 *   U    = 1 - <m^4> / (3 <m^2>^2)                 Binder cumulant
 */
#ifndef PHYSML_ISING_H
#define PHYSML_ISING_H

#include <stddef.h>
#include <stdint.h>

#include "physml/device.h"
#include "physml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Philox streams of the Ising sweeps ("ISNG" << 32) and of hot starts ("INIT" << 32);
 * replica r adds r. */
#define PML_ISING_STREAM 0x49534E4700000000ull
#define PML_ISING_INIT_STREAM 0x494E495400000000ull

/* Philox streams of the cluster rules ("ISSW", "ISFL", "WOLF" << 32; replica r adds r). */
#define PML_ISING_SW_STREAM 0x4953535700000000ull
#define PML_ISING_SW_FLIP_STREAM 0x4953464C00000000ull
#define PML_ISING_WOLFF_STREAM 0x574F4C4600000000ull

typedef enum pml_ising_rule {
    PML_ISING_METROPOLIS = 0,
    PML_ISING_HEATBATH = 1,
    PML_ISING_SWENDSEN_WANG = 2, /* cluster rule, both backends, B = 0 only */
    PML_ISING_WOLFF = 3          /* cluster rule, CPU backend only, B = 0 only */
} pml_ising_rule;

typedef enum pml_ising_start {
    PML_ISING_COLD = 0, /* every spin +1 */
    PML_ISING_HOT = 1   /* independent +-1 from the INIT stream */
} pml_ising_start;

typedef struct pml_ising_config {
    int64_t lx, ly;   /* even, >= 2 (ignored by pml_ising_create_mixed) */
    int64_t replicas; /* R >= 1 */
    double J;         /* coupling, finite (negative: antiferromagnet) */
    pml_ising_rule rule;
    uint64_t seed;
} pml_ising_config;

typedef struct pml_ising pml_ising;

/* Create R replicas with temperatures T[0..R) (> 0, finite) and fields B[0..R) (NULL: all
 * zero), cold-started (as pml_ising_init(.., PML_ISING_COLD)). */
PML_API pml_status pml_ising_create(pml_device *dev, const pml_ising_config *cfg, const double *T,
                                    const double *B, pml_ising **out);
/* A mixed batch: cfg->replicas = R replicas, replica r an lx[r] x ly[r] lattice (each side
 * even, >= 2; cfg->lx and cfg->ly are ignored), temperatures T[0..R), fields B[0..R) (NULL:
 * zero), cold-started. The replicas keep the order given; sizes may repeat in any order (the
 * batch runs one kernel launch per half-sweep for each maximal run of consecutive replicas
 * of one size, so grouping equal sizes together makes fewer, larger launches). Everything
 * else (sweep, sample, stats, set_params, save/load) works as for a uniform batch; a mixed
 * batch whose replicas all have one size is a uniform batch. Example, n temperatures t[i]
 * on 32^2 and on 64^2 (replicas i and n + i at t[i]), with arrays of R = 2n entries:
 *     for (r = 0; r < R; ++r) { lx[r] = ly[r] = r < n ? 32 : 64; T[r] = t[r % n]; }
 *     cfg.replicas = R;
 *     pml_ising_create_mixed(dev, &cfg, lx, ly, T, NULL, &g);  */
PML_API pml_status pml_ising_create_mixed(pml_device *dev, const pml_ising_config *cfg,
                                          const int64_t *lx, const int64_t *ly, const double *T,
                                          const double *B, pml_ising **out);
/* Accepts NULL. */
PML_API void pml_ising_destroy(pml_ising *ising);

/* Set the spins (cold or hot), the sweep counter to 0, and clear the measurements. */
PML_API pml_status pml_ising_init(pml_ising *ising, pml_ising_start start);
/* Change every replica's T and B (B NULL: zero); recomputes the thresholds. Keeps spins,
 * sweep counter and measurements. A cluster rule needs every B = 0. */
PML_API pml_status pml_ising_set_params(pml_ising *ising, const double *T, const double *B);
/* Change the update rule of every replica (e.g. cluster updates near T_c in a scan); keeps
 * spins, sweep counter, T, B and measurements. A cluster rule needs every B = 0;
 * PML_ERR_UNSUPPORTED where the backend lacks the rule (Wolff on CUDA). */
PML_API pml_status pml_ising_set_rule(pml_ising *ising, pml_ising_rule rule);

/* n >= 0 sweeps without measuring (thermalisation); the sweep counter stays <= INT64_MAX. */
PML_API pml_status pml_ising_sweep(pml_ising *ising, int64_t n);
/* n >= 0 sweeps, each followed by a measurement added to the accumulators. */
PML_API pml_status pml_ising_sample(pml_ising *ising, int64_t n);
/* Forget the measurements (spins and sweep counter stay). */
PML_API pml_status pml_ising_reset_stats(pml_ising *ising);

/* Bits of pml_ising_stats.warning: what the numbers cannot be trusted for.
 * FROZEN: samples >= 2, and every sample had the same bond sum (sum of s_i s_j) and the
 *   same |m|: the lattice never left one state, its global flip, or states it cannot tell
 *   from them. The error bars (0) and C = chi = 0 describe that state, not the ensemble. A
 *   trapped run (checkerboard Metropolis at B = 0 in a state whose every neighbour sum is 0;
 *   Metropolis with J = 0 and B = 0, or a T so high that every flip is certain, where every
 *   spin flips every sweep), a lattice frozen at low T, or a run too short to see a move.
 * BONDS_FROZEN: samples >= 2 and the bond sum never changed while |m| did: only moves that
 *   cost no coupling energy happened (spins blinking in a frozen background at low T, or a
 *   run too short): e_err and C mean nothing.
 * NO_JACKKNIFE: there are samples but c_err, chi_err, chi_m_err and binder_err are NaN:
 *   fewer than 32 samples (PML_ISING_JK_MIN_SAMPLES), or measurements loaded from a state
 *   file of version 1 or 2, which kept no jackknife bins (pml_ising_reset_stats clears it). */
#define PML_ISING_WARN_FROZEN 1u
#define PML_ISING_WARN_BONDS_FROZEN 2u
#define PML_ISING_WARN_NO_JACKKNIFE 4u
/* The fewest samples for a jackknife error: 32 bins of at least one sample each. */
#define PML_ISING_JK_MIN_SAMPLES 32

typedef struct pml_ising_stats {
    double T, B;
    int64_t samples;
    double e, e_err, m, m_err, m_abs, m_abs_err;
    double e2, m2, m4;
    double c, chi, chi_m, binder;
    double tau_e, tau_m; /* integrated autocorrelation times of e and |m|, sweeps */
    /* Jackknife error bars of c, chi, chi_m and binder (NaN: see PML_ISING_WARN_NO_JACKKNIFE;
     * binder_err is NaN too when <m^2> = 0 in some delete-one estimate). */
    double c_err, chi_err, chi_m_err, binder_err;
    int32_t frozen;   /* 1 when warning has PML_ISING_WARN_FROZEN, else 0 */
    uint32_t warning; /* PML_ISING_WARN_* bits, 0 when nothing is wrong */
    /* The cluster rules' improved estimator (NaN when no cluster sweep was measured): <m^2>
     * from the cluster sizes, sum over clusters of |C|^2 / N^2 (Swendsen-Wang) or |C| / N
     * of each step's cluster (Wolff), whose mean is <m^2> at B = 0 with less noise than the
     * spins' own; its binning error; and chi_cluster = N m2_cluster / T, the susceptibility
     * N <m^2> / T (= chi_m at B = 0, where <m> = 0 by symmetry: the susceptibility to use at
     * and above T_c; below T_c it includes the spontaneous magnetisation), with its error. */
    int64_t cluster_samples;
    double m2_cluster, m2_cluster_err, chi_cluster, chi_cluster_err;
} pml_ising_stats;

/* Results of replicas [0, R) into out[0..R). NaN where no sample exists yet. */
PML_API pml_status pml_ising_stats_get(pml_ising *ising, pml_ising_stats *out, int64_t count);
/* A one-line, human message for st->warning (with the numbers that show it), e.g.
 * "frozen: e = 0 and |m| = 0 in all 10000 samples; ..."; several warnings are joined by
 * "; ". "" when st->warning is 0. Truncated to cap - 1 bytes (always terminated). */
PML_API pml_status pml_ising_warning_text(const pml_ising_stats *st, char *buf, size_t cap);

/* Spins of all replicas as int8 +-1: each replica's Ly x Lx lattice row-major (index
 * y*Lx + x), the replicas concatenated in replica order; n = pml_ising_spin_count bytes (for
 * a uniform batch R*Ly*Lx, shape R x Ly x Lx). Replica r starts at pml_ising_replica_offset. */
PML_API pml_status pml_ising_get_spins(pml_ising *ising, int8_t *host, size_t n);
/* Set spins (each +-1) from the same layout. Keeps the sweep counter and measurements. */
PML_API pml_status pml_ising_set_spins(pml_ising *ising, const int8_t *host, size_t n);

/* Inspection. */
PML_API int64_t pml_ising_sweeps_done(const pml_ising *ising);
/* The configuration. lx, ly: the size every replica has, or 0 and 0 when the replicas'
 * sizes differ (then ask pml_ising_replica_size); replicas: R. */
PML_API pml_status pml_ising_get_config(const pml_ising *ising, pml_ising_config *cfg);
/* Size of replica r, 0 <= r < R. */
PML_API pml_status pml_ising_replica_size(const pml_ising *ising, int64_t r, int64_t *lx,
                                          int64_t *ly);
/* Index of replica r's first spin in the get/set spin arrays (the sum of lx*ly before it). */
PML_API pml_status pml_ising_replica_offset(const pml_ising *ising, int64_t r, size_t *offset);
/* Total number of spins, the sum of lx*ly over the replicas (0 for NULL). */
PML_API size_t pml_ising_spin_count(const pml_ising *ising);
PML_API pml_device *pml_ising_device(const pml_ising *ising);

/* Save the whole state (parameters, seed, sweep counter, each replica's size, spins,
 * accumulators) to a file (format version 3), atomically: a temporary file beside it,
 * renamed over `path` once complete; on any failure (PML_ERR_IO with the OS's reason) the
 * old file stays as it was. pml_ising_load recreates it on `dev` (any backend) so that
 * continuing gives bit-for-bit the run that was never interrupted. It reads only regular
 * files (PML_ERR_IO otherwise), and refuses with PML_ERR_BAD_FORMAT, naming the file and the
 * field, anything pml_ising_create would refuse or a run could not have written (T, B,
 * sizes, rule, J, sweep counter, spins, accumulator counts, sums and bins). Files of versions
 * 1 and 2 still load; their measurements have no jackknife bins (PML_ISING_WARN_NO_JACKKNIFE
 * until pml_ising_reset_stats or pml_ising_init). */
PML_API pml_status pml_ising_save(pml_ising *ising, const char *path);
PML_API pml_status pml_ising_load(pml_device *dev, const char *path, pml_ising **out);

/* ---- finite-size analysis -------------------------------------------------------------- */
/* T_c from the crossing of the Binder cumulants of two lattice sizes measured at the same
 * temperatures: T[0..n), n >= 2, finite and strictly ascending, and the cumulants U (the
 * stats' .binder, finite) of the smaller lattice, U_small[0..n), and of the larger one,
 * U_large[0..n). Below T_c the larger lattice's U is the higher, so d = U_large - U_small
 * goes from > 0 to <= 0 with rising T. Where noise makes d change sign more than once, the
 * crossing lies between the T[i] and T[i+1] that leave the most points on their side (d > 0
 * up to T[i], d <= 0 after; the lowest i on a tie), and *tc is where the straight line
 * through d(T[i]) and d(T[i+1]) is 0. No sign change there
 * (T_c outside the grid, or the sizes swapped) is PML_ERR_INVALID_ARGUMENT with the values
 * of d that show it; *tc is NaN on every failure. */
PML_API pml_status pml_ising_binder_crossing(const double *T, const double *U_small,
                                             const double *U_large, int n, double *tc);

/* ---- exact results, J > 0, infinite square lattice (NaN for other J or T <= 0) --------- */
/* T_c = 2J / ln(1 + sqrt 2). */
PML_API double pml_ising_tc(double J);
/* Onsager's energy per spin u(T) at B = 0. */
PML_API double pml_ising_onsager_energy(double T, double J);
/* Onsager's specific heat per spin (numerical derivative of u; NaN at T_c). */
PML_API double pml_ising_onsager_c(double T, double J);
/* Yang's spontaneous magnetisation (1 - sinh(2J/T)^-4)^(1/8) below T_c, 0 above. */
PML_API double pml_ising_yang_m(double T, double J);
/* The finite periodic lx x ly lattice at B = 0, exactly (Kaufman 1949): ln Z, e = <H>/N and
 * c = N (<e^2> - <e>^2) / T^2 per spin (Ferdinand and Fisher 1969), in this header's units
 * (2N bonds, on a side of 2 both count). lx, ly in [2, 2^20] (odd too), lx*ly <= 2^32, T > 0
 * and J != 0 finite (J < 0 only with both sides even: the ferromagnet with |J|); any output
 * may be NULL (ln Z is +inf only past the double range). Accurate to ~1e-12 relative or better
 * (src/ising/ising_exact_finite.c says where less: c for T < 0.3|J|, e for T > 1e6|J|). */
PML_API pml_status pml_ising_exact_finite(int64_t lx, int64_t ly, double T, double J,
                                          double *log_z, double *e, double *c);

/* ---- mean-field theory ------------------------------------------------------------------ */
/* Every solution of m = tanh((J q m + B) / T) in [-1, 1], ascending, into roots[0..cap);
 * *count gets the number found (1 or 3, or 2 at a tangency). T > 0, q >= 1. Each root is
 * bracketed between the stationary points of tanh(..) - m and found to the last bit, so the
 * two roots that merge at the spinodal field are both reported while they exist (a
 * stationary point within rounding of a root counts as the tangency, once). */
PML_API pml_status pml_meanfield_roots(double T, double B, double J, int q, double *roots, int cap,
                                       int *count);
/* T_c^MF = q J. */
PML_API double pml_meanfield_tc(double J, int q);

#ifdef __cplusplus
}
#endif
#endif
