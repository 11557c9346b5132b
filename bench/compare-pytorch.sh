#!/usr/bin/env bash
# Training speed, TruncEdge against PyTorch 1.13 (Debian python3-torch), same models, batch size,
# thread count and joint any-precision step (full precision + 8, 4, 2, 1 bits, one Adam step).
#
#   bench/compare-pytorch.sh [threads] [rounds] [models...]
#
# defaults: threads 2, rounds 3, models "mlp:mnist cnn:mnist resnet8:cifar10 resnet20:cifar10 dscnn:mnist".
# Each round runs TruncEdge then PyTorch for every model, alternating, so that a busy machine hurts
# both alike; the table keeps each side's best round. Needs the data sets
# (scripts/fetch-data.sh) and python3-torch (apt-get install python3-torch).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
threads="${1:-2}"
rounds="${2:-3}"
shift $(( $# > 2 ? 2 : $# ))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(mlp:mnist cnn:mnist resnet8:cifar10 resnet20:cifar10 dscnn:mnist)
batch=128
steps=10

art="${TRUNCEDGE_BENCH_ARTIFACTS:-/tmp/truncedge-bench-artifacts}"
dotnet build "$here/TruncEdge.Bench" -c Release --artifacts-path "$art" -v quiet -nologo >/dev/null
bench=("dotnet" "$art/bin/TruncEdge.Bench/release/truncedge-bench.dll")

declare -A best_te best_pt
value() { sed -n 's/.*samples_per_s=\([0-9.]*\).*/\1/p'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b > a) ? b : a }'; }

for ((r = 1; r <= rounds; r++)); do
    for m in "${models[@]}"; do
        model="${m%%:*}" data="${m##*:}"
        te="$("${bench[@]}" speed model="$model" data="$data" batch="$batch" threads="$threads" steps="$steps" | value)"
        pt="$(/usr/bin/python3 "$here/pytorch_speed.py" --model "$model" --data "$data" --batch "$batch" --threads "$threads" --steps "$steps" | value)"
        best_te[$m]="$(max "${best_te[$m]:-}" "$te")"
        best_pt[$m]="$(max "${best_pt[$m]:-}" "$pt")"
        echo "round $r $model/$data: truncedge $te, pytorch $pt samples/s" >&2
    done
done

echo "| model | data | batch | threads | TruncEdge samples/s | PyTorch samples/s | ratio |"
echo "|---|---|---|---|---|---|---|"
for m in "${models[@]}"; do
    awk -v m="${m%%:*}" -v d="${m##*:}" -v b="$batch" -v t="$threads" -v te="${best_te[$m]}" -v pt="${best_pt[$m]}" \
        'BEGIN { printf "| %s | %s | %d | %d | %.0f | %.0f | %.2fx |\n", m, d, b, t, te, pt, te / pt }'
done
