"""PyTorch layers that compute what the chip computes (docs/python.md), usable for training,
and the translation of an nn.Sequential of them into a network-file description.

BinaryConv2d follows the reference script's BinaryConv2d (CNN/cimcam_mnist_cnn.py) and dcim:
weights and inputs binarised as v > 0 -> +1, else -1; the binarised input zero-padded; the
integer sum plus the float32 bias, added last. A filter whose weights are all zero is pruned,
as in dcim; what a pruned filter outputs is dcim's run.pruned_filters: "reference" (it acts as
an all -1 filter plus its bias, as the script's zeroed filters do) or "skip" (it outputs 0)."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from dcim.network import NetworkError

__all__ = ["Input", "BinaryConv2d", "binarize", "set_pruned_filters", "describe", "export_state_dict"]

PRUNED_MODES = ("reference", "skip")
LEARN_MODES = ("ste", "reference")


class _BinarizeSTE(torch.autograd.Function):
    """v > 0 -> +1, else -1; backward: the clipped straight-through estimator, d/dv = 1 where
    |v| <= clip (inclusive) and 0 elsewhere (clip None: 1 everywhere). As dcim's ste mode
    (docs/training.md, "Binary convolution, ste mode")."""

    @staticmethod
    def forward(ctx, v, clip):
        ctx.save_for_backward(v)
        ctx.clip = clip
        return (v > 0).to(v.dtype) * 2 - 1

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        if ctx.clip is None:
            return grad, None
        return grad * (v.abs() <= ctx.clip).to(grad.dtype), None


def binarize(v, clip=1.0, ste=True):
    """+1 where v > 0, else -1 (so 0 -> -1), in v's dtype. With ste, gradients pass by the
    clipped straight-through estimator; without, the result is detached, as in the script."""
    if ste:
        return _BinarizeSTE.apply(v, clip)
    return (v.detach() > 0).to(v.dtype) * 2 - 1


class Input(nn.Module):
    """The network's input: raw pixels (any dtype, N x C x H x W) to (p / divide - mean) / std
    in float32, operation by operation as dcim's binarisation does (docs/network.md). For MNIST
    with torchvision's ToTensor + Normalize: Input(1, 28, 28, divide=255, mean=0.1307, std=0.3081)."""

    def __init__(self, channels, height, width, divide=255.0, mean=0.0, std=1.0):
        super().__init__()
        self.channels, self.height, self.width = int(channels), int(height), int(width)
        self.divide, self.mean, self.std = float(divide), float(mean), float(std)

    def forward(self, x):
        if tuple(x.shape[1:]) != (self.channels, self.height, self.width):
            raise ValueError(f"Input expects N x {self.channels} x {self.height} x {self.width} pixels, "
                             f"got {tuple(x.shape)}")
        f32 = dict(dtype=torch.float32, device=x.device)
        d, m, s = (torch.tensor(v, **f32) for v in (self.divide, self.mean, self.std))
        return (x.to(torch.float32) / d - m) / s

    def extra_repr(self):
        return (f"{self.channels}, {self.height}, {self.width}, divide={self.divide}, "
                f"mean={self.mean}, std={self.std}")


class BinaryConv2d(nn.Conv2d):
    """A binary convolution as the chip runs it: y = conv(sign(x), sign(w), zero padding) + b.

    padding defaults to (kernel - 1) // 2, the only padding dcim takes (stride 1, odd square
    kernels). pruned_filters: "reference" or "skip" (module docstring). learn: "ste" trains the
    weights and passes gradients to earlier layers through the clipped straight-through
    estimator (ste_clip; None: unclipped); "reference" passes none, as the script (only the
    bias learns). Initialisation is nn.Conv2d's, as in the script.

    A filter is pruned when its weights are all zero or it was pruned with prune(); the bool
    buffer `pruned` remembers the latter, so a pruned filter gets no gradient and stays pruned
    whatever the optimiser's momentum does. export writes pruned filters as zeros."""

    def __init__(self, in_channels, out_channels, kernel_size=3, padding=None, bias=True, *,
                 pruned_filters="reference", learn="ste", ste_clip=1.0, **conv_kwargs):
        if padding is None:
            k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
            padding = (k - 1) // 2
        if conv_kwargs.get("padding_mode", "zeros") != "zeros":
            raise ValueError("BinaryConv2d pads the binarised input with zeros, as the chip and the "
                             "reference do; padding_mode must be 'zeros'")
        super().__init__(in_channels, out_channels, kernel_size, padding=padding, bias=bias, **conv_kwargs)
        if pruned_filters not in PRUNED_MODES:
            raise ValueError(f"pruned_filters must be one of {PRUNED_MODES}, got {pruned_filters!r}")
        if learn not in LEARN_MODES:
            raise ValueError(f"learn must be one of {LEARN_MODES}, got {learn!r}")
        self.pruned_filters, self.learn, self.ste_clip = pruned_filters, learn, ste_clip
        self.register_buffer("pruned", torch.zeros(out_channels, dtype=torch.bool))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # state dicts from the reference script or dcim have no 'pruned': their zero filters say it
        if prefix + "pruned" not in state_dict:
            state_dict[prefix + "pruned"] = torch.zeros_like(self.pruned)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def pruned_mask(self):
        """Bool [out_channels]: the filters that are pruned (buffer, or all-zero weights)."""
        return self.pruned | (self.weight.detach() == 0).flatten(1).all(1)

    def effective_weight(self):
        """The latent weights with pruned filters set to zero (what export writes)."""
        mask = self.pruned_mask().view(-1, 1, 1, 1)
        return torch.where(mask, torch.zeros_like(self.weight), self.weight)

    @torch.no_grad()
    def prune(self, filters):
        """Prunes filters (indices or a bool mask): zeroes their weights and marks them."""
        mask = torch.zeros_like(self.pruned)
        mask[torch.as_tensor(filters, device=mask.device)] = True
        self.pruned |= mask
        self.weight[self.pruned] = 0

    def forward(self, x):
        ste = self.learn == "ste"
        w = self.effective_weight()
        xb = binarize(x, self.ste_clip, ste)
        wb = binarize(w, self.ste_clip, ste)
        y = F.conv2d(xb, wb, None, self.stride, self.padding, self.dilation, self.groups)
        if self.bias is not None:  # after the exact integer sum, as dcim: y = (float)acc + b
            y = y + self.bias.view(1, -1, 1, 1)
        if self.pruned_filters == "skip":
            y = torch.where(self.pruned_mask().view(1, -1, 1, 1), torch.zeros_like(y), y)
        return y

    def extra_repr(self):
        return (super().extra_repr() + f", pruned_filters={self.pruned_filters}, learn={self.learn}, "
                f"ste_clip={self.ste_clip}")


def set_pruned_filters(model, mode):
    """Sets the pruned-filter semantics ("reference" | "skip") of every BinaryConv2d in model."""
    if mode not in PRUNED_MODES:
        raise ValueError(f"pruned_filters must be one of {PRUNED_MODES}, got {mode!r}")
    for m in model.modules():
        if isinstance(m, BinaryConv2d):
            m.pruned_filters = mode
    return model


def export_state_dict(model):
    """model.state_dict() as dcim reads it: BinaryConv2d weights with pruned filters zeroed,
    without the 'pruned' buffers (dcim takes zero filters as pruned)."""
    sd = model.state_dict()
    for name, m in model.named_modules():
        if isinstance(m, BinaryConv2d):
            p = name + "." if name else ""
            sd[p + "weight"] = m.effective_weight().detach()
            sd.pop(p + "pruned", None)
    return sd


# ---- nn.Sequential -> network description -------------------------------------------------

def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _leaves(seq, prefix):
    for name, child in seq.named_children():
        if isinstance(child, nn.Sequential):
            yield from _leaves(child, prefix + name + ".")
        else:
            yield prefix + name, child


def _conv(name, m, origin):
    k, p = _pair(m.kernel_size), _pair(m.padding) if not isinstance(m.padding, str) else m.padding
    if k[0] != k[1]:
        raise NetworkError(f"{origin}: kernel {k} is not square; dcim's conv2d_binary takes k x k kernels")
    if isinstance(p, str) or p[0] != p[1]:
        raise NetworkError(f"{origin}: padding {m.padding!r} is not a number of pixels equal on all sides; "
                           f"dcim takes padding = (kernel-1)/2 = {(k[0] - 1) // 2}")
    for attr, want in (("stride", (1, 1)), ("dilation", (1, 1))):
        if _pair(getattr(m, attr)) != want:
            raise NetworkError(f"{origin}: {attr} {getattr(m, attr)} is not supported; dcim's conv2d_binary "
                               f"has {attr} 1")
    if m.groups != 1:
        raise NetworkError(f"{origin}: groups={m.groups} is not supported; dcim's conv2d_binary has groups 1")
    return {"type": "conv2d_binary", "name": name, "out_channels": m.out_channels, "kernel": k[0],
            "padding": p[0], "bias": m.bias is not None, "_in": m.in_channels, "_origin": origin}


def _pool(m, origin):
    k, s = _pair(m.kernel_size), _pair(m.stride if m.stride is not None else m.kernel_size)
    if k[0] != k[1] or s != k:
        raise NetworkError(f"{origin}: kernel {m.kernel_size}, stride {m.stride}: dcim's maxpool has "
                           "square windows with stride = kernel")
    if _pair(m.padding) != (0, 0) or _pair(m.dilation) != (1, 1) or m.ceil_mode or m.return_indices:
        raise NetworkError(f"{origin}: padding, dilation, ceil_mode and return_indices are not supported by "
                           "dcim's maxpool (kernel only, stride = kernel)")
    return {"type": "maxpool", "kernel": k[0], "_origin": origin}


def _layer(name, m, origin, flat):
    if isinstance(m, BinaryConv2d):
        return _conv(name, m, origin)
    if isinstance(m, nn.Conv2d):
        raise NetworkError(f"{origin}: a float nn.Conv2d cannot run on the chip; use "
                           "dcim.torch.BinaryConv2d (binary weights and inputs)")
    if isinstance(m, nn.MaxPool2d):
        return _pool(m, origin)
    if type(m) is nn.ReLU:
        return {"type": "relu", "_origin": origin}
    if isinstance(m, nn.Flatten):
        if m.start_dim != 1 or m.end_dim != -1:
            raise NetworkError(f"{origin}: dcim's flatten keeps the batch dimension and flattens the rest "
                               f"(start_dim=1, end_dim=-1), got start_dim={m.start_dim}, end_dim={m.end_dim}")
        return {"type": "flatten", "_origin": origin}
    if isinstance(m, nn.Linear):
        if not flat:
            raise NetworkError(f"{origin}: nn.Linear acts on the last dimension of a feature map; put an "
                               "nn.Flatten() before it, as dcim's linear takes a flat vector")
        return {"type": "linear", "name": name, "out_features": m.out_features, "bias": m.bias is not None,
                "_in": m.in_features, "_origin": origin}
    raise NetworkError(f"{origin}: dcim's network format has no {type(m).__name__}; it takes "
                       "dcim.torch.Input, dcim.torch.BinaryConv2d, nn.MaxPool2d, nn.ReLU, nn.Flatten, nn.Linear "
                       "(nn.Dropout and nn.Identity are left out)")


def describe(model):
    """The network description (dcim.network) of an nn.Sequential of dcim's layers, and the
    comment lines for its file. Raises NetworkError for what the format cannot express."""
    if not isinstance(model, nn.Sequential):
        raise NetworkError(f"network_yaml reads the layer order of an nn.Sequential; {type(model).__name__} "
                           "has its own forward(), whose order it cannot see: build the model as "
                           "nn.Sequential(dcim.torch.Input(...), dcim.torch.BinaryConv2d(...), ...)")
    desc, layers, modes, flat = {"input": None}, [], set(), False
    for i, (name, m) in enumerate(_leaves(model, "")):
        origin = f"layer '{name}' ({type(m).__name__})"
        if isinstance(m, Input):
            if i != 0:
                raise NetworkError(f"{origin}: dcim.torch.Input must be the first layer")
            desc["input"] = {"channels": m.channels, "height": m.height, "width": m.width,
                             "divide": m.divide, "mean": m.mean, "std": m.std}
            continue
        if isinstance(m, (nn.Dropout, nn.Identity)):
            continue
        layer = _layer(name, m, origin, flat)
        flat = layer["type"] in ("flatten", "linear") or (flat and layer["type"] == "relu")
        if isinstance(m, BinaryConv2d):
            modes.add(m.pruned_filters)
        layers.append(layer)
    if not layers:
        raise NetworkError("the model has no layers dcim can run")
    if len(modes) > 1:
        raise NetworkError("the BinaryConv2d layers mix pruned_filters 'reference' and 'skip'; dcim applies "
                           "one semantics to a whole run (run.pruned_filters): use set_pruned_filters()")
    desc["layers"] = layers
    comments = [f"written by dcim.network_yaml from a {type(model).__name__} (docs/python.md)"]
    if modes == {"skip"}:
        comments.append("pruned filters output 0: run with --pruned-filters skip (dcim.run(..., pruned_filters='skip'))")
    return desc, comments
