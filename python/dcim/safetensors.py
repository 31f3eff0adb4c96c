"""safetensors files written and read with numpy alone, in the layout dcim's own writer
(workloads/io/safetensors_write.c) uses: an 8-byte little-endian header length, a compact
JSON header with sorted keys, padded with spaces to a multiple of 8 bytes, then the tensors'
little-endian bytes back to back in name order. Spec: huggingface/safetensors README;
dcim's reader and its checks: docs/formats.md."""

import json
import os

import numpy as np

# numpy dtype -> safetensors dtype; the reader (workloads/io/safetensors.c) takes all of them.
_DTYPES = {
    np.dtype(np.bool_): "BOOL",
    np.dtype(np.uint8): "U8",
    np.dtype(np.int8): "I8",
    np.dtype(np.uint16): "U16",
    np.dtype(np.int16): "I16",
    np.dtype(np.float16): "F16",
    np.dtype(np.uint32): "U32",
    np.dtype(np.int32): "I32",
    np.dtype(np.float32): "F32",
    np.dtype(np.uint64): "U64",
    np.dtype(np.int64): "I64",
    np.dtype(np.float64): "F64",
}
_NAMES = {v: k for k, v in _DTYPES.items()}

# the reference implementation's cap on the header (bytes)
MAX_HEADER_BYTES = 100_000_000


def _to_numpy(name, value):
    """A tensor as a numpy array: numpy arrays as they are, torch tensors through .numpy()
    (bfloat16 as float32, which holds every bfloat16 exactly), Python numbers as 0-d."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor, without importing torch
        t = value.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        value = t.numpy()
    arr = np.asarray(value)
    if arr.dtype.newbyteorder("=") not in _DTYPES:
        kinds = ", ".join(sorted(str(d) for d in _DTYPES))
        raise TypeError(f"tensor '{name}' has dtype {arr.dtype}, which safetensors (as dcim reads it) "
                        f"cannot hold; expected one of: {kinds}")
    return np.asarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False), order="C")  # keeps 0-d shapes


def save(tensors, path, metadata=None):
    """Writes the mapping name -> array (numpy array, torch tensor or number) to path.

    Names must be non-empty strings other than "__metadata__"; metadata, if given, maps
    strings to strings. The file is written to path + ".tmp" and renamed over path when
    complete, so path is always either the old file or the whole new one. Raises TypeError or
    ValueError for input safetensors cannot hold, OSError when the file cannot be written."""
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"tensor names must be non-empty strings, got {name!r}")
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved in safetensors and cannot name a tensor")
        arrays[name] = _to_numpy(name, value)
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError(f"metadata must map strings to strings, got {k!r}: {v!r}")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name in sorted(arrays):
        a = arrays[name]
        header[name] = {"dtype": _DTYPES[a.dtype.newbyteorder("=")], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    tmp = os.fspath(path) + ".tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(len(text).to_bytes(8, "little"))
            f.write(text)
            for name in sorted(arrays):
                f.write(arrays[name].tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path):
    """Reads a safetensors file into (tensors, metadata): name -> numpy array (native byte
    order) and the "__metadata__" strings ({} when absent). Raises ValueError on a malformed
    file; dcim's reader (docs/formats.md) checks more and says more."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError(f"{path}: file is {len(buf)} bytes, too short for the 8-byte header length")
    n = int.from_bytes(buf[:8], "little")
    if n > MAX_HEADER_BYTES or n > len(buf) - 8:
        raise ValueError(f"{path}: header length {n} is over the limit or past the end of the file; "
                         "not a safetensors file (dcim's reader names the format it is)")
    header = json.loads(buf[8:8 + n].decode())
    data = memoryview(buf)[8 + n:]
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, e in header.items():
        if e["dtype"] not in _NAMES:
            raise ValueError(f"{path}: tensor '{name}' has dtype {e['dtype']}, which this reader does not convert")
        b, end = e["data_offsets"]
        dt = _NAMES[e["dtype"]].newbyteorder("<")
        out[name] = np.frombuffer(data[b:end], dtype=dt).reshape(tuple(e["shape"])).astype(dt.newbyteorder("="))
    return out, meta
