#!/usr/bin/env python3
"""Runs `truncedge bench --json` over models x targets at weight bits 1..8, writes one JSON file
(plot-friendly: one record per model, target, k and op), prints markdown tables of instructions
per MAC, and fails (exit 1) if any model total or op costs more at k than at k + 1.

A tolerance of 0.1 % (and 64 instructions) allows for the epilogue's data-dependent clamps:
kernels that are the same at k and k + 1 can differ by a few instructions with the data.
Used by bench/kernel-matrix.sh; see docs/benchmarks.md."""
import argparse, json, subprocess, sys, time

MODELS = [  # (file, bench options, what)
    ("resnet8", [], "ResNet-8, 4-bit activations"),
    ("resnet8-a8", [], "ResNet-8, 8-bit activations"),
    ("dscnn", [], "DS-CNN, 4-bit activations"),
    ("mobilenet", [], "MobileNetV1 0.25, 4-bit activations"),
    ("conv3x3", ["--no-pin"], "8x8x64 -> 64 3x3 conv"),
    ("dw3x3", ["--no-pin"], "25x5x64 depthwise 3x3"),
    ("fc640", ["--no-pin"], "dense 640 -> 128"),
]
TOLERANCE = 0.001


def bench(truncedge, model, target, options):
    cmd = [truncedge, "bench", model, "--target", target, "--bits", "1-8", "--json", *options]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"kernel_matrix: {' '.join(cmd)} failed:\n{run.stdout}{run.stderr}")
    return json.loads(run.stdout)


def not_more(cheap, dear):
    return cheap <= dear * (1 + TOLERANCE) + 64


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truncedge", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--targets", nargs="+", required=True)
    args = ap.parse_args()

    records, failures, tables = [], [], {}
    for name, options, what in MODELS:
        for target in args.targets:
            started = time.time()
            report = bench(args.truncedge, f"{args.models}/{name}.onnx", target, options)
            costs = {c["Bits"]: c for c in report["Costs"]}
            for k, c in sorted(costs.items()):
                records.append({"model": name, "target": target, "bits": k, "op": None, "kind": "total",
                                "macs": c["Macs"], "instructions": c["Total"]})
                for op in c["Ops"]:
                    records.append({"model": name, "target": target, "bits": k, "op": op["Op"], "kind": op["Kind"],
                                    "name": op["Name"], "macs": op["Macs"], "instructions": op["Instructions"]})
            for k in range(1, 8):
                lo, hi = costs[k], costs[k + 1]
                if not not_more(lo["Total"], hi["Total"]):
                    failures.append(f"{name} on {target}: {lo['Total']} instructions at k={k} > {hi['Total']} at k={k + 1}")
                for a, b in zip(lo["Ops"], hi["Ops"]):
                    if a["Macs"] > 0 and not not_more(a["Instructions"], b["Instructions"]):
                        failures.append(f"{name} on {target}, op {a['Op']} ({a['Name']}): {a['Instructions']} at k={k} > "
                                        f"{b['Instructions']} at k={k + 1}")
            tables.setdefault(name, (what, {}))[1][target] = (
                {k: costs[k]["Total"] / costs[k]["Macs"] for k in costs}, report["Size"], report["StackBytesUsed"])
            print(f"  {name} on {target}: {time.time() - started:.0f} s", file=sys.stderr)

    with open(args.out, "w") as f:
        json.dump({"tolerance": TOLERANCE, "records": records}, f, indent=1)
    for name, (what, per_target) in tables.items():
        print(f"\n### {what} ({name}.onnx): instructions per MAC\n")
        print("| target | " + " | ".join(f"w{k}" for k in range(8, 0, -1)) + " | code B | RAM B (arena + stack used) |")
        print("|---|" + "---|" * 10)
        for target, (ipm, size, stack) in per_target.items():
            print(f"| {target} | " + " | ".join(f"{ipm[k]:.3f}" for k in range(8, 0, -1)) +
                  f" | {size['Code']:,} | {size['Arena']:,} + {stack:,} |")
    print(f"\nwrote {args.out}")
    if failures:
        print("\ncosts more at k than at k + 1:\n  " + "\n  ".join(failures))
        return 1
    print("\nno model, op or target costs more at k than at k + 1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
