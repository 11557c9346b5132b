#!/usr/bin/env python3
"""Runs `truncedge bench --json` over models x targets x stored bits S (--store-bits, default 8)
at weight bits 1..S, writes one JSON file (plot-friendly: one record per model, target, S, k and
op), prints markdown tables of instructions per MAC with flash and RAM, and fails (exit 1) if any
model total or op costs more at k than at k + 1.

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


def bench(truncedge, model, target, store, options):
    cmd = [truncedge, "bench", model, "--target", target, "--store-bits", str(store), "--bits", f"1-{store}", "--json", *options]
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
    ap.add_argument("--store-bits", nargs="+", type=int, default=[8])
    ap.add_argument("--only", nargs="+", help="model names to run (default: all)")
    args = ap.parse_args()

    records, failures, tables = [], [], {}
    for name, options, what in MODELS:
        if args.only and name not in args.only:
            continue
        for store in args.store_bits:
            for target in args.targets:
                started = time.time()
                report = bench(args.truncedge, f"{args.models}/{name}.onnx", target, store, options)
                costs = {c["Bits"]: c for c in report["Costs"]}
                where = f"{name} (S={store}) on {target}"
                for k, c in sorted(costs.items()):
                    records.append({"model": name, "target": target, "storeBits": store, "bits": k, "op": None, "kind": "total",
                                    "macs": c["Macs"], "instructions": c["Total"]})
                    for op in c["Ops"]:
                        records.append({"model": name, "target": target, "storeBits": store, "bits": k, "op": op["Op"],
                                        "kind": op["Kind"], "name": op["Name"], "macs": op["Macs"], "instructions": op["Instructions"]})
                size = report["Size"]
                records.append({"model": name, "target": target, "storeBits": store, "kind": "memory",
                                "codeBytes": size["Code"], "weightBytes": size["Weights"], "constantBytes": size["Constants"],
                                "tableBytes": report["TableBytes"], "arenaBytes": size["Arena"], "stackBytesUsed": report["StackBytesUsed"],
                                "packedWorkBytes": report["PackedWorkBytes"]})
                for k in range(1, store):
                    lo, hi = costs[k], costs[k + 1]
                    if not not_more(lo["Total"], hi["Total"]):
                        failures.append(f"{where}: {lo['Total']} instructions at k={k} > {hi['Total']} at k={k + 1}")
                    for a, b in zip(lo["Ops"], hi["Ops"]):
                        if a["Macs"] > 0 and not not_more(a["Instructions"], b["Instructions"]):
                            failures.append(f"{where}, op {a['Op']} ({a['Name']}): {a['Instructions']} at k={k} > "
                                            f"{b['Instructions']} at k={k + 1}")
                tables.setdefault((name, store), (what, {}))[1][target] = (
                    {k: costs[k]["Total"] / costs[k]["Macs"] for k in costs}, size, report["StackBytesUsed"])
                print(f"  {where}: {time.time() - started:.0f} s", file=sys.stderr)

    with open(args.out, "w") as f:
        json.dump({"tolerance": TOLERANCE, "records": records}, f, indent=1)
    for (name, store), (what, per_target) in tables.items():
        ks = range(store, 0, -1)
        print(f"\n### {what} ({name}.onnx), weights stored at {store} bits: instructions per MAC\n")
        print("| target | " + " | ".join(f"w{k}" for k in ks) + " | code B | weights B | other constants B | RAM B (arena + stack used) |")
        print("|---|" + "---|" * (store + 4))
        for target, (ipm, size, stack) in per_target.items():
            print(f"| {target} | " + " | ".join(f"{ipm[k]:.3f}" for k in ks) +
                  f" | {size['Code']:,} | {size['Weights']:,} | {size['Constants']:,} | {size['Arena']:,} + {stack:,} |")
    print(f"\nwrote {args.out}")
    if failures:
        print("\ncosts more at k than at k + 1:\n  " + "\n  ".join(failures))
        return 1
    print("\nno model, op or target costs more at k than at k + 1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
