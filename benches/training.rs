//! `cargo bench --bench training`: training throughput (samples/s, single
//! thread) of the digits MLP and CNN of `examples/digits.rs`, one epoch of
//! `fit` (batch 32, Adam) at a time.
//!
//! Baselines measured in the same run, taking turns:
//! - MLP: the same network and Adam written plainly on matrixmultiply
//!   (forward, softmax crossentropy gradient, backward, update).
//! - CNN: corten's own inference pass over the same samples, so the figure
//!   reads as "one training step costs N inference passes".
use corten::datasets::load_digits;
use corten::loss::SparseCategoricalCrossentropy;
use corten::metric::Accuracy;
use corten::model::{FitOptions, Verbosity};
use corten::optimizer::Adam;
use corten::prelude::*;
use corten::sequential;
#[path = "common/mod.rs"]
mod common;

use common::race;
use std::hint::black_box;
use std::time::Duration;

/// `C = op(A) · op(B)` with matrixmultiply; `ta`/`tb` read A/B transposed.
#[allow(clippy::too_many_arguments)]
fn gemm(m: usize, k: usize, n: usize, a: &[f32], ta: bool, b: &[f32], tb: bool, c: &mut [f32]) {
    let (rsa, csa) = if ta { (1, m as isize) } else { (k as isize, 1) };
    let (rsb, csb) = if tb { (1, k as isize) } else { (n as isize, 1) };
    // SAFETY: a is m×k (or k×m when ta), b is k×n (or n×k when tb), c is m×n,
    // all row-major and as long as those sizes say.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        )
    }
}

/// The digits MLP (64 → 64 relu → 10 softmax) trained plainly with Adam.
struct PlainMlp {
    w: [Vec<f32>; 4],
    m: [Vec<f32>; 4],
    v: [Vec<f32>; 4],
    step: i32,
}

impl PlainMlp {
    fn new() -> Self {
        let w = [
            common::data(64 * 64, 1).iter().map(|v| v * 0.3).collect(),
            vec![0.0; 64],
            common::data(64 * 10, 2).iter().map(|v| v * 0.3).collect(),
            vec![0.0; 10],
        ];
        let zeros = || {
            [
                vec![0.0; 64 * 64],
                vec![0.0; 64],
                vec![0.0; 640],
                vec![0.0; 10],
            ]
        };
        PlainMlp {
            w,
            m: zeros(),
            v: zeros(),
            step: 0,
        }
    }

    fn train_batch(&mut self, x: &[f32], labels: &[f32]) {
        let b = labels.len();
        let mut h = vec![0.0; b * 64];
        gemm(b, 64, 64, x, false, &self.w[0], false, &mut h);
        for row in h.chunks_exact_mut(64) {
            for (v, &bias) in row.iter_mut().zip(&self.w[1]) {
                *v = (*v + bias).max(0.0);
            }
        }
        let mut p = vec![0.0; b * 10];
        gemm(b, 64, 10, &h, false, &self.w[2], false, &mut p);
        for (row, &label) in p.chunks_exact_mut(10).zip(labels) {
            let max = row.iter().fold(f32::MIN, |m, &v| m.max(v));
            let mut sum = 0.0;
            for (v, &bias) in row.iter_mut().zip(&self.w[3]) {
                *v = (*v + bias - max).exp();
                sum += *v;
            }
            // Softmax crossentropy gradient: (p − onehot) / batch.
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v / sum - f32::from(u8::from(j == label as usize))) / b as f32;
            }
        }
        let mut grads = [
            vec![0.0; 64 * 64],
            vec![0.0; 64],
            vec![0.0; 640],
            vec![0.0; 10],
        ];
        gemm(64, b, 10, &h, true, &p, false, &mut grads[2]);
        for row in p.chunks_exact(10) {
            grads[3].iter_mut().zip(row).for_each(|(g, &d)| *g += d);
        }
        let mut dh = vec![0.0; b * 64];
        gemm(b, 10, 64, &p, false, &self.w[2], true, &mut dh);
        dh.iter_mut()
            .zip(&h)
            .for_each(|(d, &h)| *d *= f32::from(u8::from(h > 0.0)));
        gemm(64, b, 64, x, true, &dh, false, &mut grads[0]);
        for row in dh.chunks_exact(64) {
            grads[1].iter_mut().zip(row).for_each(|(g, &d)| *g += d);
        }
        self.step += 1;
        let alpha =
            0.001 * (1.0 - 0.999f32.powi(self.step)).sqrt() / (1.0 - 0.9f32.powi(self.step));
        let tensors = self
            .w
            .iter_mut()
            .zip(&mut self.m)
            .zip(&mut self.v)
            .zip(&grads);
        for (((w, m), v), g) in tensors {
            for (((w, m), v), &g) in w.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
                *m += (g - *m) * 0.1;
                *v += (g * g - *v) * 0.001;
                *w -= alpha * *m / (v.sqrt() + 1e-7);
            }
        }
    }
}

fn main() {
    let ((x, y), _) = load_digits().unwrap().split().unwrap();
    let samples = y.as_slice().len();
    let quiet = || FitOptions {
        batch_size: 32,
        epochs: 1,
        verbose: Verbosity::Silent,
        ..Default::default()
    };
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = Duration::from_millis(if quick { 20 } else { 1500 });

    let mut mlp = sequential![Input<8, 8, 1>, Flatten, Dense<64, Relu>, Dense<10, Softmax>];
    mlp.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let mut plain = PlainMlp::new();
    let times = race(
        budget,
        &mut [
            &mut || {
                black_box(mlp.fit(&x, &y, quiet()).unwrap());
            },
            &mut || {
                for (xb, yb) in x.as_slice().chunks(32 * 64).zip(y.as_slice().chunks(32)) {
                    plain.train_batch(xb, yb);
                }
                black_box(&plain.w);
            },
        ],
    );
    let rate = |t: f64| samples as f64 / t;
    println!("digits training, single thread, {samples} samples per epoch, batch 32, Adam");
    println!("| model | corten samples/s | baseline | baseline samples/s | corten / baseline |");
    println!("|---|---:|---|---:|---:|");
    println!(
        "| MLP 64→64→10 | {:.0} | plain matrixmultiply MLP | {:.0} | {:.2}× |",
        rate(times[0]),
        rate(times[1]),
        times[1] / times[0]
    );

    let make_cnn = || {
        sequential![
        Input<8, 8, 1>,
        Conv2D<16, 3, Relu, Same>,
        MaxPooling2D<2>,
        Conv2D<32, 3, Relu, Same>,
        MaxPooling2D<2>,
        Flatten,
        Dense<64, Relu>,
        Dense<10, Softmax>,
        ]
    };
    let mut cnn = make_cnn();
    let inference = make_cnn();
    cnn.compile(
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    let times = race(
        budget,
        &mut [
            &mut || {
                black_box(cnn.fit(&x, &y, quiet()).unwrap());
            },
            &mut || {
                black_box(inference.predict(&x).unwrap());
            },
        ],
    );
    println!(
        "| CNN conv16·pool·conv32·pool·64·10 | {:.0} | corten inference (predict) | {:.0} | {:.2}× |",
        rate(times[0]),
        rate(times[1]),
        times[1] / times[0]
    );
}
