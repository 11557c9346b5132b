#!/usr/bin/env bash
# The paper-style table of docs/results.md: trains the same model twice, with the round
# quantizer (the Any-Precision baseline) and with TruncQuant, jointly at 1, 2, 4, 8 bits plus full
# precision, calibrates BatchNorm for 3, 5, 6, 7, and prints Quant/Quant, Quant/Trunc and
# TruncQuant/Trunc fake-quant test accuracies.
#
#   bench/results.sh MODEL DATA EPOCHS [OUT_DIR] [extra truncedge-bench train options...]
#   e.g. bench/results.sh cnn mnist 5 /tmp/results/mnist-cnn   (default OUT_DIR: $TMPDIR/truncedge-results/DATA-MODEL)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
model="$1" data="$2" epochs="$3" out="${4:-${TMPDIR:-/tmp}/truncedge-results/$data-$model}"
shift $(( $# > 4 ? 4 : $# ))
art="${TRUNCEDGE_BENCH_ARTIFACTS:-/tmp/truncedge-bench-artifacts}"
dotnet build "$here/TruncEdge.Bench" -c Release --artifacts-path "$art" -v quiet -nologo >/dev/null
bench=("dotnet" "$art/bin/TruncEdge.Bench/release/truncedge-bench.dll")
mkdir -p "$out"
for q in round truncquant; do
    "${bench[@]}" train model="$model" data="$data" epochs="$epochs" quant="$q" bits=1,2,4,8 act=4 threads=2 \
        result="$out/$q.json" out="$out/$q.onnx" checkpoint="$out/$q.ckpt" "$@" | tee "$out/$q.log"
done
"${bench[@]}" table "$out/round.json" "$out/truncquant.json" | tee "$out/table.md"
