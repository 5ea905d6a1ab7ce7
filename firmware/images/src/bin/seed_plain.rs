//! The seed example's model as a plain hand-written loop: the baseline
//! `seed` is measured against.
#![no_std]
#![no_main]

use corten_firmware_images::seed::{B, INPUTS, W};
use corten_firmware_images::{any, run};
use cortex_m_rt::entry;
use panic_halt as _;

fn predict(x: &[f32; 2]) -> [f32; 5] {
    core::array::from_fn(|j| B[j] + x[0] * W[0][j] + x[1] * W[1][j])
}

#[entry]
fn main() -> ! {
    run("seed_plain", &INPUTS, |x| Ok(predict(x)), any)
}
