#!/usr/bin/env bash
# The default test run (what CI runs): installs what it needs, then runs every test suite.
#   scripts/test.sh            all default tests (about 10 minutes on 2 cores)
# Longer checks have their own commands, see README.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }

step "toolchains (host gcc, arm-none-eabi, riscv, QEMU, instruction-count plugin)"
bash scripts/setup-toolchains.sh

step "python3-onnx (the official ONNX checker, used by the model-format tests)"
if ! /usr/bin/python3 -c "import onnx" 2>/dev/null; then
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends python3-onnx >/dev/null
fi

step "data sets (8x8 digits for the trainer tests)"
bash scripts/fetch-data.sh digits

step "C runtime unit tests (ASan + UBSan, -Werror)"
make -s -C runtime-c/tests check

step "build (warnings are errors)"
dotnet build TruncEdge.sln -c Release -nologo -v quiet -clp:ErrorsOnly

step ".NET tests"
dotnet test TruncEdge.sln -c Release --no-build -nologo -v quiet -- RunConfiguration.TestSessionTimeout=3600000

step "verify the example model on the host at every bit width (ASan + UBSan)"
./truncedge verify examples/digits-cnn/model.onnx --target host --bits 1-8 --samples 1000

step "verify the example model under QEMU: Cortex-M4, Cortex-M33, RISC-V rv32imac"
for target in cortex-m4 cortex-m33 riscv32; do
  ./truncedge verify examples/digits-cnn/model.onnx --target "$target" --bits 1-8 --samples 200
done
