#!/usr/bin/env bash
# The full target matrix: verifies the example model bit for bit against the C# reference on
# every target at every weight bit width, with 8-bit codes and with weights stored at 4 bits
# (--store-bits 4, k = 1..4), and benches it on every QEMU target.
#   scripts/test-targets.sh [model.onnx] [samples]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
model="${1:-examples/digits-cnn/model.onnx}"
samples="${2:-200}"
bash scripts/setup-toolchains.sh
for target in host cortex-m0 cortex-m0plus cortex-m3 cortex-m4 cortex-m7 cortex-m33 cortex-m55 riscv32; do
  printf '\n== verify on %s\n' "$target"
  ./truncedge verify "$model" --target "$target" --bits 1-8 --samples "$samples"
done
for target in host cortex-m0 cortex-m0plus cortex-m3 cortex-m4 cortex-m7 cortex-m33 cortex-m55 riscv32; do
  printf '\n== verify on %s, weights stored at 4 bits\n' "$target"
  ./truncedge verify "$model" --target "$target" --store-bits 4 --samples "$samples"
done
for target in cortex-m0 cortex-m0plus cortex-m3 cortex-m4 cortex-m7 cortex-m33 cortex-m55 riscv32; do
  printf '\n== bench on %s\n' "$target"
  ./truncedge bench "$model" --target "$target" --bits 1,2,4,8
done
