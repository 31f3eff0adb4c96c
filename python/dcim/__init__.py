"""dcim from Python: export a model's weights as safetensors, write its network file, and run
the simulator (docs/python.md). Needs numpy; dcim.torch (the chip's layers for training)
needs torch. Importing dcim does not import torch.

    model = torch.nn.Sequential(dcim.torch.Input(1, 28, 28), dcim.torch.BinaryConv2d(1, 32, 3), ...)
    ...train it...
    dcim.export(model, "w.safetensors"); dcim.network_yaml(model, "net.yaml")
    stats = dcim.run("configs/runs/mnist_bnn.yaml", weights="w.safetensors", network="net.yaml")
"""

from dcim import safetensors as _st
from dcim.data import load_mnist
from dcim.network import NetworkError, to_yaml as _to_yaml, write_text as _write_text
from dcim.runner import DcimError, Stats, run

__version__ = "0.1.0"
__all__ = ["export", "network_yaml", "run", "load_safetensors", "load_mnist", "DcimError", "NetworkError", "Stats"]


def _is_module(obj):
    return callable(getattr(obj, "state_dict", None)) and callable(getattr(obj, "named_modules", None))


def export(model_or_state_dict, path, metadata=None):
    """Writes weights to path as safetensors with the names dcim reads (<layer>.weight,
    <layer>.bias: PyTorch's state_dict names).

    model_or_state_dict: a torch.nn.Module (its state_dict, with the pruned filters of
    dcim.torch.BinaryConv2d layers written as zeros, the way dcim marks pruned filters), or a
    mapping name -> numpy array / torch tensor, written as given (dtypes kept). metadata:
    optional string -> string pairs. The file appears complete or not at all (path.tmp, then
    a rename). Returns path."""
    if _is_module(model_or_state_dict):
        from dcim.torch import export_state_dict
        tensors = export_state_dict(model_or_state_dict)
    elif hasattr(model_or_state_dict, "items"):
        tensors = dict(model_or_state_dict.items())
    else:
        raise TypeError("export needs a torch.nn.Module or a mapping name -> array, got "
                        f"{type(model_or_state_dict).__name__}")
    _st.save(tensors, path, metadata)
    return path


def load_safetensors(path):
    """Reads a safetensors file: (name -> numpy array, metadata dict)."""
    return _st.load(path)


def network_yaml(model, path=None, *, name=None, input=None):
    """The network file (docs/network.md) of a model, as text; also written to path if given.

    model: an nn.Sequential (nested ones too) of dcim.torch layers and plain nn.MaxPool2d,
    nn.ReLU, nn.Flatten, nn.Linear (nn.Dropout and nn.Identity are left out: they do nothing
    at inference); or a description {"name": ..., "input": {...}, "layers": [{...}, ...]} (or
    just the list of layers) with the network file's keys. name: the network's name (default:
    the description's, else "net"). input: {channels, height, width, divide, mean, std} when
    the model has no dcim.torch.Input layer. Raises NetworkError naming the layer and what
    the format (or the compiler) cannot express: stride, dilation, groups, other padding,
    float convolutions, layer types it lacks, shapes that do not fit."""
    comments = []
    if _is_module(model):
        from dcim.torch import describe
        desc, comments = describe(model)
    elif isinstance(model, dict):
        desc = dict(model)
    elif isinstance(model, (list, tuple)):
        desc = {"layers": list(model)}
    else:
        raise TypeError(f"network_yaml needs a torch.nn.Module or a description, got {type(model).__name__}")
    if input is not None:
        if desc.get("input") is not None:
            raise NetworkError("the model has an input layer already; do not pass input= as well")
        desc["input"] = dict(input)
    desc["name"] = name or desc.get("name") or "net"
    text = _to_yaml(desc, comments)
    if path is not None:
        _write_text(text, path)
    return text

