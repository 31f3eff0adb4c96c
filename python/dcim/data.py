"""MNIST IDX files (docs/formats.md, "Data sets: IDX") read with numpy, checked as dcim checks
them: big-endian magic and sizes, and a file length that matches its header exactly."""

import os

import numpy as np


def _read_idx(path, magic, ndim):
    with open(path, "rb") as f:
        buf = f.read()
    head = 4 + 4 * ndim
    if len(buf) < head:
        raise ValueError(f"{path}: file is {len(buf)} bytes, too short for the {head}-byte IDX header")
    got = int.from_bytes(buf[:4], "big")
    if got != magic:
        note = "; the file starts with the gzip signature 1f 8b: decompress it first" if buf[:2] == b"\x1f\x8b" else ""
        raise ValueError(f"{path}: bad magic 0x{got:08x}; expected 0x{magic:08x}{note}")
    dims = [int.from_bytes(buf[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    need = head + int(np.prod(dims))
    if len(buf) != need:
        raise ValueError(f"{path}: file is {len(buf)} bytes but its header says {dims}, which needs {need}")
    return np.frombuffer(bytearray(buf), dtype=np.uint8, offset=head).reshape(dims)


def load_mnist(directory="data/mnist", split="t10k"):
    """(images, labels) of one MNIST split ("t10k" or "train"): uint8 arrays N x 1 x 28 x 28
    (pixels 0..255, as dcim reads them) and N. scripts/fetch_mnist.sh DIR fetches the files."""
    if split not in ("t10k", "train"):
        raise ValueError(f"split must be 't10k' or 'train', got {split!r}")
    images = _read_idx(os.path.join(directory, f"{split}-images-idx3-ubyte"), 0x803, 3)
    labels = _read_idx(os.path.join(directory, f"{split}-labels-idx1-ubyte"), 0x801, 1)
    if len(labels) != len(images):
        raise ValueError(f"{directory}: {len(images)} {split} images but {len(labels)} labels")
    return images[:, None, :, :], labels
