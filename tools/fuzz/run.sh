#!/usr/bin/env bash
# Fuzzes each byte parser for a bounded time (cargo fuzz, nightly; best
# effort like miri: exit 2 when the tools cannot be installed here).
# Usage: tools/fuzz/run.sh [seconds per target, default 60]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
if ! rustup toolchain install nightly --profile minimal >/dev/null 2>&1; then
  echo "no nightly toolchain"; exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked >/dev/null 2>&1 || { echo "could not install cargo-fuzz"; exit 2; }
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
# Real files seed each corpus, so mutations start from valid records.
run() { # target, seed files…
  local target=$1
  shift
  mkdir -p "$corpus/$target"
  cp "$@" "$corpus/$target/"
  cargo +nightly fuzz run --fuzz-dir tools/fuzz "$target" "$corpus/$target" -- \
    -max_total_time="$seconds" -max_len=80000 -print_final_stats=1
}
run parse_digits src/datasets/digits.bin
run weight_files tests/fixtures/keras/mlp_bn.weights.h5 tests/fixtures/keras/mlp_bn.keras tests/fixtures/keras/legacy_mlp_bn_keras2.h5 tests/fixtures/keras/gen_steps.keras \
  tests/fixtures/corten/mlp_bn.safetensors
run numpy_files tests/fixtures/numpy/f32.npy tests/fixtures/numpy/u8.npy
