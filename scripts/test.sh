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

step "Debian's python3-onnx, python3-torch (1.13), pip and venv (the ONNX checker; python/truncedge_torch)"
if ! /usr/bin/python3 -c "import onnx, torch, pip, venv, ensurepip" 2>/dev/null; then
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    python3-onnx python3-torch python3-pip python3-venv >/dev/null
fi

step "data sets (8x8 digits for the trainer tests)"
bash scripts/fetch-data.sh digits

step "C runtime unit tests (ASan + UBSan, -Werror)"
make -s -C runtime-c/tests check

step "build (warnings are errors)"
dotnet build TruncEdge.sln -c Release -nologo -v quiet -clp:ErrorsOnly

step ".NET tests"
dotnet test TruncEdge.sln -c Release --no-build -nologo -v quiet -- RunConfiguration.TestSessionTimeout=3600000

step "the .NET tool package: pack, install on a fresh HOME, run outside the checkout"
bash scripts/test-tool-package.sh

step "python/truncedge_torch: PyTorch training, export, and the compiled Program against it"
/usr/bin/python3 -m unittest discover -s python/tests

step "verify the example model on the host at every bit width (ASan + UBSan)"
./truncedge verify examples/digits-cnn/model.onnx --target host --bits 1-8 --samples 1000

step "verify the example model under QEMU: Cortex-M4, Cortex-M33, RISC-V rv32imac"
for target in cortex-m4 cortex-m33 riscv32; do
  ./truncedge verify examples/digits-cnn/model.onnx --target "$target" --bits 1-8 --samples 200
done
