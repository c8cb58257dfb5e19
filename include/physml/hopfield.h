/* Hopfield networks: associative memory of binary patterns (the primer's Section II, Eq. 1-6),
 * with asynchronous, synchronous and Glauber recall on the device, energies and overlaps,
 * three storage rules, the modern (dense) Hopfield update, and the capacity measurement
 * against Amit-Gutfreund-Sompolinsky.
 *
 * Model and conventions (stated once, here). n neurons s_i = +-1 (the primer's 0/1 units map
 * to them by s = 2x - 1: pml_hopfield_from_binary). p stored patterns xi^mu (p x n, row-major,
 * +-1). The local field of neuron i is h_i = sum_j W_ij s_j - theta_i and the energy
 *
 *     E(s) = -1/2 sum_ij W_ij s_i s_j + sum_i theta_i s_i      (the primer's Eq. 4, with
 *                                                               thresholds theta = b)
 * Storage rules (W symmetric, W_ii = 0 for all of them):
 *   PML_HOPFIELD_HEBB     W_ij = (1/n) sum_mu xi_i^mu xi_j^mu (Eq. 3). Kept as the integer
 *                         sums, so every field is an exact integer (times 1/n) and recall is
 *                         bit-identical on every backend and thread count.
 *   PML_HOPFIELD_PINV     the projection (pseudo-inverse) rule W = Xi^T (Xi Xi^T)^-1 Xi, the
 *                         diagonal then set to 0: each stored pattern is a fixed point while
 *                         the patterns are linearly independent and p < n/2 or so.
 *   PML_HOPFIELD_STORKEY  Storkey's incremental rule (1997), pattern by pattern:
 *                         W_ij += (xi_i xi_j - xi_i g_ji - g_ij xi_j)/n, g_ij = sum_{k!=i,j} W_ik xi_k.
 *   PML_HOPFIELD_MODERN   no W: the dense associative memory of Ramsauer et al. (2020), whose
 *                         update of a continuous state is xi_new = Xi^T softmax(beta Xi xi) and
 *                         whose energy is E = -(1/beta) log sum_mu exp(beta xi^mu . xi)
 *                         + 1/2 xi . xi (constants dropped). It stores far more than n patterns.
 * Real-valued weights (PINV, STORKEY, MODERN) are float on the device: results agree between
 * backends within rounding, not bit for bit.
 *
 * The tie rule, everywhere: a neuron whose local field is exactly zero keeps its state.
 *
 * Recall modes (pml_hopfield_recall):
 *   PML_HOPFIELD_ASYNC    one neuron at a time; a sweep is n updates, in index order or in a
 *                         random order drawn from Philox keyed by (seed, probe, sweep). Stops
 *                         after the first sweep that flips nothing (a fixed point). With
 *                         symmetric weights and zero diagonal the energy never increases.
 *   PML_HOPFIELD_SYNC     all neurons at once, s <- sgn(W s - theta); for Hebbian weights the
 *                         field is Xi^T (Xi s) - p s, O(n p) per probe, in exact integers.
 *                         Stops at a fixed point or a two-cycle (s_{t+1} = s_{t-1}).
 *   PML_HOPFIELD_GLAUBER  asynchronous at temperature T: s_i = +1 with probability
 *                         1 / (1 + exp(-2 h_i / T)), draws keyed by (seed, probe, sweep,
 *                         visit); runs max_sweeps sweeps. With Hebbian weights and no
 *                         thresholds the acceptance comes from a table built on the host, so
 *                         both backends draw the same states.
 * The modern rule always updates the whole state at once (the mode is not used) and stops
 * when no component moves by more than tol; its reported state is sgn(xi).
 *
 * Probe b of a batch is probe b: its draws depend on the seed and b alone, never on the batch
 * size, the backend or the thread count. */
#ifndef PHYSML_HOPFIELD_H
#define PHYSML_HOPFIELD_H

#include <stddef.h>
#include <stdint.h>

#include "physml/api.h"
#include "physml/device.h"
#include "physml/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pml_hopfield pml_hopfield;

typedef enum pml_hopfield_rule {
    PML_HOPFIELD_HEBB = 0,
    PML_HOPFIELD_PINV = 1,
    PML_HOPFIELD_STORKEY = 2,
    PML_HOPFIELD_MODERN = 3
} pml_hopfield_rule;

typedef enum pml_hopfield_mode {
    PML_HOPFIELD_ASYNC = 0,
    PML_HOPFIELD_SYNC = 1,
    PML_HOPFIELD_GLAUBER = 2
} pml_hopfield_mode;

typedef enum pml_hopfield_order {
    PML_HOPFIELD_RANDOM = 0, /* a fresh permutation every sweep */
    PML_HOPFIELD_INDEX = 1   /* 0, 1, ..., n-1 */
} pml_hopfield_order;

/* Names: "hebb", "pinv", "storkey", "modern"; "async", "sync", "glauber"; "random", "index"
 * ("?" for a value out of range), and the parsers back (PML_ERR_INVALID_ARGUMENT listing the
 * names for an unknown one). */
PML_API const char *pml_hopfield_rule_name(pml_hopfield_rule rule);
PML_API pml_status pml_hopfield_rule_parse(const char *name, pml_hopfield_rule *out);
PML_API const char *pml_hopfield_mode_name(pml_hopfield_mode mode);
PML_API pml_status pml_hopfield_mode_parse(const char *name, pml_hopfield_mode *out);
PML_API const char *pml_hopfield_order_name(pml_hopfield_order order);
PML_API pml_status pml_hopfield_order_parse(const char *name, pml_hopfield_order *out);

/* s[i] = 2 x[i] - 1 for x[i] in {0, 1}; any other value is PML_ERR_INVALID_ARGUMENT naming
 * the first bad index. */
PML_API pml_status pml_hopfield_from_binary(const uint8_t *x, int8_t *s, size_t count);

/* The primer's Fig. 2 memories on a 4 x 4 grid (n = 16, row-major): pattern 0 vertical
 * stripes s(r, c) = (-1)^c, pattern 1 horizontal stripes s(r, c) = (-1)^r. out: 2 x 16. */
PML_API pml_status pml_hopfield_stripes(int8_t *out, size_t count);

/* A network of n >= 2 neurons storing p >= 1 patterns (host, p x n, every value +-1) by the
 * rule, on dev. Hebbian weights need p (n - 1) < 2^31; PINV needs linearly independent
 * patterns (PML_ERR_INVALID_ARGUMENT otherwise). */
PML_API pml_status pml_hopfield_create(pml_device *dev, int64_t n, const int8_t *patterns,
                                       int64_t p, pml_hopfield_rule rule, pml_hopfield **out);
PML_API void pml_hopfield_destroy(pml_hopfield *net);

PML_API int64_t pml_hopfield_neurons(const pml_hopfield *net);  /* n, or -1 for NULL */
PML_API int64_t pml_hopfield_patterns(const pml_hopfield *net); /* p, or -1 for NULL */
PML_API pml_hopfield_rule pml_hopfield_rule_of(const pml_hopfield *net);

/* Thresholds theta (n finite values, in the units of W), or NULL for none (the default).
 * Not used by the modern rule. */
PML_API pml_status pml_hopfield_set_thresholds(pml_hopfield *net, const double *theta,
                                               size_t count);

/* The modern rule's inverse temperature beta > 0 (default 1), used by its energy and its
 * update; with +-1 patterns the overlaps xi^mu . xi are of order n, so beta ~ 1 separates a
 * pattern from the rest sharply. PML_ERR_INVALID_ARGUMENT for the other rules. */
PML_API pml_status pml_hopfield_set_beta(pml_hopfield *net, double beta);

/* The weights as the rule defines them (Hebbian: the sums divided by n), n x n into w
 * (count >= n*n). PML_ERR_INVALID_ARGUMENT for the modern rule, which has none. */
PML_API pml_status pml_hopfield_weights(pml_hopfield *net, double *w, size_t count);

/* Energies of a batch of +-1 states (host, batch x n) into energy (batch); the modern rule
 * takes the states as continuous vectors. */
PML_API pml_status pml_hopfield_energy(pml_hopfield *net, const int8_t *states, int64_t batch,
                                       double *energy);

/* Overlaps m^mu = (1/n) sum_i xi_i^mu s_i of each state with each pattern: m is batch x p. */
PML_API pml_status pml_hopfield_overlaps(pml_hopfield *net, const int8_t *states,
                                         int64_t batch, double *m);

typedef struct pml_hopfield_recall_config {
    pml_hopfield_mode mode;   /* default PML_HOPFIELD_ASYNC */
    pml_hopfield_order order; /* asynchronous and Glauber; default PML_HOPFIELD_RANDOM */
    double T;                 /* Glauber temperature, > 0 (default 0.5) */
    double tol;               /* modern rule's convergence tolerance (default 1e-4) */
    int64_t max_sweeps;       /* >= 1 (default 100) */
    uint64_t seed;            /* default 42 */
} pml_hopfield_recall_config;

PML_API pml_hopfield_recall_config pml_hopfield_recall_defaults(void);

typedef enum pml_hopfield_end {
    PML_HOPFIELD_RAN_OUT = 0,   /* stopped at max_sweeps (always so for Glauber) */
    PML_HOPFIELD_FIXED = 1,     /* a fixed point */
    PML_HOPFIELD_TWO_CYCLE = 2  /* synchronous: s_{t+1} = s_{t-1} != s_t */
} pml_hopfield_end;

typedef struct pml_hopfield_result {
    int64_t sweeps;       /* sweeps run (synchronous: updates), the one that showed the end
                             included */
    pml_hopfield_end end;
    double energy;        /* of the final state */
    int64_t pattern;      /* the stored pattern with the largest |overlap| (lowest index on
                             ties) */
    double overlap;       /* its overlap, signed: -1 is the mirror image */
} pml_hopfield_result;

/* Recall from a batch of probes: states (host, batch x n, +-1) in, final states out;
 * results (batch) when not NULL; trace (batch x (max_sweeps + 1)) when not NULL gets the
 * energy before the first sweep and after each one, NaN after the last sweep run. */
PML_API pml_status pml_hopfield_recall(pml_hopfield *net, const pml_hopfield_recall_config *cfg,
                                       int8_t *states, int64_t batch,
                                       pml_hopfield_result *results, double *trace);

/* ---- Capacity --------------------------------------------------------------------------
 * For one n and each load alpha, p = round(alpha n) (at least 1): `sets` independent sets of
 * p random patterns (uniform +-1 from Philox, keyed by the seed, the set and the pattern),
 * all in one device batch. Each stored pattern, with each neuron flipped with probability
 * `flip`, is a probe; recall runs to its end, and the probe counts as retrieved when its
 * final overlap with the pattern it came from is >= `threshold`. Per set: the fraction
 * retrieved and the mean final overlap; reported: their means over sets and the standard
 * errors of those means. */
typedef struct pml_hopfield_capacity_config {
    int64_t n;                  /* >= 2 */
    pml_hopfield_rule rule;     /* default HEBB; MODERN is refused */
    pml_hopfield_recall_config recall;
    int64_t sets;               /* >= 2 (default 20) */
    double flip;                /* [0, 0.5] (default 0) */
    double threshold;           /* (0, 1] (default 0.95) */
    size_t max_bytes;           /* device memory for one chunk of sets (0: 256 MiB) */
} pml_hopfield_capacity_config;

PML_API pml_hopfield_capacity_config pml_hopfield_capacity_defaults(void);

typedef struct pml_hopfield_capacity_point {
    int64_t n, p, sets;
    double alpha;              /* p / n as stored */
    double retrieved, retrieved_err;
    double overlap, overlap_err;
    double seconds;
} pml_hopfield_capacity_point;

/* One point per alpha (alpha[k] in (0, 1], p <= n), into out[k]. */
PML_API pml_status pml_hopfield_capacity(pml_device *dev, const pml_hopfield_capacity_config *cfg,
                                         const double *alpha, int64_t count,
                                         pml_hopfield_capacity_point *out);

/* The critical load of a retrieval curve: the alpha at which the retrieved fraction first
 * falls through `level` (0.5 for the midpoint), interpolated linearly between the two points
 * that bracket it (points in increasing alpha). err: the standard error there divided by the
 * curve's slope. PML_ERR_NUMERIC when the curve never crosses the level. */
PML_API pml_status pml_hopfield_alpha_c(const pml_hopfield_capacity_point *pts, int64_t count,
                                        double level, double *alpha_c, double *err);

/* Theory beside the measurement: AGS's alpha_c = 0.138 for n -> infinity, and McEliece et
 * al.'s load for error-free retrieval of every pattern, p = n / (2 ln n), as alpha. */
#define PML_HOPFIELD_ALPHA_C_AGS 0.138
PML_API double pml_hopfield_alpha_mceliece(int64_t n);

#ifdef __cplusplus
}
#endif
#endif
