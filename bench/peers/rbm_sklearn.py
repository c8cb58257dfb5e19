#!/usr/bin/python3
"""scikit-learn's BernoulliRBM trained on Fashion-MNIST: the peer of bench/bench_rbm on the
CPU. Measured: wall seconds per training epoch (one pass over the first --train-n training
images in mini-batches of --batch), for each --hidden x --batch case.

Data: the gzip'd IDX files under --data, pixels / 255 and binarised, --binarize threshold
(x > 0.5, i.e. byte >= 128; the default) or sample (1 with probability x: numpy
default_rng(--seed) uniforms u < x, drawn over all 60000 training images in file order, then
over the 10000 test images); then the first --train-n training images, as float64 (the dtype
BernoulliRBM trains in; partial_fit converts anything else to it).

Training (sklearn/neural_network/_rbm.py of scikit-learn 1.2; the line numbers are that file's):
  * Model: BernoulliRBM(n_components=H, learning_rate=LR, batch_size=B, n_iter=E,
    random_state=--seed), 784 binary visible units, H binary hidden units.
  * Driver (--driver fit, the default): one call of sklearn's own fit(X) with n_iter = E. fit
    walks the mini-batches X[0:B], X[B:2B], ... (the last one short when B does not divide N)
    in the same order every epoch, no shuffling (lines 416-424), calling its inner per-batch
    step _fit for each. To time each epoch, this script wraps that one model's _fit in a
    closure that reads the clock before the first mini-batch and after the last of every
    epoch (one counter increment per mini-batch, nothing else); an epoch's seconds are those
    between two marks. fit's one-off work before the first mini-batch (checking X, drawing
    the initial weights) is reported apart as setup_s, in no epoch.
    --driver partial_fit instead calls partial_fit on the same slices in the same order, the
    public one-batch API (BernoulliRBM(n_iter=1), timed per epoch with no wrapper). It gives
    bit for bit the weights of fit: partial_fit seeds RandomState(seed) once and draws the
    initial weights from it as fit does (lines 295-312 against 404-414), on float64 data (checked
    on this machine with equal BLAS thread counts; different thread counts change the last
    bits). It pays partial_fit's argument checks (_validate_params, _validate_data) on every
    mini-batch, tens of microseconds each, which fit pays once: measurable at --batch 10.
  * Initialisation (both drivers): W (components_, H x 784) ~ N(0, 0.01^2) drawn by
    RandomState(seed).normal, biases b (visible, 784) and c (hidden, H) zero, the persistent
    hidden chain states h_samples_ (B x H) zero (lines 404-414; 295-312 for partial_fit).
  * One mini-batch v_pos (n_b rows, n_b = B but for a short last batch; lines 330-344),
    PCD-1 with B persistent chains (B rows even when n_b < B):
      h_pos = sigmoid(v_pos W^T + c)                      probabilities, no sample  (330, 177-192)
      v_neg ~ Bernoulli(sigmoid(h_chain W + b))           a binary sample of the chains'
                                                          visibles, from the persistent hidden
                                                          states h_chain = h_samples_ (331, 229-232)
      h_neg = sigmoid(v_neg W^T + c)                      probabilities, no sample  (332)
      lr    = learning_rate / n_b                         the rate per example    (334)
      W    += lr (h_pos^T v_pos - h_neg^T v_neg)                                  (335-337)
      c    += lr (sum_rows h_pos - sum_rows h_neg)        hidden bias             (338)
      b    += lr (sum_rows v_pos - sum_rows v_neg)        visible bias            (339-341)
      h_chain <- Bernoulli(h_neg)                         the chains' new hidden states, sampled
                                                          from the probabilities computed with
                                                          the weights before this update (343-344)
    All three gradients use the parameters from before the update; no momentum, no weight
    decay, no sparsity target. The random numbers come from RandomState(seed).uniform: B x 784
    for v_neg, then B x H for h_chain, per mini-batch. The chains start at h = 0, so the first
    negative visibles are Bernoulli(sigmoid(0)) = Bernoulli(1/2).
  * Score (after training, outside the timing): the mean of score_samples over the first
    --score-n test images, sklearn's pseudo-log-likelihood 784 * log sigmoid(F(v~) - F(v)),
    F the free energy, v~ = v with one uniformly chosen pixel flipped per image, drawn from a
    fresh RandomState(seed) (lines 365-381, 234-249).

Before the first case, a throwaway model trains on --warmup-batches mini-batches (BLAS threads
started, pages touched); it does not touch the measured models' random streams. The JSON
records carry the OpenBLAS core type threadpoolctl reports: OpenBLAS 0.3.21 (Debian 12) does
not know some newer Xeons and falls back to its slow Prescott kernels there (a warning says so
on stderr); OPENBLAS_CORETYPE (or --openblas-coretype) picks the kernels.

--save-dir DIR writes each case's parameters as DIR/sklearn_rbm_<H>_b<B>_e<E>.safetensors
(written atomically): weight = components_ [H, 784], visible_bias = intercept_visible_ [784],
hidden_bias = intercept_hidden_ [H], all F64, and __metadata__ (string values) source,
sklearn_version, learning_rate, batch_size, n_iter (= the epochs trained), binarize,
random_state, train_n.

usage: rbm_sklearn.py [--data DIR] [--train-n N] [--score-n 1000]
                      [--binarize threshold|sample] [--hidden 256,500] [--batch 100,10]
                      [--epochs 1] [--lr 0.1] [--seed 1] [--driver fit|partial_fit]
                      [--warmup-batches 20] [--save-dir DIR] [--openblas-coretype NAME]
                      [--threads N] [--json]
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
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=0.1,
                    help="BernoulliRBM's learning_rate (it divides it by the batch's rows)")
    ap.add_argument("--seed", type=int, default=1, help="random_state (and sampled binarisation)")
    ap.add_argument("--driver", default="fit", choices=["fit", "partial_fit"])
    ap.add_argument("--warmup-batches", type=int, default=20)
    ap.add_argument("--save-dir", default=None)
    ap.add_argument("--openblas-coretype", default=None,
                    help="set OPENBLAS_CORETYPE (e.g. SkylakeX) before NumPy loads OpenBLAS")
    ap.add_argument("--threads", type=int, default=0, help="BLAS/OpenMP threads (0: leave)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.epochs < 1:
        ap.error("--epochs must be at least 1")
    return a


def main():
    a = parse_args()
    if a.threads > 0:  # before NumPy loads its BLAS
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(a.threads)
    if a.openblas_coretype:
        os.environ["OPENBLAS_CORETYPE"] = a.openblas_coretype
    try:
        import numpy as np
        import sklearn
        from sklearn.neural_network import BernoulliRBM
    except ImportError as e:
        sys.exit(f"rbm_sklearn: {e} under {sys.executable}; Debian's python3-sklearn and "
                 "python3-numpy serve /usr/bin/python3 (run this file directly or with it)")

    blas = None
    try:
        import threadpoolctl
        info = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if info:
            blas = {k: info[0].get(k) for k in ("internal_api", "version", "architecture",
                                                "threading_layer", "num_threads")}
    except ImportError:
        pass
    cpu = cpu_model()
    if blas and blas.get("architecture") == "Prescott":
        print("rbm_sklearn: OpenBLAS runs its generic Prescott kernels on this CPU "
              f"({cpu}); set OPENBLAS_CORETYPE (e.g. SkylakeX, Haswell) for its fast ones",
              file=sys.stderr)

    X, T, n = load_binarised(a, np)
    # float64: the dtype BernoulliRBM trains in
    X, T = X.astype(np.float64), T.astype(np.float64)

    if a.save_dir:
        os.makedirs(a.save_dir, exist_ok=True)

    hiddens = [int(v) for v in a.hidden.split(",")]
    batches = [int(v) for v in a.batch.split(",")]

    if a.warmup_batches > 0:  # a throwaway model: BLAS threads up, X paged in
        wb = batches[0]
        w = BernoulliRBM(n_components=hiddens[0], learning_rate=a.lr, batch_size=wb, n_iter=1,
                         random_state=a.seed + 12345)
        for i in range(min(a.warmup_batches, (n + wb - 1) // wb)):
            w.partial_fit(X[i * wb:(i + 1) * wb])
        del w

    for H in hiddens:
        for B in batches:
            slices = [slice(s, min(s + B, n)) for s in range(0, n, B)]
            rbm = BernoulliRBM(n_components=H, learning_rate=a.lr, batch_size=B,
                               n_iter=1 if a.driver == "partial_fit" else a.epochs,
                               random_state=a.seed)  # partial_fit ignores n_iter
            setup_s = None
            if a.driver == "partial_fit":
                epoch_s = []
                for _ in range(a.epochs):
                    t0 = time.perf_counter()
                    for sl in slices:
                        rbm.partial_fit(X[sl])
                    epoch_s.append(time.perf_counter() - t0)
            else:
                marks, calls, inner = [], [0], rbm._fit

                def timed_step(v_pos, rng):  # fit's per-batch step, with epoch marks
                    if calls[0] == 0:
                        marks.append(time.perf_counter())
                    inner(v_pos, rng)
                    calls[0] += 1
                    if calls[0] % len(slices) == 0:
                        marks.append(time.perf_counter())

                rbm._fit = timed_step
                t0 = time.perf_counter()
                rbm.fit(X)
                del rbm._fit
                if calls[0] != a.epochs * len(slices):
                    raise RuntimeError(f"fit made {calls[0]} mini-batch steps, expected "
                                       f"{a.epochs} x {len(slices)}: sklearn's fit changed?")
                setup_s = marks[0] - t0
                epoch_s = [t1 - t0 for t0, t1 in zip(marks, marks[1:])]
            med = statistics.median(epoch_s)
            pll = float(np.mean(rbm.score_samples(T))) if len(T) else None

            saved = None
            if a.save_dir:
                saved = os.path.join(a.save_dir, f"sklearn_rbm_{H}_b{B}_e{a.epochs}.safetensors")
                write_safetensors(
                    saved,
                    {"weight": rbm.components_, "visible_bias": rbm.intercept_visible_,
                     "hidden_bias": rbm.intercept_hidden_},
                    {"source": "scikit-learn BernoulliRBM", "sklearn_version": sklearn.__version__,
                     "learning_rate": repr(float(a.lr)), "batch_size": str(B),
                     "n_iter": str(a.epochs), "binarize": a.binarize,
                     "random_state": str(a.seed), "train_n": str(n)},
                    np)

            row = {"peer": "sklearn", "case": "rbm", "name": "rbm_sklearn", "device": "cpu",
                   "visible": N_VISIBLE, "hidden": H, "batch": B, "lr": a.lr,
                   "epochs": a.epochs, "train_n": n, "binarize": a.binarize, "seed": a.seed,
                   "driver": a.driver, "threads": a.threads, "seconds_per_epoch": med,
                   "epoch_seconds": epoch_s, "setup_s": setup_s, "examples_per_s": n / med,
                   "pseudo_loglik": pll, "score_n": len(T), "saved": saved, "cpu": cpu,
                   "blas": blas, "sklearn": sklearn.__version__, "numpy": np.__version__}
            if a.json:
                print(json.dumps(row), flush=True)
            else:
                score = "     none" if pll is None else f"{pll:9.3f}"
                print(f"sklearn rbm v={N_VISIBLE} h={H:4d} batch={B:4d} lr={a.lr:g} "
                      f"epochs={a.epochs} n={n}  {med:9.3f} s/epoch  {n / med:9.0f} ex/s  "
                      f"pll={score}" + (f"  -> {saved}" if saved else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
