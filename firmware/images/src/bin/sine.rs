//! The sine MLP in corten: a model built at compile time over `&'static`
//! weights in flash, no allocator.
#![no_std]
#![no_main]

use corten::prelude::*;
use corten::sequential;
use corten_firmware_images::sine::{run, Sine, B1, B2, B3, W1, W2, W3};
use cortex_m_rt::entry;
use panic_halt as _;

static MODEL: Sine = sequential![
    const Input<1>,
    (Dense::<16, Relu>::from_weights(&W1, &B1)),
    (Dense::<16, Relu>::from_weights(&W2, &B2)),
    (Dense::<1>::from_weights(&W3, &B3)),
];

#[entry]
fn main() -> ! {
    run("sine", &MODEL)
}
