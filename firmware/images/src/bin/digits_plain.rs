//! The digits CNN as plain hand-written f32 loops over the same weights:
//! the baseline `digits` is measured against.
#![no_std]
#![no_main]

use corten_firmware_images::digits::weights::*;
use corten_firmware_images::digits::{matches_host, pixels, DIGITS};
use corten_firmware_images::{dense, run};
use cortex_m_rt::entry;
use panic_halt as _;

/// A 3×3 convolution, Keras's `padding="same"` (one zero all round),
/// stride 1, then ReLU.
#[inline(always)]
fn conv_same<const H: usize, const W: usize, const C: usize, const F: usize>(
    x: &[[[f32; C]; W]; H],
    k: &[[[[f32; F]; C]; 3]; 3],
    b: &[f32; F],
) -> [[[f32; F]; W]; H] {
    let mut y = [[[0.0f32; F]; W]; H];
    for i in 0..H {
        for j in 0..W {
            for f in 0..F {
                let mut s = b[f];
                for (di, k_row) in k.iter().enumerate() {
                    if i + di < 1 || i + di > H {
                        continue;
                    }
                    for (dj, k_col) in k_row.iter().enumerate() {
                        if j + dj < 1 || j + dj > W {
                            continue;
                        }
                        let pixel = &x[i + di - 1][j + dj - 1];
                        for c in 0..C {
                            s += pixel[c] * k_col[c][f];
                        }
                    }
                }
                y[i][j][f] = if s > 0.0 { s } else { 0.0 };
            }
        }
    }
    y
}

/// 2×2 max pooling, stride 2.
#[inline(always)]
fn pool<const H2: usize, const W2: usize, const C: usize, const H: usize, const W: usize>(
    x: &[[[f32; C]; W]; H],
) -> [[[f32; C]; W2]; H2] {
    let mut y = [[[0.0f32; C]; W2]; H2];
    for i in 0..H2 {
        for j in 0..W2 {
            for c in 0..C {
                let a = x[2 * i][2 * j][c].max(x[2 * i][2 * j + 1][c]);
                let b = x[2 * i + 1][2 * j][c].max(x[2 * i + 1][2 * j + 1][c]);
                y[i][j][c] = a.max(b);
            }
        }
    }
    y
}

fn predict(digit: &[f32; 64]) -> [f32; 10] {
    let c1 = conv_same(&pixels(digit), &CONV2D_KERNEL, &CONV2D_BIAS);
    let p1: [[[f32; 16]; 4]; 4] = pool(&c1);
    let c2 = conv_same(&p1, &CONV2D_1_KERNEL, &CONV2D_1_BIAS);
    let p2: [[[f32; 32]; 2]; 2] = pool(&c2);
    let flat: &[f32; 128] = p2.as_flattened().as_flattened().try_into().unwrap();
    let h = dense(flat, &DENSE_KERNEL, &DENSE_BIAS, true);
    let mut y = dense(&h, &DENSE_1_KERNEL, &DENSE_1_BIAS, false);
    // Softmax.
    let max = y.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut sum = 0.0;
    for v in y.iter_mut() {
        *v = libm::expf(*v - max);
        sum += *v;
    }
    for v in y.iter_mut() {
        *v /= sum;
    }
    y
}

#[entry]
fn main() -> ! {
    run(
        "digits_plain",
        &DIGITS,
        |digit| Ok(predict(digit)),
        matches_host,
    )
}
