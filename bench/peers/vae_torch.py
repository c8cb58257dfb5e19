#!/usr/bin/python3
"""PyTorch peer of physml's autoencoder benchmark: a VAE, a dense and a convolutional
autoencoder on Fashion-MNIST, the same networks, loss, optimiser and batch, timed per epoch on
the CPU. Run with /usr/bin/python3 (Debian's python3-torch and python3-numpy), e.g.
    /usr/bin/python3 bench/peers/vae_torch.py --model vae --epochs 10 --threads 1 --json
    /usr/bin/python3 bench/peers/vae_torch.py --model conv --time-only 3 --threads 2 --json

  * Networks (--model, latent L = --latent), physml specs built by physml_torch.build as one
    nn.Sequential (encoder items, then decoder items, so parameter names match physml's):
      vae   (L 20) on 784: dense:400,relu,dense:2L  gauss  dense:400,relu,dense:784
                           (gauss: mu, logvar = the 2L features' halves; mu + exp(logvar/2) eps
                           in training, mu in evaluation)
      dense (L 32) on 784: dense:256,relu,dense:L  dense:256,relu,dense:784
      conv  (L 32) on 1x28x28: conv:16:3:stride=2:pad=1,relu,conv:32:3:stride=2:pad=1,relu,
                           flatten,dense:L  dense:1568,relu,unflatten:32:7:7,
                           convt:16:3:stride=2:pad=1:outpad=1,relu,convt:1:3:stride=2:pad=1:outpad=1
    The output is 784 logits. Dense, conv and convt weights He-normal (kaiming_normal_, fan_in,
    relu: N(0, 2 / fan_in), torch's fan_in of a convt being out channels x K x K), biases zero.
  * Loss per example: binary cross-entropy with logits summed over the 784 pixels, the pixels
    as targets; the VAE adds beta * KL(q(z|x) || N(0, I)) = beta * 0.5 sum(mu^2 + exp(logvar)
    - 1 - logvar) over the latent (--beta, 1). The optimised loss is its mean over the batch.
  * Training: Adam lr 1e-3 (betas 0.9, 0.999, eps 1e-8), constant; mini-batches of --batch
    (128) from a fresh torch.randperm each epoch (a generator seeded by --seed; the model's
    initialisation and the VAE's noise from torch.manual_seed(--seed)), the last partial batch
    included.
  * Data: the gzip'd IDX files under --data, pixels / 255 as float32; the first --subset
    training images (0: all 60000) train, the first --test-subset test images (0: all 10000)
    test.
  * Output: per epoch, seconds (training only, time.perf_counter), the mean training loss per
    example (recon + beta kl, for the VAE also its recon and kl terms), and the test set's mean
    loss per example in eval mode (batches of 1000); the VAE's test figures sample z as in
    training (no gradient): recon, kl and the ELBO -(recon + kl), nats per example. --iwae K
    (VAE only): at the end, the importance-weighted bound log p(x) >= E log (1/K) sum_k
    p(x|z_k) p(z_k) / q(z_k|x) on the test set, nats per example. --json gives one JSON line
    per epoch and a summary line (median seconds per epoch, the final test ELBO or loss).
    --time-only N trains N epochs without any evaluation (after one untimed warm-up batch) to
    measure seconds per epoch. The processor's name is printed beside the figures. No files
    are written.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import physml_torch
import rbm_common

LR = 1e-3
LOG_2PI = math.log(2 * math.pi)


def specs(model, L):
    """(encoder spec, decoder spec, input shape) of --model with latent L; the VAE's encoder
    ends in gauss."""
    if model == "vae":
        return f"dense:400,relu,dense:{2 * L},gauss", "dense:400,relu,dense:784", (784,)
    if model == "dense":
        return f"dense:256,relu,dense:{L}", "dense:256,relu,dense:784", (784,)
    return (f"conv:16:3:stride=2:pad=1,relu,conv:32:3:stride=2:pad=1,relu,flatten,dense:{L}",
            "dense:1568,relu,unflatten:32:7:7,convt:16:3:stride=2:pad=1:outpad=1,relu,"
            "convt:1:3:stride=2:pad=1:outpad=1", (1, 28, 28))


def make_model(spec, in_shape):
    model = physml_torch.build(spec, in_shape)
    for m in model:
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def gauss_of(model):
    return next((m for m in model if isinstance(m, physml_torch.Gauss)), None)


def load_images(data, stem, limit, in_shape):
    """The first `limit` (0: all) images of one split, N x in_shape float32 in [0, 1]."""
    x = rbm_common.read_idx_images(os.path.join(data, f"{stem}-images-idx3-ubyte.gz"), np)
    if x.shape[1] != 28 * 28:
        raise ValueError(f"{data}: {stem}: images of {x.shape[1]} pixels, want 28x28")
    if limit:
        if limit > len(x):
            raise ValueError(f"{stem}: {limit} images asked for, the file holds {len(x)}")
        x = x[:limit]
    return torch.from_numpy(x.astype(np.float32) / 255.0).reshape((-1,) + in_shape)


def losses(model, gauss, xb):
    """Per example: (recon = BCE-with-logits summed over the pixels, kl or None)."""
    out = model(xb)
    recon = F.binary_cross_entropy_with_logits(out.flatten(1), xb.flatten(1),
                                               reduction="none").sum(1)
    if gauss is None:
        return recon, None
    mu, logvar = gauss.mu, gauss.logvar
    return recon, 0.5 * (mu * mu + torch.exp(logvar) - 1 - logvar).sum(1)


def train_epoch(model, gauss, opt, x, batch, beta, gen):
    """One pass in shuffled mini-batches: (seconds, mean recon, mean kl or None) per example."""
    model.train()
    t0 = time.perf_counter()
    n = len(x)
    perm = torch.randperm(n, generator=gen).to(x.device)
    sums = torch.zeros(2, dtype=torch.float64, device=x.device)
    for s in range(0, n, batch):
        xb = x[perm[s:s + batch]]
        opt.zero_grad(set_to_none=True)
        recon, kl = losses(model, gauss, xb)
        each = recon if kl is None else recon + beta * kl
        each.mean().backward()
        opt.step()
        sums[0] += recon.detach().sum()
        if kl is not None:
            sums[1] += kl.detach().sum()
    if x.is_cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    return seconds, float(sums[0]) / n, (float(sums[1]) / n if gauss else None)


def evaluate(model, gauss, x):
    """(mean recon, mean kl or None) per example on x: eval mode, but the VAE samples z as in
    training."""
    model.eval()
    if gauss is not None:
        gauss.train()
    sums = [0.0, 0.0]
    with torch.no_grad():
        for s in range(0, len(x), 1000):
            recon, kl = losses(model, gauss, x[s:s + 1000])
            sums[0] += float(recon.double().sum())
            if kl is not None:
                sums[1] += float(kl.double().sum())
    n = max(len(x), 1)
    return sums[0] / n, (sums[1] / n if gauss else None)


def iwae(model, x, K):
    """The K-sample importance-weighted bound on log p(x), nats per example, over x."""
    model.eval()
    at = next(i for i, m in enumerate(model) if isinstance(m, physml_torch.Gauss))
    enc, dec = model[:at], model[at + 1:]
    total, bs = 0.0, max(1, 8192 // K)
    with torch.no_grad():
        for s in range(0, len(x), bs):
            xb = x[s:s + bs]
            h = enc(xb)
            d = h.shape[1] // 2
            mu, logvar = h[:, :d], h[:, d:]
            eps = torch.randn((K,) + mu.shape, device=x.device)
            z = mu + torch.exp(0.5 * logvar) * eps  # K x B x d
            logits = dec(z.reshape(-1, d)).reshape(K, len(xb), -1)
            log_px = -F.binary_cross_entropy_with_logits(
                logits, xb.flatten(1).expand(K, -1, -1), reduction="none").sum(2)
            log_pz = -0.5 * (z * z + LOG_2PI).sum(2)
            log_qz = -0.5 * (eps * eps + logvar + LOG_2PI).sum(2)
            lw = (log_px + log_pz - log_qz).double()
            total += float((torch.logsumexp(lw, 0) - math.log(K)).sum())
    return total / max(len(x), 1)


def num(v):
    return None if v is None or not math.isfinite(v) else round(v, 6)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="vae", choices=["vae", "dense", "conv"])
    ap.add_argument("--latent", type=int, default=0, help="L (0: vae 20, dense 32, conv 32)")
    ap.add_argument("--beta", type=float, default=1.0, help="the VAE's KL weight")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--subset", type=int, default=0, help="the first N training images (0: all)")
    ap.add_argument("--test-subset", type=int, default=0, help="the first N test images (0: all)")
    ap.add_argument("--iwae", type=int, default=0, metavar="K",
                    help="the VAE's K-sample IWAE bound on the test set at the end (0: none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (eager, data on the device)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--time-only", type=int, default=0, metavar="N",
                    help="train N timed epochs without evaluation (seconds per epoch only)")
    a = ap.parse_args()
    for name, lo in (("latent", 0), ("epochs", 1), ("batch", 1), ("threads", 1), ("subset", 0),
                     ("test_subset", 0), ("time_only", 0), ("iwae", 0)):
        if getattr(a, name) < lo:
            ap.error(f"--{name.replace('_', '-')} {getattr(a, name)}: want >= {lo}")
    if not (math.isfinite(a.beta) and a.beta >= 0):
        ap.error(f"--beta {a.beta}: want a finite number >= 0")
    if a.iwae and (a.model != "vae" or a.time_only):
        ap.error("--iwae is the VAE's, and needs evaluation (not with --time-only)")
    if a.device not in ("cpu", "cuda") or (a.device == "cuda" and not torch.cuda.is_available()):
        ap.error(f"--device {a.device}: want cpu, or cuda with a GPU")
    dev = torch.device(a.device)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    processor = rbm_common.cpu_model() or "unknown"
    L = a.latent or (20 if a.model == "vae" else 32)
    enc, dec, in_shape = specs(a.model, L)
    spec = enc + "," + dec
    try:
        x_train = load_images(a.data, "train", a.subset, in_shape).to(dev)
        x_test = (x_train[:0] if a.time_only else  # no evaluation: no test set
                  load_images(a.data, "t10k", a.test_subset, in_shape).to(dev))
    except (OSError, ValueError) as e:
        print(f"vae_torch.py: {e}", file=sys.stderr)
        return 2

    model = make_model(spec, in_shape).to(dev)
    gauss = gauss_of(model)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    gen = torch.Generator().manual_seed(a.seed)
    epochs = a.time_only or a.epochs
    common = {"peer": "torch", "model": a.model, "latent": L, "batch": a.batch,
              "threads": a.threads, "processor": processor, "device": a.device}
    if not a.json:
        print(f"vae_torch: {a.model} (L {L}), {len(x_train)} train, {len(x_test)} test; batch "
              f"{a.batch}, {a.threads} threads, torch {torch.__version__}, {processor}")
    if a.time_only:  # one untimed batch: the allocator and kernels warmed up
        warm = make_model(spec, in_shape).to(dev)
        wopt = torch.optim.Adam(warm.parameters(), lr=LR)
        recon, kl = losses(warm, gauss_of(warm), x_train[:a.batch])
        (recon if kl is None else recon + a.beta * kl).mean().backward()
        wopt.step()

    times, test_loss, test_elbo = [], None, None
    for e in range(epochs):
        seconds, recon, kl = train_epoch(model, gauss, opt, x_train, a.batch, a.beta, gen)
        times.append(seconds)
        train_loss = recon if kl is None else recon + a.beta * kl
        row = {"epoch": e + 1, "seconds": round(seconds, 4), "train_loss": num(train_loss),
               "recon": num(recon) if kl is not None else None, "kl": num(kl),
               "test_loss": None, "test_recon": None, "test_kl": None, "test_elbo": None}
        if not a.time_only:
            t_recon, t_kl = evaluate(model, gauss, x_test)
            test_loss = t_recon if t_kl is None else t_recon + a.beta * t_kl
            row["test_loss"] = num(test_loss)
            if t_kl is not None:
                test_elbo = -(t_recon + t_kl)
                row.update(test_recon=num(t_recon), test_kl=num(t_kl), test_elbo=num(test_elbo))
        if a.json:
            print(json.dumps({"peer": "torch", **row}), flush=True)
        else:
            text = f"epoch {e + 1:3d}  {seconds:8.3f} s  loss {train_loss:.4f}"
            if kl is not None:
                text += f" (recon {recon:.4f}, kl {kl:.4f})"
            if row["test_elbo"] is not None:
                text += (f"  test recon {row['test_recon']:.4f} kl {row['test_kl']:.4f} "
                         f"elbo {row['test_elbo']:.4f}")
            elif row["test_loss"] is not None:
                text += f"  test loss {row['test_loss']:.4f}"
            print(text, flush=True)
    iwae_k = iwae(model, x_test, a.iwae) if a.iwae else None
    med = statistics.median(times)
    summary = {"summary": True, **common, "spec": spec, "beta": a.beta,
               "epochs": epochs, "median_seconds": round(med, 4),
               "samples_per_s": round(len(x_train) / med, 1)}
    if gauss is not None:
        summary["test_elbo"] = num(test_elbo)
    else:
        summary["test_loss"] = num(test_loss)
    summary.update(iwae_k=num(iwae_k), iwae_samples=a.iwae or None, train=len(x_train),
                   test=len(x_test), torch=torch.__version__)
    if a.json:
        print(json.dumps(summary), flush=True)
    else:
        final = ""
        if not a.time_only:
            final = (f", final test elbo {test_elbo:.4f}" if gauss is not None
                     else f", final test loss {test_loss:.4f}")
        if iwae_k is not None:
            final += f", iwae_{a.iwae} {iwae_k:.4f}"
        print(f"median {med:.3f} s per epoch ({len(x_train) / med:.0f} images/s){final}"
              f"  [{a.model}, L {L}, {a.threads} threads, batch {a.batch}, {processor}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
