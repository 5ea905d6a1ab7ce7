//! `sine` with every weight array starting 4 bytes past a 16-byte boundary:
//! `run.sh` checks that it runs the same instructions as `sine` (no pass is
//! chosen by where the weights sit in flash).
#![no_std]
#![no_main]

use corten::prelude::*;
use corten::sequential;
use corten_firmware_images::sine::{run, Sine};
use corten_firmware_images::{matrix, weights};
use cortex_m_rt::entry;
use panic_halt as _;

/// The sine weights, each array at 4 bytes past a 16-byte boundary (every
/// array is a multiple of 16 bytes long but the last two).
#[repr(C, align(16))]
struct Offset {
    _pad: f32,
    w1: [[f32; 16]; 1],
    b1: [f32; 16],
    w2: [[f32; 16]; 16],
    b2: [f32; 16],
    w3: [[f32; 1]; 16],
    b3: [f32; 1],
}

static OFFSET: Offset = Offset {
    _pad: 0.0,
    w1: matrix(1),
    b1: weights(2),
    w2: matrix(3),
    b2: weights(4),
    w3: matrix(5),
    b3: weights(6),
};

static MODEL: Sine = sequential![
    const Input<1>,
    (Dense::<16, Relu>::from_weights(&OFFSET.w1, &OFFSET.b1)),
    (Dense::<16, Relu>::from_weights(&OFFSET.w2, &OFFSET.b2)),
    (Dense::<1>::from_weights(&OFFSET.w3, &OFFSET.b3)),
];

#[entry]
fn main() -> ! {
    run("sine_offset", &MODEL)
}
