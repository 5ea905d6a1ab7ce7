//! The digits CNN in corten (trained on the host, the weights `static`
//! arrays in flash), built at compile time; its predictions for ten test
//! digits are checked against the host's.
#![no_std]
#![no_main]

use corten::prelude::*;
use corten::{model_type, sequential};
use corten_firmware_images::digits::weights::*;
use corten_firmware_images::digits::{matches_host, pixels, DIGITS};
use corten_firmware_images::{predict_one, run};
use cortex_m_rt::entry;
use panic_halt as _;

type Digits = model_type![
    Input<8, 8, 1>,
    Conv2D<16, 3, Relu, Same> as (&'static [[[[f32; 16]; 1]; 3]; 3], &'static [f32; 16]),
    MaxPooling2D<2>,
    Conv2D<32, 3, Relu, Same> as (&'static [[[[f32; 32]; 16]; 3]; 3], &'static [f32; 32]),
    MaxPooling2D<2>,
    Flatten,
    Dense<64, Relu> as (&'static [[f32; 64]; 128], &'static [f32; 64]),
    Dense<10, Softmax> as (&'static [[f32; 10]; 64], &'static [f32; 10]),
];

static MODEL: Digits = sequential![
    const Input<8, 8, 1>,
    (Conv2D::<16, 3, Relu, Same>::from_weights(&CONV2D_KERNEL, &CONV2D_BIAS)),
    MaxPooling2D<2>,
    (Conv2D::<32, 3, Relu, Same>::from_weights(&CONV2D_1_KERNEL, &CONV2D_1_BIAS)),
    MaxPooling2D<2>,
    Flatten,
    (Dense::<64, Relu>::from_weights(&DENSE_KERNEL, &DENSE_BIAS)),
    (Dense::<10, Softmax>::from_weights(&DENSE_1_KERNEL, &DENSE_1_BIAS)),
];

#[entry]
fn main() -> ! {
    let mut scratch = [0.0f32; Digits::SCRATCH];
    run(
        "digits",
        &DIGITS,
        |digit| predict_one!(MODEL, &pixels(digit), &mut scratch, 10),
        matches_host,
    )
}
