"""Network files (docs/network.md) from a description of the layers: checked against what the
format and the compiler accept, then written as YAML, one layer a line. Plain Python: no
numpy, no torch (dcim.torch turns an nn.Sequential into such a description)."""

import json
import math
import os
import re

# Keys each layer type takes, in the order they are written; "type" comes first and "name"
# second on the layers that have weights. The ranges are those of docs/network.md.
_KEYS = {
    "conv2d_binary": ("name", "out_channels", "kernel", "padding", "bias"),
    "maxpool": ("kernel",),
    "relu": (),
    "flatten": (),
    "linear": ("name", "out_features", "bias"),
}
_RANGES = {
    ("conv2d_binary", "out_channels"): (1, 65536),
    ("conv2d_binary", "kernel"): (1, 15),
    ("conv2d_binary", "padding"): (0, 7),
    ("maxpool", "kernel"): (1, 64),
    ("linear", "out_features"): (1, 1048576),
}
_INPUT_KEYS = ("channels", "height", "width", "divide", "mean", "std")
_NAME_RE = re.compile(r"[A-Za-z0-9_.]{1,63}\Z")
_PLAIN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")  # a YAML plain scalar that stays a string
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}
MAX_LAYERS = 1024


class NetworkError(ValueError):
    """A model or description that the network-file format (or the compiler) cannot express."""


def _where(i, layer):
    return layer.get("_origin") or f"layers[{i}] ({layer.get('type', '?')})"


def _int_in(value, lo, hi, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise NetworkError(f"{what} must be an integer in {lo}..{hi}, got {value!r}")
    if not lo <= value <= hi:
        raise NetworkError(f"{what} must be in {lo}..{hi}, got {value}")


def _check_input(inp):
    if not isinstance(inp, dict):
        raise NetworkError("the network needs an input: {channels, height, width, divide, mean, std} "
                           "(a dcim.torch.Input layer first, or input=... )")
    missing = [k for k in _INPUT_KEYS if k not in inp]
    unknown = [k for k in inp if k not in _INPUT_KEYS]
    if missing or unknown:
        raise NetworkError(f"input: missing {', '.join(missing) or 'nothing'}, unknown {', '.join(unknown) or 'nothing'}; "
                           f"expected: {', '.join(_INPUT_KEYS)}")
    for k in ("channels", "height", "width"):
        _int_in(inp[k], 1, 65536, f"input.{k}")
    for k in ("divide", "mean", "std"):
        v = inp[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise NetworkError(f"input.{k} must be a finite number, got {v!r}")
        if k != "mean" and v <= 0:
            raise NetworkError(f"input.{k} must be > 0, got {v!r}")


def _check_keys(i, layer):
    t = layer.get("type")
    if t not in _KEYS:
        raise NetworkError(f"{_where(i, layer)}: unknown layer type {t!r}; expected one of: {', '.join(_KEYS)}")
    for k in layer:
        if k != "type" and not k.startswith("_") and k not in _KEYS[t]:
            raise NetworkError(f"{_where(i, layer)}: {t} takes no key '{k}'; expected: {', '.join(('type',) + _KEYS[t])}")
    for k in _KEYS[t]:
        if k == "bias":
            if not isinstance(layer.get(k, True), bool):
                raise NetworkError(f"{_where(i, layer)}: bias must be true or false, got {layer[k]!r}")
        elif k == "name":
            n = layer.get("name")
            if not isinstance(n, str) or not _NAME_RE.match(n):
                raise NetworkError(f"{_where(i, layer)}: name {n!r} must be 1..63 letters, digits, '_' or '.' "
                                   "(it prefixes the tensor names, e.g. conv1.weight)")
        elif k not in layer:
            raise NetworkError(f"{_where(i, layer)}: {t} needs '{k}'")
        else:
            lo, hi = _RANGES[(t, k)]
            _int_in(layer[k], lo, hi, f"{_where(i, layer)}: {k}")


def _shape(i, layer, c, h, w):
    """Output shape of one layer, with the rules of workloads/net/net.c; NetworkError otherwise."""
    t, at = layer["type"], _where(i, layer)
    want = layer.get("_in")
    if t == "conv2d_binary":
        k, p = layer["kernel"], layer["padding"]
        if h == 1 and w == 1 and c > 1:
            raise NetworkError(f"{at}: conv2d_binary needs a feature map, got a flat vector")
        if k % 2 == 0 or p != (k - 1) // 2:
            raise NetworkError(f"{at}: conv2d_binary supports odd kernels with 'same' padding "
                               f"(padding = (kernel-1)/2) and stride 1; got kernel {k}, padding {p}")
        if h < k or w < k:
            raise NetworkError(f"{at}: the {h}x{w} feature map is smaller than the {k}x{k} kernel")
        if want is not None and want != c:
            raise NetworkError(f"{at}: has {want} input channels, but the layer before gives {c}")
        return layer["out_channels"], h, w
    if t == "maxpool":
        k = layer["kernel"]
        if h % k or w % k:
            raise NetworkError(f"{at}: the kernel {k} must divide the {h}x{w} feature map (stride = kernel, "
                               "no padding, no partial windows)")
        return c, h // k, w // k
    if t == "flatten":
        return c * h * w, 1, 1
    if t == "linear":
        if h != 1 or w != 1:
            raise NetworkError(f"{at}: linear needs a flat vector, got {c}x{h}x{w}: add a flatten before it")
        if want is not None and want != c:
            raise NetworkError(f"{at}: has in_features {want}, but the layer before gives {c} values")
        return layer["out_features"], 1, 1
    return c, h, w


def _check_order(layers):
    """The compiler's rules (workloads/compile/compile.c): the first layer is a binary conv;
    between two binary convs stand only ReLUs and at most one max-pool; no binary conv after a
    host layer (flatten, linear)."""
    if layers[0]["type"] != "conv2d_binary":
        raise NetworkError(f"{_where(0, layers[0])}: the network must start with a conv2d_binary layer "
                           "(after the input): the chip runs binary convolutions")
    last_conv, pools, host = 0, 0, False
    for i, l in enumerate(layers):
        t = l["type"]
        if t == "conv2d_binary":
            if host:
                raise NetworkError(f"{_where(i, l)}: conv2d_binary after a host layer (flatten/linear) is not supported")
            if pools > 1:
                raise NetworkError(f"{_where(i, l)}: only ReLU and one max-pool may stand between two conv2d_binary "
                                   f"layers; {pools} max-pools stand between this one and {_where(last_conv, layers[last_conv])}")
            last_conv, pools = i, 0
        elif t == "maxpool":
            pools += 1
        host |= t in ("flatten", "linear")


def check(desc):
    """Checks a description {"name", "input", "layers"} and returns the layers' output shapes
    [(C, H, W), ...]. Raises NetworkError naming the layer and the limit."""
    name = desc.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 63:
        raise NetworkError(f"the network name must be a string of 1..63 characters, got {name!r}")
    _check_input(desc.get("input"))
    layers = desc.get("layers")
    if not isinstance(layers, (list, tuple)) or not 1 <= len(layers) <= MAX_LAYERS:
        raise NetworkError(f"the network needs 1..{MAX_LAYERS} layers, got {len(layers) if isinstance(layers, (list, tuple)) else layers!r}")
    seen = {}
    for i, l in enumerate(layers):
        if not isinstance(l, dict):
            raise NetworkError(f"layers[{i}] must be a dict with a 'type', got {l!r}")
        _check_keys(i, l)
        if "name" in _KEYS[l["type"]]:
            if l["name"] in seen:
                raise NetworkError(f"{_where(i, l)}: duplicate layer name '{l['name']}' (first used by layers[{seen[l['name']]}])")
            seen[l["name"]] = i
    _check_order(layers)
    inp = desc["input"]
    c, h, w = inp["channels"], inp["height"], inp["width"]
    shapes = []
    for i, l in enumerate(layers):
        c, h, w = _shape(i, l, c, h, w)
        shapes.append((c, h, w))
    return shapes


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if _PLAIN_RE.match(s) and s.lower() not in _YAML_WORDS:
        return s
    return json.dumps(s)  # a YAML double-quoted string


def to_yaml(desc, comments=()):
    """The network file text of a description, once check() accepts it."""
    check(desc)
    return emit(desc, comments)


def emit(desc, comments=()):
    """The network file text of a description as it is, unchecked (tests feed dcim with it):
    every key but the private ones (_origin, _in), the format's keys in their order first."""
    inp = desc["input"]
    out = [f"# {c}" for c in comments]
    out.append("network:")
    out.append(f"  name: {_scalar(desc['name'])}")
    ik = [k for k in _INPUT_KEYS if k in inp] + [k for k in inp if k not in _INPUT_KEYS]
    out.append("  input: {" + ", ".join(f"{k}: {_scalar(inp[k])}" for k in ik) + "}")
    out.append("  layers:")
    for l in desc["layers"]:
        known = _KEYS.get(l.get("type"), ())
        keys = ["type"] + [k for k in known if k in l or k == "bias"]
        keys += [k for k in l if k not in keys and not k.startswith("_")]
        out.append("    - {" + ", ".join(f"{k}: {_scalar(l.get(k, True))}" for k in keys) + "}")
    return "\n".join(out) + "\n"


def write_text(text, path):
    """Writes text to path through path.tmp and a rename (the old file stays until then)."""
    tmp = os.fspath(path) + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
