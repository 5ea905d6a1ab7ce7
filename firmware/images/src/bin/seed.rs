//! The seed example's model in corten, built at compile time.
#![no_std]
#![no_main]

use corten::prelude::*;
use corten::{model_type, sequential};
use corten_firmware_images::seed::{B, INPUTS, W};
use corten_firmware_images::{any, predict_one, run};
use cortex_m_rt::entry;
use panic_halt as _;

type Seed = model_type![Input<2>, Dense<5> as (&'static [[f32; 5]; 2], &'static [f32; 5])];

static MODEL: Seed = sequential![const Input<2>, (Dense::<5>::from_weights(&W, &B))];

#[entry]
fn main() -> ! {
    let mut scratch = [0.0f32; Seed::SCRATCH];
    run(
        "seed",
        &INPUTS,
        |x| predict_one!(MODEL, x, &mut scratch, 5),
        any,
    )
}
