"""The dcim Python package without torch (part of `make test`): safetensors written with numpy
and read back by dcim, network files from descriptions checked against dcim, dcim.run and its
errors. Run by tests/python/run_numpy.sh; the dcim binary is $DCIM."""

import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import dcim  # noqa: E402
from dcim import network, runner  # noqa: E402
from harness import DCIM, REPO, main, raises  # noqa: E402

RUN = os.path.join(REPO, "configs", "runs", "mnist_bnn.yaml")
NET = os.path.join(REPO, "workloads", "nets", "mnist_bnn.yaml")
TRAINED = os.path.join(REPO, "workloads", "weights", "mnist_bnn.safetensors")
INPUT = {"channels": 1, "height": 28, "width": 28, "divide": 255, "mean": 0.1307, "std": 0.3081}


def mnist_layers():
    """The paper's MNIST network (workloads/nets/mnist_bnn.yaml) as a description."""
    conv = lambda n, c: {"type": "conv2d_binary", "name": n, "out_channels": c, "kernel": 3, "padding": 1, "bias": True}
    lin = lambda n, f: {"type": "linear", "name": n, "out_features": f, "bias": True}
    pool, relu = {"type": "maxpool", "kernel": 2}, {"type": "relu"}
    return [conv("conv1", 32), pool, relu, conv("conv2", 64), pool, relu, conv("conv3", 16), relu,
            {"type": "flatten"}, lin("fc1", 256), relu, lin("fc2", 128), relu, lin("fc3", 10)]


def mnist_desc():
    return {"name": "mnist_bnn", "input": dict(INPUT), "layers": mnist_layers()}


def random_weights(seed=0):
    """Weights of the MNIST network drawn like PyTorch's default initialisation."""
    rng = np.random.default_rng(seed)
    shapes = {"conv1": (32, 1, 3, 3), "conv2": (64, 32, 3, 3), "conv3": (16, 64, 3, 3),
              "fc1": (256, 784), "fc2": (128, 256), "fc3": (10, 128)}
    w = {}
    for name, shape in shapes.items():
        bound = 1 / np.sqrt(np.prod(shape[1:]))
        w[f"{name}.weight"] = rng.uniform(-bound, bound, shape).astype(np.float32)
        w[f"{name}.bias"] = rng.uniform(-bound, bound, shape[0]).astype(np.float32)
    return w


def dcim_cli(*args):
    return subprocess.run([DCIM, *args], capture_output=True, text=True)


# ---- safetensors ----------------------------------------------------------------------------

def test_import_and_export_need_no_torch(tmp):
    code = ("import json, sys, numpy as np, dcim; dcim.export({'a': np.zeros(2)}, sys.argv[1]);"
            "dcim.network_yaml(json.loads(sys.argv[2]));"
            "assert 'torch' not in sys.modules, 'dcim imported torch'")
    p = subprocess.run([sys.executable, "-c", code, os.path.join(tmp, "a.safetensors"), json.dumps(mnist_desc())],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(REPO, "python")))
    assert p.returncode == 0, p.stderr


def test_export_is_byte_identical_to_dcims_writer(tmp):
    # workloads/weights/mnist_bnn.safetensors was written by dcim train (cim_st_write)
    tensors, meta = dcim.load_safetensors(TRAINED)
    assert meta["written_by"] == "dcim train" and tensors["conv2.weight"].shape == (64, 32, 3, 3)
    out = os.path.join(tmp, "w.safetensors")
    assert dcim.export(tensors, out, metadata=meta) == out
    with open(out, "rb") as a, open(TRAINED, "rb") as b:
        assert a.read() == b.read()


def test_export_writes_the_spec_layout(tmp):
    out = os.path.join(tmp, "w.safetensors")
    dcim.export({"b": np.array([1, -2], dtype=np.int8), "a": np.array([[1.0, 2.0]], dtype=">f4")}, out)
    header = b'{"a":{"data_offsets":[0,8],"dtype":"F32","shape":[1,2]},"b":{"data_offsets":[8,10],"dtype":"I8","shape":[2]}}'
    header += b" " * (-len(header) % 8)
    want = len(header).to_bytes(8, "little") + header + np.array([1, 2], "<f4").tobytes() + b"\x01\xfe"
    with open(out, "rb") as f:
        assert f.read() == want
    assert not os.path.exists(out + ".tmp")


def test_export_dtypes_round_trip_and_dcim_reads_them(tmp):
    arrays = {"bool": np.array([True, False]), "u8": np.arange(3, dtype=np.uint8), "i16": np.array([-3], np.int16),
              "f16": np.array([0.5, -2], np.float16), "u32": np.array([7], np.uint32), "i64": np.array([[-9]], np.int64),
              "f64": np.array([1e-3]), "scalar": np.float32(3.5), "empty": np.zeros((0, 4), np.float32)}
    out = os.path.join(tmp, "w.safetensors")
    dcim.export(arrays, out)
    back, meta = dcim.load_safetensors(out)
    assert meta == {} and set(back) == set(arrays)
    for k, v in arrays.items():
        assert back[k].dtype == np.asarray(v).dtype and back[k].shape == np.shape(v) and np.array_equal(back[k], v), k
    # the same values as F16, F32 and F64 give dcim the same network
    w16 = {k: v.astype(np.float16) for k, v in random_weights(1).items()}
    runs = [dcim.run(RUN, weights={k: v.astype(dt) for k, v in w16.items()}, images=30, out=os.path.join(tmp, dt),
                     dcim=DCIM) for dt in ("float16", "float32", "float64")]
    for r in runs[1:]:
        assert r["predictions"] == runs[0]["predictions"] and r["chip_per_image"] == runs[0]["chip_per_image"]


def test_export_refuses_what_safetensors_cannot_hold(tmp):
    out = os.path.join(tmp, "w.safetensors")
    raises(TypeError, dcim.export, {"w": np.zeros(2, np.complex64)}, out, contains=["'w'", "complex64", "float32"])
    raises(TypeError, dcim.export, {"w": np.array(["a"], dtype=object)}, out, contains="'w' has dtype object")
    raises(ValueError, dcim.export, {"__metadata__": np.zeros(1)}, out, contains="reserved")
    raises(ValueError, dcim.export, {"": np.zeros(1)}, out, contains="non-empty strings")
    raises(ValueError, dcim.export, {3: np.zeros(1)}, out, contains="non-empty strings, got 3")
    raises(TypeError, dcim.export, {"a": np.zeros(1)}, out, metadata={"epoch": 2}, contains="strings to strings")
    raises(TypeError, dcim.export, [np.zeros(1)], out, contains="torch.nn.Module or a mapping")
    assert not os.listdir(tmp)
    # a failed write leaves the old file (here: a directory in the way) and no .tmp behind
    os.mkdir(out)
    raises(OSError, dcim.export, {"a": np.zeros(1)}, out)
    assert os.path.isdir(out) and os.listdir(tmp) == ["w.safetensors"]


def test_random_mnist_weights_run_in_dcim(tmp):
    w = random_weights()
    w["conv2.weight"][[3, 9]] = 0  # two pruned filters: dcim takes zero filters as pruned
    path = dcim.export(w, os.path.join(tmp, "w.safetensors"))
    s = dcim.run(RUN, weights=path, images=25, out=os.path.join(tmp, "out"), dcim=DCIM)
    assert isinstance(s, dict) and s["status"] == "complete" and s["images"] == 25
    assert s["run"]["weights"] == path and s["run"]["fidelity"] == "fast"
    assert len(s["predictions"]) == 25 and all(0 <= p <= 9 for p in s["predictions"])
    assert 0 <= s["correct"] <= 25 and s["accuracy"] == s["correct"] / 25
    layers = {l["name"]: l for l in s["layers"]}
    assert [l["name"] for l in s["layers"]] == ["conv1", "conv2", "conv3", "fc1", "fc2", "fc3"]
    assert layers["conv2"]["filters"] == 64 and layers["conv2"]["live"] == 62 and layers["conv1"]["live"] == 32
    assert layers["conv2"]["macs_removed_per_image"] == 2 * 288 * 14 * 14
    assert layers["conv2"]["pruned_filters"] == [3, 9] and layers["conv1"]["pruned_filters"] == []
    assert s["chip_per_image"]["cycles"] > 0 and s["area_um2"]["total"] > 0
    # the same numbers as the results folder dcim wrote
    with open(os.path.join(tmp, "out", "stats.json")) as f:
        disk = json.load(f)
    assert disk["chip_per_image"] == s["chip_per_image"] and disk["predictions"] == s["predictions"]


# ---- network files --------------------------------------------------------------------------

def _strip(text):
    lines = [l.split("#")[0].rstrip() for l in text.splitlines()]
    return [l for l in lines if l]


def test_network_yaml_of_the_mnist_description_is_the_repo_file(tmp):
    with open(NET) as f:
        want = _strip(f.read())
    assert _strip(dcim.network_yaml(mnist_desc())) == want
    # the same from the list of layers, input= and name=, written to a file dcim accepts
    path = os.path.join(tmp, "net.yaml")
    text = dcim.network_yaml(mnist_layers(), path, name="mnist_bnn", input=INPUT)
    with open(path) as f:
        assert f.read() == text and _strip(text) == want
    p = dcim_cli("check", path)
    assert p.returncode == 0 and p.stdout.strip() == f"ok: {path}", p.stdout + p.stderr


def test_network_yaml_file_runs_like_the_repo_network(tmp):
    path = os.path.join(tmp, "net.yaml")
    dcim.network_yaml(mnist_desc(), path)
    a = dcim.run(RUN, images=40, out=os.path.join(tmp, "a"), dcim=DCIM)
    b = dcim.run(RUN, images=40, out=os.path.join(tmp, "b"), dcim=DCIM, network=path)
    assert a["predictions"] == b["predictions"] and a["chip_per_image"] == b["chip_per_image"]


def test_network_yaml_quotes_names_yaml_would_not_read_as_strings():
    layers = [{"type": "conv2d_binary", "name": n, "out_channels": 2, "kernel": 1, "padding": 0}
              for n in ("0", "true", "features.0", "_x")]
    text = dcim.network_yaml(layers + [{"type": "flatten"}], name="odd: name", input=INPUT)
    for q in ('name: "0"', 'name: "true"', "name: features.0", "name: _x", 'name: "odd: name"'):
        assert q in text, text


# (layers edit, message part, where dcim refuses the same file: "check" or "run")
def _refusals():
    def edit(i, **kv):
        ls = mnist_layers()
        ls[i] = dict(ls[i], **kv)
        return ls
    pool, relu, flat = {"type": "maxpool", "kernel": 2}, {"type": "relu"}, {"type": "flatten"}
    ls = mnist_layers()
    return [
        (edit(0, kernel=2, padding=0), "odd kernels with 'same' padding", "check"),
        (edit(0, padding=0), "got kernel 3, padding 0", "check"),
        (edit(0, kernel=16), "kernel must be in 1..15, got 16", "check"),
        (edit(0, out_channels=0), "out_channels must be in 1..65536, got 0", "check"),
        (edit(0, out_channels=2.5), "out_channels must be an integer", "check"),
        (edit(0, stride=2), "conv2d_binary takes no key 'stride'", "check"),
        (edit(1, type="avgpool"), "unknown layer type 'avgpool'", "check"),
        (edit(0, name="conv-1"), "name 'conv-1' must be 1..63 letters", "check"),
        (edit(3, name="conv1"), "duplicate layer name 'conv1' (first used by layers[0])", "check"),
        (edit(9, bias="yes"), "bias must be true or false", "check"),
        (ls[:8] + ls[9:], "linear needs a flat vector, got 16x7x7", "check"),
        (edit(4, kernel=3), "the kernel 3 must divide the 14x14 feature map", "check"),
        (ls[:9] + [{"type": "conv2d_binary", "name": "c4", "out_channels": 2, "kernel": 1, "padding": 0}],
         "conv2d_binary after a host layer (flatten/linear) is not supported", "check"),
        (ls[:3] + [pool] + ls[3:], "only ReLU and one max-pool may stand between", "run"),
        ([relu] + ls, "must start with a conv2d_binary", "run"),
        (ls[:8] + [flat, flat] + ls[9:], None, None),  # a flatten of a flat vector is fine
    ]


def test_network_yaml_refuses_and_dcim_refuses_too(tmp):
    ok_w = dcim.export(random_weights(), os.path.join(tmp, "w.safetensors"))
    for i, (layers, msg, where) in enumerate(_refusals()):
        desc = {"name": "t", "input": dict(INPUT), "layers": layers}
        path = os.path.join(tmp, f"n{i}.yaml")
        with open(path, "w") as f:
            f.write(network.emit(desc))
        if msg is None:
            dcim.network_yaml(desc)
            assert dcim_cli("check", path).returncode == 0
            continue
        raises(network.NetworkError, dcim.network_yaml, desc, contains=msg)
        # dcim itself refuses the same file: the rule is dcim's, not this package's
        if where == "check":
            p = dcim_cli("check", path)
        else:
            p = dcim_cli("run", RUN, "--set", f"run.network={path}", "--weights", ok_w,
                         "--images", "1", "--quiet", "--out", os.path.join(tmp, "o"))
        assert p.returncode != 0 and "error" in p.stderr, (msg, p.stdout, p.stderr)


def test_network_yaml_refuses_bad_inputs_and_arguments():
    bad = [({k: v for k, v in INPUT.items() if k != "std"}, "missing std"),
           (dict(INPUT, std=0), "input.std must be > 0"),
           (dict(INPUT, mean=float("nan")), "input.mean must be a finite number"),
           (dict(INPUT, channels=0), "input.channels must be in 1..65536"),
           (dict(INPUT, colour=1), "unknown colour")]
    for inp, msg in bad:
        raises(network.NetworkError, dcim.network_yaml, mnist_layers(), input=inp, contains=msg)
    raises(network.NetworkError, dcim.network_yaml, mnist_layers(), contains="the network needs an input")
    raises(network.NetworkError, dcim.network_yaml, mnist_desc(), input=INPUT, contains="do not pass input=")
    raises(network.NetworkError, dcim.network_yaml, [], input=INPUT, contains="needs 1..1024 layers, got 0")
    raises(network.NetworkError, dcim.network_yaml, mnist_desc(), name="x" * 64, contains="1..63 characters")
    raises(TypeError, dcim.network_yaml, 42, contains="torch.nn.Module or a description")


# ---- dcim.run -------------------------------------------------------------------------------

def test_override_arguments():
    assert runner.override_args({"chip__array__rows": 128, "run.prune.enabled": False, "run.weights": None}) == [
        "--set", "chip.array.rows=128", "--set", "run.prune.enabled=false", "--set", "run.weights="]


def test_run_passes_options_and_overrides(tmp):
    o = lambda n: os.path.join(tmp, n)
    base = dcim.run(RUN, images=10, out=o("a"), dcim=DCIM)
    kw = dcim.run(RUN, images=10, out=o("b"), dcim=DCIM, chip__array__rows=128)
    dct = dcim.run(RUN, images=10, out=o("c"), dcim=DCIM, **{"chip.array.rows": 128})
    assert kw["area_um2"] == dct["area_um2"] and kw["area_um2"]["array"] < base["area_um2"]["array"]
    assert kw["predictions"] == base["predictions"]  # the chip's shape does not change results
    s = dcim.run(RUN, weights="", images=3, out=o("d"), dcim=DCIM, pruned_filters="skip", fidelity="program",
                 prune=False, run__seed=7)
    assert s["run"]["pruned_filters"] == "skip" and s["run"]["fidelity"] == "program" and s["run"]["seed"] == 7
    assert s["run"]["weights"].startswith("random, seed 7") and s["images"] == 3 and not s["pruning"]["on_chip"]
    saved = os.environ.pop("DCIM", None)
    try:  # without dcim=: $DCIM, else this checkout's build/rel/dcim
        assert runner.binary() == os.path.join(REPO, "build", "rel", "dcim")
        os.environ["DCIM"] = os.path.join(tmp, "elsewhere")
        assert runner.binary() == os.environ["DCIM"] and runner.binary("x") == "x"
        raises(dcim.DcimError, dcim.run, RUN, contains=["cannot run " + os.environ["DCIM"], "$DCIM"])
    finally:
        os.environ.pop("DCIM", None)
        if saved is not None:
            os.environ["DCIM"] = saved


def test_run_errors_carry_dcims_stderr(tmp):
    e = raises(dcim.DcimError, dcim.run, os.path.join(tmp, "none.yaml"), dcim=DCIM, contains=["none.yaml", "No such file"])
    assert e.returncode == 1 and "none.yaml" in e.stderr and e.cmd[:2] == [DCIM, "run"]
    e = raises(dcim.DcimError, dcim.run, RUN, images=1, out=tmp, dcim=DCIM, chip__array__rows=5000,
               contains="chip.array.rows")
    assert "error" in e.stderr
    e = raises(dcim.DcimError, dcim.run, RUN, dcim=os.path.join(tmp, "nodcim"), contains=["cannot run", "make"])
    assert e.returncode is None
    # a PyTorch checkpoint given as weights: dcim names it and says how to convert it
    pt = os.path.join(tmp, "model.pt")
    with open(pt, "wb") as f:
        f.write(b"PK\x03\x04" + bytes(22) + b"\x10\x00\x00\x00archive/data.pklPK\x05\x06" + bytes(18))
    raises(dcim.DcimError, dcim.run, RUN, weights=pt, images=1, out=tmp, dcim=DCIM,
           contains=["model.pt: error: this is a PyTorch checkpoint", 'dcim.export(torch.load("' + pt])


def test_run_layers_dataframe_when_pandas_imports(tmp):
    class Frame:
        def __init__(self, rows):
            self.rows = rows
    saved = sys.modules.get("pandas")
    try:
        sys.modules["pandas"] = type(sys)("pandas")
        sys.modules["pandas"].DataFrame = Frame
        s = dcim.run(RUN, images=2, out=os.path.join(tmp, "a"), dcim=DCIM)
        rows = s.layers_df.rows
        assert [r["name"] for r in rows] == [l["name"] for l in s["layers"]]
        assert rows[0]["where"] == "chip" and rows[0]["cycles_per_image"] == s["layers"][0]["per_image"]["cycles"]
        assert rows[0]["energy_total_pj_per_image"] == s["layers"][0]["per_image"]["energy_pj"]["total"]
        assert rows[-1]["where"] == "host" and "cycles_per_image" not in rows[-1]
        sys.modules["pandas"] = None  # import pandas now raises ImportError
        assert dcim.run(RUN, images=2, out=os.path.join(tmp, "b"), dcim=DCIM).layers_df is None
    finally:
        if saved is None:
            sys.modules.pop("pandas", None)
        else:
            sys.modules["pandas"] = saved


# ---- data -----------------------------------------------------------------------------------

def test_load_mnist_reads_and_checks_idx(tmp):
    images, labels = dcim.load_mnist(os.path.join(REPO, "data", "mnist"), "t10k")
    assert images.shape == (10000, 1, 28, 28) and images.dtype == np.uint8 and labels[0] == 7
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    with open(os.path.join(tmp, "t10k-images-idx3-ubyte"), "wb") as f:
        f.write(b"\x1f\x8b\x08\x00" + bytes(12))
    raises(ValueError, dcim.load_mnist, tmp, contains=["bad magic 0x1f8b0800", "gzip"])
    raises(ValueError, dcim.load_mnist, tmp, "test", contains="'t10k' or 'train'")


if __name__ == "__main__":
    main(globals())
