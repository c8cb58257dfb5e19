#!/usr/bin/python3
"""The PyTorch version of bench/peers/hopfield_numpy.py: the same Hopfield network, the same
algorithms and the same count (neuron updates = n x the sweeps each probe ran), with torch
tensors on --device (cuda by default): the peer of bench/bench_hopfield on a GPU.

  * Storage: Hebb, W = X^T X / n with a zero diagonal, float32 (--dtype float64 for double).
  * Synchronous recall of a batch: S <- sgn(S W), a zero field keeping the state, each probe
    stopping at a fixed point or a two-cycle or after --max-sweeps (stopped probes frozen);
    one `running.any()` a sweep is the only host synchronisation.
  * Asynchronous recall: one probe at a time, a Python loop over the neurons, h_i = W[i] @ s
    (one small kernel and one host read a visit: what the NumPy loop becomes on a GPU).

Probes: stored pattern b mod p with each neuron flipped with probability --flip. Each case runs
once as a warm-up, then up to --repeats times within --budget-s seconds; the median is kept.
Timings end after torch.cuda.synchronize().

usage: hopfield_torch.py [--device cuda] [--n 1000,4000] [--alpha 0.05] [--batch 1,64]
                         [--modes sync,async] [--orders index,random] [--flip 0.1]
                         [--max-sweeps 100] [--repeats 5] [--budget-s S] [--async-probes 2]
                         [--dtype float32|float64] [--seed 1] [--json]
"""
import argparse
import json
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--n", default="1000,4000")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--batch", default="1,64")
    ap.add_argument("--modes", default="sync,async")
    ap.add_argument("--orders", default="index,random")
    ap.add_argument("--flip", type=float, default=0.1)
    ap.add_argument("--max-sweeps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--budget-s", type=float, default=0.0)
    ap.add_argument("--async-probes", type=int, default=2)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0: leave)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    return ap.parse_args()


def main():
    a = parse_args()
    import torch

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    dt = torch.float32 if a.dtype == "float32" else torch.float64
    gen = torch.Generator(device=dev).manual_seed(a.seed)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    def store(n, p):
        X = (torch.randint(0, 2, (p, n), generator=gen, device=dev) * 2 - 1).to(dt)
        W = X.T @ X / n
        W.fill_diagonal_(0)
        return X, W

    def probes(X, batch):
        p, n = X.shape
        S = X[torch.arange(batch, device=dev) % p].clone()
        S[torch.rand((batch, n), generator=gen, device=dev) < a.flip] *= -1
        return S

    def recall_sync(X, W, S, max_sweeps):
        S = S.clone()
        prev = S.clone()
        running = torch.ones(len(S), dtype=torch.bool, device=dev)
        sweeps = torch.full((len(S),), max_sweeps, device=dev)
        for t in range(max_sweeps):
            h = S @ W
            new = torch.where(h == 0, S, torch.sign(h))  # a zero field keeps the state
            new[~running] = S[~running]
            stop = running & ((new == S).all(dim=1) | (new == prev).all(dim=1))
            sweeps[stop] = t + 1
            running &= ~stop
            prev, S = S, new
            if not bool(running.any()):
                break
        m = S @ X.T / X.shape[1]
        return S, sweeps, m.abs().max(dim=1).values

    def recall_async(X, W, s, max_sweeps, order, perm_gen):
        n = len(s)
        s = s.clone()
        t = 0
        for t in range(max_sweeps):
            flips = 0
            idx = torch.randperm(n, generator=perm_gen).tolist() if order == "random" else range(n)
            for i in idx:
                h = float(W[i] @ s)
                new = 1.0 if h > 0 else -1.0 if h < 0 else float(s[i])
                if new != float(s[i]):
                    s[i] = new
                    flips += 1
            if flips == 0:
                break
        m = X @ s / n
        return s, t + 1, float(m.abs().max())

    def timed(fn):
        sync()
        t0 = time.perf_counter()
        r = fn()
        sync()
        first = time.perf_counter() - t0
        times = [first] if first >= 1.0 else []
        while len(times) < a.repeats and not (a.budget_s > 0 and sum(times) >= a.budget_s):
            sync()
            t0 = time.perf_counter()
            r = fn()
            sync()
            times.append(time.perf_counter() - t0)
        return times, r

    def emit(row, times, text):
        row.update({"name": "hopfield_torch", "device": str(dev), "dtype": a.dtype,
                    "form": "w", "threads": a.threads, "repeats": len(times),
                    "torch": torch.__version__})
        print(json.dumps(row) if a.json else text, flush=True)

    from hopfield_numpy import run_cases  # the same cases, rows and counts as the NumPy peer

    run_cases(a, "torch", store, probes, recall_sync,
              lambda X, W, s, order, g: recall_async(X, W, s, a.max_sweeps, order, g)[1],
              lambda: torch.Generator().manual_seed(a.seed + 1), timed, emit,
              lambda sw: (int(sw.sum()), float(sw.float().mean())))

if __name__ == "__main__":
    sys.exit(main())
