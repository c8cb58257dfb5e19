#!/usr/bin/python3
"""The NumPy Hopfield network a physicist would write: the peer of bench/bench_hopfield on
the CPU. Same measure: neuron updates per second, counted as the sum over probes of the
sweeps each probe ran (the sweep that showed its end included) times n.

  * Storage: Hebb, W = X^T X / n with a zero diagonal, X (p x n) the +-1 patterns. float64
    (NumPy's default, what `rng.choice([-1.0, 1.0], ...)` gives); --dtype float32 for the
    same code in single precision.
  * Synchronous recall of a batch (B x n, vectorised): S <- sgn(S W), a zero field keeping the
    state, each probe stopping at a fixed point (S_{t+1} = S_t) or a two-cycle
    (S_{t+1} = S_{t-1}) or after --max-sweeps. The whole batch goes through the matrix
    product every sweep (stopped probes are frozen). --form factored computes the fields as
    (S X^T) X - p S instead of S W (O(n p) per probe, not the textbook form; off by default).
  * Asynchronous recall: one probe at a time, a Python loop over the neurons, h_i = W[i] @ s,
    in index order or in a fresh random permutation every sweep, until a sweep flips nothing.
    Not vectorised across probes: the rate per probe does not depend on the batch, so only
    --async-probes probes are run per case.

Probes: stored pattern b mod p with each neuron flipped with probability --flip (0.1).
Each case runs once as a warm-up (kept as the first repeat when it took a second or more),
then is timed up to --repeats times (fewer once --budget-s seconds are spent; at least one),
and the median is kept.
Only the recall is timed (the weights are built once per n, outside the timing), and the
final overlaps with the stored patterns are computed inside it, as any run would.

usage: hopfield_numpy.py [--n 1000,4000] [--alpha 0.05] [--batch 1,64] [--modes sync,async]
                         [--orders index,random] [--flip 0.1] [--max-sweeps 100]
                         [--repeats 5] [--budget-s S] [--async-probes 2] [--dtype float64|float32]
                         [--form w|factored] [--threads N] [--seed 1] [--json]
"""
import argparse
import json
import os
import statistics
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", default="1000,4000")
    ap.add_argument("--alpha", type=float, default=0.05, help="p = round(alpha n), at least 1")
    ap.add_argument("--batch", default="1,64", help="synchronous batches")
    ap.add_argument("--modes", default="sync,async")
    ap.add_argument("--orders", default="index,random", help="asynchronous visiting orders")
    ap.add_argument("--flip", type=float, default=0.1)
    ap.add_argument("--max-sweeps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--budget-s", type=float, default=0.0,
                    help="stop repeating a case once its timings add up to this (0: no limit; "
                         "at least one repeat always runs)")
    ap.add_argument("--async-probes", type=int, default=2)
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--form", default="w", choices=["w", "factored"])
    ap.add_argument("--threads", type=int, default=0, help="BLAS/OpenMP threads (0: leave)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    return ap.parse_args()


def main():
    a = parse_args()
    if a.threads > 0:  # before NumPy loads its BLAS
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(a.threads)
    import numpy as np

    dt = np.dtype(a.dtype)
    rng = np.random.default_rng(a.seed)

    def store(n, p):
        X = rng.choice(np.array([-1.0, 1.0], dtype=dt), size=(p, n))
        W = X.T @ X / n
        np.fill_diagonal(W, 0)
        return X, W.astype(dt, copy=False)

    def probes(X, batch):
        p, n = X.shape
        S = X[np.arange(batch) % p].copy()
        S[rng.random((batch, n)) < a.flip] *= -1
        return S

    def recall_sync(X, W, S, max_sweeps):
        p = X.shape[0]
        S = S.copy()
        prev = S.copy()
        running = np.ones(len(S), dtype=bool)
        sweeps = np.full(len(S), max_sweeps)
        for t in range(max_sweeps):
            h = S @ W if a.form == "w" else (S @ X.T) @ X - p * S
            new = np.where(h == 0, S, np.sign(h))  # a zero field keeps the state
            new[~running] = S[~running]
            stop = running & ((new == S).all(axis=1) | (new == prev).all(axis=1))
            sweeps[stop] = t + 1
            running &= ~stop
            prev, S = S, new
            if not running.any():
                break
        m = S @ X.T / X.shape[1]  # overlaps with the stored patterns
        return S, sweeps, np.abs(m).max(axis=1)

    def recall_async(X, W, s, max_sweeps, order, perm_rng):
        n = len(s)
        s = s.copy()
        for t in range(max_sweeps):
            flips = 0
            for i in (perm_rng.permutation(n) if order == "random" else range(n)):
                h = W[i] @ s
                new = 1.0 if h > 0 else -1.0 if h < 0 else s[i]
                if new != s[i]:
                    s[i] = new
                    flips += 1
            if flips == 0:
                break
        m = X @ s / n
        return s, t + 1, np.abs(m).max()

    def timed(fn):
        """Times of fn's repeats and its last result. The first call is a warm-up, thrown
        away unless it took a second or more (then it counts as the first repeat)."""
        t0 = time.perf_counter()
        r = fn()
        first = time.perf_counter() - t0
        times = [first] if first >= 1.0 else []
        while len(times) < a.repeats and not (a.budget_s > 0 and sum(times) >= a.budget_s):
            t0 = time.perf_counter()
            r = fn()
            times.append(time.perf_counter() - t0)
        return times, r

    def emit(row, times, text):
        row.update({"name": "hopfield_numpy", "device": "cpu", "dtype": a.dtype,
                    "form": a.form, "threads": a.threads, "repeats": len(times),
                    "numpy": np.__version__})
        print(json.dumps(row) if a.json else text, flush=True)

    run_cases(a, "numpy", store, probes, recall_sync,
              lambda X, W, s, order, g: recall_async(X, W, s, a.max_sweeps, order, g)[1],
              lambda: np.random.default_rng(a.seed + 1), timed, emit,
              lambda sw: (int(sw.sum()), float(sw.mean())))


def run_cases(a, label, store, probes, recall_sync, recall_async, perm_gen, timed, emit,
              sweep_stats):
    """The cases both peers run (this file's NumPy one and hopfield_torch.py): for each n, the
    synchronous batches and the asynchronous orders, each timed and emitted as one row.
    recall_async(X, W, s, order, gen) gives one probe's sweeps; perm_gen() a fresh generator of
    permutations, the same every repeat; sweep_stats(sweeps) the (sum, mean) of a batch's."""
    modes = a.modes.split(",")
    for n in [int(v) for v in a.n.split(",")]:
        p = max(1, round(a.alpha * n))
        X, W = store(n, p)
        if "sync" in modes:
            for batch in [int(v) for v in a.batch.split(",")]:
                S0 = probes(X, batch)
                times, (_, sw, _) = timed(lambda: recall_sync(X, W, S0, a.max_sweeps))
                med = statistics.median(times)
                total, mean = sweep_stats(sw)
                updates = total * n
                emit({"mode": "sync", "order": None, "n": n, "p": p, "batch": batch,
                      "mean_sweeps": mean, "median_s": med, "updates_per_s": updates / med},
                     times,
                     f"{label:5s} sync   n={n:6d} p={p:4d} batch={batch:5d} sweeps={mean:5.2f} "
                     f"{med * 1e3:10.3f} ms  {updates / med:10.4g} updates/s")
        if "async" in modes:
            for order in a.orders.split(","):
                S0 = probes(X, a.async_probes)

                def run_async():
                    g = perm_gen()  # the same orders every repeat
                    return [recall_async(X, W, s, order, g) for s in S0]

                times, sweeps = timed(run_async)
                med = statistics.median(times)
                updates = sum(sweeps) * n
                mean = sum(sweeps) / len(sweeps)
                emit({"mode": "async", "order": order, "n": n, "p": p,
                      "batch": a.async_probes, "mean_sweeps": mean, "median_s": med,
                      "updates_per_s": updates / med}, times,
                     f"{label:5s} async  n={n:6d} p={p:4d} probes={a.async_probes:3d} "
                     f"{order:6s} sweeps={mean:5.2f} {med * 1e3:10.3f} ms  "
                     f"{updates / med:10.4g} updates/s")
        del X, W

if __name__ == "__main__":
    sys.exit(main())
