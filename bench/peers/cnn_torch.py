#!/usr/bin/python3
"""PyTorch peer of `physml train --preset cnn`: the same network, optimiser, schedule and batch
on Fashion-MNIST, timed per epoch on the CPU. Run with /usr/bin/python3 (Debian's python3-torch
and python3-numpy), e.g.
    /usr/bin/python3 bench/peers/cnn_torch.py --epochs 15 --threads 2 --json
    /usr/bin/python3 bench/peers/cnn_torch.py --time-only 3 --threads 1 --json

  * Network: physml's preset spec (src/cli/train_common.h, PML_CNN_PRESET_ARCH) on 1x28x28,
    built by physml_torch.build, so the two stay one network:
      conv:32:3:pad=same:nobias,batchnorm,relu,maxpool:2,conv:64:3:pad=same:nobias,batchnorm,
      relu,maxpool:2,conv:128:3:pad=same:nobias,batchnorm,relu,maxpool:2,flatten,dropout:0.3,
      dense:128,relu,dropout:0.3,dense:10
    (242k parameters); conv and dense weights He-normal (kaiming_normal_, fan_in, relu), biases
    zero, batch norm weight 1 and bias 0 (torch's default).
  * Training: softmax cross-entropy (mean over the batch), Adam lr 1e-3 (betas 0.9, 0.999, eps
    1e-8), cosine decay per epoch over the run: epoch e (0-based) of E uses
    1e-3 * 0.5 * (1 + cos(pi e / E)); mini-batches of --batch from a fresh permutation each
    epoch, the last partial batch included.
  * Data: the gzip'd IDX files under --data, pixels / 255 as float32; the first --subset
    training images (0: all 60000), of which a seeded permutation's first 90% train and the rest
    validate; the first --test-subset test images (0: all 10000).
  * Output: per epoch, seconds (training only, time.perf_counter), mean training loss,
    validation and test accuracy (eval mode, batches of 1000); --json gives one JSON line per
    epoch and a summary line (median seconds per epoch, final test accuracy). --time-only N
    trains N epochs without any evaluation, to measure seconds per epoch (after one
    untimed warm-up batch). The processor's name is printed beside the figures.
"""
import argparse
import gzip
import json
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

import physml_torch
import rbm_common

SPEC = ("conv:32:3:pad=same:nobias,batchnorm,relu,maxpool:2,conv:64:3:pad=same:nobias,batchnorm,"
        "relu,maxpool:2,conv:128:3:pad=same:nobias,batchnorm,relu,maxpool:2,flatten,dropout:0.3,"
        "dense:128,relu,dropout:0.3,dense:10")
IN_SHAPE = (1, 28, 28)
LR = 1e-3


def read_idx_labels(path):
    """The labels of a gzip'd IDX1 file as an int64 array."""
    with gzip.open(path, "rb") as f:
        buf = f.read()
    magic, count = struct.unpack(">II", buf[:8])
    if magic != 0x00000801:
        raise ValueError(f"{path}: magic 0x{magic:08x}, not an IDX1 ubyte file (0x00000801)")
    if len(buf) != 8 + count:
        raise ValueError(f"{path}: {len(buf)} bytes, the header says {8 + count}")
    return np.frombuffer(buf, dtype=np.uint8, offset=8).astype(np.int64)


def load_split(data, stem, limit):
    """(images N x 1 x 28 x 28 float32 in [0, 1], labels N int64) of one split, the first
    `limit` (0: all)."""
    x = rbm_common.read_idx_images(os.path.join(data, f"{stem}-images-idx3-ubyte.gz"), np)
    y = read_idx_labels(os.path.join(data, f"{stem}-labels-idx1-ubyte.gz"))
    if x.shape[1] != 28 * 28 or len(x) != len(y):
        raise ValueError(f"{data}: {stem}: {len(x)} images of {x.shape[1]} pixels, {len(y)} "
                         "labels; want 28x28 images, one label each")
    if limit:
        if limit > len(x):
            raise ValueError(f"{stem}: {limit} images asked for, the file holds {len(x)}")
        x, y = x[:limit], y[:limit]
    x = torch.from_numpy(x.astype(np.float32) / 255.0).reshape((-1,) + IN_SHAPE)
    return x, torch.from_numpy(y)


def make_model():
    model = physml_torch.build(SPEC, IN_SHAPE)
    for m in model:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def train_epoch(model, opt, lossf, x, y, batch, gen):
    """One pass in shuffled mini-batches: (seconds, mean training loss)."""
    model.train()
    t0 = time.perf_counter()
    n = len(x)
    perm = torch.randperm(n, generator=gen).to(x.device)
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    for s in range(0, n, batch):
        idx = perm[s:s + batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.detach() * len(idx)
    if x.is_cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    return seconds, float(total) / n


def accuracy(model, x, y):
    if len(x) == 0:
        return float("nan")
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(x), 1000):
            correct += int((model(x[s:s + 1000]).argmax(1) == y[s:s + 1000]).sum())
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--subset", type=int, default=0, help="the first N training images (0: all)")
    ap.add_argument("--test-subset", type=int, default=0, help="the first N test images (0: all)")
    ap.add_argument("--val", type=float, default=0.1, help="fraction held out for validation")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (eager, data on the device)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--time-only", type=int, default=0, metavar="N",
                    help="train N timed epochs without evaluation (seconds per epoch only)")
    a = ap.parse_args()
    for name, lo in (("epochs", 1), ("batch", 1), ("threads", 1), ("subset", 0),
                     ("test_subset", 0), ("time_only", 0)):
        if getattr(a, name) < lo:
            ap.error(f"--{name.replace('_', '-')} {getattr(a, name)}: want >= {lo}")
    if not 0 <= a.val < 1:
        ap.error(f"--val {a.val}: want 0 <= F < 1")

    if a.device not in ("cpu", "cuda") or (a.device == "cuda" and not torch.cuda.is_available()):
        ap.error(f"--device {a.device}: want cpu, or cuda with a GPU")
    dev = torch.device(a.device)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    processor = rbm_common.cpu_model() or "unknown"
    try:
        x_all, y_all = load_split(a.data, "train", a.subset)
        x_test, y_test = load_split(a.data, "t10k", a.test_subset)
    except (OSError, ValueError) as e:
        print(f"cnn_torch.py: {e}", file=sys.stderr)
        return 2
    perm = torch.from_numpy(np.random.default_rng(a.seed).permutation(len(x_all)))
    n_train = len(x_all) - int(round(a.val * len(x_all)))
    x_train, y_train = x_all[perm[:n_train]].to(dev), y_all[perm[:n_train]].to(dev)
    x_val, y_val = x_all[perm[n_train:]].to(dev), y_all[perm[n_train:]].to(dev)
    x_test, y_test = x_test.to(dev), y_test.to(dev)

    model = make_model().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    lossf = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(a.seed)
    epochs = a.time_only or a.epochs
    common = {"peer": "torch", "threads": a.threads, "batch": a.batch, "processor": processor,
              "device": a.device}
    if not a.json:
        print(f"cnn_torch: {len(x_train)} train, {len(x_val)} val, {len(x_test)} test; "
              f"batch {a.batch}, {a.threads} threads, torch {torch.__version__}, {processor}")
    if a.time_only:  # one untimed batch: the allocator and kernels warmed up
        warm = make_model().to(dev)
        wopt = torch.optim.Adam(warm.parameters(), lr=LR)
        wopt.zero_grad()
        lossf(warm(x_train[:a.batch]), y_train[:a.batch]).backward()
        wopt.step()

    times, test_acc = [], float("nan")
    for e in range(epochs):
        for g in opt.param_groups:
            g["lr"] = LR * 0.5 * (1 + math.cos(math.pi * e / epochs))
        seconds, train_loss = train_epoch(model, opt, lossf, x_train, y_train, a.batch, gen)
        times.append(seconds)
        row = {"epoch": e + 1, "seconds": round(seconds, 4), "train_loss": round(train_loss, 6)}
        if not a.time_only:
            row["val_acc"] = round(accuracy(model, x_val, y_val), 6)
            test_acc = accuracy(model, x_test, y_test)
            row["test_acc"] = round(test_acc, 6)
        if a.json:
            print(json.dumps({"peer": "torch", **row, **common}), flush=True)
        else:
            print(f"epoch {e + 1:3d}  {seconds:8.3f} s  loss {train_loss:.4f}"
                  + ("" if a.time_only else
                     f"  val {row['val_acc']:.4f}  test {row['test_acc']:.4f}"), flush=True)
    med = statistics.median(times)
    summary = {"peer": "torch", "summary": True, "spec": SPEC, "epochs": epochs,
               "median_seconds_per_epoch": round(med, 4),
               "samples_per_s": round(len(x_train) / med, 1),
               "final_test_acc": None if a.time_only else round(test_acc, 6),
               "train": len(x_train), "test": len(x_test), "torch": torch.__version__, **common}
    if a.json:
        print(json.dumps(summary), flush=True)
    else:
        print(f"median {med:.3f} s per epoch ({len(x_train) / med:.0f} images/s)"
              + ("" if a.time_only else f", final test accuracy {test_acc:.4f}")
              + f"  [{a.threads} threads, batch {a.batch}, {processor}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
