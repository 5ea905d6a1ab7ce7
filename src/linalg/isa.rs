//! Which instruction set the matmul kernels use: detected once, or forced with
//! the environment variable `CORTEN_ISA` (`avx512`, `avx2`, `neon`, `portable`).

use core::sync::atomic::{AtomicU8, Ordering};

/// An instruction set the matmul core has kernels for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Plain Rust, for every target (the compiler vectorizes what it can).
    Portable,
    /// x86_64 AVX2 with FMA: 8 lanes.
    Avx2Fma,
    /// x86_64 AVX-512F: 16 lanes.
    Avx512,
    /// aarch64 NEON (Advanced SIMD): 4 lanes, 32 registers.
    Neon,
}

impl Isa {
    /// Every ISA, most capable last.
    pub const ALL: [Isa; 4] = [Isa::Portable, Isa::Avx2Fma, Isa::Avx512, Isa::Neon];

    /// The name `CORTEN_ISA` uses for it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2Fma => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// Whether this CPU can run it.
    pub fn is_available(self) -> bool {
        match self {
            Isa::Portable => true,
            Isa::Avx2Fma => cpu_has_avx2_fma(),
            Isa::Avx512 => cpu_has_avx512f(),
            Isa::Neon => cpu_has_neon(),
        }
    }

    /// The ISA named `name` in `CORTEN_ISA`'s spelling (`avx2`), if any.
    ///
    /// ```
    /// use corten::linalg::Isa;
    /// assert_eq!(Isa::from_name("portable"), Some(Isa::Portable));
    /// assert_eq!(Isa::from_name("bogus"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Isa> {
        Isa::ALL.into_iter().find(|isa| isa.name() == name)
    }

    /// The ISA the kernels use: `CORTEN_ISA` when set (with `std`) to an ISA
    /// this CPU runs, else the best this CPU has. Decided once and cached. A
    /// `CORTEN_ISA` that names no ISA, or one this CPU cannot run, is
    /// reported once on stderr and ignored.
    pub fn current() -> Isa {
        // One ISA on this target: nothing to detect, and the kernels are
        // known where they are called (no table of function pointers).
        if cfg!(not(any(target_arch = "x86_64", target_arch = "aarch64"))) {
            return Isa::Portable;
        }
        match CURRENT.load(Ordering::Relaxed) {
            1 => Isa::Portable,
            2 => Isa::Avx2Fma,
            3 => Isa::Avx512,
            4 => Isa::Neon,
            _ => {
                let isa = forced().unwrap_or_else(best);
                CURRENT.store(isa as u8 + 1, Ordering::Relaxed);
                isa
            }
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

fn best() -> Isa {
    *Isa::ALL
        .iter()
        .rev()
        .find(|isa| isa.is_available())
        .unwrap_or(&Isa::Portable)
}

#[cfg(feature = "std")]
fn forced() -> Option<Isa> {
    let name = std::env::var("CORTEN_ISA").ok()?;
    match forced_isa(&name) {
        Ok(isa) => Some(isa),
        Err(why) => {
            std::eprintln!("corten: {why}; using the best ISA this CPU has");
            None
        }
    }
}

/// The ISA `CORTEN_ISA=name` asks for, or why it cannot be used.
#[cfg(feature = "std")]
fn forced_isa(name: &str) -> Result<Isa, std::string::String> {
    match Isa::from_name(name) {
        None => Err(std::format!(
            "CORTEN_ISA={name} names no ISA (expected one of portable, avx2, avx512, neon)"
        )),
        Some(isa) if !isa.is_available() => Err(std::format!(
            "CORTEN_ISA={name}, but this CPU cannot run {name} kernels"
        )),
        Some(isa) => Ok(isa),
    }
}

#[cfg(not(feature = "std"))]
fn forced() -> Option<Isa> {
    None
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
fn cpu_has_avx2_fma() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
fn cpu_has_avx512f() -> bool {
    std::is_x86_feature_detected!("avx512f")
}

#[cfg(all(target_arch = "x86_64", not(feature = "std")))]
fn cpu_has_avx2_fma() -> bool {
    cfg!(all(target_feature = "avx2", target_feature = "fma"))
}

#[cfg(all(target_arch = "x86_64", not(feature = "std")))]
fn cpu_has_avx512f() -> bool {
    cfg!(target_feature = "avx512f")
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu_has_avx2_fma() -> bool {
    false
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu_has_avx512f() -> bool {
    false
}

#[cfg(all(target_arch = "aarch64", feature = "std"))]
fn cpu_has_neon() -> bool {
    std::arch::is_aarch64_feature_detected!("neon")
}

#[cfg(all(target_arch = "aarch64", not(feature = "std")))]
fn cpu_has_neon() -> bool {
    cfg!(target_feature = "neon")
}

#[cfg(not(target_arch = "aarch64"))]
fn cpu_has_neon() -> bool {
    false
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn a_forced_isa_that_cannot_run_is_an_error_not_a_panic() {
        assert_eq!(forced_isa("portable"), Ok(Isa::Portable));
        let bogus = forced_isa("bogus").unwrap_err();
        assert!(bogus.contains("names no ISA"), "{bogus}");
        for isa in Isa::ALL.into_iter().filter(|isa| !isa.is_available()) {
            let err = forced_isa(isa.name()).unwrap_err();
            assert!(err.contains("cannot run"), "{err}");
        }
    }
}
