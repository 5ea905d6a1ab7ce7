//! The seed example's model as a plain hand-written loop: the baseline
//! `seed` is measured against.
#![no_std]
#![no_main]

use corten_firmware_images::seed::{B, INPUTS, W};
use corten_firmware_images::{inference_begin, inference_end, report};
use cortex_m_rt::entry;
use panic_halt as _;

fn predict(x: &[f32; 2]) -> [f32; 5] {
    core::array::from_fn(|j| B[j] + x[0] * W[0][j] + x[1] * W[1][j])
}

#[entry]
fn main() -> ! {
    let mut out = [[0.0f32; 5]; 3];
    for (o, x) in out.iter_mut().zip(&INPUTS) {
        let x = core::hint::black_box(x);
        inference_begin();
        *o = predict(x);
        inference_end();
    }
    report("seed_plain", Ok(out.as_flattened()))
}
