#!/usr/bin/env python3
"""Train a TruncQuant CNN on the 8x8 digits in PyTorch and export it for TruncEdge.

    python3 python/examples/train_digits.py --seconds 60 --out digits.onnx
    torchrun --nproc_per_node 2 python/examples/train_digits.py --steps 200 --out digits.onnx   # DDP, 2 processes
    python3 python/examples/train_digits.py --processes 2 --steps 200 --out digits.onnx         # the same without torchrun

Then:
    ./truncedge eval digits.onnx --data digits           # accuracy of the integer Program at k = 1..8
    ./truncedge verify digits.onnx --target cortex-m4     # bit-exact under QEMU
    ./truncedge compile digits.onnx -o firmware/          # the C99 sources

Scaling out: run it under torchrun on as many processes (GPUs) as you have. Each process trains
on its DistributedSampler shard; DistributedDataParallel averages the gradients of every member
(full precision and each bit width) in the joint step; rank 0 exports. find_unused_parameters
is needed because each member uses only its own BatchNorm.
"""
import argparse
import gzip
import os
import sys
import time

import torch
from torch import nn
import torch.distributed as dist

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import truncedge_torch as tt  # noqa: E402  (or: pip install ./python)


def load_digits(root):
    """TruncEdge's digits split and scaling: code = (255 v + 8) // 16, test when i % 5 == 4."""
    parts = {0: ([], []), 1: ([], [])}
    with gzip.open(os.path.join(root, "digits", "digits.csv.gz"), "rt") as f:
        for i, line in enumerate(l for l in f if l.strip()):
            v = [int(float(x)) for x in line.split(",")]
            images, labels = parts[1 if i % 5 == 4 else 0]
            images.append([(255 * x + 8) // 16 for x in v[:64]])
            labels.append(v[64])
    return [(torch.tensor(p[0], dtype=torch.float32).reshape(-1, 1, 8, 8) / 255, torch.tensor(p[1])) for p in (parts[0], parts[1])]


def build_model(bits, act_bits):
    return nn.Sequential(
        tt.QuantInput(),
        tt.QConv2d(1, 16, 3, padding=1, pinned=True), tt.SwitchableBatchNorm2d(16, pinned=True), tt.QuantAct(act_bits),
        nn.MaxPool2d(2),
        tt.QConv2d(16, 32, 3, padding=1), tt.SwitchableBatchNorm2d(32, bits), tt.QuantAct(act_bits),
        nn.MaxPool2d(2),
        tt.QConv2d(32, 32, 3, padding=1), tt.SwitchableBatchNorm2d(32, bits), tt.QuantAct(act_bits),
        nn.AdaptiveAvgPool2d(1), tt.QuantAct(8), nn.Flatten(),
        tt.QLinear(32, 10, pinned=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="digits.onnx")
    ap.add_argument("--seconds", type=float, default=60, help="train for this long (unless --steps)")
    ap.add_argument("--steps", type=int, default=None, help="train for this many joint steps")
    ap.add_argument("--bits", default="1,2,4,8", help="trained weight bit widths")
    ap.add_argument("--act-bits", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--data", default=os.environ.get("TRUNCEDGE_DATA", os.path.expanduser("~/.cache/truncedge/data")))
    ap.add_argument("--processes", type=int, default=None,
                    help="start this many DDP processes on this machine (gloo), as torchrun would; Debian's "
                         "PyTorch 1.13 torchrun fails on Python 3.11")
    args = ap.parse_args()
    if args.processes is not None and "WORLD_SIZE" not in os.environ:
        import socket
        import torch.multiprocessing as mp
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(args.processes))
        mp.spawn(_worker, args=(args,), nprocs=args.processes)
        return
    train(args)


def _worker(rank, args):
    os.environ["RANK"] = str(rank)
    os.environ["LOCAL_RANK"] = str(rank)
    torch.set_num_threads(1)
    train(args)


def train(args):
    bits = tuple(int(b) for b in args.bits.split(","))

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("gloo")  # "nccl" on GPUs
    rank = dist.get_rank() if distributed else 0
    torch.manual_seed(0)

    (x, y), (tx, ty) = load_digits(args.data)
    model = build_model(bits, args.act_bits)
    trained = nn.parallel.DistributedDataParallel(model, find_unused_parameters=True) if distributed else model
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sampler = torch.utils.data.DistributedSampler(torch.utils.data.TensorDataset(x, y)) if distributed else None
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=args.batch_size,
                                         shuffle=sampler is None, sampler=sampler)
    start, steps, epoch = time.time(), 0, 0
    while True:
        if sampler is not None:
            sampler.set_epoch(epoch)
        for images, labels in loader:
            losses = tt.joint_step(trained, images, labels, opt, bits)
            steps += 1
            if args.steps is not None and steps >= args.steps or args.steps is None and time.time() - start >= args.seconds:
                break
        else:
            epoch += 1
            continue
        break
    if distributed:
        # every replica must hold the same weights after DDP's averaged steps
        flat = torch.cat([p.detach().flatten() for p in model.parameters()])
        replicas = [torch.zeros_like(flat) for _ in range(dist.get_world_size())]
        dist.all_gather(replicas, flat)
        if not all(torch.equal(replicas[0], r) for r in replicas):
            raise RuntimeError("DDP replicas diverged")
        if rank == 0:
            print(f"{dist.get_world_size()} DDP replicas in sync")
    if rank == 0:
        print(f"{steps} joint steps in {time.time() - start:.1f} s; last losses {losses}")
        for k in (None, *range(8, 0, -1)):
            print(f"  {'fp' if k is None else f'k={k}'}: {100 * tt.accuracy(model, tx, ty, k):.2f} % (PyTorch, deployed weights)")
        tt.export(model, args.out, (1, 8, 8), weight_bits=bits)
        print(f"wrote {args.out}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
