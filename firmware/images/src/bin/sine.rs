//! The sine MLP in corten: `sequential!` over `&'static` weights, no
//! allocator.
#![no_std]
#![no_main]

use corten::layer::Dense;
use corten::prelude::*;
use corten::shape::Const;
use corten::{sequential, Tensor};
use corten_firmware_images::{inference_begin, inference_end, report, sine};
use cortex_m_rt::entry;
use panic_halt as _;

#[entry]
fn main() -> ! {
    let run = || -> Result<[f32; 4], corten::Error> {
        let model = sequential![
            Input<1>,
            (Dense::<16, Relu>::from_data::<Const<1>, f32, _, _>(&sine::W1[..], &sine::B1[..])?),
            (Dense::<16, Relu>::from_data::<Const<16>, f32, _, _>(&sine::W2[..], &sine::B2[..])?),
            (Dense::<1>::from_data::<Const<16>, f32, _, _>(&sine::W3[..], &sine::B3[..])?),
        ];
        let mut scratch = [0.0f32; 64];
        let mut out = [0.0f32; 4];
        for (o, &x) in out.iter_mut().zip(&sine::INPUTS) {
            let input = [core::hint::black_box(x)];
            let mut y = [0.0f32; 1];
            let xt = Tensor::from_data((Const::<1>, Const::<1>), &input[..])?;
            let mut yt = Tensor::from_data((Const::<1>, Const::<1>), &mut y[..])?;
            inference_begin();
            model.predict_into(&xt, &mut yt, &mut scratch[..])?;
            inference_end();
            *o = y[0];
        }
        Ok(out)
    };
    match run() {
        Ok(out) => report("sine", Ok(&out)),
        Err(_) => report("sine", Err(())),
    }
}
