//! The seed example's model in corten, built at compile time.
#![no_std]
#![no_main]

use corten::prelude::*;
use corten::{model_type, sequential, Tensor};
use corten_firmware_images::seed::{B, INPUTS, W};
use corten_firmware_images::{inference_begin, inference_end, report};
use cortex_m_rt::entry;
use panic_halt as _;

type Seed = model_type![Input<2>, Dense<5> as (&'static [[f32; 5]; 2], &'static [f32; 5])];

static MODEL: Seed = sequential![const Input<2>, (Dense::<5>::from_weights(&W, &B))];

#[entry]
fn main() -> ! {
    let mut scratch = [0.0f32; Seed::SCRATCH];
    let mut out = [[0.0f32; 5]; 3];
    for (o, x) in out.iter_mut().zip(&INPUTS) {
        let x = Tensor::from_array([core::hint::black_box(*x)]);
        let mut y = Tensor::from_array([[0.0f32; 5]]);
        inference_begin();
        let result = MODEL.predict_into(&x, &mut y, &mut scratch);
        inference_end();
        if result.is_err() {
            report("seed", Err(()));
        }
        o.copy_from_slice(y.as_slice());
    }
    report("seed", Ok(out.as_flattened()))
}
