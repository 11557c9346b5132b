#!/usr/bin/env bash
# Installs what TruncEdge needs to build and run every target, then builds the
# instruction-count QEMU plugin. Installs only what is missing; safe to run again.
#
#   bash scripts/setup-toolchains.sh          install (as root, or through sudo) and build the plugin
#   bash scripts/setup-toolchains.sh --check  only report what is missing; exit 1 if anything is
#
# Packages (Debian 12; about 2.6 GiB, 40 s): the host gcc, make and cmake (the emitted folders'
# builds), the Arm and RISC-V bare-metal GCC,
# picolibc for both, and QEMU system emulators for Arm and RISC-V. targets/tools.json names the
# command each package provides; a test checks that this list covers it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# command-or-file  package
wanted=(
  "gcc gcc"
  "make make"
  "cmake cmake"
  "arm-none-eabi-gcc gcc-arm-none-eabi"
  "specs:arm-none-eabi-gcc picolibc-arm-none-eabi"
  "riscv64-unknown-elf-gcc gcc-riscv64-unknown-elf"
  "specs:riscv64-unknown-elf-gcc picolibc-riscv64-unknown-elf"
  "qemu-system-arm qemu-system-arm"
  "qemu-system-riscv32 qemu-system-misc"
)

present() { # $1: a command, or specs:COMPILER for picolibc
  case "$1" in
    specs:*)
      local cc="${1#specs:}" path
      command -v "$cc" >/dev/null 2>&1 || return 1
      path="$("$cc" -print-file-name=picolibc.specs 2>/dev/null)" || return 1
      [[ "$path" == /* && -f "$path" ]] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for entry in "${wanted[@]}"; do
  read -r what package <<<"$entry"
  present "$what" || missing+=("$package")
done

if [[ "${1:-}" == "--check" ]]; then
  if ((${#missing[@]})); then
    echo "missing: ${missing[*]}"
    echo "install: apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
  echo "all toolchain packages present"
  exit 0
fi

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for entry in "${wanted[@]}"; do
    read -r what package <<<"$entry"
    present "$what" || { echo "error: $package installed but '$what' still not found" >&2; exit 1; }
  done
else
  echo "toolchain packages: all present"
fi

# The instruction-count plugin, built where TruncEdge.Toolchain.IcountPlugin looks for it:
# $TRUNCEDGE_CACHE, else $XDG_CACHE_HOME/truncedge, else ~/.cache/truncedge, named by the
# source's SHA-256 so an edited plugin is rebuilt.
src="$root/targets/common/plugin/te_icount.c"
cache="${TRUNCEDGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/truncedge}"
hash="$(sha256sum "$src" | cut -c1-16)"
lib="$cache/te_icount-$hash.so"
if [[ ! -f "$lib" ]]; then
  mkdir -p "$cache"
  tmp="$lib.$$.tmp"
  gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$tmp" "$src"
  mv -f "$tmp" "$lib"
  echo "built the instruction-count plugin: $lib"
else
  echo "instruction-count plugin: $lib"
fi
