"""PointNet++ (pointnet2_cls_ssg) in dcim against a PyTorch model written here from the
specification (../shared/research/reference_pointnet.md: per-tensor int8 quantisation, get_dists,
FPS, ball query, grouping, BatchNorm, the head; the reference's own code is not copied), one
cloud at a time (batch 1, the chip's semantics), FPS from index 0 in both (make test-python).
Weights are PyTorch's initialisation with BatchNorm statistics accumulated on random clouds
and then perturbed, exported to safetensors with the state_dict names; clouds go to an HDF5
file. Checked: predictions agree on >= 99 % of the clouds, the first int8 conv's integer
outputs of the first cloud are identical (count, sum and FNV-1a over their int32 bytes, as
dcim's JSON reports them), and the reference's pruning rule picks exactly the filters dcim
prunes (and the pruned model's first conv still matches). Run by tests/python/run_torch.sh."""

import json
import os
import subprocess
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import dcim.safetensors as st  # noqa: E402
from harness import DCIM, REPO, main  # noqa: E402

RUN = os.path.join(REPO, "configs", "runs", "pointnet_modelnet10.yaml")
CLOUDS = int(os.environ.get("POINTNET_CLOUDS", "100"))  # clouds compared without pruning
PRUNED_CLOUDS = 20                                      # and with pt_sa1 pruned


def quantize(x):
    """Per whole tensor, float32: s = (max - min) / 255, z = -(min / s) - 128, round half even."""
    s = (x.max() - x.min()) / 255
    z = -(x.min() / s) + (-128)
    return torch.round(x / s + z)


class QuantizeConv2d(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(quantize(x), quantize(self.weight))


def get_dists(a, b):
    """float32 |a|^2 + |b|^2 - 2 a.b (as a matmul), below 0 -> 1e-7, sqrt. a (B,M,3), b (B,N,3)."""
    bsz, m, _ = a.shape
    n = b.shape[1]
    d = torch.sum(torch.pow(a, 2), dim=-1).view(bsz, m, 1) + torch.sum(torch.pow(b, 2), dim=-1).view(bsz, 1, n)
    d -= 2 * torch.matmul(a, b.permute(0, 2, 1))
    d = torch.where(d < 0, torch.ones_like(d) * 1e-7, d)
    return torch.sqrt(d).float()


def gather(points, inds):
    """points (B,N,C) indexed by inds (B, ...) -> (B, ..., C)."""
    bsz = points.shape[0]
    b = torch.arange(bsz).view(bsz, *([1] * (inds.dim() - 1))).expand_as(inds)
    return points[b, inds]


def fps(xyz, m, start):
    bsz, n, _ = xyz.shape
    out = torch.zeros(bsz, m, dtype=torch.long)
    dists = torch.ones(bsz, n) * 1e5
    inds = torch.full((bsz,), start, dtype=torch.long)
    b = torch.arange(bsz)
    for i in range(m):
        out[:, i] = inds
        cur = get_dists(xyz[b, inds, :].unsqueeze(1), xyz).squeeze(1)
        closer = cur < dists
        dists[closer] = cur[closer]
        inds = torch.max(dists, dim=1)[1]  # the first maximum
    return out


def ball_query(xyz, centres, radius, k):
    bsz, n, _ = xyz.shape
    m = centres.shape[1]
    g = torch.arange(n).repeat(bsz, m, 1)
    g[get_dists(centres, xyz) > radius] = n
    g = torch.sort(g, dim=-1)[0][:, :, :k]
    first = g[:, :, 0:1].repeat(1, 1, k)
    g[g == n] = first[g == n]
    return g


class SetAbstraction(nn.Module):
    def __init__(self, npoint, radius, nsample, cin, mlp, group_all):
        super().__init__()
        self.npoint, self.radius, self.nsample, self.group_all = npoint, radius, nsample, group_all
        self.backbone = nn.Sequential()
        for i, out in enumerate(mlp):
            self.backbone.add_module(f"Conv{i}", QuantizeConv2d(cin, out, 1, bias=False))
            self.backbone.add_module(f"Bn{i}", nn.BatchNorm2d(out))
            self.backbone.add_module(f"ReLU{i}", nn.ReLU())
            cin = out

    def forward(self, xyz, points, start):
        if self.group_all:
            bsz, n, c = xyz.shape
            centres = torch.zeros(bsz, 1, c)
            grouped = torch.cat((xyz.view(bsz, 1, n, c), points.view(bsz, 1, n, -1)), dim=-1)
        else:
            centres = gather(xyz, fps(xyz, self.npoint, start))
            inds = ball_query(xyz, centres, self.radius, self.nsample)
            rel = gather(xyz, inds) - centres.unsqueeze(2).repeat(1, 1, self.nsample, 1)
            grouped = torch.cat((rel, gather(points, inds)), dim=-1)
        y = self.backbone(grouped.permute(0, 3, 2, 1).contiguous())  # (B, C, K, M)
        return centres, torch.max(y, dim=2)[0].permute(0, 2, 1)


class PointNet2Ssg(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.pt_sa1 = SetAbstraction(512, 0.2, 32, 3, [64, 64, 128], False)
        self.pt_sa2 = SetAbstraction(512, 0.2, 32, 131, [128, 128, 256], False)
        self.pt_sa3 = SetAbstraction(None, None, None, 259, [256, 512, 1024], True)
        self.fc1 = nn.Linear(1024, 512, bias=False)
        self.bn1 = nn.BatchNorm1d(512)
        self.dropout1 = nn.Dropout(0.5)
        self.fc2 = nn.Linear(512, 256, bias=False)
        self.bn2 = nn.BatchNorm1d(256)
        self.dropout2 = nn.Dropout(0.5)
        self.cls = nn.Linear(256, classes)

    def forward(self, xyz, start=0):
        points = xyz[:, :, 3:]  # empty: SA1 sees only relative coordinates
        xyz1, p1 = self.pt_sa1(xyz[:, :, :3], points, start)
        xyz2, p2 = self.pt_sa2(xyz1, p1, start)
        _, p3 = self.pt_sa3(xyz2, p2, start)
        x = p3.reshape(xyz.shape[0], -1)
        x = self.dropout1(F.relu(self.bn1(self.fc1(x))))
        x = self.dropout2(F.relu(self.bn2(self.fc2(x))))
        return self.cls(x)


def prune_reference(model, c=0.45, b=0.01):
    """The reference's rule on pt_sa1's conv weights; returns the zeroed filters per conv."""
    picked = []
    for name, p in model.named_parameters():
        if "pt_sa1" not in name or "Conv" not in name:
            continue
        w = p.data
        n = w.shape[0]
        pairs, ds = [], []
        for i in range(n):
            for j in range(i + 1, n):
                if w[i].sum() != 0 and w[j].sum() != 0:
                    pairs.append((i, j))
                    ds.append(torch.norm(w[i] - w[j]).item())
        mean, var = np.mean(ds), np.var(ds)
        counts = [0] * n
        for (i, j), d in zip(pairs, ds):
            if d < mean - b * var:
                counts[i] += 1
                counts[j] += 1
        gone = [i for i in range(n) if counts[i] > c * (n - 1)]
        w[gone] = 0
        picked.append(gone)
    return picked


def clouds(n, seed):
    """n normalised clouds of 1,024 points on stretched, noisy ellipsoids and boxes."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, 1024, 3), np.float32)
    for i in range(n):
        v = rng.standard_normal((1024, 3))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        if i % 2:
            v = np.clip(v * 1.7, -1, 1)
        v = v * rng.uniform(0.3, 1.0, 3) + 0.02 * rng.standard_normal((1024, 3))
        v -= v.mean(0)
        out[i] = v / np.linalg.norm(v, axis=1).max()
    return out, (np.arange(n) % 10).astype(np.int32)


def make_model(data):
    torch.manual_seed(0)
    model = PointNet2Ssg()
    for m in model.modules():  # running statistics of real activations, then perturbed
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.momentum = None
    model.train()
    with torch.no_grad():
        model(torch.from_numpy(data[:8]))
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
                m.running_mean.mul_(torch.empty_like(m.running_mean).uniform_(0.8, 1.2))
                m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.7, 1.4))
    model.eval()
    # centre the logits over those clouds (cls bias = -W mean feature), so that an untrained
    # model's predictions depend on the cloud instead of the bias alone
    feats = []
    h = model.cls.register_forward_hook(lambda m, i, o: feats.append(i[0]))
    with torch.no_grad():
        for i in range(8):
            model(torch.from_numpy(data[i:i + 1]))
        h.remove()
        model.cls.bias.copy_(-model.cls.weight @ torch.cat(feats).mean(0))
    return model


def first_conv(model, cloud):
    """The first int8 conv's integer outputs of one cloud as dcim orders them ([M][K][F])."""
    got = {}
    h = model.pt_sa1.backbone.Conv0.register_forward_hook(lambda m, i, o: got.setdefault("y", o))
    with torch.no_grad():
        model(torch.from_numpy(cloud[None]))
    h.remove()
    y = got["y"][0].permute(2, 1, 0).contiguous().numpy()  # (F, K, M) -> (M, K, F)
    assert np.all(y == np.round(y)) and np.abs(y).max() < 2 ** 24
    return y.astype(np.int32).ravel()


def fnv1a64(values):
    h = 14695981039346656037
    for byte in values.astype("<i4").tobytes():
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def predict(model, data):
    with torch.no_grad():
        return np.array([int(model(torch.from_numpy(data[i:i + 1])).argmax(1)) for i in range(len(data))])


def run_dcim(tmp, weights, h5, n, *extra):
    out = subprocess.run([DCIM, "run", RUN, "--weights", weights, "--data", h5, "--images", str(n), "--json",
                          "--quiet", "--out", os.path.join(tmp, "res")] + list(extra),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def check_first_conv(model, cloud, report):
    y = first_conv(model, cloud)
    fc = report["first_conv"]
    assert fc["cloud"] == 0 and fc["values"] == y.size, (fc, y.size)
    assert fc["sum"] == int(y.astype(np.int64).sum()), (fc["sum"], int(y.astype(np.int64).sum()))
    assert fc["fnv1a64"] == fnv1a64(y), "first int8 conv outputs differ"


def test_pointnet_matches_pytorch(tmp):
    data, labels = clouds(max(CLOUDS, PRUNED_CLOUDS), 7)
    h5 = os.path.join(tmp, "clouds.h5")
    with h5py.File(h5, "w") as f:
        f["data"] = data
        f["label"] = labels[:, None]
    model = make_model(data)
    weights = os.path.join(tmp, "w.safetensors")
    st.save(dict(model.state_dict()), weights)

    plain = run_dcim(tmp, weights, h5, CLOUDS, "--no-prune")
    check_first_conv(model, data[0], plain)
    mine = np.array([p["prediction"] for p in plain["predictions"]])
    theirs = predict(model, data[:CLOUDS])
    assert len(set(theirs)) > 1, f"degenerate test: PyTorch predicts one class ({theirs[0]}) for every cloud"

    picked = prune_reference(model)
    pruned = run_dcim(tmp, weights, h5, PRUNED_CLOUDS)
    assert pruned["layers"][0]["pruned_filters"] == picked, (pruned["layers"][0]["pruned_filters"], picked)
    assert all(len(p) for p in picked)
    check_first_conv(model, data[0], pruned)
    mine = np.concatenate([mine, [p["prediction"] for p in pruned["predictions"]]])
    theirs = np.concatenate([theirs, predict(model, data[:PRUNED_CLOUDS])])
    agree = float(np.mean(mine == theirs))
    print(f"     predictions agree on {agree * 100:.1f} % of {len(mine)} clouds; pruned "
          f"{[len(p) for p in picked]} filters of pt_sa1", flush=True)
    assert agree >= 0.99, agree


if __name__ == "__main__":
    main(globals())
