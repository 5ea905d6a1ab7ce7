//! `cargo bench --bench conv`: GFLOP/s of corten's Conv2D (3×3, `same`
//! padding, stride 1) beside a straightforward im2col + matrixmultiply
//! baseline measured in the same run, batch 1 and 32. Single thread.
use corten::layer::{Conv2D, Layer};
use corten::shape::{Const, Same};
#[path = "common/mod.rs"]
mod common;

use common::{data, race};
use std::hint::black_box;
use std::time::Duration;

/// The baseline: im2col with `same` padding into a buffer, then one sgemm.
#[allow(clippy::too_many_arguments)]
fn baseline(
    x: &[f32],
    kernel: &[f32],
    bias: &[f32],
    y: &mut [f32],
    cols: &mut [f32],
    batch: usize,
    h: usize,
    w: usize,
    c: usize,
    f: usize,
) {
    let (k, pad) = (3, 1);
    let depth = k * k * c;
    for b in 0..batch {
        for oh in 0..h {
            for ow in 0..w {
                let row = &mut cols[((b * h + oh) * w + ow) * depth..][..depth];
                for kh in 0..k {
                    for kw in 0..k {
                        let dst = &mut row[(kh * k + kw) * c..][..c];
                        let (ih, iw) = ((oh + kh) as isize - pad, (ow + kw) as isize - pad);
                        if ih < 0 || iw < 0 || ih >= h as isize || iw >= w as isize {
                            dst.fill(0.0);
                        } else {
                            dst.copy_from_slice(
                                &x[((b * h + ih as usize) * w + iw as usize) * c..][..c],
                            );
                        }
                    }
                }
            }
        }
    }
    let m = batch * h * w;
    for row in y.chunks_exact_mut(f) {
        row.copy_from_slice(bias);
    }
    // SAFETY: cols is m×depth, kernel depth×f, y m×f, all row-major.
    unsafe {
        matrixmultiply::sgemm(
            m,
            depth,
            f,
            1.0,
            cols.as_ptr(),
            depth as isize,
            1,
            kernel.as_ptr(),
            f as isize,
            1,
            1.0,
            y.as_mut_ptr(),
            f as isize,
            1,
        )
    }
}

macro_rules! case {
    ($budget:expr, $h:literal, $w:literal, $c:literal, $f:literal) => {{
        let kernel = data(9 * $c * $f, 1);
        let bias = data($f, 2);
        let conv =
            Conv2D::<$f, 3, corten::activation::Linear, Same>::from_data::<Const<$c>, f32, _, _>(
                kernel.clone(),
                bias.clone(),
            )
            .unwrap();
        let model =
            corten::model::Sequential::<(Const<$h>, Const<$w>, Const<$c>)>::new().then(conv);
        for batch in [1usize, 32] {
            let x = data(batch * $h * $w * $c, 3);
            let mut y1 = vec![0.0f32; batch * $h * $w * $f];
            let mut y2 = y1.clone();
            let mut scratch = vec![0.0f32; model.scratch_len(batch)];
            let mut cols = vec![0.0f32; batch * $h * $w * 9 * $c];
            let layers = model.layers();
            let t = race(
                $budget,
                &mut [
                    &mut || layers.forward_slices(black_box(&x), &mut y1, batch, &mut scratch),
                    &mut || {
                        baseline(
                            black_box(&x),
                            &kernel,
                            &bias,
                            &mut y2,
                            &mut cols,
                            batch,
                            $h,
                            $w,
                            $c,
                            $f,
                        )
                    },
                ],
            );
            let worst = y1
                .iter()
                .zip(&y2)
                .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-4, "corten and the baseline disagree by {worst}");
            let flops = 2.0 * (batch * $h * $w * 9 * $c * $f) as f64;
            println!(
                "| {}×{}×{}→{} | {} | {:.1} | {:.1} | {:.2}× |",
                $h,
                $w,
                $c,
                $f,
                batch,
                flops / t[0] / 1e9,
                flops / t[1] / 1e9,
                t[1] / t[0]
            );
        }
    }};
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = Duration::from_millis(if quick { 20 } else { 300 });
    println!("| conv 3×3 same, h×w×c→filters | batch | corten GFLOP/s | im2col + matrixmultiply | corten / baseline |");
    println!("|---|---|---|---|---|");
    case!(budget, 28, 28, 1, 16);
    case!(budget, 14, 14, 16, 32);
    case!(budget, 56, 56, 64, 64);
}
