#!/usr/bin/env bash
# .text bytes of each runtime-c/src file, compiled alone at -O2 for the four instruction sets
# (docs/runtime-c.md, "Code size"). A firmware links only the functions it calls
# (-ffunction-sections, --gc-sections): the figure of a file is what it costs when all of it is used.
set -euo pipefail
cd "$(dirname "$0")/../runtime-c"
declare -A CC=(
  [cortex-m4]="arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
  [cortex-m3]="arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb"
  [cortex-m0]="arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb"
  [rv32imac]="riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32"
)
targets=(cortex-m4 cortex-m3 cortex-m0 rv32imac)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '| file |'; for t in "${targets[@]}"; do printf ' %s |' "$t"; done; echo
printf '|---|'; for t in "${targets[@]}"; do printf -- '---|'; done; echo
for f in src/*.c; do
  printf '| %s |' "$(basename "$f")"
  for t in "${targets[@]}"; do
    # shellcheck disable=SC2086
    ${CC[$t]} -std=c99 -O2 -ffreestanding -ffunction-sections -Iinclude -Isrc -c "$f" -o "$tmp/o.o"
    size -A "$tmp/o.o" | awk '$1 ~ /^\.text/ {s += $2} END {printf " %d |", s}'
  done
  echo
done
