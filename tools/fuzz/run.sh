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
# The real file seeds the corpus, so mutations start from valid records.
cp src/datasets/digits.bin "$corpus/"
cargo +nightly fuzz run --fuzz-dir tools/fuzz parse_digits "$corpus" -- \
  -max_total_time="$seconds" -max_len=80000 -print_final_stats=1
