//! Any bytes given as a `.npy` file give `Ok` or `Err`, never a panic;
//! what loads has the type's shape.
#![no_main]

use corten::shape::{Const, Dyn};
use corten::Tensor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(t) = Tensor::<(Dyn, Const<4>), f32>::from_npy_bytes(bytes) {
        assert_eq!(t.as_slice().len(), 4 * t.sizes()[0]);
    }
});
