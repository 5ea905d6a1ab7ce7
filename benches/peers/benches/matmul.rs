//! `cd benches/peers && cargo bench --bench matmul`: GFLOP/s of corten's matmul beside
//! matrixmultiply and the gemm crate, measured in the same run, single thread
//! unless stated. Prints a Markdown table (the one in BENCHMARKS.md).
//!
//! `-- --quick` runs each case for less time (CI uses it as a smoke test).
#[path = "../../common/mod.rs"]
mod common;

use common::{data, race};
use std::hint::black_box;
use std::time::Duration;

fn corten(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    corten::linalg::matmul(m, k, n, a, b, c);
}

fn gemm_crate(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], threads: usize) {
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: a, b, c are m×k, k×n, m×n row-major (column stride 1).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        )
    }
}

/// Peak single-core f32 FMA throughput: 8 independent chains of 8-lane FMAs
/// per iteration, enough to cover FMA latency on both FMA pipes.
#[cfg(target_arch = "x86_64")]
fn peak_gflops(budget: Duration) -> Option<f64> {
    use std::arch::x86_64::*;
    if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
        return None;
    }
    #[target_feature(enable = "avx2,fma")]
    fn chains(iters: usize) -> f32 {
        let x = _mm256_set1_ps(0.999_999);
        let y = _mm256_set1_ps(1e-7);
        let mut acc = [_mm256_set1_ps(1.0); 10];
        for _ in 0..iters {
            for a in acc.iter_mut() {
                *a = _mm256_fmadd_ps(*a, x, y);
            }
        }
        let mut out = [0.0f32; 8];
        let mut sum = _mm256_setzero_ps();
        for a in acc {
            sum = _mm256_add_ps(sum, a);
        }
        // SAFETY: `out` holds 8 floats.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr(), sum) };
        out.iter().sum()
    }
    let iters = 100_000;
    // SAFETY: the CPU has AVX2 and FMA (checked above).
    let t = race(
        budget,
        &mut [&mut || {
            black_box(unsafe { chains(black_box(iters)) });
        }],
    )[0];
    Some((iters * 10 * 8 * 2) as f64 / t / 1e9)
}

/// The fastest this core reads a buffer the size of the 784×128 weight
/// matrix (401 KB: in L2, not in L1), in GB/s: eight independent sums of
/// 8-lane loads, nothing else in the loop. A batch-1 product reads each weight
/// once for 2 flops, so it cannot beat half this figure in GFLOP/s.
#[cfg(target_arch = "x86_64")]
fn l2_read_gbs(budget: Duration) -> Option<f64> {
    use std::arch::x86_64::*;
    if !is_x86_feature_detected!("avx2") {
        return None;
    }
    #[target_feature(enable = "avx2")]
    fn sum(buffer: &[f32]) -> f32 {
        let mut acc = [_mm256_setzero_ps(); 8];
        for block in buffer.chunks_exact(64) {
            for (v, a) in acc.iter_mut().enumerate() {
                // SAFETY: each block holds 64 floats, 8 per vector.
                *a = _mm256_add_ps(*a, unsafe { _mm256_loadu_ps(block.as_ptr().add(8 * v)) });
            }
        }
        let mut out = [0.0f32; 8];
        let total = acc
            .iter()
            .fold(_mm256_setzero_ps(), |s, &a| _mm256_add_ps(s, a));
        // SAFETY: `out` holds 8 floats.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr(), total) };
        out.iter().sum()
    }
    let buffer = data(784 * 128, 0);
    // SAFETY: the CPU has AVX2 (checked above).
    let t = race(
        budget,
        &mut [&mut || {
            black_box(unsafe { sum(black_box(&buffer)) });
        }],
    )[0];
    Some((buffer.len() * 4) as f64 / t / 1e9)
}

#[cfg(not(target_arch = "x86_64"))]
fn l2_read_gbs(_budget: Duration) -> Option<f64> {
    None
}

#[cfg(not(target_arch = "x86_64"))]
fn peak_gflops(_budget: Duration) -> Option<f64> {
    None
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = Duration::from_millis(if quick { 20 } else { 400 });
    println!("ISA: {:?}", corten::linalg::Isa::current());
    if let Some(peak) = peak_gflops(budget) {
        println!("measured single-core FMA peak: {peak:.1} GFLOP/s");
    }
    println!();
    println!("| shape m×k×n | corten GFLOP/s | matrixmultiply | gemm crate | corten / mm | corten / gemm |");
    println!("|---|---|---|---|---|---|");
    let shapes = [
        (1, 784, 128),
        (1, 128, 10),
        (4, 784, 128),
        (32, 784, 128),
        (64, 256, 256),
        (128, 128, 128),
        (256, 256, 256),
        (512, 512, 512),
        (1024, 1024, 1024),
        (37, 53, 29),
    ];
    // `-- --only 512` keeps the shapes whose m is 512; `-- --shape 16x784x128`
    // measures that shape alone.
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let only: Option<usize> = arg("--only").and_then(|v| v.parse().ok());
    let shape: Option<Vec<usize>> =
        arg("--shape").map(|v| v.split('x').filter_map(|d| d.parse().ok()).collect());
    let shapes: Vec<(usize, usize, usize)> = match shape.as_deref() {
        Some(&[m, k, n]) => vec![(m, k, n)],
        _ => shapes.into(),
    };
    let mut batch_one_mm = None;
    for (m, k, n) in shapes.into_iter().filter(|s| only.is_none_or(|m| s.0 == m)) {
        let (a, b) = (data(m * k, 0), data(k * n, 0));
        let (mut c1, mut c2, mut c3) = (
            vec![0.0f32; m * n],
            vec![0.0f32; m * n],
            vec![0.0f32; m * n],
        );
        let flops = 2.0 * (m * k * n) as f64;
        let t = race(
            budget,
            &mut [
                &mut || corten(m, k, n, black_box(&a), black_box(&b), &mut c1),
                &mut || common::sgemm(m, k, n, black_box(&a), black_box(&b), &mut c2),
                &mut || gemm_crate(m, k, n, black_box(&a), black_box(&b), &mut c3, 1),
            ],
        );
        let [ours, mm, gm] = [0, 1, 2].map(|i| flops / t[i] / 1e9);
        if (m, k, n) == (1, 784, 128) {
            batch_one_mm = Some(mm);
        }
        println!(
            "| {m}×{k}×{n} | {ours:.1} | {mm:.1} | {gm:.1} | {:.2}× | {:.2}× |",
            ours / mm,
            ours / gm
        );
    }
    if let (Some(mm), Some(gbs)) = (batch_one_mm, l2_read_gbs(budget)) {
        println!();
        println!(
            "Reading 401 KB from L2: {gbs:.1} GB/s, so 1×784×128 can reach at most {:.1} GFLOP/s = {:.2}× matrixmultiply",
            gbs / 2.0,
            gbs / 2.0 / mm
        );
    }
    if only.is_some_and(|m| m != 1024) || shape.is_some() {
        return;
    }
    let (m, k, n) = (1024, 1024, 1024);
    let (a, b) = (data(m * k, 0), data(k * n, 0));
    let (mut c1, mut c2, mut c3) = (
        vec![0.0f32; m * n],
        vec![0.0f32; m * n],
        vec![0.0f32; m * n],
    );
    let flops = 2.0 * (m * k * n) as f64;
    let t = race(
        budget,
        &mut [
            &mut || {
                corten::linalg::set_threads(1);
                corten(m, k, n, &a, &b, &mut c1)
            },
            &mut || {
                corten::linalg::set_threads(2);
                corten(m, k, n, &a, &b, &mut c2);
                corten::linalg::set_threads(1);
            },
            &mut || gemm_crate(m, k, n, &a, &b, &mut c3, 2),
        ],
    );
    let [one, two, gm2] = [0, 1, 2].map(|i| flops / t[i] / 1e9);
    println!();
    println!("1024³ with 2 threads: corten {two:.1} GFLOP/s ({:.2}× its single thread); gemm crate 2 threads {gm2:.1}", two / one);
}
