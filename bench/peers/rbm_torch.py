#!/usr/bin/python3
"""A Bernoulli RBM written in plain PyTorch and trained on Fashion-MNIST: the peer of
bench/bench_rbm on a GPU (--device cuda, the default where CUDA is there) and on the CPU.
Measured: wall seconds per training epoch (one pass over the first --train-n training images
in mini-batches of --batch), for each --hidden x --batch case.

Data: as bench/peers/rbm_sklearn.py: the gzip'd IDX files under --data, binarised, --binarize
threshold (pixel / 255 > 0.5, i.e. byte >= 128; the default) or sample (1 with probability
pixel / 255: numpy default_rng(--seed) uniforms u < x over all 60000 training images in file
order, then over the 10000 test images: the same 0/1 images as rbm_sklearn.py's); then the
first --train-n training images, copied once to --device as a --dtype tensor of 0s and 1s.

Training: scikit-learn's BernoulliRBM update (rbm_sklearn.py's docstring gives it line by
line), written the way a PyTorch user would: parameters and data on the device, torch.addmm
and torch.sigmoid, in-place parameter updates (addmm_, add_), no autograd (all of it under
torch.inference_mode()), and no host synchronisation inside an epoch.
  * Model: 784 binary visible units, H binary hidden units; W [H, 784] ~ N(0, 0.01^2)
    (torch.randn of the case's generator, torch.Generator(device).manual_seed(--seed)),
    visible bias b [784] and hidden bias c [H] zero.
  * One mini-batch v_pos (n_b rows; n_b = B but for a short last batch):
      h_pos = sigmoid(v_pos W^T + c)                probabilities, no sample
      the chains' hidden states h:
        pcd: h = h_chain, B persistent chains (B rows even when n_b < B), zero at the start
             (so the first negative visibles are Bernoulli(1/2)), as scikit-learn's
        cd:  h ~ Bernoulli(h_pos), the chains start at the batch
      k times:  v_neg ~ Bernoulli(sigmoid(h W + b)),  h_neg = sigmoid(v_neg W^T + c)
                (probabilities), and between two steps h ~ Bernoulli(h_neg)
      s = --lr / n_b                                 the mean gradient of the batch
      W += s (h_pos^T v_pos - h_neg^T v_neg)         two addmm_
      c += s (sum_rows h_pos - sum_rows h_neg)
      b += s (sum_rows v_pos - sum_rows v_neg)
      pcd: h_chain <- Bernoulli(h_neg)               sampled from the probabilities computed
                                                     with the weights before the update
    All gradients use the parameters from before the update; no momentum, no weight decay, no
    sparsity target. --method pcd --k 1 (the default) is scikit-learn's PCD-1 and bench_rbm's
    pcd1; --method cd --k 1 / 10 its cd1 / cd10. As in scikit-learn, the negative sums of a
    short last batch (pcd: B chains, n_b < B rows of data) are scaled by 1/n_b too; physml
    divides them by the chains instead (the same whenever B divides N, as 60000 / 100 and / 10).
  * Bernoulli draws: --sampler uniform (the default) as torch.rand(..., generator).lt_(p),
    u < p in place, scikit-learn's rule; --sampler bernoulli as torch.bernoulli(p, generator).
    PyTorch 1.13's CPU torch.bernoulli of a probability tensor is a serial loop, about five
    times slower than rand < p here; on a GPU both are one or two kernels.
  * Order of the mini-batches: unlike scikit-learn's fit, which walks X[0:B], X[B:2B], ... in
    the same order every epoch, each epoch draws a fresh permutation, torch.randperm(N,
    generator) on the device, and a mini-batch is X.index_select(0, perm[i:i + B]) (the
    permutation and the gathering are inside the epoch's time). The random numbers therefore
    differ from scikit-learn's (and between cpu and cuda); the arithmetic is the same.

Timing: each case first trains a throwaway model of the same shape on --warmup-batches
mini-batches (kernels loaded, cuBLAS and the caching allocator warmed up; its own generator,
so the measured model's random stream is untouched); then --epochs epochs, each timed by
time.perf_counter() after torch.cuda.synchronize() (on cuda) at both ends; the median is kept.
--threads N sets torch.set_num_threads(N) (0: PyTorch's own choice). After training, outside
the timing: scikit-learn's pseudo-log-likelihood score over the first --score-n test images
(784 log sigmoid(F(v~) - F(v)), F the free energy, v~ = v with one random pixel flipped), a
sanity check of the trained weights comparable with rbm_sklearn.py's pseudo_loglik.

--save-dir DIR writes each case's parameters as DIR/torch_rbm_<H>_b<B>_e<E>.safetensors
(written atomically), in rbm_sklearn.py's format: weight [H, 784], visible_bias [784],
hidden_bias [H], all F64 (float32 weights widened exactly), and __metadata__ (string values)
source, torch_version, learning_rate, batch_size, n_iter (= the epochs trained), binarize,
random_state, train_n, method, k, device, dtype.

One JSON line per case with --json (keys peer, case, device, dtype, visible, hidden, batch,
method, k, lr, epochs, threads, seconds_per_epoch, epoch_seconds, examples_per_s, gpu, cpu,
torch, saved, and more), else one line of text. Run it with /usr/bin/python3 (Debian's
python3-torch and python3-numpy).

usage: rbm_torch.py [--data DIR] [--train-n N] [--binarize threshold|sample]
                    [--hidden 256,500] [--batch 100,10] [--method cd|pcd] [--k 1]
                    [--epochs 2] [--lr 0.1] [--seed 1] [--device cpu|cuda]
                    [--dtype float32|float64] [--sampler uniform|bernoulli]
                    [--warmup-batches 20] [--score-n 1000] [--threads N] [--save-dir DIR]
                    [--json]
"""
import argparse
import json
import os
import statistics
import sys
import time

from rbm_common import N_VISIBLE, add_data_args, cpu_model, load_binarised, write_safetensors


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_args(ap)
    ap.add_argument("--hidden", default="256,500")
    ap.add_argument("--batch", default="100,10")
    ap.add_argument("--method", default="pcd", choices=["cd", "pcd"])
    ap.add_argument("--k", type=int, default=1, help="Gibbs steps per update")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=0.1,
                    help="learning rate on the batch's mean gradient")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--sampler", default="uniform", choices=["uniform", "bernoulli"],
                    help="Bernoulli draws as rand < p (uniform) or torch.bernoulli")
    ap.add_argument("--warmup-batches", type=int, default=20)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave)")
    ap.add_argument("--save-dir", default=None)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.epochs < 1:
        ap.error("--epochs must be at least 1")
    if a.k < 1:
        ap.error("--k must be at least 1")
    return a


class RBM:
    """A Bernoulli RBM and its CD-k / PCD-k update (the module docstring's rule)."""

    def __init__(self, torch, n_hidden, batch, method, k, lr, sampler, gen, dev, dt):
        self.torch, self.gen, self.dev, self.dt = torch, gen, dev, dt
        self.method, self.k, self.lr = method, k, lr
        self.W = torch.randn((n_hidden, N_VISIBLE), generator=gen, device=dev, dtype=dt)
        self.W.mul_(0.01)
        self.b = torch.zeros(N_VISIBLE, device=dev, dtype=dt)  # visible bias
        self.c = torch.zeros(n_hidden, device=dev, dtype=dt)   # hidden bias
        self.h_chain = (torch.zeros((batch, n_hidden), device=dev, dtype=dt)
                        if method == "pcd" else None)
        if sampler == "bernoulli":
            self.sample = lambda p: torch.bernoulli(p, generator=gen)
        else:
            self.sample = lambda p: torch.rand(p.shape, generator=gen, device=dev,
                                               dtype=dt).lt_(p)

    def p_hidden(self, v):
        return self.torch.addmm(self.c, v, self.W.t()).sigmoid_()

    def p_visible(self, h):
        return self.torch.addmm(self.b, h, self.W).sigmoid_()

    def step(self, v_pos):
        h_pos = self.p_hidden(v_pos)
        h = self.h_chain if self.method == "pcd" else self.sample(h_pos)
        for t in range(self.k):
            v_neg = self.sample(self.p_visible(h))
            h_neg = self.p_hidden(v_neg)
            if t + 1 < self.k:
                h = self.sample(h_neg)
        s = self.lr / v_pos.shape[0]
        self.W.addmm_(h_pos.t(), v_pos, alpha=s).addmm_(h_neg.t(), v_neg, alpha=-s)
        self.c.add_(h_pos.sum(0).sub_(h_neg.sum(0)), alpha=s)
        self.b.add_(v_pos.sum(0).sub_(v_neg.sum(0)), alpha=s)
        if self.method == "pcd":
            self.h_chain = self.sample(h_neg)

    def epoch(self, X, batch, max_batches=None):
        """One pass over X's rows in a fresh random order (or its first max_batches batches)."""
        n = X.shape[0]
        perm = self.torch.randperm(n, generator=self.gen, device=self.dev)
        for i, s in enumerate(range(0, n, batch)):
            if max_batches is not None and i >= max_batches:
                break
            self.step(X.index_select(0, perm[s:s + batch]))

    def free_energy(self, v):
        F = self.torch.nn.functional
        return -(v @ self.b) - F.softplus(self.torch.addmm(self.c, v, self.W.t())).sum(1)

    def pseudo_loglik(self, V, gen):
        """scikit-learn's score_samples: 784 log sigmoid(F(v~) - F(v)), v~ = v with one
        uniformly chosen pixel flipped per row (the mean over V's rows)."""
        torch = self.torch
        rows = torch.arange(V.shape[0], device=self.dev)
        cols = torch.randint(0, V.shape[1], (V.shape[0],), generator=gen, device=self.dev)
        Vt = V.clone()
        Vt[rows, cols] = 1 - Vt[rows, cols]
        d = self.free_energy(Vt) - self.free_energy(V)
        return float((N_VISIBLE * torch.nn.functional.logsigmoid(d)).mean())


def main():
    a = parse_args()
    try:
        import numpy as np
        import torch
    except ImportError as e:
        sys.exit(f"rbm_torch: {e} under {sys.executable}; Debian's python3-torch and "
                 "python3-numpy serve /usr/bin/python3 (run this file directly or with it)")

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.device is None:
        a.device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(a.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"rbm_torch: --device {a.device}, but this PyTorch ({torch.__version__}) "
                 "sees no CUDA device")
    dt = torch.float32 if a.dtype == "float32" else torch.float64
    gpu = torch.cuda.get_device_name(dev) if dev.type == "cuda" else None
    cpu = cpu_model()

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    X8, T8, n = load_binarised(a, np)
    X = torch.from_numpy(X8).to(device=dev, dtype=dt)
    T = torch.from_numpy(T8).to(device=dev, dtype=dt)
    del X8, T8

    if a.save_dir:
        os.makedirs(a.save_dir, exist_ok=True)

    hiddens = [int(v) for v in a.hidden.split(",")]
    batches = [int(v) for v in a.batch.split(",")]

    with torch.inference_mode():
        for H in hiddens:
            for B in batches:
                if a.warmup_batches > 0:  # a throwaway model of this shape, its own stream
                    wgen = torch.Generator(device=dev).manual_seed(a.seed + 12345)
                    w = RBM(torch, H, B, a.method, a.k, a.lr, a.sampler, wgen, dev, dt)
                    w.epoch(X, B, max_batches=a.warmup_batches)
                    sync()
                    del w

                gen = torch.Generator(device=dev).manual_seed(a.seed)
                rbm = RBM(torch, H, B, a.method, a.k, a.lr, a.sampler, gen, dev, dt)
                epoch_s = []
                for _ in range(a.epochs):
                    sync()
                    t0 = time.perf_counter()
                    rbm.epoch(X, B)
                    sync()
                    epoch_s.append(time.perf_counter() - t0)
                med = statistics.median(epoch_s)

                pll = None
                if len(T):
                    sgen = torch.Generator(device=dev).manual_seed(a.seed)
                    pll = rbm.pseudo_loglik(T, sgen)

                saved = None
                if a.save_dir:
                    saved = os.path.join(a.save_dir,
                                         f"torch_rbm_{H}_b{B}_e{a.epochs}.safetensors")
                    host = lambda t: t.to(device="cpu", dtype=torch.float64).numpy()
                    write_safetensors(
                        saved,
                        {"weight": host(rbm.W), "visible_bias": host(rbm.b),
                         "hidden_bias": host(rbm.c)},
                        {"source": "PyTorch RBM (bench/peers/rbm_torch.py)",
                         "torch_version": torch.__version__,
                         "learning_rate": repr(float(a.lr)), "batch_size": str(B),
                         "n_iter": str(a.epochs), "binarize": a.binarize,
                         "random_state": str(a.seed), "train_n": str(n),
                         "method": a.method, "k": str(a.k), "device": str(dev),
                         "dtype": a.dtype},
                        np)

                row = {"peer": "torch", "case": "rbm", "name": "rbm_torch",
                       "device": str(dev), "dtype": a.dtype, "visible": N_VISIBLE,
                       "hidden": H, "batch": B, "method": a.method, "k": a.k, "lr": a.lr,
                       "epochs": a.epochs, "train_n": n, "binarize": a.binarize,
                       "seed": a.seed, "sampler": a.sampler,
                       "threads": torch.get_num_threads(),
                       "seconds_per_epoch": med, "epoch_seconds": epoch_s,
                       "examples_per_s": n / med, "pseudo_loglik": pll, "score_n": len(T),
                       "gpu": gpu, "cpu": cpu, "torch": torch.__version__, "saved": saved}
                if a.json:
                    print(json.dumps(row), flush=True)
                else:
                    score = "     none" if pll is None else f"{pll:9.3f}"
                    print(f"torch rbm {dev} {a.dtype} v={N_VISIBLE} h={H:4d} batch={B:4d} "
                          f"{a.method}{a.k} lr={a.lr:g} epochs={a.epochs} n={n}  "
                          f"{med:9.3f} s/epoch  {n / med:9.0f} ex/s  pll={score}"
                          + (f"  -> {saved}" if saved else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
