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

N_VISIBLE = 28 * 28


def add_data_args(ap):
    """The data options both peers take: --data, --train-n, --score-n, --binarize."""
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                    help="folder with train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz")
    ap.add_argument("--train-n", type=int, default=0,
                    help="train on the first N training images (0: all 60000)")
    ap.add_argument("--score-n", type=int, default=1000,
                    help="pseudo-likelihood over the first N test images")
    ap.add_argument("--binarize", default="threshold", choices=["threshold", "sample"])


def load_binarised(a, np):
    """The first --train-n training images and the first --score-n test images, binarised
    (uint8 0/1: the training split first, then the test split, from one default_rng(--seed)
    stream), and the number of training images."""
    train = read_idx_images(os.path.join(a.data, "train-images-idx3-ubyte.gz"), np)
    test = read_idx_images(os.path.join(a.data, "t10k-images-idx3-ubyte.gz"), np)
    if train.shape[1] != N_VISIBLE or test.shape[1] != N_VISIBLE:
        raise ValueError(f"images of {train.shape[1]} and {test.shape[1]} pixels, not 784")
    data_rng = np.random.default_rng(a.seed)
    X_all = binarize(train, a.binarize, data_rng, np)
    T_all = binarize(test, a.binarize, data_rng, np)
    n = a.train_n or len(X_all)
    if not 1 <= n <= len(X_all):
        raise ValueError(f"--train-n {a.train_n}: the file holds {len(X_all)} images")
    return np.ascontiguousarray(X_all[:n]), np.ascontiguousarray(T_all[:a.score_n]), n


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


def atomic_write(path, write):
    """write(f) into a temporary file beside path, flushed and fsynced, then renamed over it
    (mode 0666 less the umask, as open() would give); nothing is left behind on failure."""
    d = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + ".", dir=d)
    except OSError as e:
        raise OSError(f"{path}: cannot write there ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # the rename itself, durable
        dfd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


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
    def write(f):
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)

    atomic_write(path, write)
