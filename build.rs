//! Generates the table that maps `Const<N>` to typenum's binary numbers.
//!
//! Stable Rust cannot turn a const generic into a type (`generic_const_exprs` is
//! unstable), so type-level shape arithmetic (conv output sizes, flatten
//! products) needs a table. rustc checks such a table's impls pairwise, so its
//! cost grows with the square of its length: 4096 entries cost ~2 s of build
//! time, 16384 cost ~47 s (measured on the CI machine). We cover 0..=4096 plus
//! every power of two and of ten that fits in a `usize` on 32-bit targets.
use std::fmt::Write;

const DENSE_LIMIT: u64 = 4096;

fn typenum_of(n: u64) -> String {
    if n == 0 {
        return "::typenum::UTerm".to_string();
    }
    let bit = if n & 1 == 1 { "B1" } else { "B0" };
    format!("::typenum::UInt<{}, ::typenum::{bit}>", typenum_of(n >> 1))
}

fn main() {
    let mut sizes: Vec<u64> = (0..=DENSE_LIMIT).collect();
    sizes.extend((13..32).map(|p| 1u64 << p));
    sizes.extend((4..10).map(|p| 10u64.pow(p)));
    sizes.sort_unstable();
    sizes.dedup();
    let mut out = String::new();
    for n in sizes {
        writeln!(
            out,
            "impl ToUInt for Const<{n}> {{ type Output = {}; }}",
            typenum_of(n)
        )
        .unwrap();
    }
    // And back: computed sizes up to the limit read as `Const<N>` in types and
    // in compile errors.
    for n in 0..=DENSE_LIMIT {
        writeln!(
            out,
            "impl ToConst for {} {{ type Output = Const<{n}>; }}",
            typenum_of(n)
        )
        .unwrap();
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("const_to_uint.rs");
    std::fs::write(path, out).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
