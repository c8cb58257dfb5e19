#!/usr/bin/python3
"""PyTorch peer of bench_train: the recommended 784-100-10 MLP (ReLU, softmax cross-entropy,
Adam lr 1e-3) on Fashion-MNIST, data already in memory as float32 tensors scaled to [0, 1].
One epoch = a random permutation, then forward/backward/step over mini-batches (the last
partial batch included), as physml's pml_train does. Prints one JSON line per batch size
with the median seconds per epoch. Run with /usr/bin/python3 (Debian's python3-torch)."""
import argparse
import gzip
import json
import os
import statistics
import struct
import time

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(dirname, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(dirname, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(os.path.join(dirname, stem))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--batch", type=int, nargs="+", default=[64, 256])
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs (after one warm-up)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (PyTorch eager on the GPU)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    x = torch.from_numpy(read_idx(find(args.data, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0)
    y = torch.from_numpy(read_idx(find(args.data, "train-labels-idx1-ubyte")).astype(np.int64))
    dev = torch.device(args.device)
    x, y = x.to(dev), y.to(dev)
    n = x.shape[0]
    for b in args.batch:
        model = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(),
                                    torch.nn.Linear(100, 10)).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        lossf = torch.nn.CrossEntropyLoss()
        times = []
        for e in range(args.epochs + 1):
            t0 = time.perf_counter()
            perm = torch.randperm(n, device=dev)
            total = 0.0
            for s in range(0, n, b):
                idx = perm[s:s + b]
                xb, yb = x[idx], y[idx]
                opt.zero_grad(set_to_none=True)
                loss = lossf(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            dt = time.perf_counter() - t0
            if e > 0:
                times.append(dt)
        med = statistics.median(times)
        print(json.dumps({"name": "train_784_100_10", "impl": "pytorch", "torch": torch.__version__,
                          "device": args.device, "threads": args.threads, "batch": b,
                          "seconds_per_epoch": med, "samples_per_s": n / med,
                          "epochs_timed": len(times), "last_train_loss": total / n}), flush=True)


if __name__ == "__main__":
    main()
