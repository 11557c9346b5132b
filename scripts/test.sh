#!/usr/bin/env bash
# The default test run (what CI runs): installs what it needs, then runs every test suite.
#   scripts/test.sh            all default tests (about 15 minutes on 2 cores)
# Longer checks have their own commands, see README.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }

step "toolchains (host gcc, arm-none-eabi, riscv, QEMU, instruction-count plugin)"
bash scripts/setup-toolchains.sh

step "data sets (8x8 digits for the trainer tests)"
bash scripts/fetch-data.sh digits

step "C runtime unit tests (ASan + UBSan, -Werror)"
make -s -C runtime-c/tests check

step "build (warnings are errors)"
dotnet build TruncEdge.sln -c Release -nologo -v quiet -clp:ErrorsOnly

step ".NET tests"
dotnet test TruncEdge.sln -c Release --no-build -nologo -v quiet -- RunConfiguration.TestSessionTimeout=3600000

step "verify the example model on the host at every bit width"
./truncedge verify examples/digits-cnn/model.onnx --target host --bits 1-8 --samples 1000
