//! The sine MLP as plain hand-written f32 loops: the baseline `sine` is
//! measured against.
#![no_std]
#![no_main]

use corten_firmware_images::sine::{B1, B2, B3, INPUTS, W1, W2, W3};
use corten_firmware_images::{any, dense, run};
use cortex_m_rt::entry;
use panic_halt as _;

fn predict(x: &[f32; 1]) -> [f32; 1] {
    let h1 = dense(x, &W1, &B1, true);
    let h2 = dense(&h1, &W2, &B2, true);
    dense(&h2, &W3, &B3, false)
}

#[entry]
fn main() -> ! {
    run("sine_plain", &INPUTS, |x| Ok(predict(x)), any)
}
