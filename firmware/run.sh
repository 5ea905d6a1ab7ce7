#!/usr/bin/env bash
# Every firmware crate: the no_std builds of firmware/residual and
# firmware/recurrent (warnings are errors), then the images under QEMU with
# their budgets (firmware/images/run.sh: exit 2 when QEMU cannot be
# installed here).
set -euo pipefail
cd "$(dirname "$0")"
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi >/dev/null 2>&1 || true
# A model with skip connections, and an LSTM and a GRU, no_std and without an
# allocator (their host tests run in `cargo test`: tests/firmware_*.rs).
for crate in residual recurrent; do
  (cd "$crate" && RUSTFLAGS="-D warnings" cargo build -q --release --target thumbv7em-none-eabihf)
done
exec images/run.sh
