//! The sine MLP as plain hand-written f32 loops: the baseline `sine` is
//! measured against.
#![no_std]
#![no_main]

use corten_firmware_images::{inference_begin, inference_end, report, sine};
use cortex_m_rt::entry;
use panic_halt as _;

/// `y = act(x · w + b)` for a `(n, m)` kernel, ReLU or linear.
#[inline(always)]
fn dense<const N: usize, const M: usize>(
    x: &[f32; N],
    w: &[f32],
    b: &[f32],
    relu: bool,
) -> [f32; M] {
    let mut y = [0.0f32; M];
    for j in 0..M {
        let mut s = b[j];
        for i in 0..N {
            s += x[i] * w[i * M + j];
        }
        y[j] = if relu && s < 0.0 { 0.0 } else { s };
    }
    y
}

fn predict(x: f32) -> f32 {
    let h1: [f32; 16] = dense(&[x], sine::W1.as_flattened(), &sine::B1, true);
    let h2: [f32; 16] = dense(&h1, sine::W2.as_flattened(), &sine::B2, true);
    let y: [f32; 1] = dense(&h2, sine::W3.as_flattened(), &sine::B3, false);
    y[0]
}

#[entry]
fn main() -> ! {
    let mut out = [0.0f32; 4];
    for (o, &x) in out.iter_mut().zip(&sine::INPUTS) {
        let x = core::hint::black_box(x);
        inference_begin();
        *o = predict(x);
        inference_end();
    }
    report("sine_plain", Ok(&out))
}
