#!/usr/bin/python3
"""Seconds to an error bar for the 2D Ising model in NumPy + SciPy: the Python peer of the
C benchmark of the time to a 1% specific heat at T_c. The measure is not spin updates per ns but
the wall time a rule needs to give C at T_c to a relative error --target, so a rule with a
short autocorrelation time (Swendsen-Wang) can beat a faster but critically slowed one
(Metropolis).

Model: J = 1, B = 0, periodic L x L (L even), H = -sum over nearest-neighbour bonds s_i s_j,
e = H/N, C = N (<e^2> - <e>^2) / T^2, at T = T_c = 2 / ln(1 + sqrt 2) unless --T says.

Rules (int8 spins, preallocated buffers, no Python loop over sites):
  * metropolis: checkerboard Metropolis, the two colours in turn, acceptance from a lookup of
    exp(-beta dE). The lattice is held as its two checkerboard sublattices (L x L/2 each), so
    a colour's neighbour sums come from shifted slices of the other colour and only N/2
    uniforms are drawn per colour (uint32s from Generator.bit_generator.random_raw, compared
    with uint32 thresholds: cheaper than float32s, finer than 2^-24). A flip is an XOR with
    -2, as a where= mask is several times slower. The neighbour sums of the black sites after
    a sweep give both the energy of that configuration and the first half of the next sweep.
  * sw: Swendsen-Wang with SciPy: each right and down bond (periodic) between aligned spins
    is activated with p = 1 - exp(-2 beta); the active bonds make a CSR adjacency
    (scipy.sparse: two slots per site, an inactive bond stored as a self-loop, so indptr is
    fixed and nothing is compacted), scipy.sparse.csgraph.connected_components labels the
    clusters, and each cluster is flipped with probability 1/2 (one random sign per label,
    indexed by the labels). e is read from the aligned-bond count the sweep computes anyway,
    i.e. it is the energy of the configuration each sweep starts from.

Protocol (the C benchmark's): hot start; --therm Swendsen-Wang sweeps untimed (300, for
every rule: an equilibrium start at T_c, whatever the rule's own slowing down); then timed
(time.perf_counter) e is recorded every sweep in chunks, the series growing by 25% per check (first chunk 1024 sweeps for metropolis, 64
for sw; a chunk is shortened so as not to run past the budget), and after each chunk C and
its error come from a delete-one jackknife over 64 equal bins of the series so far (its
first 64 * floor(n / 64) samples)
(C_i without bin i, err = sqrt((n_b - 1)/n_b sum_i (C_i - mean C_i)^2)); it stops when
err/C <= --target or when the timed wall time passes --budget seconds.
seconds_to_target is the measured time (analysis included) if the target was reached, else
the extrapolation seconds * (rel_err / target)^2 with "extrapolated": true. (Checks every
25% make a measured time up to 25% late.)
Also reported: tau_e, the integrated autocorrelation time of e from binning,
(err_binned / err_naive)^2 / 2 with bins of 2^k at the largest k giving >= 32 bins, and
flips_per_ns = N * sweeps / (seconds spent in the sweeps only, analysis excluded); for sw
a sweep counts N updates. Each (rule, L) has its own generator, seeded with (seed, rule, L).

usage: ising_cluster_numpy.py [--L 32,64,128,256] [--rule metropolis,sw] [--T T]
                              [--target 0.01] [--budget 60] [--therm N] [--seed 1]
                              [--threads N] [--json]
"""
import argparse
import json
import math
import os
import time

TC = 2.0 / math.log(1.0 + math.sqrt(2.0))
RULES = ("metropolis", "sw")
NBINS = 64


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])

    def int_list(v):
        try:
            xs = [int(x) for x in v.split(",") if x.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a list of integers: {v!r}")
        if not xs:
            raise argparse.ArgumentTypeError("empty list")
        for x in xs:
            if x < 4 or x % 2 or x > 8192:
                raise argparse.ArgumentTypeError(f"L = {x}: must be even, 4 <= L <= 8192")
        return xs

    def rule_list(v):
        xs = [x.strip() for x in v.split(",") if x.strip()]
        bad = [x for x in xs if x not in RULES]
        if not xs or bad:
            raise argparse.ArgumentTypeError(f"rules are {','.join(RULES)}; got {v!r}")
        return xs

    def positive(kind, upper=None):
        def f(v):
            try:
                x = kind(v)
            except ValueError:
                raise argparse.ArgumentTypeError(f"not a number: {v!r}")
            if not (x > 0) or math.isinf(x) or (upper is not None and x > upper):
                raise argparse.ArgumentTypeError(
                    f"{v}: must be > 0" + (f" and <= {upper}" if upper is not None else ""))
            return x
        return f

    def nonneg_int(v):
        try:
            x = int(v)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {v!r}")
        if x < 0:
            raise argparse.ArgumentTypeError(f"{v}: must be >= 0")
        return x

    ap.add_argument("--L", type=int_list, default=[32, 64, 128, 256])
    ap.add_argument("--rule", type=rule_list, default=list(RULES))
    ap.add_argument("--T", type=positive(float, 1e6), default=TC, help="temperature (T_c)")
    ap.add_argument("--target", type=positive(float, 1.0), default=0.01,
                    help="relative error of C to reach")
    ap.add_argument("--budget", type=positive(float), default=60.0,
                    help="timed seconds per (rule, L) before giving up and extrapolating")
    ap.add_argument("--therm", type=nonneg_int, default=None,
                    help="untimed Swendsen-Wang thermalisation sweeps, for every rule (300)")
    ap.add_argument("--seed", type=nonneg_int, default=1)
    ap.add_argument("--threads", type=nonneg_int, default=0,
                    help="OMP/OpenBLAS threads (0: leave the environment as it is)")
    ap.add_argument("--json", action="store_true")
    return ap.parse_args()


def default_therm(rule, L):
    """Swendsen-Wang sweeps of the untimed thermalisation, for every rule (as bench_ising_error
    does: an equilibrium start whatever the rule's own critical slowing down)."""
    return 300


class Metropolis:
    """Checkerboard Metropolis on the two sublattices. Site (i, j) is black when i + j is
    even: B[i, k] = s[i, 2k + i%2], W[i, k] = s[i, 2k + 1 - i%2]. The vertical neighbours of
    B[i, k] are W[i +- 1, k], the horizontal ones W[i, k] and W[i, k - 1] (even rows) or
    W[i, k + 1] (odd rows); for W the horizontal shift is the other way round."""

    def __init__(self, L, T, rng):
        import numpy as np
        self.np, self.rng, self.L, self.N = np, rng, L, L * L
        h = L // 2
        self.B = rng.choice(np.array([-1, 1], dtype=np.int8), size=(L, h))  # hot start
        self.W = rng.choice(np.array([-1, 1], dtype=np.int8), size=(L, h))
        self.nb = np.empty((L, h), np.int8)     # neighbour sums of the colour to update
        self.prod = np.empty((L, h), np.int8)   # s * nb = dE / 2, in -4..4
        self.idx = np.empty((L, h), np.intp)    # prod + 4, the lookup index
        self.thr = np.empty((L, h), np.uint32)
        self.flip = np.empty((L, h), bool)
        self.fx = np.empty((L, h), np.int8)     # -2 where a spin flips, else 0
        self.raw = rng.bit_generator.random_raw  # 64 random bits = two uint32 uniforms
        self.nraw = L * h // 2
        # accept when u <= thr[prod + 4], u uniform on 0..2^32-1: probability
        # (thr + 1) / 2^32 = min(1, exp(-beta dE)) with dE = 2 prod, to 2^-33
        p = np.minimum(1.0, np.exp(-2.0 / T * np.arange(-4, 5)))
        self.acc = np.clip(np.rint(p * 2.0 ** 32) - 1, 0, 2 ** 32 - 1).astype(np.uint32)
        self._nbsum(self.W, -1)
        np.multiply(self.B, self.nb, out=self.prod)

    def set_spins(self, s2):
        """Start from the L x L lattice s2 (int8 +-1): its two sublattices, and the black
        sites' neighbour sums the next sweep begins with."""
        np, L = self.np, self.L
        rows = np.arange(L)[:, None]
        cols = 2 * np.arange(L // 2)[None, :]
        self.B[...] = s2[rows, cols + rows % 2]
        self.W[...] = s2[rows, cols + 1 - rows % 2]
        self._nbsum(self.W, -1)
        np.multiply(self.B, self.nb, out=self.prod)

    def _nbsum(self, X, even_shift):
        """self.nb = sum of the four neighbours (in X, the other colour) of each site of the
        colour whose even rows see X[i, k + even_shift]."""
        np, nb = self.np, self.nb
        np.add(X[:-2], X[2:], out=nb[1:-1])
        np.add(X[-1], X[1], out=nb[0])
        np.add(X[-2], X[0], out=nb[-1])
        nb += X
        for rows, sh in ((slice(0, None, 2), even_shift), (slice(1, None, 2), -even_shift)):
            if sh < 0:
                nb[rows, 1:] += X[rows, :-1]
                nb[rows, 0] += X[rows, -1]
            else:
                nb[rows, :-1] += X[rows, 1:]
                nb[rows, -1] += X[rows, 0]

    def _update(self, S):
        """Metropolis on colour S, whose s * nb is in self.prod."""
        np = self.np
        u = self.raw(self.nraw).view(np.uint32).reshape(S.shape)
        np.add(self.prod, 4, out=self.idx)
        np.take(self.acc, self.idx, out=self.thr)
        np.less_equal(u, self.thr, out=self.flip)
        # s ^ -2 = -s for s = +-1 in two's complement; much faster than a where= mask
        np.multiply(self.flip.view(np.int8), -2, out=self.fx)
        np.bitwise_xor(S, self.fx, out=S)

    def sweep(self):
        """One sweep (black, then white); returns H of the configuration after it."""
        np = self.np
        self._update(self.B)
        self._nbsum(self.B, +1)
        np.multiply(self.W, self.nb, out=self.prod)
        self._update(self.W)
        self._nbsum(self.W, -1)
        np.multiply(self.B, self.nb, out=self.prod)  # reused by the next sweep's black half
        return -int(self.prod.sum(dtype=np.int64))


class SwendsenWang:
    """Swendsen-Wang with a scipy.sparse CSR graph of the active right/down bonds and
    scipy.sparse.csgraph.connected_components. Every site keeps two slots in the CSR
    (indptr fixed at 0, 2, 4, ...): its right and down neighbour when that bond is active,
    itself (a self-loop, which joins nothing) when not. That spares compacting the active
    bonds and rebuilding indptr each sweep, and connected_components runs faster on it."""

    def __init__(self, L, T, rng):
        import numpy as np
        import scipy.sparse as sp
        from scipy.sparse.csgraph import connected_components
        self.np, self.sp, self.cc, self.rng, self.L = np, sp, connected_components, rng, L
        N = self.N = L * L
        self.s = rng.choice(np.array([-1, 1], dtype=np.int8), size=N)  # hot start
        site = np.arange(N, dtype=np.int32).reshape(L, L)
        # right and down neighbour of every site, as an (N, 2) table: row k's bonds in order
        nbr = np.stack([np.roll(site, -1, 1).ravel(), np.roll(site, -1, 0).ravel()], 1)
        self.self2 = np.repeat(site.ravel(), 2).reshape(N, 2)
        self.delta = nbr - self.self2  # neighbour - self: active * delta + self
        self.aligned = np.empty((N, 2), bool)
        self.sign = np.empty(N, np.int8)
        self.active = np.empty((N, 2), bool)
        self.ind = np.empty((N, 2), np.int32)
        self.indptr = np.arange(0, 2 * N + 1, 2, dtype=np.int32)
        self.ones = np.ones(2 * N, np.float64)
        self.raw = rng.bit_generator.random_raw  # 64 random bits = two uint32 uniforms
        # a bond is activated when u < thr, u uniform on 0..2^32-1: p = 1 - exp(-2 beta)
        self.thr = np.uint32(min(2 ** 32 - 1, round(-math.expm1(-2.0 / T) * 2.0 ** 32)))

    def sweep(self):
        """One SW update; returns H of the configuration it started from."""
        np, s = self.np, self.s
        s2, a2 = s.reshape(self.L, self.L), self.aligned.reshape(self.L, self.L, 2)
        np.equal(s2[:, :-1], s2[:, 1:], out=a2[:, :-1, 0])  # right bonds
        np.equal(s2[:, -1], s2[:, 0], out=a2[:, -1, 0])
        np.equal(s2[:-1], s2[1:], out=a2[:-1, :, 1])  # down bonds
        np.equal(s2[-1], s2[0], out=a2[-1, :, 1])
        n_al = int(np.count_nonzero(self.aligned))
        H = 2 * self.N - 2 * n_al  # -(aligned - unaligned) over the 2N bonds
        u = self.raw(self.N).view(np.uint32).reshape(self.N, 2)
        np.less(u, self.thr, out=self.active)
        self.active &= self.aligned
        np.multiply(self.active, self.delta, out=self.ind)
        self.ind += self.self2
        g = self.sp.csr_matrix((self.ones, self.ind.ravel(), self.indptr),
                               shape=(self.N, self.N))
        ncomp, labels = self.cc(g, directed=False)
        # each cluster flipped with probability 1/2: a random sign per label
        sign = self.rng.integers(0, 2, ncomp, dtype=np.int8)
        sign *= 2
        sign -= 1
        np.take(sign, labels, out=self.sign)
        s *= self.sign
        return H


def analyse(np, e, N, T):
    """C and its delete-one jackknife error over NBINS equal bins of the series e (the first
    NBINS * floor(n / NBINS) samples), the mean of e and its binned error, and tau_int of e."""
    n = len(e)
    m = n // NBINS
    x = e[:m * NBINS]
    d = x - x.mean()  # centred: the variance does not care, the rounding does
    b1 = d.reshape(NBINS, m).sum(1)
    b2 = (d * d).reshape(NBINS, m).sum(1)
    S1, S2 = b1.sum(), b2.sum()
    nt = m * NBINS
    c = N * (S2 / nt - (S1 / nt) ** 2) / T ** 2
    k = nt - m
    mi = (S1 - b1) / k
    ci = N * ((S2 - b2) / k - mi * mi) / T ** 2
    c_err = math.sqrt((NBINS - 1) / NBINS * float(((ci - ci.mean()) ** 2).sum()))
    e_mean = float(x.mean())
    e_err = float(np.std(b1 / m, ddof=1)) / math.sqrt(NBINS)
    # tau_int by binning: bins of 2^k, the largest k with >= 32 bins
    kb = max(0, int(math.floor(math.log2(n / 32)))) if n >= 32 else 0
    w = 1 << kb
    nb = n // w
    tau = float("nan")
    if nb >= 2:
        y = e[:nb * w]
        v0 = float(np.var(y, ddof=1))
        vb = float(np.var(y.reshape(nb, w).mean(1), ddof=1))
        if v0 > 0:
            tau = (vb / nb) / (v0 / (nb * w)) / 2.0
    return float(c), c_err, e_mean, e_err, tau


def run(rule, L, T, a, np):
    rng = np.random.default_rng([a.seed, RULES.index(rule), L])
    N = L * L
    therm = a.therm if a.therm is not None else default_therm(rule, L)
    start = SwendsenWang(L, T, rng)  # untimed: SW sweeps, then the rule under test
    for _ in range(therm):
        start.sweep()
    if rule == "metropolis":
        sim = Metropolis(L, T, rng)
        sim.set_spins(start.s.reshape(L, L))
    else:
        sim = start
    sweep = sim.sweep
    first = 64 * math.ceil((1024 if rule == "metropolis" else 64) / 64)
    e = np.empty(max(first, 1 << 16), np.float64)
    n = 0
    t_sweeps = 0.0
    want = first
    t0 = time.perf_counter()
    while True:
        if want > len(e):
            e = np.concatenate([e, np.empty(max(want, 2 * len(e)) - len(e), np.float64)])
        ts = time.perf_counter()
        for i in range(n, want):
            e[i] = sweep()
        t_sweeps += time.perf_counter() - ts
        n = want
        series = e[:n] / N
        c, c_err, e_mean, e_err, tau = analyse(np, series, N, T)
        rel = c_err / c if c > 0 else float("inf")
        elapsed = time.perf_counter() - t0
        if rel <= a.target or elapsed >= a.budget:
            break
        grow = max(64, 64 * math.ceil(0.25 * n / 64))
        left = int((a.budget - elapsed) / (elapsed / n)) + 1  # sweeps the budget still allows
        want = n + max(16, min(grow, left))
    reached = rel <= a.target
    return {"rule": rule, "L": L, "T": T, "therm": therm, "sweeps": n, "seconds": elapsed,
            "c": c, "c_err": c_err, "rel_err": rel,
            "seconds_to_target": elapsed if reached else elapsed * (rel / a.target) ** 2,
            "extrapolated": not reached, "target": a.target, "budget": a.budget,
            "e": e_mean, "e_err": e_err, "tau_e": tau,
            "flips_per_ns": N * n / t_sweeps / 1e9, "sweep_seconds": t_sweeps}


def main():
    a = parse_args()
    if a.threads > 0:  # before NumPy loads its BLAS
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(a.threads)
    import numpy as np
    import scipy
    # NumPy's elementwise ufuncs, its Generator and csgraph run on one thread whatever
    # this says; it only reaches BLAS, which nothing here calls. Reported as set.
    env = os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS") or "0"
    threads = a.threads or (int(env) if env.isdigit() else env)
    if not a.json:
        print(f"{'rule':10s} {'L':>5s} {'sweeps':>9s} {'s':>7s} {'s_to_tgt':>9s} {'ext':>3s} "
              f"{'tau_e':>9s} {'C':>8s} {'+-':>7s} {'rel':>7s} {'e':>9s} {'flips/ns':>8s}",
              flush=True)
    for rule in a.rule:
        for L in a.L:
            r = run(rule, L, a.T, a, np)
            row = {"name": "ising_cluster_numpy", **r, "seed": a.seed,
                   "numpy": np.__version__, "scipy": scipy.__version__, "threads": threads}
            if a.json:
                print(json.dumps(row), flush=True)
            else:
                print(f"{rule:10s} {L:5d} {r['sweeps']:9d} {r['seconds']:7.1f} "
                      f"{r['seconds_to_target']:9.1f} {'yes' if r['extrapolated'] else 'no':>3s} "
                      f"{r['tau_e']:9.2f} {r['c']:8.4f} {r['c_err']:7.4f} {r['rel_err']:7.4f} "
                      f"{r['e']:9.5f} {r['flips_per_ns']:8.4f}", flush=True)


if __name__ == "__main__":
    main()
