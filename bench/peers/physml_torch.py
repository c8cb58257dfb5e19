#!/usr/bin/python3
"""physml models to and from PyTorch: a physml model spec ("conv:32:3:pad=same,relu,...") as the
torch.nn.Sequential that computes the same function, and physml's .safetensors model files
read into it and written from it. Run with /usr/bin/python3 (Debian's python3-torch and
python3-numpy); nothing else is needed (the .safetensors format is read and written here).

A physml model file holds F32 tensors named by layer position as nn.Sequential names them
("0.weight", "0.bias", batch norm's "1.running_mean" and "1.running_var"; never
"num_batches_tracked", as physml has no int64 tensors) and the architecture in its metadata:
"physml_spec", "physml_in_features" (always), "physml_in_shape" = "CxHxW" (shaped inputs only)
and "format" = "pt". A model's input is rows of C*H*W floats (NCHW flattened), its output rows
of the last layer's flattened output.

Spec items and their modules (each item takes one position, activations included):
  dense:N[:nobias]                              nn.Linear (flattening an image-shaped input first)
  conv:C:K[:stride=S][:pad=P|pad=same][:nobias] nn.Conv2d (same: (K-1)//2, odd K)
  convt:C:K[:stride=S][:pad=P][:outpad=Q][:nobias]  nn.ConvTranspose2d
  maxpool:K[:S], avgpool:K[:S]                  nn.MaxPool2d / nn.AvgPool2d (S defaults to K)
  gap                                           nn.AdaptiveAvgPool2d(1)  (C x 1 x 1)
  flatten, dropout:P                            nn.Flatten, nn.Dropout
  unflatten:C:H:W                               nn.Unflatten(1, (C, H, W)) (a flat C*H*W input)
  gauss                                         Gauss: a flat input of 2d features, mu then
                                                logvar; mu + exp(logvar/2) * N(0, 1) noise in
                                                training mode, mu in eval mode (d features)
  batchnorm                                     nn.BatchNorm2d(C) on images, BatchNorm1d(F) on flat
  relu, leaky_relu[:A], sigmoid, tanh, softmax, identity
                                                (softmax over the whole row, as physml's: dim=1
                                                on a flat tensor)

As a module:  build(spec, in_shape), read_safetensors(path), write_safetensors(path, tensors,
metadata), load_physml(path), save_physml(model_or_state_dict, spec, in_shape, path).

As a command (errors: one line on stderr, exit 2):
  physml_torch.py check --model M.safetensors --input X.npy --output Y.npy [--atol A] [--rtol R]
      X (N x features) through the file's model in eval mode, compared with Y (N x out); prints
      one JSON line {"ok", "max_abs_err", "worst_index", "missing_keys", ...}; exit 0 when every
      |torch - Y| <= atol + rtol |Y|, 1 otherwise.
  physml_torch.py export --spec S --in-shape 1x8x8 --seed N --model OUT.safetensors
                         --input X.npy --output Y.npy [--batch 4]
      a random model of the spec (torch.manual_seed(N); batch norm given non-trivial running
      statistics and affine parameters), a random input X and the model's output Y in eval mode,
      written (atomically) for a physml test to load and compare.
"""
import argparse
import io
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rbm_common  # noqa: E402  (the atomic writer the peers share)

# ---- shapes and the spec ------------------------------------------------------------------


def parse_shape(shape):
    """A per-example input shape as a tuple: (C, H, W) for an image, (F,) for flat features.
    Takes "CxHxW" / "F" text, an int, or a sequence of 1 to 3 positive ints; a two-dimensional
    shape is flat (physml's image layers need three dimensions, dense and batchnorm see the
    row)."""
    if isinstance(shape, str):
        try:
            dims = tuple(int(d) for d in shape.lower().split("x"))
        except ValueError:
            raise ValueError(f"input shape '{shape}' is not F or CxHxW") from None
    elif isinstance(shape, int):
        dims = (shape,)
    else:
        dims = tuple(int(d) for d in shape)
    if not 1 <= len(dims) <= 3 or any(d < 1 for d in dims):
        raise ValueError(f"input shape {shape!r} is not 1 to 3 positive sizes")
    if len(dims) == 2:
        dims = (dims[0] * dims[1],)
    return dims


def shape_text(shape):
    return "x".join(str(d) for d in shape)


class FlatLinear(nn.Linear):
    """nn.Linear on an input flattened per example (physml's dense on an image-shaped input);
    the same parameters and state_dict keys as nn.Linear."""

    def forward(self, x):
        return super().forward(x.flatten(1))


class RowSoftmax(nn.Module):
    """Softmax over each example's whole row, its shape kept (physml's softmax after an
    image-shaped layer; on a flat input it is nn.Softmax(dim=1))."""

    def forward(self, x):
        return torch.softmax(x.flatten(1), dim=1).view_as(x)


class Gauss(nn.Module):
    """physml's gauss item, the VAE's reparameterised sample: on a flat input of 2d features,
    mu = x[:, :d], logvar = x[:, d:]; mu + exp(0.5 logvar) * randn_like(mu) in training mode,
    mu in eval mode. The last mu and logvar are kept (self.mu, self.logvar) for the KL term."""

    def __init__(self):
        super().__init__()
        self.mu = self.logvar = None

    def forward(self, x):
        d = x.shape[1] // 2
        self.mu, self.logvar = x[:, :d], x[:, d:]
        if not self.training:
            return self.mu
        return self.mu + torch.exp(0.5 * self.logvar) * torch.randn_like(self.mu)


def _int(text, lo, hi, what, where):
    try:
        v = int(text)
    except ValueError:
        v = None
    if v is None or not lo <= v <= hi:
        raise ValueError(f"{where}: {what} '{text}' is not a number in {lo}..{hi}")
    return v


def _conv_args(kind, fields, where):
    """conv / convt: (channels, kernel, stride, pad, outpad, bias); pad -1 means "same"."""
    sizes, stride, pad, outpad, bias = [], 1, 0, 0, True
    for f in fields:
        key, eq, val = f.partition("=")
        if not eq and f == "nobias":
            bias = False
        elif not eq:
            if len(sizes) == 2:
                raise ValueError(f"{where}: too many sizes")
            sizes.append(_int(f, 1, 65536, "channel count", where) if not sizes
                         else _int(f, 1, 64, "kernel size", where))
        elif key == "stride":
            stride = _int(val, 1, 64, "stride", where)
        elif key == "pad" and val == "same" and kind == "conv":
            pad = -1
        elif key == "pad":
            pad = _int(val, 0, 64, "padding", where)
        elif key == "outpad" and kind == "convt":
            outpad = _int(val, 0, 63, "outpad", where)
        else:
            raise ValueError(f"{where}: unknown option '{f}'")
    if len(sizes) != 2:
        raise ValueError(f"{where}: needs channels and a kernel size")
    channels, k = sizes
    if pad == -1:
        if k % 2 == 0:
            raise ValueError(f"{where}: pad=same needs an odd kernel (got {k})")
        pad = (k - 1) // 2
    if outpad >= stride:
        raise ValueError(f"{where}: outpad {outpad} must be below the stride {stride}")
    return channels, k, stride, pad, outpad, bias


def _need_image(shape, where):
    if len(shape) != 3:
        raise ValueError(f"{where} needs a C x H x W input, it gets {shape_text(shape)} "
                         "(give the model an input shape, e.g. 1x28x28)")


def _item(text, shape, where):
    """One spec item on an input of `shape`: (module, output shape)."""
    kind, _, arg = text.partition(":")
    fields = arg.split(":") if arg else []
    flat = len(shape) != 3
    n = math.prod(shape)

    def bare():
        if fields:
            raise ValueError(f"{where}: '{kind}' takes no argument")

    if kind == "dense":
        if any(f.startswith("tied=") for f in fields):
            raise ValueError(f"{where}: tied weights (dense:N:tied=I) have no nn.Sequential "
                             "equivalent here")
        if not fields or len(fields) > 2 or (len(fields) == 2 and fields[1] != "nobias"):
            raise ValueError(f"{where}: want dense:N[:nobias]")
        units = _int(fields[0], 1, 1 << 30, "unit count", where)
        cls = nn.Linear if flat else FlatLinear
        return cls(n, units, bias=len(fields) == 1), (units,)
    if kind in ("conv", "convt"):
        _need_image(shape, where)
        c, k, s, p, q, bias = _conv_args(kind, fields, where)
        _, h, w = shape
        if kind == "conv":
            if k > h + 2 * p or k > w + 2 * p:
                raise ValueError(f"{where}: the {k}x{k} kernel is larger than its "
                                 f"{shape_text(shape)} input padded by {p}")
            out = (c, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)
            return nn.Conv2d(shape[0], c, k, stride=s, padding=p, bias=bias), out
        out = (c, (h - 1) * s - 2 * p + k + q, (w - 1) * s - 2 * p + k + q)
        if out[1] < 1 or out[2] < 1:
            raise ValueError(f"{where}: on a {shape_text(shape)} input it would give "
                             f"{out[1]}x{out[2]}")
        return nn.ConvTranspose2d(shape[0], c, k, stride=s, padding=p, output_padding=q,
                                  bias=bias), out
    if kind in ("maxpool", "avgpool"):
        _need_image(shape, where)
        if not 1 <= len(fields) <= 2:
            raise ValueError(f"{where}: want {kind}:K[:S]")
        k = _int(fields[0], 1, 64, "window size", where)
        s = _int(fields[1], 1, 64, "stride", where) if len(fields) == 2 else k
        c, h, w = shape
        if k > h or k > w:
            raise ValueError(f"{where}: the {k}x{k} window is larger than its "
                             f"{shape_text(shape)} input")
        cls = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
        return cls(k, s), (c, (h - k) // s + 1, (w - k) // s + 1)
    if kind == "gap":
        bare()
        _need_image(shape, where)
        return nn.AdaptiveAvgPool2d(1), (shape[0], 1, 1)
    if kind == "flatten":
        bare()
        return nn.Flatten(), (n,)
    if kind == "unflatten":
        if len(fields) != 3:
            raise ValueError(f"{where}: want unflatten:C:H:W")
        chw = tuple(_int(f, 1, 1 << 30, "size", where) for f in fields)
        if not flat or n != math.prod(chw):
            raise ValueError(f"{where}: needs a flat input of {math.prod(chw)} features, it "
                             f"gets {shape_text(shape)}")
        return nn.Unflatten(1, chw), chw
    if kind == "gauss":
        bare()
        if not flat or n % 2:
            raise ValueError(f"{where}: needs a flat input of an even number of features (mu "
                             f"then logvar), it gets {shape_text(shape)}")
        return Gauss(), (n // 2,)
    if kind == "dropout":
        try:
            p = float(fields[0]) if len(fields) == 1 else -1.0
        except ValueError:
            p = -1.0
        if not 0 <= p < 1:
            raise ValueError(f"{where}: want dropout:P with 0 <= P < 1")
        return nn.Dropout(p), shape
    if kind == "batchnorm":
        bare()
        return (nn.BatchNorm1d(n) if flat else nn.BatchNorm2d(shape[0])), shape
    if kind == "leaky_relu":
        a = 0.01
        if fields:
            try:
                a = float(fields[0]) if len(fields) == 1 else -1.0
            except ValueError:
                a = -1.0
            if not 0 < a < 1:
                raise ValueError(f"{where}: leaky_relu slope '{arg}' is not in (0, 1)")
        return nn.LeakyReLU(a), shape
    simple = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity,
              "softmax": (lambda: nn.Softmax(dim=1)) if flat else RowSoftmax}
    if kind in simple:
        bare()
        return simple[kind](), shape
    raise ValueError(f"{where}: '{kind}' has no PyTorch equivalent here (dense, conv, convt, "
                     "maxpool, avgpool, gap, flatten, unflatten, gauss, dropout, batchnorm, "
                     "relu, leaky_relu, sigmoid, tanh, softmax, identity)")


def build(spec, in_shape):
    """The nn.Sequential of a physml spec on per-example inputs of in_shape ("CxHxW", "F", an
    int or a tuple), its parameters as torch's defaults initialise them. The model carries
    physml_spec, physml_in_shape and physml_out_shape attributes. ValueError on a bad spec."""
    shape = parse_shape(in_shape)
    items = [t.strip() for t in spec.split(",")]
    if not spec.strip() or len(spec) >= 1000:
        raise ValueError("spec is empty or longer than 1000 characters")
    modules = []
    for pos, text in enumerate(items, 1):
        if not text:
            raise ValueError(f"item {pos} of '{spec}' is empty")
        module, shape = _item(text, shape, f"item {pos} ({text})")
        modules.append(module)
    model = nn.Sequential(*modules)
    model.physml_spec = spec
    model.physml_in_shape = parse_shape(in_shape)
    model.physml_out_shape = shape
    return model


# ---- .safetensors -------------------------------------------------------------------------

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}


def write_npy(path, array):
    """A .npy file (numpy's format), written atomically."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    rbm_common.atomic_write(path, lambda f: f.write(buf.getbuffer()))


def read_safetensors(path):
    """(tensors {name: writable numpy array}, metadata {str: str}) of a .safetensors file;
    ValueError naming the file when it is not a well-formed one (offsets in range, contiguous,
    covering the data exactly, matching each shape and dtype)."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError(f"{path}: too short for a .safetensors file")
    (n,) = struct.unpack("<Q", buf[:8])
    if n < 2 or n > len(buf) - 8:
        raise ValueError(f"{path}: header size {n} does not fit in the {len(buf)}-byte file")
    try:
        header = json.loads(buf[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ValueError(f"{path}: __metadata__ is not a map of strings")
    data = memoryview(buf)[8 + n:]
    tensors, spans = {}, []
    for name, e in header.items():
        try:
            dt = np.dtype(_DTYPES[e["dtype"]])
            shape = tuple(int(d) for d in e["shape"])
            begin, end = (int(o) for o in e["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{path}: entry '{name}' is not a tensor of a known dtype "
                             f"({', '.join(_DTYPES)})") from None
        if any(d < 0 for d in shape) or not 0 <= begin <= end <= len(data):
            raise ValueError(f"{path}: tensor '{name}' has a bad shape or offsets")
        if end - begin != math.prod(shape) * dt.itemsize:
            raise ValueError(f"{path}: tensor '{name}': {end - begin} bytes for a "
                             f"{e['dtype']} {list(shape)}")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dt).reshape(shape).copy()
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise ValueError(f"{path}: tensor '{name}' starts at byte {begin}, not {at} "
                             "(overlapping or non-contiguous data)")
        at = end
    if at != len(data):
        raise ValueError(f"{path}: tensors cover {at} bytes of data but the file holds "
                         f"{len(data)}")
    return tensors, dict(meta)


def write_safetensors(path, tensors, metadata=None):
    """Write {name: numpy array or torch tensor} and {str: str} metadata as .safetensors,
    atomically, in physml's (and the reference implementation's) layout: "__metadata__" first,
    tensors ordered by element size (largest first) then name, back to back, the JSON header
    padded with spaces to a multiple of 8. Arrays keep their dtype (stored little-endian)."""
    names = {np.dtype(v): k for k, v in _DTYPES.items()}
    header = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("safetensors metadata must map strings to strings")
        header["__metadata__"] = dict(metadata)
    arrays = {}
    for name, t in tensors.items():
        if isinstance(t, torch.Tensor):
            t = t.detach().cpu().numpy()
        a = np.asarray(t)
        dt = a.dtype.newbyteorder("<") if a.dtype.byteorder == ">" else a.dtype
        if dt not in names:
            raise ValueError(f"tensor '{name}': dtype {a.dtype} has no safetensors name")
        arrays[name] = np.ascontiguousarray(a, dtype=dt)
    offset, blobs = 0, []
    for name in sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k)):
        a = arrays[name]
        header[name] = {"dtype": names[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a)
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)

    def write(f):
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for a in blobs:
            f.write(a.tobytes())

    rbm_common.atomic_write(path, write)


# ---- physml model files -------------------------------------------------------------------


def _load(path):
    """load_physml's work: (model in eval mode, in_shape, the state_dict keys the file lacks)."""
    tensors, meta = read_safetensors(path)
    spec, in_f = meta.get("physml_spec"), meta.get("physml_in_features")
    if not spec or not in_f:
        raise ValueError(f"{path}: no physml_spec/physml_in_features metadata")
    try:
        features = int(in_f)
    except ValueError:
        raise ValueError(f"{path}: physml_in_features '{in_f}' is not a number") from None
    shape = parse_shape(meta.get("physml_in_shape", in_f))
    if math.prod(shape) != features:
        raise ValueError(f"{path}: physml_in_shape '{meta.get('physml_in_shape')}' does not "
                         f"hold {features} features")
    try:
        model = build(spec, shape)
    except ValueError as e:
        raise ValueError(f"{path}: physml_spec '{spec}': {e}") from None
    if "physml_checkpoint" in meta:  # a checkpoint also holds the optimiser's state, ...
        wanted = model.state_dict()
        tensors = {k: v for k, v in tensors.items() if k in wanted}
    state = {k: torch.from_numpy(v) for k, v in tensors.items()}
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as e:
        raise ValueError(f"{path}: {' '.join(str(e).split())}") from None
    lacking = [k for k in missing if not k.endswith("num_batches_tracked")]
    if lacking or unexpected:
        raise ValueError(f"{path}: the spec '{spec}' needs tensors the file lacks "
                         f"({', '.join(lacking) or 'none'}) and the file holds tensors it "
                         f"does not need ({', '.join(unexpected) or 'none'})")
    return model.eval(), shape, list(missing)


def load_physml(path):
    """(model, in_shape) of a physml .safetensors model file: the nn.Sequential of its spec with
    the file's parameters and buffers, in eval mode; in_shape (C, H, W) or (F,). ValueError
    naming the file when the file and its spec disagree."""
    model, shape, _ = _load(path)
    return model, shape


def save_physml(model_or_state_dict, spec, in_shape, path):
    """Write a model (an nn.Module built from spec, or its state_dict) as a physml model file:
    every parameter and buffer as F32 but batch norm's num_batches_tracked, and the metadata
    physml reads back. The tensors are checked against build(spec, in_shape) first."""
    shape = parse_shape(in_shape)
    state = model_or_state_dict
    if isinstance(state, nn.Module):
        state = state.state_dict()
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    want = {k: tuple(v.shape) for k, v in build(spec, shape).state_dict().items()
            if not k.endswith("num_batches_tracked")}
    got = {k: tuple(v.shape) for k, v in state.items()}
    if want != got:
        raise ValueError(f"the tensors do not fit the spec '{spec}' on {shape_text(shape)}: "
                         f"want {want}, got {got}")
    tensors = {k: torch.as_tensor(v).detach().cpu().to(torch.float32).numpy()
               for k, v in state.items()}
    meta = {"physml_spec": spec, "physml_in_features": str(math.prod(shape))}
    if len(shape) == 3:
        meta["physml_in_shape"] = shape_text(shape)
    meta["format"] = "pt"
    write_safetensors(path, tensors, meta)


def run_rows(model, shape, x):
    """The model's outputs (N x out, float32 numpy) for rows x (N x features) in eval mode."""
    x = torch.as_tensor(np.ascontiguousarray(x, dtype=np.float32))
    with torch.no_grad():
        return model.eval()(x.reshape((x.shape[0],) + tuple(shape))).reshape(x.shape[0], -1).numpy()


# ---- the command line ---------------------------------------------------------------------


class UsageError(Exception):
    pass


def _read_rows(path, what):
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UsageError(f"--{what} {path}: {e}") from None
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2:
        raise UsageError(f"--{what} {path}: {a.ndim} dimensions, want N x features")
    return a.astype(np.float32)


def cmd_check(a):
    try:
        model, shape, missing = _load(a.model)
    except (OSError, ValueError) as e:
        raise UsageError(f"--model: {e}") from None
    x, y = _read_rows(a.input, "input"), _read_rows(a.output, "output")
    if x.shape[1] != math.prod(shape):
        raise UsageError(f"--input {a.input}: {x.shape[1]} features per row, the model takes "
                         f"{math.prod(shape)}")
    got = run_rows(model, shape, x)
    if y.shape != got.shape:
        raise UsageError(f"--output {a.output}: shape {list(y.shape)}, the model gives "
                         f"{list(got.shape)}")
    err = np.abs(got.astype(np.float64) - y.astype(np.float64))
    bad = err > a.atol + a.rtol * np.abs(y.astype(np.float64))
    worst = int(np.argmax(err)) if err.size else 0
    ok = bool(np.all(np.isfinite(got)) and not bad.any())
    print(json.dumps({"ok": ok, "max_abs_err": float(err.max()) if err.size else 0.0,
                      "worst_index": [worst // y.shape[1], worst % y.shape[1]] if err.size else None,
                      "bad_count": int(bad.sum()), "rows": int(y.shape[0]),
                      "missing_keys": missing}), flush=True)
    return 0 if ok else 1


def _randomise_batchnorm(model, shape, gen):
    """Non-trivial batch norm state: a few training-mode forwards on random data (running
    statistics away from 0 and 1), then random affine parameters."""
    bns = [m for m in model if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    model.train()
    with torch.no_grad():
        for _ in range(3):
            x = torch.randn((16,) + tuple(shape), generator=gen) * 1.5 + 0.3
            model(x)
        for m in bns:
            m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.5)
    model.eval()


def cmd_export(a):
    try:
        shape = parse_shape(a.in_shape)
        torch.manual_seed(a.seed)
        model = build(a.spec, shape)
    except ValueError as e:
        raise UsageError(f"--spec/--in-shape: {e}") from None
    gen = torch.Generator().manual_seed(a.seed + 1)
    _randomise_batchnorm(model, shape, gen)
    x = torch.randn((a.batch, math.prod(shape)), generator=gen).numpy()
    y = run_rows(model, shape, x)
    save_physml(model, a.spec, shape, a.model)
    write_npy(a.input, x.astype(np.float32))
    write_npy(a.output, y.astype(np.float32))
    print(json.dumps({"spec": a.spec, "in_shape": shape_text(shape), "seed": a.seed,
                      "batch": a.batch, "out_features": int(y.shape[1]),
                      "tensors": len(model.state_dict()), "model": a.model}), flush=True)
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def main(argv=None):
    ap = _Parser(description=__doc__.split("\n\n")[0],
                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("check", help="compare torch's outputs of a physml file with Y.npy")
    c.add_argument("--model", required=True)
    c.add_argument("--input", required=True, help="X.npy, N x features")
    c.add_argument("--output", required=True, help="Y.npy, N x out")
    c.add_argument("--atol", type=float, default=1e-4)
    c.add_argument("--rtol", type=float, default=1e-3)
    e = sub.add_parser("export", help="a random torch model, its input and output, as files")
    e.add_argument("--spec", required=True)
    e.add_argument("--in-shape", required=True, help="CxHxW or F")
    e.add_argument("--seed", type=int, required=True)
    e.add_argument("--model", required=True)
    e.add_argument("--input", required=True)
    e.add_argument("--output", required=True)
    e.add_argument("--batch", type=int, default=4)
    try:
        a = ap.parse_args(argv)
        if a.command == "check" and not (a.atol >= 0 and a.rtol >= 0):
            raise UsageError("--atol and --rtol must be >= 0")
        if a.command == "export" and not 1 <= a.batch <= 1 << 20:
            raise UsageError(f"--batch {a.batch}: want 1..{1 << 20}")
        return cmd_check(a) if a.command == "check" else cmd_export(a)
    except (UsageError, OSError, ValueError) as err:
        print(f"physml_torch.py: {' '.join(str(err).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
