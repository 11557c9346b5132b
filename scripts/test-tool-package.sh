#!/usr/bin/env bash
# The .NET tool package (issue 9): `dotnet pack src/Cli` makes it; installed with
# `dotnet tool install --global` on a fresh HOME, `truncedge` runs outside any checkout: doctor
# finds its 9 targets, compile writes the runtime sources it embeds. Run by scripts/test.sh after
# the .NET tests, on their Release build, alone (packing beside other builds races on obj/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-tool-package: FAIL: $*" >&2; exit 1; }
mkdir -p "$tmp/home" "$tmp/work"
export HOME="$tmp/home" DOTNET_CLI_HOME="$tmp/home" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 NO_COLOR=1
dotnet pack "$root/src/Cli" -c Release --no-build -o "$tmp/packages" -nologo >/dev/null
( cd "$tmp/work" && dotnet tool install --global --add-source "$tmp/packages" truncedge >/dev/null )
te="$HOME/.dotnet/tools/truncedge"
[[ -x "$te" ]] || fail "no truncedge in ~/.dotnet/tools"
cd "$tmp/work"
doctor="$("$te" doctor --json)" || fail "doctor exited $?"
n="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(len(d["targets"]))' "$doctor")"
[[ "$n" == 9 ]] || fail "doctor lists $n targets, expected 9"
grep -q '"cortex-m4"' <<<"$doctor" || fail "doctor has no cortex-m4"
grep -q "\"$root/" <<<"$doctor" && fail "doctor points into the checkout"
cp "$root/examples/digits-cnn/model.onnx" .
"$te" compile model.onnx --target cortex-m4 -o out >/dev/null
[[ -f out/truncedge/src/te_conv2d.c && -f out/cmake/cortex-m4.cmake ]] || fail "compile wrote no runtime sources"
echo "test-tool-package: the installed tool ran doctor ($n targets) and compile outside the checkout"
