//! Every ISA's kernels against a scalar f64 oracle and against
//! matrixmultiply, on edge shapes, with the output poisoned with NaN first.

use super::*;
extern crate std;
use std::vec;
use std::vec::Vec;

/// Deterministic data in [-1, 1) that is never all zeros.
fn data(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn oracle(g: &Gemm<'_>, c0: &[f32]) -> Vec<f64> {
    let mut c = vec![0.0f64; g.m * g.n];
    for i in 0..g.m {
        for j in 0..g.n {
            let mut s = if g.accumulate {
                c0[i * g.ldc + j] as f64
            } else {
                0.0
            };
            for p in 0..g.k {
                s += g.a[i * g.rsa + p * g.csa] as f64 * g.b[p * g.rsb + j * g.csb] as f64;
            }
            c[i * g.n + j] = s;
        }
    }
    c
}

fn assert_matches(what: &str, got: &[f32], ldc: usize, n: usize, want: &[f64], k: usize) {
    // f32 rounding grows with k; each term is at most 1 in magnitude.
    let tol = 1e-6 * (k as f64 + 1.0) * 4.0;
    for (i, row) in want.chunks(n.max(1)).enumerate() {
        for (j, &w) in row.iter().enumerate() {
            let g = got[i * ldc + j] as f64;
            assert!(
                (g - w).abs() <= tol * w.abs().max(1.0),
                "{what}: C[{i}][{j}] = {g}, expected {w}"
            );
        }
    }
}

fn available() -> impl Iterator<Item = Isa> {
    Isa::ALL.into_iter().filter(|isa| isa.is_available())
}

/// A kernel under test: one ISA's, or the compact kernel that bare-metal
/// targets run for every product.
#[derive(Clone, Copy)]
enum Kernel {
    Isa(Isa),
    Compact,
}

impl Kernel {
    fn name(self) -> &'static str {
        match self {
            Kernel::Isa(isa) => isa.name(),
            Kernel::Compact => "compact",
        }
    }

    fn run(self, g: Gemm<'_>, c: &mut [f32]) {
        self.run_segmented(g, Segments::ONE, c)
    }

    fn run_segmented(self, g: Gemm<'_>, seg: Segments, c: &mut [f32]) {
        match self {
            Kernel::Isa(isa) => g.run_segmented_with(isa, seg, c),
            Kernel::Compact => {
                g.check(Isa::Portable, seg, c);
                compact::gemm(g, seg, c)
            }
        }
    }
}

/// Every kernel this CPU runs, and the compact one.
fn kernels() -> impl Iterator<Item = Kernel> {
    available().map(Kernel::Isa).chain([Kernel::Compact])
}

/// Shapes around every register-tile edge, primes, tall/skinny, large k.
fn edge_shapes() -> Vec<(usize, usize, usize)> {
    if cfg!(miri) {
        // Miri interprets every access: keep shapes that still cross every
        // tile edge of the portable kernels (MR 4, NR 8, 4 lanes) and the
        // small-m, chunked and blocked paths.
        return vec![
            (0, 3, 4),
            (1, 1, 1),
            (1, 5, 9),
            (3, 7, 13),
            (8, 3, 17),
            (9, 5, 11),
            (13, 6, 9),
        ];
    }
    let mut shapes = vec![
        (0, 3, 4),
        (3, 0, 4),
        (3, 4, 0),
        (1, 1, 1),
        (1, 784, 128),
        (1, 128, 10),
        (4, 784, 128),
        (37, 53, 29),
        (97, 101, 103),
        (300, 7, 2),
        (2, 7, 300),
        (1, 3000, 5),
        (33, 1030, 17),
        // Streamed with prefetching hints (one row, and chunks of rows as
        // even as they can be).
        (1, 300, 130),
        (64, 300, 130),
        // The blocked path: a large B from 65 rows or from 24 when its rows
        // are 2 KB apart, any B from 160 rows; a last row tile part full,
        // several depth and row blocks.
        (67, 257, 130),
        (25, 129, 512),
        (161, 19, 17),
        (200, 1100, 41),
        // From 256 rows on one thread: deeper blocks (two of 1100 / 2).
        (260, 1100, 20),
    ];
    for m in [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 17, 25] {
        for n in [1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 65] {
            shapes.push((m, 19, n));
        }
    }
    shapes
}

#[test]
fn every_kernel_matches_oracle_and_matrixmultiply_on_edge_shapes() {
    for kernel in kernels() {
        for &(m, k, n) in &edge_shapes() {
            let a = data(m * k, 1);
            let b = data(k * n, 2);
            let mut c = vec![f32::NAN; m * n];
            let g = Gemm {
                m,
                k,
                n,
                a: &a,
                rsa: k,
                csa: 1,
                b: &b,
                rsb: n,
                csb: 1,
                ldc: n,
                accumulate: false,
            };
            kernel.run(g, &mut c);
            let what = std::format!("{} {m}x{k}x{n}", kernel.name());
            assert_matches(&what, &c, n, n, &oracle(&g, &c), k);
            let mut reference = vec![0.0f32; m * n];
            // SAFETY: the pointers cover the m×k, k×n and m×n row-major matrices.
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
                    reference.as_mut_ptr(),
                    n as isize,
                    1,
                );
            }
            for (x, y) in c.iter().zip(&reference) {
                assert!(
                    (x - y).abs() <= 1e-4 * y.abs().max(1.0),
                    "{what}: {x} vs matrixmultiply {y}"
                );
            }
        }
    }
}

#[test]
fn every_kernel_matches_oracle_whatever_the_alignment_of_b() {
    // Vector loads at every offset within a cache line, over row lengths
    // that are and are not multiples of the lanes (part-full last vectors)
    // or of a cache line (one-row passes split on lines), and one row over
    // a B beyond L1 whose rows are whole lines (read line by line, each line
    // shared by two rows read once).
    let shapes: &[(usize, usize, usize)] = if cfg!(miri) {
        &[(1, 3, 16), (2, 2, 9), (1, 128, 256)]
    } else {
        &[
            (1, 37, 128),
            (1, 128, 256),
            (1, 130, 272),
            (1, 256, 144),
            (1, 2048, 16),
            // One row in 2, 3 and 4 passes ending on cache lines.
            (1, 9, 144),
            (1, 7, 208),
            (1, 13, 272),
            (1, 5, 24),
            (3, 19, 64),
            (8, 5, 16),
            (5, 11, 40),
            (2, 7, 9),
            (1, 3, 5),
        ]
    };
    for kernel in kernels() {
        for &(m, k, n) in shapes {
            let a = data(m * k, 5);
            let buffer = data(k * n + 16, 6);
            // Miri takes half a minute per product over a large B: two
            // offsets there (one of them inside a cache line whatever the
            // buffer's address), one accumulating.
            let cases: Vec<(usize, bool)> = if cfg!(miri) && k * n > 1024 {
                vec![(3, false), (4, true)]
            } else {
                (0..16)
                    .flat_map(|offset| [(offset, false), (offset, true)])
                    .collect()
            };
            for (offset, accumulate) in cases {
                let g = Gemm {
                    m,
                    k,
                    n,
                    a: &a,
                    rsa: k,
                    csa: 1,
                    b: &buffer[offset..offset + k * n],
                    rsb: n,
                    csb: 1,
                    ldc: n,
                    accumulate,
                };
                let c0 = data(m * n, 7);
                let mut c = if accumulate {
                    c0.clone()
                } else {
                    vec![f32::NAN; m * n]
                };
                kernel.run(g, &mut c);
                let what = std::format!(
                    "{} {m}x{k}x{n}, B {offset} floats in, accumulate {accumulate}",
                    kernel.name()
                );
                assert_matches(&what, &c, n, n, &oracle(&g, &c0), k);
            }
        }
    }
}

#[test]
fn every_kernel_accumulates_and_handles_strides_and_transposes() {
    for kernel in kernels() {
        let shapes: &[(usize, usize, usize)] = if cfg!(miri) {
            &[(1, 5, 9), (13, 3, 9)]
        } else {
            &[(1, 5, 9), (7, 300, 40), (13, 19, 33), (64, 257, 70)]
        };
        for &(m, k, n) in shapes {
            // A stored transposed (k×m), B stored transposed (n×k), C with a wider row.
            let at = data(k * m, 3);
            let bt = data(n * k, 4);
            let ldc = n + 3;
            let mut c = data(m * ldc, 5);
            let g = Gemm {
                m,
                k,
                n,
                a: &at,
                rsa: 1,
                csa: m,
                b: &bt,
                rsb: 1,
                csb: k,
                ldc,
                accumulate: true,
            };
            let want = oracle(&g, &c);
            let padding: Vec<f32> = c.chunks(ldc).map(|row| row[n]).collect();
            kernel.run(g, &mut c);
            assert_matches(
                &std::format!("{} strided {m}x{k}x{n}", kernel.name()),
                &c,
                ldc,
                n,
                &want,
                k,
            );
            let after: Vec<f32> = c.chunks(ldc).map(|row| row[n]).collect();
            assert_eq!(padding, after, "columns past n were written");
        }
    }
}

#[test]
fn transposed_entry_points_match_oracle() {
    let (m, k, n) = (9, 33, 17);
    let a = data(m * k, 6);
    let b = data(k * n, 7);
    let want = oracle(
        &Gemm {
            m,
            k,
            n,
            a: &a,
            rsa: k,
            csa: 1,
            b: &b,
            rsb: n,
            csb: 1,
            ldc: n,
            accumulate: false,
        },
        &[],
    );
    let mut at = vec![0.0; k * m];
    for i in 0..m {
        for p in 0..k {
            at[p * m + i] = a[i * k + p];
        }
    }
    let mut bt = vec![0.0; n * k];
    for p in 0..k {
        for j in 0..n {
            bt[j * k + p] = b[p * n + j];
        }
    }
    let mut c = vec![f32::NAN; m * n];
    matmul_at_b(m, k, n, &at, &b, &mut c);
    assert_matches("at_b", &c, n, n, &want, k);
    c.fill(f32::NAN);
    matmul_a_bt(m, k, n, &a, &bt, &mut c);
    assert_matches("a_bt", &c, n, n, &want, k);
    c.fill(1.0);
    matmul_acc(m, k, n, &a, &b, &mut c);
    let plus_one: Vec<f64> = want.iter().map(|v| v + 1.0).collect();
    assert_matches("acc", &c, n, n, &plus_one, k);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "spawns threads over a large product: too slow under miri"
)]
fn two_threads_match_one() {
    let (m, k, n) = (301, 160, 129);
    let a = data(m * k, 8);
    let b = data(k * n, 9);
    let mut one = vec![f32::NAN; m * n];
    let mut two = vec![f32::NAN; m * n];
    matmul(m, k, n, &a, &b, &mut one);
    set_threads(2);
    matmul(m, k, n, &a, &b, &mut two);
    set_threads(1);
    assert_eq!(one, two);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "spawns threads over a large product: too slow under miri"
)]
fn threads_over_depth_blocks_and_transposes_match_oracle() {
    // Several depth blocks, rows split unevenly over 2 and 3 threads, A read
    // in place or packed (transposed), B packed by rows or gathered.
    let (m, k, n) = (130, 1100, 70);
    let a = data(m * k, 10);
    let b = data(k * n, 11);
    for threads in [2, 3] {
        for (a_transposed, b_transposed) in [(false, false), (true, true)] {
            let g = Gemm {
                m,
                k,
                n,
                a: &a,
                rsa: if a_transposed { 1 } else { k },
                csa: if a_transposed { m } else { 1 },
                b: &b,
                rsb: if b_transposed { 1 } else { n },
                csb: if b_transposed { k } else { 1 },
                ldc: n,
                accumulate: false,
            };
            let mut c = vec![f32::NAN; m * n];
            set_threads(threads);
            g.run(&mut c);
            set_threads(1);
            let what = std::format!("{threads} threads, transposed {a_transposed}");
            assert_matches(&what, &c, n, n, &oracle(&g, &c), k);
        }
    }
}

#[test]
fn forced_isa_is_used_and_available() {
    // `CORTEN_ISA=avx2 cargo test` runs every product on that ISA, and fails
    // here when the CPU lacks it.
    if let Ok(name) = std::env::var("CORTEN_ISA") {
        assert_eq!(Isa::current().name(), name);
        assert!(Isa::current().is_available());
    } else {
        assert!(Isa::current().is_available());
    }
}

#[test]
#[should_panic(expected = "`b` has 5 elements but a 2×3 matrix needs 6")]
fn wrong_length_panics_with_both_lengths() {
    matmul(1, 2, 3, &[0.0; 2], &[0.0; 5], &mut [0.0; 3]);
}

#[test]
#[should_panic(expected = "`a` has 4 elements but a 2×3 matrix with strides (3, 1) needs 6")]
fn short_strided_operand_panics() {
    Gemm {
        m: 2,
        k: 3,
        n: 1,
        a: &[0.0; 4],
        rsa: 3,
        csa: 1,
        b: &[0.0; 3],
        rsb: 1,
        csb: 1,
        ldc: 1,
        accumulate: false,
    }
    .run(&mut [0.0; 2]);
}

/// Sums of shifted products (the kernel rows of a convolution) on every ISA:
/// the streaming kernel's in-register sum, the per-segment fallback for a
/// strided or large B, accumulate, and C's padding columns untouched.
#[test]
fn segmented_products_match_oracle() {
    let shapes: &[(usize, usize, usize, usize)] = if cfg!(miri) {
        &[(3, 5, 9, 3), (9, 4, 7, 2)]
    } else {
        &[
            (1, 48, 32, 3),
            (7, 48, 32, 3),
            (224, 48, 32, 3),
            (13, 9, 17, 4),
            (5, 700, 200, 2),
            (20, 3, 9, 1),
            (6, 5, 4, 0),
        ]
    };
    for kernel in kernels() {
        for &(m, k, n, count) in shapes {
            for (csb_one, accumulate) in [(true, false), (true, true), (false, false)] {
                let (a_step, rsa) = (k / 2 + 1, k + 3);
                let a = data((m.max(1) - 1) * rsa + k + count * a_step + 1, 11);
                let (b_len, rsb, csb) = if csb_one {
                    (k * n, n, 1)
                } else {
                    (k * n, 1, k)
                };
                let b_step = b_len;
                let b = data(b_len * count.max(1), 12);
                let ldc = n + 1;
                let c0: Vec<f32> = data(m * ldc, 13);
                let g = Gemm {
                    m,
                    k,
                    n,
                    a: &a,
                    rsa,
                    csa: 1,
                    b: &b,
                    rsb,
                    csb,
                    ldc,
                    accumulate,
                };
                // The oracle: one product per segment, added up.
                let mut want = vec![0.0f64; m * n];
                for s in 0..count {
                    let part = Gemm {
                        a: &a[s * a_step..],
                        b: &b[s * b_step..],
                        accumulate: false,
                        ..g
                    };
                    for (w, p) in want.iter_mut().zip(oracle(&part, &c0)) {
                        *w += p;
                    }
                }
                if accumulate {
                    for i in 0..m {
                        for j in 0..n {
                            want[i * n + j] += c0[i * ldc + j] as f64;
                        }
                    }
                }
                let mut c = c0.clone();
                if !accumulate {
                    c.iter_mut()
                        .enumerate()
                        .filter(|(i, _)| i % ldc != n)
                        .for_each(|(_, v)| *v = f32::NAN);
                }
                let seg = Segments {
                    count,
                    a_step,
                    b_step,
                };
                kernel.run_segmented(g, seg, &mut c);
                let what = std::format!(
                    "{} segmented {m}x{k}x{n}x{count} csb1={csb_one} acc={accumulate}",
                    kernel.name()
                );
                assert_matches(&what, &c, ldc, n, &want, k * count.max(1));
                for i in 0..m {
                    assert_eq!(
                        c[i * ldc + n].to_bits(),
                        c0[i * ldc + n].to_bits(),
                        "{what}: padding column written"
                    );
                }
            }
        }
    }
}

#[test]
fn bias_started_sums_match_oracle() {
    // The fused `C = bias + A · B` of bare-metal targets (compact) and the
    // host's product then bias, against the oracle plus the bias.
    for &(m, k, n) in &[(1, 1, 16), (1, 16, 16), (1, 16, 1), (3, 7, 5), (9, 33, 17)] {
        let a = data(m * k, 21);
        let b = data(k * n, 22);
        let bias = data(n, 23);
        let g = Gemm {
            m,
            k,
            n,
            a: &a,
            rsa: k,
            csa: 1,
            b: &b,
            rsb: n,
            csb: 1,
            ldc: n,
            accumulate: false,
        };
        let mut want = oracle(&g, &[]);
        for (i, w) in want.iter_mut().enumerate() {
            *w += bias[i % n] as f64;
        }
        let mut fused = vec![f32::NAN; m * n];
        compact::gemm_from(g, Segments::ONE, &bias, &mut fused);
        assert_matches(
            &std::format!("compact bias {m}x{k}x{n}"),
            &fused,
            n,
            n,
            &want,
            k,
        );
        let mut host = vec![f32::NAN; m * n];
        matmul_bias(m, k, n, &a, &b, &bias, &mut host);
        assert_matches(
            &std::format!("matmul_bias {m}x{k}x{n}"),
            &host,
            n,
            n,
            &want,
            k,
        );
    }
}
