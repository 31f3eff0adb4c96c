"""dcim.torch against dcim itself (make test-python): the layers' arithmetic, the straight-
through estimator, and the paper's MNIST network trained in PyTorch, exported and run by dcim
with the same prediction on every one of the 10,000 test images, with pruned filters in both
semantics. Run by tests/python/run_torch.sh; the dcim binary is $DCIM."""

import collections
import os
import pickle
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import dcim  # noqa: E402
import dcim.torch as dt  # noqa: E402
from harness import DCIM, REPO, main, raises  # noqa: E402

RUN = os.path.join(REPO, "configs", "runs", "mnist_bnn.yaml")
MNIST = os.path.join(REPO, "data", "mnist")
STEPS, BATCH = 150, 64  # training steps for the end-to-end test


def mnist_model(**conv):
    """The paper's network (class VGG16 of the reference script) from dcim's layers."""
    return nn.Sequential(collections.OrderedDict([
        ("input", dt.Input(1, 28, 28, divide=255, mean=0.1307, std=0.3081)),
        ("conv1", dt.BinaryConv2d(1, 32, 3, **conv)), ("pool1", nn.MaxPool2d(2)), ("relu1", nn.ReLU()),
        ("conv2", dt.BinaryConv2d(32, 64, 3, **conv)), ("pool2", nn.MaxPool2d(2)), ("relu2", nn.ReLU()),
        ("conv3", dt.BinaryConv2d(64, 16, 3, **conv)), ("relu3", nn.ReLU()), ("flat", nn.Flatten()),
        ("fc1", nn.Linear(784, 256)), ("relu4", nn.ReLU()), ("fc2", nn.Linear(256, 128)), ("relu5", nn.ReLU()),
        ("fc3", nn.Linear(128, 10))]))


def predict(model, images):
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(images[i:i + 1000])).argmax(1)
                          for i in range(0, len(images), 1000)]).numpy()


def conv_reference(x, w, b, pruned, mode):
    """Numpy integer reference of dcim's binary conv: sign(x) zero-padded, sign(w), integer
    sums, then + float32 bias; a pruned filter is all -1 ("reference") or 0 ("skip")."""
    xb = np.where(x > 0, 1, -1).astype(np.int64)
    wb = np.where(w > 0, 1, -1).astype(np.int64)
    wb[pruned] = -1
    n, c, h, wd = x.shape
    k = w.shape[-1]
    p = (k - 1) // 2
    xp = np.zeros((n, c, h + 2 * p, wd + 2 * p), np.int64)
    xp[:, :, p:p + h, p:p + wd] = xb
    acc = np.zeros((n, w.shape[0], h, wd), np.int64)
    for ky in range(k):
        for kx in range(k):
            acc += np.einsum("nchw,oc->nohw", xp[:, :, ky:ky + h, kx:kx + wd], wb[:, :, ky, kx])
    y = acc.astype(np.float32)
    if b is not None:
        y = y + b[None, :, None, None]
    if mode == "skip":
        y[:, pruned] = 0
    return y


# ---- the layers ---------------------------------------------------------------------------

def test_binarize_and_its_straight_through_gradient():
    v = torch.tensor([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    assert dt.binarize(v).tolist() == [-1, -1, -1, -1, 1, 1, 1]  # 0 -> -1, as w > 0 ? +1 : -1
    dt.binarize(v).sum().backward()
    assert v.grad.tolist() == [0, 1, 1, 1, 1, 1, 0]  # |v| <= clip, inclusive
    v.grad = None
    dt.binarize(v, clip=None).sum().backward()
    assert v.grad.tolist() == [1] * 7
    assert not dt.binarize(v, ste=False).requires_grad


def test_input_is_dcims_float32_normalisation():
    p = np.arange(256, dtype=np.uint8).reshape(1, 1, 16, 16)
    for d, m, s in ((255, 0.1307, 0.3081), (255, 0.5, 0.5), (3.0, 1 / 3, 0.1), (1, 0, 1)):
        got = dt.Input(1, 16, 16, d, m, s)(torch.from_numpy(p)).numpy()
        f = np.float32
        want = (p.astype(f) / f(d) - f(m)) / f(s)  # workloads/compile: ((float)p / div - mean) / sd
        assert got.dtype == np.float32 and np.array_equal(got.view(np.uint32), want.view(np.uint32)), (d, m, s)
    raises(ValueError, dt.Input(1, 28, 28), torch.zeros(2, 1, 27, 28), contains="N x 1 x 28 x 28")


def test_binary_conv_is_the_integer_reference():
    torch.manual_seed(1)
    for k, bias in ((3, True), (1, False), (5, True)):
        conv = dt.BinaryConv2d(6, 8, k, bias=bias)
        with torch.no_grad():
            conv.weight[2] = 0                      # pruned by zero weights
            conv.weight[5, :3, 0, 0] = 0            # zero weights in a live filter are -1
        conv.prune([6])                             # pruned by prune()
        x = torch.randn(3, 6, 7, 9)
        x[0, 0, :2] = 0                             # zero activations are -1
        pruned = np.zeros(8, bool)
        pruned[[2, 6]] = True
        assert conv.pruned_mask().numpy().tolist() == pruned.tolist()
        b = conv.bias.detach().numpy() if bias else None
        for mode in ("reference", "skip"):
            conv.pruned_filters = mode
            got = conv(x).detach().numpy()
            want = conv_reference(x.numpy(), conv.weight.detach().numpy(), b, pruned, mode)
            assert np.array_equal(got, want), (k, mode, np.abs(got - want).max())


def test_binary_conv_learns_by_ste_and_pruned_filters_stay_pruned():
    torch.manual_seed(2)
    conv = dt.BinaryConv2d(4, 6, 3)
    x = torch.randn(2, 4, 8, 8, requires_grad=True)
    conv(x).square().sum().backward()
    assert conv.weight.grad.abs().sum() > 0 and x.grad.abs().sum() > 0 and conv.bias.grad.abs().sum() > 0
    # pruning mid-training: Adam's momentum would move the latent weights, but not the filter
    opt = torch.optim.Adam(conv.parameters(), lr=0.1)
    opt.step()
    conv.prune([1, 4])
    for _ in range(3):
        opt.zero_grad()
        conv(torch.randn(2, 4, 8, 8)).square().sum().backward()
        assert conv.weight.grad[[1, 4]].abs().sum() == 0
        opt.step()
    assert conv.pruned_mask().tolist() == [False, True, False, False, True, False]
    exported = dt.export_state_dict(nn.Sequential(conv))
    assert set(exported) == {"0.weight", "0.bias"} and exported["0.weight"][[1, 4]].abs().sum() == 0
    # learn="reference": as the script, no gradient reaches the weights or the input
    ref = dt.BinaryConv2d(4, 6, 3, learn="reference")
    x = torch.randn(2, 4, 8, 8, requires_grad=True)
    ref(x).sum().backward()
    assert ref.weight.grad is None and x.grad is None and ref.bias.grad is not None


def test_state_dicts_without_the_pruned_buffer_load():
    # the reference script's and dcim's names: conv1.weight, conv1.bias, no conv1.pruned
    tensors, _ = dcim.load_safetensors(os.path.join(REPO, "workloads", "weights", "mnist_bnn.safetensors"))
    model = mnist_model()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    zero = (tensors["conv2.weight"] == 0).reshape(64, -1).all(1)
    assert zero.any() and model.conv2.pruned_mask().numpy().tolist() == zero.tolist()
    assert not model.conv2.pruned.any()
    assert dt.export_state_dict(model).keys() == tensors.keys()


# ---- the MNIST network, PyTorch against dcim ----------------------------------------------

_trained = {}


def trained_model():
    """The paper's network trained STEPS steps on MNIST (Adam, lr 1e-3, STE), once per process."""
    if "model" not in _trained:
        torch.manual_seed(0)
        images, labels = dcim.load_mnist(MNIST, "train")
        model = mnist_model()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        order = np.random.default_rng(0).permutation(len(images))
        t0 = time.time()
        for step in range(STEPS):
            idx = order[step * BATCH:(step + 1) * BATCH]
            loss = nn.functional.cross_entropy(model(torch.from_numpy(images[idx])), torch.from_numpy(labels[idx].astype(np.int64)))
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"     trained {STEPS} steps of {BATCH} in {time.time() - t0:.1f} s, last loss {loss.item():.3f}")
        _trained["model"] = model.eval()
    return _trained["model"]


def run_both(model, tmp, mode):
    """Predictions of PyTorch and of dcim (fast path) on the 10,000 test images."""
    images, labels = dcim.load_mnist(MNIST, "t10k")
    w = dcim.export(model, os.path.join(tmp, f"{mode}.safetensors"))
    net = os.path.join(tmp, f"{mode}.yaml")
    dcim.network_yaml(model, net, name="mnist_bnn")
    t0 = time.time()
    stats = dcim.run(RUN, weights=w, network=net, images=10000, pruned_filters=mode, out=os.path.join(tmp, mode),
                     dcim=DCIM)
    t1 = time.time()
    torch_pred = predict(model, images)
    t2 = time.time()
    dcim_pred = np.array(stats["predictions"])
    acc = (torch_pred == labels).mean()
    print(f"     {mode}: PyTorch {acc:.2%} ({t2 - t1:.1f} s), dcim {stats['accuracy']:.2%} ({t1 - t0:.1f} s), "
          f"{int((torch_pred != dcim_pred).sum())} of 10000 predictions differ")
    return torch_pred, dcim_pred, stats


def test_trained_mnist_network_predicts_like_pytorch_on_every_test_image(tmp):
    model = trained_model()
    text = dcim.network_yaml(model, name="mnist_bnn")
    with open(os.path.join(REPO, "workloads", "nets", "mnist_bnn.yaml")) as f:
        repo = [l.split("#")[0].rstrip() for l in f.read().splitlines()]
    assert [l for l in text.splitlines() if not l.startswith("#")] == [l for l in repo if l]
    torch_pred, dcim_pred, stats = run_both(model, tmp, "reference")
    assert stats["status"] == "complete" and stats["images"] == 10000 and stats["run"]["fidelity"] == "fast"
    assert np.array_equal(torch_pred, dcim_pred)
    assert stats["accuracy"] > 0.5  # it learned something: the comparison is not between constants


def test_pruned_filters_in_both_semantics(tmp):
    model = trained_model()
    model.conv1.prune(range(0, 32, 3))
    model.conv2.prune([1, 5, 8, 13, 21, 34, 55])
    model.conv3.prune([0, 9])
    preds = {}
    for mode in ("reference", "skip"):
        dt.set_pruned_filters(model, mode)
        torch_pred, dcim_pred, stats = run_both(model, tmp, mode)
        live = {l["name"]: l["live"] for l in stats["layers"] if l["where"] == "chip"}
        assert live == {"conv1": 21, "conv2": 57, "conv3": 14}, live
        assert np.array_equal(torch_pred, dcim_pred), mode
        preds[mode] = torch_pred
    assert (preds["reference"] != preds["skip"]).sum() > 0  # the two semantics do differ
    assert "--pruned-filters skip" in dcim.network_yaml(model)
    dt.set_pruned_filters(model, "reference")


# ---- what the network format cannot express ----------------------------------------------

def test_network_yaml_refuses_what_the_format_cannot_express():
    inp = dt.Input(1, 28, 28)
    conv = lambda **kw: dt.BinaryConv2d(1, 4, 3, **kw)
    bad = [
        (nn.Sequential(inp, conv(stride=2)), "stride (2, 2) is not supported"),
        (nn.Sequential(inp, conv(dilation=2, padding=2)), "dilation (2, 2) is not supported"),
        (nn.Sequential(inp, dt.BinaryConv2d(2, 4, 3, groups=2)), "groups=2"),
        (nn.Sequential(inp, dt.BinaryConv2d(1, 4, (3, 5))), "is not square"),
        (nn.Sequential(inp, conv(padding=0)), "got kernel 3, padding 0"),
        (nn.Sequential(inp, conv(padding="same")), "padding 'same' is not a number of pixels"),
        (nn.Sequential(inp, nn.Conv2d(1, 4, 3, padding=1)), "a float nn.Conv2d cannot run on the chip"),
        (nn.Sequential(inp, conv(), nn.MaxPool2d(2, stride=1)), "stride = kernel"),
        (nn.Sequential(inp, conv(), nn.MaxPool2d(2, ceil_mode=True)), "ceil_mode"),
        (nn.Sequential(inp, conv(), nn.MaxPool2d(3)), "the kernel 3 must divide the 28x28 feature map"),
        (nn.Sequential(inp, conv(), nn.AvgPool2d(2)), "has no AvgPool2d"),
        (nn.Sequential(inp, conv(), nn.BatchNorm2d(4)), "has no BatchNorm2d"),
        (nn.Sequential(inp, conv(), nn.Tanh()), "has no Tanh"),
        (nn.Sequential(inp, conv(), nn.Linear(28, 10)), "put an nn.Flatten() before it"),
        (nn.Sequential(inp, conv(), nn.Flatten(2)), "start_dim=2"),
        (nn.Sequential(inp, conv(), nn.Flatten(), nn.Linear(3000, 10)), "in_features 3000, but the layer before gives 3136"),
        (nn.Sequential(inp, dt.BinaryConv2d(3, 4, 3)), "has 3 input channels, but the layer before gives 1"),
        (nn.Sequential(inp, conv(), dt.BinaryConv2d(4, 4, 3, pruned_filters="skip")), "mix pruned_filters"),
        (nn.Sequential(conv(), inp), "Input must be the first layer"),
        (nn.Sequential(inp, nn.ReLU(), conv()), "must start with a conv2d_binary"),
        (nn.Sequential(conv()), "the network needs an input"),
        (mnist_model().conv1, "reads the layer order of an nn.Sequential; BinaryConv2d has its own forward()"),
    ]
    for model, msg in bad:
        raises(dcim.NetworkError, dcim.network_yaml, model, contains=msg)
    # nested Sequentials give dotted names, as their state_dict; Dropout and Identity drop out
    model = nn.Sequential(inp, nn.Sequential(conv(), nn.Dropout(0.1), nn.ReLU()), nn.Identity(),
                          nn.Flatten(), nn.Linear(4 * 28 * 28, 10))
    text = dcim.network_yaml(model)
    assert "name: \"1.0\"" in text and 'name: "4"' in text and "dropout" not in text.lower()
    assert {"1.0.weight", "4.weight"} <= set(dt.export_state_dict(model))


# ---- files from other tools ----------------------------------------------------------------

def onnx_export(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Input's shape check
        torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path)


def test_pytorch_and_onnx_files_are_refused_with_the_conversion_that_works(tmp):
    model = trained_model()
    sd = {k: v for k, v in dt.export_state_dict(model).items()}
    files = {"zip.pt": lambda p: torch.save(sd, p),
             "legacy.pth": lambda p: torch.save(sd, p, _use_new_zipfile_serialization=False),
             "model.onnx": lambda p: onnx_export(model, p),
             "plain.pkl": lambda p: pickle.dump({k: v.numpy() for k, v in sd.items()}, open(p, "wb"))}
    want = {"zip.pt": "this is a PyTorch checkpoint", "legacy.pth": "this is a legacy PyTorch checkpoint",
            "model.onnx": "this is an ONNX model (by its content)", "plain.pkl": "this is a Python pickle"}
    for name, save in files.items():
        path = os.path.join(tmp, name)
        save(path)
        e = raises(dcim.DcimError, dcim.run, RUN, weights=path, images=1, out=tmp, dcim=DCIM,
                   contains=[f"{path}: error: {want[name]}", "dcim.export("])
        assert "header length" not in e.stderr
    # the advice works: dcim.export(torch.load(...), ...) gives the same run
    direct = dcim.run(RUN, weights=model, images=200, out=os.path.join(tmp, "a"), dcim=DCIM)
    for name in ("zip.pt", "legacy.pth"):
        w = dcim.export(torch.load(os.path.join(tmp, name)), os.path.join(tmp, name + ".safetensors"))
        conv = dcim.run(RUN, weights=w, images=200, out=os.path.join(tmp, "b"), dcim=DCIM)
        assert conv["predictions"] == direct["predictions"]
    # bfloat16 tensors go through float32, which holds them exactly
    w = dcim.export({k: v.to(torch.bfloat16) for k, v in sd.items()}, os.path.join(tmp, "bf16.safetensors"))
    back, _ = dcim.load_safetensors(w)
    assert back["fc1.weight"].dtype == np.float32
    assert np.array_equal(back["fc1.weight"], sd["fc1.weight"].to(torch.bfloat16).float().numpy())


if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("DCIM_TORCH_THREADS", "2")))
    main(globals())
