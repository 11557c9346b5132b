#!/usr/bin/python3
"""PyTorch twin of TruncEdge's trainer, for the speed comparison in docs/benchmarks.md.

Same models as src/Trainer/Zoo/ModelZoo.cs (mlp, cnn, resnet8, resnet20, dscnn), same fake
quantization (TRUNCQUANT.md sections 2-3: tanh/max weight normalization, truncquant or round
codes with a straight-through estimator, clamp + round-half-up activations, ReLU for the
full-precision member, first and last layer pinned at 8 bits, switchable BatchNorm), same joint
step (full precision on labels, then each bit width on the softmax of the one above, one Adam
step), same batch size and thread count.

  /usr/bin/python3 bench/pytorch_speed.py --model resnet8 --data cifar10 --batch 128 --threads 2 --steps 20
  /usr/bin/python3 bench/pytorch_speed.py --model cnn --data mnist --epochs 1      # accuracy run

Prints one line: "pytorch model=... samples_per_s=... step_ms=..." (same keys as truncedge-bench speed).
Data comes from the TruncEdge cache ($TRUNCEDGE_DATA or ~/.cache/truncedge/data, filled by
scripts/fetch-data.sh); with --synthetic, random data of the right shape is used instead.
"""
import argparse
import gzip
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FULL = 32


# ---------------------------------------------------------------- quantizers

def quantize_weight(x, bits, quantizer):
    """w = E * (2q/n - 1), q the k-bit code of u = tanh(x)/(2M) + 1/2; E and the rounding are
    not differentiated (straight-through)."""
    e = x.abs().mean().detach()
    t = torch.tanh(x)
    m = t.abs().max()
    u = t / (2 * m) + 0.5
    if bits == FULL:
        return e * (2 * u - 1)
    n = float(2 ** bits - 1)
    if quantizer == "truncquant":
        q = torch.clamp(torch.floor(u * 2 ** bits), max=n)
    else:
        q = torch.floor(u * n + 0.5)
    q = u * n + (q - u * n).detach()
    return e * (2 * q / n - 1)


class Context:
    """The member currently running (weight bits or FULL)."""
    bits = FULL
    quantizer = "truncquant"


class QConv(nn.Conv2d):
    def __init__(self, ctx, cin, cout, kernel, stride=1, padding=0, groups=1, pinned=False):
        super().__init__(cin, cout, kernel, stride=stride, padding=0, groups=groups, bias=False)
        self.ctx, self.pinned = ctx, pinned
        self.pads = padding  # (left, right, top, bottom) for F.pad, or int
        nn.init.kaiming_normal_(self.weight, nonlinearity="relu")

    def forward(self, x):
        bits = 8 if self.pinned else self.ctx.bits
        w = quantize_weight(self.weight, bits, self.ctx.quantizer)
        if isinstance(self.pads, tuple):
            x = F.pad(x, self.pads)
            pad = 0
        else:
            pad = self.pads
        return F.conv2d(x, w, None, self.stride, pad, 1, self.groups)


class QLinear(nn.Linear):
    def __init__(self, ctx, fin, fout, bias, pinned):
        super().__init__(fin, fout, bias=bias)
        self.ctx, self.pinned = ctx, pinned
        if bias:  # classifier: U(-1, 1), zero bias (see ModelZoo.Initialize)
            nn.init.uniform_(self.weight, -1, 1)
            nn.init.zeros_(self.bias)

    def forward(self, x):
        bits = 8 if self.pinned else self.ctx.bits
        return F.linear(x, quantize_weight(self.weight, bits, self.ctx.quantizer), self.bias)


class SwitchBN(nn.Module):
    def __init__(self, ctx, channels, shared, dims=2):
        super().__init__()
        self.ctx, self.shared = ctx, shared
        bn = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
        keys = ["shared"] if shared else [str(b) for b in [FULL] + list(range(1, 9))]
        self.bns = nn.ModuleDict({k: bn(channels) for k in keys})

    def forward(self, x):
        return self.bns["shared" if self.shared else str(self.ctx.bits)](x)


class ActQ(nn.Module):
    def __init__(self, ctx, bits):
        super().__init__()
        self.ctx, self.bits = ctx, bits

    def forward(self, x):
        if self.ctx.bits == FULL:
            return F.relu(x)
        q = float(2 ** self.bits - 1)
        y = torch.clamp(x, 0, 1)
        return y + (torch.floor(y * q + 0.5) / q - y).detach()


# ---------------------------------------------------------------- models

def conv_bn_act(ctx, cin, cout, k, act_bits, stride=1, groups=1, pinned=False, padding=None):
    return [QConv(ctx, cin, cout, k, stride, k // 2 if padding is None else padding, groups, pinned),
            SwitchBN(ctx, cout, shared=pinned), ActQ(ctx, act_bits)]


class Block(nn.Module):
    def __init__(self, ctx, cin, cout, stride, act_bits):
        super().__init__()
        self.branch = nn.Sequential(
            QConv(ctx, cin, cout, 3, stride, 1), SwitchBN(ctx, cout, False), ActQ(ctx, act_bits),
            QConv(ctx, cout, cout, 3, 1, 1), SwitchBN(ctx, cout, False))
        self.shortcut = None if stride == 1 and cin == cout else nn.Sequential(
            QConv(ctx, cin, cout, 1, stride, 0), SwitchBN(ctx, cout, False))
        self.act = ActQ(ctx, act_bits)

    def forward(self, x):
        s = x if self.shortcut is None else self.shortcut(x)
        return self.act(self.branch(x) + s)


def head(ctx, channels, classes):
    return [nn.AdaptiveAvgPool2d(1), ActQ(ctx, 8), nn.Flatten(), QLinear(ctx, channels, classes, True, True)]


def same_padding(size, kernel, stride):
    out = (size + stride - 1) // stride
    total = max(0, (out - 1) * stride + kernel - size)
    return total // 2, total - total // 2


def build(name, ctx, c, h, w, classes, act_bits):
    if name == "mlp":
        layers, f = [nn.Flatten()], c * h * w
        for i, hidden in enumerate([256, 256, 256]):
            layers += [QLinear(ctx, f, hidden, False, i == 0), SwitchBN(ctx, hidden, i == 0, dims=1), ActQ(ctx, act_bits)]
            f = hidden
        return nn.Sequential(*layers, QLinear(ctx, f, classes, True, True))
    if name == "cnn":
        return nn.Sequential(*conv_bn_act(ctx, c, 16, 3, act_bits, pinned=True), nn.MaxPool2d(2),
                             *conv_bn_act(ctx, 16, 32, 3, act_bits), nn.MaxPool2d(2),
                             *conv_bn_act(ctx, 32, 64, 3, act_bits), *head(ctx, 64, classes))
    if name in ("resnet8", "resnet20"):
        per_stage = 1 if name == "resnet8" else 3
        layers, cin = conv_bn_act(ctx, c, 16, 3, act_bits, pinned=True), 16
        for s, width in enumerate([16, 32, 64]):
            for k in range(per_stage):
                layers.append(Block(ctx, cin, width, 2 if s > 0 and k == 0 else 1, act_bits))
                cin = width
        return nn.Sequential(*layers, *head(ctx, 64, classes))
    if name == "dscnn":
        pt, pb = same_padding(h, 10, 2)
        pl, pr = same_padding(w, 4, 2)
        layers = conv_bn_act(ctx, c, 64, (10, 4), act_bits, stride=2, pinned=True, padding=(pl, pr, pt, pb))
        for _ in range(4):
            layers += conv_bn_act(ctx, 64, 64, 3, act_bits, groups=64) + conv_bn_act(ctx, 64, 64, 1, act_bits)
        return nn.Sequential(*layers, *head(ctx, 64, classes))
    raise SystemExit(f"unknown model {name}")


# ---------------------------------------------------------------- data

def data_root():
    return os.environ.get("TRUNCEDGE_DATA") or os.path.expanduser("~/.cache/truncedge/data")


def load(name, synthetic):
    shapes = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion": (1, 28, 28), "cifar10": (3, 32, 32)}
    c, h, w = shapes[name]
    if synthetic:
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, size=(10000, c, h, w), dtype=np.uint8)
        y = rng.integers(0, 10, size=10000).astype(np.int64)
        return (x, y), (x[:1000], y[:1000])
    root = os.path.join(data_root(), name)
    if name == "cifar10":
        def read(files):
            raw = np.concatenate([np.fromfile(os.path.join(root, f), dtype=np.uint8) for f in files]).reshape(-1, 3073)
            return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)
        return read([f"data_batch_{i}.bin" for i in range(1, 6)]), read(["test_batch.bin"])
    if name == "digits":
        with gzip.open(os.path.join(root, "digits.csv.gz"), "rt") as f:
            rows = np.array([[float(v) for v in line.split(",")] for line in f if line.strip()])
        x = ((255 * rows[:, :64].astype(np.int64) + 8) // 16).astype(np.uint8).reshape(-1, 1, 8, 8)
        y = rows[:, 64].astype(np.int64)
        test = np.arange(len(y)) % 5 == 4
        return (x[~test], y[~test]), (x[test], y[test])

    def idx(prefix):
        img = np.fromfile(os.path.join(root, f"{prefix}-images-idx3-ubyte"), dtype=np.uint8)[16:]
        lab = np.fromfile(os.path.join(root, f"{prefix}-labels-idx1-ubyte"), dtype=np.uint8)[8:]
        return img.reshape(-1, 1, 28, 28), lab.astype(np.int64)
    return idx("train"), idx("t10k")


def augment(x, rng, pad=4):
    """Random crop with zero padding and horizontal flip (numpy, per batch)."""
    n, _, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.empty_like(x)
    dy = rng.integers(0, 2 * pad + 1, n)
    dx = rng.integers(0, 2 * pad + 1, n)
    flip = rng.integers(0, 2, n) == 1
    for i in range(n):
        crop = padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
        out[i] = crop[:, :, ::-1] if flip[i] else crop
    return out


# ---------------------------------------------------------------- training

def train_step(model, ctx, opt, members, x, y, distill=True):
    opt.zero_grad(set_to_none=False)
    targets = None
    for bits in members:
        ctx.bits = bits
        logits = model(x)
        if targets is None or not distill:
            loss = F.cross_entropy(logits, y)
        else:
            loss = -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
        loss.backward()
        targets = F.softmax(logits, dim=1).detach()
    opt.step()


def evaluate(model, ctx, x, y, bits, batch=256):
    model.eval()
    ctx.bits = bits
    correct = 0
    with torch.no_grad():
        for s in range(0, len(y), batch):
            xb = torch.from_numpy(x[s:s + batch].astype(np.float32) / 255.0)
            correct += (model(xb).argmax(1).numpy() == y[s:s + batch]).sum()
    model.train()
    return correct / len(y)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="resnet8")
    p.add_argument("--data", default="cifar10")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--bits", default="1,2,4,8")
    p.add_argument("--act-bits", type=int, default=4)
    p.add_argument("--no-fp", action="store_true", help="do not train the full-precision member")
    p.add_argument("--quantizer", default="truncquant", choices=["truncquant", "round"])
    p.add_argument("--epochs", type=int, default=0, help="> 0: train this many epochs (cosine lr) and print test accuracy")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--synthetic", action="store_true")
    p.add_argument("--train-limit", type=int, default=0, help="use only the first N training samples")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    (xtr, ytr), (xte, yte) = load(a.data, a.synthetic)
    if a.train_limit > 0:
        xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
    ctx = Context()
    ctx.quantizer = a.quantizer
    _, c, h, w = xtr.shape
    model = build(a.model, ctx, c, h, w, 10, a.act_bits)
    bits = sorted((int(b) for b in a.bits.split(",") if b), reverse=True)
    members = ([] if a.no_fp else [FULL]) + bits
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    aug = a.data == "cifar10"

    def batch_at(idx):
        xb = xtr[idx]
        if aug:
            xb = augment(xb, rng)
        return torch.from_numpy(xb.astype(np.float32) / 255.0), torch.from_numpy(ytr[idx])

    if a.epochs > 0:
        steps_per_epoch = len(ytr) // a.batch
        total = a.epochs * steps_per_epoch
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))
        t0 = time.time()
        for epoch in range(a.epochs):
            order = rng.permutation(len(ytr))
            for s in range(steps_per_epoch):
                xb, yb = batch_at(order[s * a.batch:(s + 1) * a.batch])
                train_step(model, ctx, opt, members, xb, yb)
                sched.step()
            accs = " ".join(f"{'fp' if b == FULL else b}:{100 * evaluate(model, ctx, xte, yte, b):.2f}" for b in members)
            print(f"epoch {epoch + 1}/{a.epochs} {time.time() - t0:.1f}s test {accs}", flush=True)
        return

    order = rng.permutation(len(ytr))
    batches = [batch_at(order[(i * a.batch) % (len(ytr) - a.batch):][:a.batch]) for i in range(a.warmup + a.steps)]
    for i in range(a.warmup):
        train_step(model, ctx, opt, members, *batches[i])
    t0 = time.perf_counter()
    for i in range(a.warmup, a.warmup + a.steps):
        train_step(model, ctx, opt, members, *batches[i])
    dt = time.perf_counter() - t0
    print(f"pytorch model={a.model} data={a.data} batch={a.batch} threads={a.threads} members={len(members)} "
          f"steps={a.steps} samples_per_s={a.steps * a.batch / dt:.1f} step_ms={1000 * dt / a.steps:.1f}")


if __name__ == "__main__":
    main()
