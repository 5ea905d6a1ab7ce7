//! What the benches share: the race that times libraries taking turns, test
//! data, and the plain matrixmultiply call every baseline uses.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Deterministic data in [-0.5, 0.5).
pub fn data(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i + seed) * 7919 % 1000) as f32) / 1000.0 - 0.5)
        .collect()
}

/// Calls per timed batch so that one batch takes about 2 ms.
pub fn calls_per_batch(f: &mut dyn FnMut()) -> usize {
    f(); // warm-up: page faults, packing buffers, caches
    let mut calls = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..calls {
            f();
        }
        if t.elapsed() > Duration::from_millis(2) {
            return calls;
        }
        calls *= 2;
    }
}

/// Best time per call of each function. The machine is shared and its speed
/// drifts, so the functions take turns (rounds of one batch each) for the whole
/// budget, and each keeps its best batch: all see the same conditions.
pub fn race(budget: Duration, fs: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let calls: Vec<usize> = fs.iter_mut().map(|f| calls_per_batch(*f)).collect();
    let mut best = vec![f64::INFINITY; fs.len()];
    let deadline = Instant::now() + budget * fs.len() as u32;
    let mut rounds = 0;
    while Instant::now() < deadline || rounds < 3 {
        for ((f, &n), best) in fs.iter_mut().zip(&calls).zip(best.iter_mut()) {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            *best = best.min(t.elapsed().as_secs_f64() / n as f64);
        }
        rounds += 1;
    }
    best
}

/// `C = A · B` with matrixmultiply, all row-major.
pub fn sgemm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    // SAFETY: a, b, c are m×k, k×n, m×n row-major.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        )
    }
}

/// Times of each function over rounds in which they take turns (one timed
/// batch each per round) for the whole budget: `rounds[f][r]`, seconds per
/// call. Read them as ratios within a round ([`ratio_median`]): the machine
/// is shared and its speed drifts between rounds, not within one.
pub fn rounds(budget: Duration, fs: &mut [&mut dyn FnMut()]) -> Vec<Vec<f64>> {
    let calls: Vec<usize> = fs.iter_mut().map(|f| calls_per_batch(*f)).collect();
    let mut times = vec![Vec::new(); fs.len()];
    let deadline = Instant::now() + budget * fs.len() as u32;
    while Instant::now() < deadline || times[0].len() < 5 {
        for ((f, &n), times) in fs.iter_mut().zip(&calls).zip(times.iter_mut()) {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            times.push(t.elapsed().as_secs_f64() / n as f64);
        }
    }
    times
}

/// The median of `values` and the half-width of their middle half
/// (interquartile range / 2).
pub fn median_spread(values: &[f64]) -> (f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), (at(0.75) - at(0.25)) / 2.0)
}

/// The median over rounds of `slow[r] / fast[r]`, and its spread.
pub fn ratio_median(slow: &[f64], fast: &[f64]) -> (f64, f64) {
    let ratios: Vec<f64> = slow.iter().zip(fast).map(|(s, f)| s / f).collect();
    median_spread(&ratios)
}
