//! `cargo bench --bench models`: the design brief's two reference models, whole,
//! single thread, beside the same models written plainly on matrixmultiply
//! (im2col for the convolutions) in the same run.
//!
//! M1 = MLP 784 → 128 relu → 64 relu → 10 softmax.
//! M2 = CNN 28×28×1 → Conv2D 16 3×3 relu → MaxPool 2 → Conv2D 32 3×3 relu →
//!      MaxPool 2 → Flatten → Dense 10 softmax.
//! M3 = residual CNN on 32×32×16: two blocks of (Conv2D 16 3×3 same relu →
//!      Conv2D 16 3×3 same → add the block's input → relu), then global
//!      average pooling → Dense 10 softmax; as a functional graph, as
//!      `Residual` blocks in `sequential!` (the same layers as a chain: the
//!      graph's bookkeeping is the difference), and plainly.
use corten::layer::Conv2D;
use corten::prelude::*;
use corten::shape::Same;
use corten::shape::{Const, Dyn};
use corten::{sequential, Tensor};
#[path = "common/mod.rs"]
mod common;

use common::{data, race, sgemm};
use std::hint::black_box;
use std::time::Duration;

fn dense(x: &[f32], w: &[f32], b: &[f32], y: &mut [f32], batch: usize, relu: bool) {
    let (k, n) = (w.len() / b.len(), b.len());
    sgemm(batch, k, n, x, w, y);
    for row in y.chunks_exact_mut(n) {
        for (v, &bias) in row.iter_mut().zip(b) {
            *v += bias;
            if relu {
                *v = v.max(0.0);
            }
        }
    }
}

fn softmax(y: &mut [f32], n: usize) {
    for row in y.chunks_exact_mut(n) {
        let max = row.iter().fold(f32::MIN, |m, &v| m.max(v));
        let sum: f32 = row
            .iter_mut()
            .map(|v| {
                *v = (*v - max).exp();
                *v
            })
            .sum();
        row.iter_mut().for_each(|v| *v /= sum);
    }
}

/// 3×3 valid conv via im2col + sgemm, bias, relu.
#[allow(clippy::too_many_arguments)]
fn conv(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    y: &mut [f32],
    cols: &mut Vec<f32>,
    batch: usize,
    h: usize,
    c: usize,
) {
    let (oh, f, depth) = (h - 2, b.len(), 9 * c);
    cols.resize(batch * oh * oh * depth, 0.0);
    for bi in 0..batch {
        for i in 0..oh {
            for j in 0..oh {
                let row = &mut cols[((bi * oh + i) * oh + j) * depth..][..depth];
                for kh in 0..3 {
                    for kw in 0..3 {
                        row[(kh * 3 + kw) * c..][..c]
                            .copy_from_slice(&x[((bi * h + i + kh) * h + j + kw) * c..][..c]);
                    }
                }
            }
        }
    }
    dense(cols, w, b, y, batch * oh * oh, true);
    let _ = f;
}

/// 3×3 same conv (zero padding) via im2col + sgemm, bias, optional relu.
#[allow(clippy::too_many_arguments)]
fn conv_same(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    y: &mut [f32],
    cols: &mut Vec<f32>,
    batch: usize,
    h: usize,
    c: usize,
    relu: bool,
) {
    let depth = 9 * c;
    cols.clear();
    cols.resize(batch * h * h * depth, 0.0);
    for bi in 0..batch {
        for i in 0..h {
            for j in 0..h {
                let row = &mut cols[((bi * h + i) * h + j) * depth..][..depth];
                for kh in 0..3 {
                    for kw in 0..3 {
                        let (si, sj) = ((i + kh).wrapping_sub(1), (j + kw).wrapping_sub(1));
                        if si < h && sj < h {
                            row[(kh * 3 + kw) * c..][..c]
                                .copy_from_slice(&x[((bi * h + si) * h + sj) * c..][..c]);
                        }
                    }
                }
            }
        }
    }
    dense(cols, w, b, y, batch * h * h, relu);
}

fn maxpool(x: &[f32], y: &mut [f32], batch: usize, h: usize, c: usize) {
    let o = h / 2;
    for bi in 0..batch {
        for i in 0..o {
            for j in 0..o {
                for ch in 0..c {
                    let at =
                        |di: usize, dj: usize| x[((bi * h + 2 * i + di) * h + 2 * j + dj) * c + ch];
                    y[((bi * o + i) * o + j) * c + ch] =
                        at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
                }
            }
        }
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = Duration::from_millis(if quick { 20 } else { 500 });
    println!("| model | batch | corten | plain matrixmultiply | corten / plain |");
    println!("|---|---|---|---|---|");

    // M1.
    let (w1, b1, w2, b2, w3, b3) = (
        data(784 * 128, 1),
        data(128, 2),
        data(128 * 64, 3),
        data(64, 4),
        data(64 * 10, 5),
        data(10, 6),
    );
    let m1 = sequential![
        Input<784>,
        (corten::layer::Dense::<128, Relu>::from_data::<Const<784>, f32, _, _>(
            w1.clone(),
            b1.clone()
        )
        .unwrap()),
        (corten::layer::Dense::<64, Relu>::from_data::<Const<128>, f32, _, _>(
            w2.clone(),
            b2.clone()
        )
        .unwrap()),
        (corten::layer::Dense::<10, Softmax>::from_data::<Const<64>, f32, _, _>(
            w3.clone(),
            b3.clone()
        )
        .unwrap()),
    ];
    for batch in [1usize, 64] {
        let x = Tensor::<(Dyn, Const<784>)>::from_vec((Dyn(batch), Const), data(batch * 784, 7))
            .unwrap();
        let mut y =
            Tensor::<(Dyn, Const<10>)>::from_vec((Dyn(batch), Const), vec![0.0; batch * 10])
                .unwrap();
        let mut scratch = vec![0.0f32; m1.scratch_len(batch)];
        let (mut h1, mut h2, mut out) = (
            vec![0.0; batch * 128],
            vec![0.0; batch * 64],
            vec![0.0; batch * 10],
        );
        let t = race(
            budget,
            &mut [
                &mut || {
                    m1.predict_into(black_box(&x), &mut y, &mut scratch)
                        .unwrap()
                },
                &mut || {
                    dense(black_box(x.as_slice()), &w1, &b1, &mut h1, batch, true);
                    dense(&h1, &w2, &b2, &mut h2, batch, true);
                    dense(&h2, &w3, &b3, &mut out, batch, false);
                    softmax(&mut out, 10);
                },
            ],
        );
        assert!(
            y.as_slice()
                .iter()
                .zip(&out)
                .all(|(a, b)| (a - b).abs() < 1e-4),
            "M1 outputs differ"
        );
        report("M1 MLP", batch, t);
    }

    // M2.
    let (cw1, cb1, cw2, cb2, dw, db) = (
        data(9 * 16, 8),
        data(16, 9),
        data(9 * 16 * 32, 10),
        data(32, 11),
        data(800 * 10, 12),
        data(10, 13),
    );
    let m2 = sequential![
        Input<28, 28, 1>,
        (corten::layer::Conv2D::<16, 3, Relu>::from_data::<Const<1>, f32, _, _>(cw1.clone(), cb1.clone()).unwrap()),
        MaxPooling2D<2>,
        (corten::layer::Conv2D::<32, 3, Relu>::from_data::<Const<16>, f32, _, _>(cw2.clone(), cb2.clone()).unwrap()),
        MaxPooling2D<2>,
        Flatten,
        (corten::layer::Dense::<10, Softmax>::from_data::<Const<800>, f32, _, _>(dw.clone(), db.clone()).unwrap()),
    ];
    for batch in [1usize, 64] {
        let x = Tensor::<(Dyn, Const<28>, Const<28>, Const<1>)>::from_vec(
            (Dyn(batch), Const, Const, Const),
            data(batch * 784, 14),
        )
        .unwrap();
        let mut y =
            Tensor::<(Dyn, Const<10>)>::from_vec((Dyn(batch), Const), vec![0.0; batch * 10])
                .unwrap();
        let mut scratch = vec![0.0f32; m2.scratch_len(batch)];
        let (mut c1, mut p1, mut c2, mut p2, mut out, mut cols) = (
            vec![0.0; batch * 26 * 26 * 16],
            vec![0.0; batch * 13 * 13 * 16],
            vec![0.0; batch * 11 * 11 * 32],
            vec![0.0; batch * 800],
            vec![0.0; batch * 10],
            Vec::new(),
        );
        let t = race(
            budget,
            &mut [
                &mut || {
                    m2.predict_into(black_box(&x), &mut y, &mut scratch)
                        .unwrap()
                },
                &mut || {
                    conv(
                        black_box(x.as_slice()),
                        &cw1,
                        &cb1,
                        &mut c1,
                        &mut cols,
                        batch,
                        28,
                        1,
                    );
                    maxpool(&c1, &mut p1, batch, 26, 16);
                    conv(&p1, &cw2, &cb2, &mut c2, &mut cols, batch, 13, 16);
                    maxpool(&c2, &mut p2, batch, 11, 32);
                    dense(&p2, &dw, &db, &mut out, batch, false);
                    softmax(&mut out, 10);
                },
            ],
        );
        assert!(
            y.as_slice()
                .iter()
                .zip(&out)
                .all(|(a, b)| (a - b).abs() < 1e-4),
            "M2 outputs differ"
        );
        report("M2 CNN", batch, t);
    }

    // M3: the residual CNN, three ways.
    let weights: Vec<Vec<f32>> = (0..4)
        .flat_map(|i| [data(9 * 16 * 16, 20 + 2 * i), data(16, 21 + 2 * i)])
        .collect();
    let (dw3, db3) = (data(16 * 10, 30), data(10, 31));
    let relu_conv = |i: usize| {
        Conv2D::<16, 3, Relu, Same>::from_data::<Const<16>, f32, _, _>(
            weights[2 * i].clone(),
            weights[2 * i + 1].clone(),
        )
        .unwrap()
    };
    let linear_conv = |i: usize| {
        Conv2D::<16, 3, Linear, Same>::from_data::<Const<16>, f32, _, _>(
            weights[2 * i].clone(),
            weights[2 * i + 1].clone(),
        )
        .unwrap()
    };
    let head = || {
        corten::layer::Dense::<10, Softmax>::from_data::<Const<16>, f32, _, _>(
            dw3.clone(),
            db3.clone(),
        )
        .unwrap()
    };
    let mut g = corten::model::Graph::<f32>::new();
    let input = g.input::<(Const<32>, Const<32>, Const<16>)>();
    let mut h = input;
    for block in 0..2 {
        let body = g.add(relu_conv(2 * block), h);
        let body = g.add(linear_conv(2 * block + 1), body);
        let sum = g.add(Add, (body, h));
        h = g.add(Activation(Relu), sum);
    }
    let pooled = g.add(GlobalAveragePooling2D::default(), h);
    let out = g.add(head(), pooled);
    let graph = g.build(input, out).unwrap();
    let chain = sequential![
        Input<32, 32, 16>,
        (corten::model::Residual::new((relu_conv(0), linear_conv(1)))),
        (Activation(Relu)),
        (corten::model::Residual::new((relu_conv(2), linear_conv(3)))),
        (Activation(Relu)),
        GlobalAveragePooling2D,
        (head()),
    ];
    println!();
    println!("| model | batch | corten graph | corten chain (Residual) | plain matrixmultiply | graph / plain | chain / graph |");
    println!("|---|---|---|---|---|---|---|");
    for batch in [1usize, 32] {
        let x = Tensor::<(Dyn, Const<32>, Const<32>, Const<16>)>::from_vec(
            (Dyn(batch), Const, Const, Const),
            data(batch * 32 * 32 * 16, 32),
        )
        .unwrap();
        let mut y_graph =
            Tensor::<(Dyn, Const<10>)>::from_vec((Dyn(batch), Const), vec![0.0; batch * 10])
                .unwrap();
        let mut y_chain = y_graph.clone();
        let mut graph_scratch = vec![0.0f32; graph.scratch_len(batch)];
        let mut chain_scratch = vec![0.0f32; chain.scratch_len(batch)];
        let n = batch * 32 * 32 * 16;
        let (mut a, mut t1, mut t2, mut pooled, mut out, mut cols) = (
            vec![0.0; n],
            vec![0.0; n],
            vec![0.0; n],
            vec![0.0; batch * 16],
            vec![0.0; batch * 10],
            Vec::new(),
        );
        let t = race(
            budget,
            &mut [
                &mut || {
                    graph
                        .predict_into(black_box(&x), &mut y_graph, &mut graph_scratch)
                        .unwrap()
                },
                &mut || {
                    chain
                        .predict_into(black_box(&x), &mut y_chain, &mut chain_scratch)
                        .unwrap()
                },
                &mut || {
                    a.copy_from_slice(black_box(x.as_slice()));
                    for block in 0..2 {
                        let w = &weights[4 * block..];
                        conv_same(&a, &w[0], &w[1], &mut t1, &mut cols, batch, 32, 16, true);
                        conv_same(&t1, &w[2], &w[3], &mut t2, &mut cols, batch, 32, 16, false);
                        for (a, &t) in a.iter_mut().zip(&t2) {
                            *a = (*a + t).max(0.0);
                        }
                    }
                    pooled.fill(0.0);
                    for (bi, p) in pooled.chunks_exact_mut(16).enumerate() {
                        for pixel in a[bi * 1024 * 16..(bi + 1) * 1024 * 16].chunks_exact(16) {
                            for (p, &v) in p.iter_mut().zip(pixel) {
                                *p += v / 1024.0;
                            }
                        }
                    }
                    dense(&pooled, &dw3, &db3, &mut out, batch, false);
                    softmax(&mut out, 10);
                },
            ],
        );
        for (what, y) in [("graph", &y_graph), ("chain", &y_chain)] {
            assert!(
                y.as_slice()
                    .iter()
                    .zip(&out)
                    .all(|(a, b)| (a - b).abs() < 1e-4),
                "M3 {what} outputs differ"
            );
        }
        println!(
            "| M3 residual CNN | {batch} | {} | {} | {} | {:.2}× | {:.3} |",
            speed(batch, t[0]),
            speed(batch, t[1]),
            speed(batch, t[2]),
            t[2] / t[0],
            t[1] / t[0]
        );
    }
}

/// A time per batch as the tables show it: µs at batch 1, else samples/s.
fn speed(batch: usize, seconds: f64) -> String {
    if batch == 1 {
        format!("{:.1} µs", seconds * 1e6)
    } else {
        format!("{:.0} samples/s", batch as f64 / seconds)
    }
}

fn report(model: &str, batch: usize, t: Vec<f64>) {
    println!(
        "| {model} | {batch} | {} | {} | {:.2}× |",
        speed(batch, t[0]),
        speed(batch, t[1]),
        t[1] / t[0]
    );
}
