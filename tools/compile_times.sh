#!/usr/bin/env bash
# Compile times of corten models in a user's crate (issue #19): a
# VGG-16-shaped CNN with `predict` and `fit`, and a 100-layer MLP, each in a
# scratch crate depending on this checkout. Prints, for each: the first
# release build (corten and its dependencies included), a release rebuild
# after touching main.rs, and `cargo check` after touching it (its
# dependencies checked before).
#   tools/compile_times.sh            (BENCHMARKS.md keeps the figures)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

make_crate() { # name, model expression (a sequential! list), input type
  local dir=$work/$1
  mkdir -p "$dir/src"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
[dependencies]
corten = { path = "$root" }
[workspace]
TOML
  cat > "$dir/src/main.rs" <<RUST
use corten::loss::SparseCategoricalCrossentropy;
use corten::model::FitOptions;
use corten::optimizer::Adam;
use corten::prelude::*;

fn main() -> Result<(), corten::Error> {
    // Compiled, not run (the weights would take gigabytes).
    if std::env::args().count() < 9 {
        return Ok(());
    }
    let mut model = sequential![$2];
    model.compile(Adam::default(), SparseCategoricalCrossentropy::default(), [Accuracy]);
    let x = Tensor::<$3>::try_zeros(Default::default())?;
    let y = model.predict(&x)?;
    let labels = Tensor::from_vec((Dyn(1), Const::<1>), vec![0.0f32])?;
    model.fit(&x, &labels, FitOptions::default())?;
    println!("{}", y.as_slice().len());
    Ok(())
}
RUST
}

vgg='Input<224, 224, 3>,
    Conv2D<64, 3, Relu, Same>, Conv2D<64, 3, Relu, Same>, MaxPooling2D<2>,
    Conv2D<128, 3, Relu, Same>, Conv2D<128, 3, Relu, Same>, MaxPooling2D<2>,
    Conv2D<256, 3, Relu, Same>, Conv2D<256, 3, Relu, Same>, Conv2D<256, 3, Relu, Same>, MaxPooling2D<2>,
    Conv2D<512, 3, Relu, Same>, Conv2D<512, 3, Relu, Same>, Conv2D<512, 3, Relu, Same>, MaxPooling2D<2>,
    Conv2D<512, 3, Relu, Same>, Conv2D<512, 3, Relu, Same>, Conv2D<512, 3, Relu, Same>, MaxPooling2D<2>,
    Flatten, Dense<4096, Relu>, Dense<4096, Relu>, Dense<1000, Softmax>'
mlp="Input<32>$(for _ in $(seq 99); do printf ', Dense<32, Relu>'; done), Dense<10, Softmax>"
make_crate vgg16 "$vgg" "(Const<1>, Const<224>, Const<224>, Const<3>)"
make_crate mlp100 "$mlp" "(Const<1>, Const<32>)"

for name in vgg16 mlp100; do
  cd "$work/$name"
  first=$(seconds cargo build --release)
  touch src/main.rs
  rebuild=$(seconds cargo build --release)
  cargo check > /dev/null 2>&1
  touch src/main.rs
  check=$(seconds cargo check)
  printf '%s: first release build %.1f s, release rebuild %.1f s, cargo check %.1f s\n' "$name" "$first" "$rebuild" "$check"
done
