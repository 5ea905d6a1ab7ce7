//! LSTM(128) and GRU(128) over 100 timesteps of 32 features, at batch 1 and
//! 64: corten's layers against the same cells written plainly on
//! matrixmultiply (the input projection of every step in one product, the
//! recurrent product per step, the gates in loops, buffers reused), taking
//! turns in the same run. Reports medians over rounds and their spread.
//!
//! `cargo bench --bench recurrent` (`-- --quick` for a short run)

use corten::prelude::*;
use corten::shape::{Const, Dyn};
use corten::{sequential, Tensor};
use std::hint::black_box;
use std::time::Duration;

mod common;

use common::{data, median_spread, ratio_median, rounds, sgemm};

const STEPS: usize = 100;
const FEATURES: usize = 32;
const UNITS: usize = 128;

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// `y[i] = b + x[i]·W` for `rows` rows.
fn project(x: &[f32], w: &[f32], b: &[f32], y: &mut [f32], rows: usize) {
    let n = b.len();
    sgemm(rows, FEATURES, n, x, w, y);
    for row in y.chunks_exact_mut(n) {
        for (v, &b) in row.iter_mut().zip(b) {
            *v += b;
        }
    }
}

/// A cell written plainly: its last step's `h` (`batch × UNITS`) from `x`
/// and the weights `w`, `r`, `b` in Keras's layout.
trait PlainCell {
    fn run(&mut self, w: &[f32], r: &[f32], b: &[f32], x: &[f32], batch: usize) -> &[f32];
}

/// A plain LSTM: the last step's `h` into `out` (`batch × UNITS`).
struct PlainLstm {
    zx: Vec<f32>,
    zh: Vec<f32>,
    h: Vec<f32>,
    c: Vec<f32>,
}

impl PlainLstm {
    fn new(batch: usize) -> Self {
        PlainLstm {
            zx: vec![0.0; batch * STEPS * 4 * UNITS],
            zh: vec![0.0; batch * 4 * UNITS],
            h: vec![0.0; batch * UNITS],
            c: vec![0.0; batch * UNITS],
        }
    }
}

impl PlainCell for PlainLstm {
    fn run(&mut self, w: &[f32], r: &[f32], b: &[f32], x: &[f32], batch: usize) -> &[f32] {
        let g = 4 * UNITS;
        project(x, w, b, &mut self.zx, batch * STEPS);
        self.h.fill(0.0);
        self.c.fill(0.0);
        for t in 0..STEPS {
            sgemm(batch, UNITS, g, &self.h, r, &mut self.zh);
            for s in 0..batch {
                let zx = &self.zx[(s * STEPS + t) * g..(s * STEPS + t + 1) * g];
                let zh = &self.zh[s * g..(s + 1) * g];
                for j in 0..UNITS {
                    let z = |q: usize| zx[q * UNITS + j] + zh[q * UNITS + j];
                    let (i, f, c, o) = (sigmoid(z(0)), sigmoid(z(1)), z(2).tanh(), sigmoid(z(3)));
                    let cell = f * self.c[s * UNITS + j] + i * c;
                    self.c[s * UNITS + j] = cell;
                    self.h[s * UNITS + j] = o * cell.tanh();
                }
            }
        }
        &self.h
    }
}

/// A plain GRU (reset after the recurrent product, Keras's default).
struct PlainGru {
    zx: Vec<f32>,
    zh: Vec<f32>,
    h: Vec<f32>,
}

impl PlainGru {
    fn new(batch: usize) -> Self {
        PlainGru {
            zx: vec![0.0; batch * STEPS * 3 * UNITS],
            zh: vec![0.0; batch * 3 * UNITS],
            h: vec![0.0; batch * UNITS],
        }
    }
}

impl PlainCell for PlainGru {
    fn run(&mut self, w: &[f32], r: &[f32], b: &[f32], x: &[f32], batch: usize) -> &[f32] {
        let g = 3 * UNITS;
        let (b_in, b_rec) = b.split_at(g);
        project(x, w, b_in, &mut self.zx, batch * STEPS);
        self.h.fill(0.0);
        for t in 0..STEPS {
            sgemm(batch, UNITS, g, &self.h, r, &mut self.zh);
            for s in 0..batch {
                let zx = &self.zx[(s * STEPS + t) * g..(s * STEPS + t + 1) * g];
                let zh = &self.zh[s * g..(s + 1) * g];
                for j in 0..UNITS {
                    let rec = |q: usize| zh[q * UNITS + j] + b_rec[q * UNITS + j];
                    let z = sigmoid(zx[j] + rec(0));
                    let reset = sigmoid(zx[UNITS + j] + rec(1));
                    let hh = (zx[2 * UNITS + j] + reset * rec(2)).tanh();
                    let h = &mut self.h[s * UNITS + j];
                    *h = z * *h + (1.0 - z) * hh;
                }
            }
        }
        &self.h
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = Duration::from_millis(if quick { 30 } else { 1500 });
    println!(
        "| layer | batch | corten | plain matrixmultiply | plain / corten: median ± half IQR |"
    );
    println!("|---|---|---|---|---|");
    let (lw, lr, lb) = (
        data(FEATURES * 4 * UNITS, 1),
        data(UNITS * 4 * UNITS, 2),
        data(4 * UNITS, 3),
    );
    let (gw, gr, gb) = (
        data(FEATURES * 3 * UNITS, 4),
        data(UNITS * 3 * UNITS, 5),
        data(2 * 3 * UNITS, 6),
    );
    // Weights in [-0.5, 0.5) saturate the gates; scaled down, the states
    // stay in the range where the cells do real work.
    let small = |v: &[f32]| v.iter().map(|x| x * 0.2).collect::<Vec<f32>>();
    let (lw, lr, gw, gr) = (small(&lw), small(&lr), small(&gw), small(&gr));
    let lstm = Lstm::<UNITS>::new()
        .with_data::<Const<FEATURES>, f32, _, _, _>(lw.clone(), lr.clone(), lb.clone())
        .unwrap();
    let gru = Gru::<UNITS>::new()
        .with_data::<Const<FEATURES>, f32, _, _, _>(gw.clone(), gr.clone(), gb.clone())
        .unwrap();
    let lstm_model = sequential![Input<100, 32>, (lstm)];
    let gru_model = sequential![Input<100, 32>, (gru)];
    for batch in [1usize, 64] {
        let x = Tensor::<(Dyn, Const<STEPS>, Const<FEATURES>)>::from_vec(
            (Dyn(batch), Const, Const),
            data(batch * STEPS * FEATURES, 7),
        )
        .unwrap();
        let lstm_weights = (&lw[..], &lr[..], &lb[..]);
        race(
            "LSTM(128)",
            &lstm_model,
            PlainLstm::new(batch),
            lstm_weights,
            &x,
            batch,
            budget,
        );
        let gru_weights = (&gw[..], &gr[..], &gb[..]);
        race(
            "GRU(128)",
            &gru_model,
            PlainGru::new(batch),
            gru_weights,
            &x,
            batch,
            budget,
        );
    }
}

/// The corten model and the plain cell in turns for `budget`; checks they
/// agree and prints the row.
fn race<L, P>(
    name: &str,
    model: &Sequential<(Const<STEPS>, Const<FEATURES>), L, f32>,
    mut plain: P,
    (w, r, b): (&[f32], &[f32], &[f32]),
    x: &Tensor<(Dyn, Const<STEPS>, Const<FEATURES>)>,
    batch: usize,
    budget: Duration,
) where
    L: corten::layer::Layer<f32, Input = (Const<STEPS>, Const<FEATURES>), Output = (Const<UNITS>,)>,
    P: PlainCell,
{
    let mut y =
        Tensor::<(Dyn, Const<UNITS>)>::from_vec((Dyn(batch), Const), vec![0.0; batch * UNITS])
            .unwrap();
    let mut scratch = vec![0.0f32; model.scratch_len(batch)];
    let t = rounds(
        budget,
        &mut [
            &mut || {
                model
                    .predict_into(black_box(x), &mut y, &mut scratch)
                    .unwrap()
            },
            &mut || {
                black_box(plain.run(w, r, b, black_box(x.as_slice()), batch));
            },
        ],
    );
    let want = plain.run(w, r, b, x.as_slice(), batch).to_vec();
    check(name, y.as_slice(), &want);
    report(name, batch, &t);
}

fn check(what: &str, got: &[f32], want: &[f32]) {
    let worst = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "{what}: outputs differ by {worst}");
}

/// A row: each side's median time as sequences (× steps) per second, and the
/// median of the per-round ratios.
fn report(layer: &str, batch: usize, t: &[Vec<f64>]) {
    let speed = |times: &[f64]| {
        let (median, _) = median_spread(times);
        format!("{:.0} steps/s", (batch * STEPS) as f64 / median)
    };
    let (ratio, spread) = ratio_median(&t[1], &t[0]);
    println!(
        "| {layer} | {batch} | {} | {} | {ratio:.2}× ± {spread:.2} ({} rounds) |",
        speed(&t[0]),
        speed(&t[1]),
        t[0].len()
    );
}
