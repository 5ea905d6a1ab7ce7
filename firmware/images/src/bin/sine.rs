//! The sine MLP in corten: a model built at compile time over `&'static`
//! weights in flash, no allocator.
#![no_std]
#![no_main]

use corten::prelude::*;
use corten::{model_type, sequential, Tensor};
use corten_firmware_images::sine::{B1, B2, B3, INPUTS, W1, W2, W3};
use corten_firmware_images::{inference_begin, inference_end, report};
use cortex_m_rt::entry;
use panic_halt as _;

type Sine = model_type![
    Input<1>,
    Dense<16, Relu> as (&'static [[f32; 16]; 1], &'static [f32; 16]),
    Dense<16, Relu> as (&'static [[f32; 16]; 16], &'static [f32; 16]),
    Dense<1> as (&'static [[f32; 1]; 16], &'static [f32; 1]),
];

static MODEL: Sine = sequential![
    const Input<1>,
    (Dense::<16, Relu>::from_weights(&W1, &B1)),
    (Dense::<16, Relu>::from_weights(&W2, &B2)),
    (Dense::<1>::from_weights(&W3, &B3)),
];

#[entry]
fn main() -> ! {
    let mut scratch = [0.0f32; Sine::SCRATCH];
    let mut out = [0.0f32; 4];
    for (o, &x) in out.iter_mut().zip(&INPUTS) {
        let x = Tensor::from_array([[core::hint::black_box(x)]]);
        let mut y = Tensor::from_array([[0.0f32]]);
        inference_begin();
        let result = MODEL.predict_into(&x, &mut y, &mut scratch);
        inference_end();
        if result.is_err() {
            report("sine", Err(()));
        }
        *o = y.as_slice()[0];
    }
    report("sine", Ok(&out))
}
