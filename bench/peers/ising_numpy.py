#!/usr/bin/python3
"""The vectorised NumPy checkerboard Metropolis a physicist would write: the peer of
bench/bench_ising on the CPU. Same measure: spin updates (attempted flips) per ns.

usage: ising_numpy.py [--L 256,1024] [--T 1.5,2.269,3.0] [--sweeps N] [--repeats K] [--json]
"""
import argparse
import json
import time

import numpy as np


def sweep(s, mask, beta, rng):
    """One sweep: the two checkerboard colours in turn, Metropolis with a lookup of
    exp(-beta dE) over the five possible dE."""
    acc = np.exp(-beta * np.arange(0, 9))  # dE = 2 s n takes values -8..8 (J = 1, B = 0)
    for colour in (mask, ~mask):
        nb = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
        dE = 2 * s * nb
        p = acc[np.clip(dE, 0, 8)]
        flip = colour & (rng.random(s.shape) < p)
        s[flip] *= -1


def run(L, T, sweeps, repeats, rng):
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(L, L))
    y, x = np.indices((L, L))
    mask = (x + y) % 2 == 0
    beta = 1.0 / T
    sweep(s, mask, beta, rng)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(sweeps):
            sweep(s, mask, beta, rng)
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    return med / sweeps, L * L * sweeps / med / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--L", default="256,1024")
    ap.add_argument("--T", default="1.5,2.269,3.0")
    ap.add_argument("--sweeps", type=int, default=0, help="0: about 2^24 spin updates per timing")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    for L in [int(v) for v in a.L.split(",")]:
        for T in [float(v) for v in a.T.split(",")]:
            n = a.sweeps or max(1, (1 << 24) // (L * L))
            t, fpns = run(L, T, n, a.repeats, rng)
            row = {"name": "ising_numpy", "device": "cpu", "L": L, "T": T, "replicas": 1,
                   "sweeps": n, "median_s_per_sweep": t, "flips_per_ns": fpns,
                   "numpy": np.__version__}
            if a.json:
                print(json.dumps(row), flush=True)
            else:
                print(f"numpy  L={L:5d} T={T:5.3f}  {t*1e3:9.3f} ms/sweep  {fpns:8.4f} flips/ns",
                      flush=True)


if __name__ == "__main__":
    main()
