#!/usr/bin/python3
"""make bench (bench/train/bench_train.c): the same network as workloads/nets/mnist_bnn.yaml
trained the way `dcim train --learn ste` trains it, in PyTorch on the CPU: binary 3x3 convs
(sign of the input and of the weights, 0 -> -1, clipped straight-through estimator with clip
1), max-pool 2, ReLU, three float linear layers, cross-entropy, Adam (lr 0.001), batches of
64 shuffled MNIST training images. Prints one line, "images/s X", the training pass's rate
(data loading and the first warm-up batch excluded).

Usage: train_torch.py DATA_DIR THREADS IMAGES. Needs torch (Debian: python3-torch) and numpy;
exits 3 with a message when torch is missing. Never run by make test."""
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("python3-torch not installed")
    sys.exit(3)


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return torch.where(v > 0, torch.ones_like(v), -torch.ones_like(v))

    @staticmethod
    def backward(ctx, g):
        (v,) = ctx.saved_tensors
        return g * (v.abs() <= 1.0).to(g.dtype)


class BinaryConv2d(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(SignSTE.apply(x), SignSTE.apply(self.weight), self.bias, padding=self.padding)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = BinaryConv2d(1, 32, 3, padding=1)
        self.conv2 = BinaryConv2d(32, 64, 3, padding=1)
        self.conv3 = BinaryConv2d(64, 16, 3, padding=1)
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = F.relu(self.conv3(x)).flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def main():
    data_dir, threads, images = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = read_idx(f"{data_dir}/train-images-idx3-ubyte")[:images].astype(np.float32) / 255.0
    y = read_idx(f"{data_dir}/train-labels-idx1-ubyte")[:images].astype(np.int64)
    x = torch.from_numpy((x - 0.1307) / 0.3081).unsqueeze(1)
    y = torch.from_numpy(y)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    perm = torch.randperm(images)
    batch = 64

    def step(idx):
        opt.zero_grad()
        loss = F.cross_entropy(net(x[idx]), y[idx])
        loss.backward()
        opt.step()

    step(perm[:batch])  # warm-up, not timed
    t0 = time.perf_counter()
    for b in range(0, images, batch):
        step(perm[b:b + batch])
    print(f"images/s {images / (time.perf_counter() - t0):.1f}")


if __name__ == "__main__":
    main()
