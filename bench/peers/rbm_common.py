"""Pieces the RBM peers share (rbm_sklearn.py, rbm_torch.py): the processor's name, Fashion-MNIST
images from gzip'd IDX files, the binarisation both use (the same rule and random stream), and
an atomic .safetensors writer in the layout pml_rbm_load reads. Imported from the peers' own
folder (a script's folder is first on sys.path); NumPy is passed in, so that a peer can set its
thread counts before NumPy loads."""
import gzip
import json
import os
import struct
import tempfile


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def read_idx_images(path, np):
    """The images of a gzip'd IDX3 file as a uint8 array (count, rows * cols)."""
    with gzip.open(path, "rb") as f:
        buf = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", buf[:16])
    if magic != 0x00000803:
        raise ValueError(f"{path}: magic 0x{magic:08x}, not an IDX3 ubyte file (0x00000803)")
    need = 16 + count * rows * cols
    if len(buf) != need:
        raise ValueError(f"{path}: {len(buf)} bytes, the header says {need}")
    return np.frombuffer(buf, dtype=np.uint8, offset=16).reshape(count, rows * cols)


def binarize(images, how, rng, np):
    """0/1 as uint8: threshold x > 0.5 (x = byte / 255, i.e. byte >= 128), or sample u < x
    with rng's uniforms over the whole array (rbm_sklearn.py's rule and stream)."""
    if how == "threshold":
        return (images >= 128).astype(np.uint8)
    return (rng.random(images.shape) < images / 255.0).astype(np.uint8)


def write_safetensors(path, tensors, metadata, np):
    """tensors: {name: array}, written as little-endian F64 (sorted by name: all share one
    alignment, so this is the reference implementation's order); metadata: {str: str}."""
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name], dtype="<f8")
        data = arr.tobytes()
        header[name] = {"dtype": "F64", "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + ".", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for b in blobs:
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
