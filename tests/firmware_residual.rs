//! The firmware crate `firmware/residual` (built for thumbv7em-none-eabihf
//! in CI, `no_std` without an allocator), run on the host: its test
//! compares its scores with the same network as a functional graph.
#[allow(unused_attributes)]
#[path = "../firmware/residual/src/lib.rs"]
mod firmware;
