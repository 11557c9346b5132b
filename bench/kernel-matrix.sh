#!/usr/bin/env bash
# The full kernel matrix (issue 7; docs/benchmarks.md, "Kernels on microcontrollers"): writes the
# MLPerf-Tiny-shaped bench models, runs `truncedge bench` on each model and target at weight bits
# 1..8 (exact QEMU instruction counts), writes every figure to one JSON file, prints the tables
# and checks that no model, op or target costs more instructions at k than at k + 1.
#
#   bench/kernel-matrix.sh [OUT_DIR] [targets...]     (default: cortex-m4 cortex-m3 cortex-m0plus riscv32)
#   STORE_BITS="8 4" bench/kernel-matrix.sh ...       weights stored at each S (default 8 and 4)
#
# Takes about 15 minutes on 2 cores for the default targets and S = 8 and 4; not part of scripts/test.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-${TMPDIR:-/tmp}/truncedge-kernel-matrix}"
shift $(( $# > 0 ? 1 : 0 ))
targets=("$@")
(( ${#targets[@]} )) || targets=(cortex-m4 cortex-m3 cortex-m0plus riscv32)
mkdir -p "$out/models"
bash "$root/scripts/setup-toolchains.sh" >/dev/null
dotnet run --project "$root/bench/TruncEdge.BenchModels" -c Release -- "$out/models" >/dev/null
"$root/truncedge" --help >/dev/null # builds the CLI once
python3 "$root/bench/kernel_matrix.py" --truncedge "$root/truncedge" --models "$out/models" \
    --out "$out/kernels.json" --targets "${targets[@]}" --store-bits ${STORE_BITS:-8 4}
