#!/usr/bin/python3
"""PyTorch checkerboard Metropolis: the GPU peer of bench/bench_ising (runs on the CPU too).
Same measure: spin updates per ns. int8 spins, torch.roll neighbours, a uniform draw per
site, an exp() lookup table over the five dE values.

usage: ising_torch.py [--device cuda|cpu] [--L 1024,4096] [--T 1.5,2.269,3.0] [--json]
"""
import argparse
import json
import time

import torch


def sweep_simple(s, masks, acc, sign):
    for mask in masks:
        nb = (torch.roll(s, 1, 0) + torch.roll(s, -1, 0) + torch.roll(s, 1, 1)
              + torch.roll(s, -1, 1))
        dE = (2 * s * nb).clamp_(min=0).long()
        flip = mask & (torch.rand(s.shape, device=s.device) < acc[dE])
        s.mul_(torch.where(flip, sign[0], sign[1]))


def run(L, T, dev, sweeps, repeats):
    g = torch.Generator(device="cpu").manual_seed(1)
    s = (torch.randint(0, 2, (L, L), generator=g, dtype=torch.int8) * 2 - 1).to(dev)
    y, x = torch.meshgrid(torch.arange(L), torch.arange(L), indexing="ij")
    even = ((x + y) % 2 == 0).to(dev)
    masks = (even, ~even)
    acc = torch.exp(-torch.arange(0, 9, dtype=torch.float32) / T).to(dev)
    sign = torch.tensor([-1, 1], dtype=torch.int8, device=dev)
    sweep_simple(s, masks, acc, sign)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(sweeps):
            sweep_simple(s, masks, acc, sign)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    return med / sweeps, L * L * sweeps / med / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--L", default="1024,4096")
    ap.add_argument("--T", default="1.5,2.269,3.0")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    dev = torch.device(a.device)
    for L in [int(v) for v in a.L.split(",")]:
        for T in [float(v) for v in a.T.split(",")]:
            n = max(2, (1 << 26 if dev.type == "cuda" else 1 << 23) // (L * L))
            t, fpns = run(L, T, dev, n, a.repeats)
            row = {"name": "ising_torch", "device": a.device, "L": L, "T": T, "replicas": 1,
                   "sweeps": n, "median_s_per_sweep": t, "flips_per_ns": fpns,
                   "torch": torch.__version__}
            if a.json:
                print(json.dumps(row), flush=True)
            else:
                print(f"torch/{a.device} L={L:5d} T={T:5.3f}  {t*1e3:9.3f} ms/sweep  "
                      f"{fpns:8.4f} flips/ns", flush=True)


if __name__ == "__main__":
    main()
