//! Hostile input against the public API: every case must end in an `Err`
//! naming what is wrong (or, for the slice-style `linalg` entry points, their
//! documented panic), never in UB, a crash, a hang or wrong numbers.
//!
//! CI runs this suite in debug and in `--release` (overflow checks off), and
//! under Miri. Each family is one test over a table of cases, so a failure
//! names every case that went wrong.

use corten::init::Initializer;
use corten::layer::{
    BatchNormalization, Conv1D, Conv2D, Conv2DTranspose, Dense, DepthwiseConv2D, Embedding,
    LayerNormalization,
};
use corten::linalg::{self, Gemm, Isa, Segments};
use corten::loss::{
    BinaryCrossentropy, CategoricalCrossentropy, Loss, MeanSquaredError,
    SparseCategoricalCrossentropy,
};
use corten::metric::Accuracy;
use corten::model::{EarlyStopping, FitOptions, Verbosity};
use corten::optimizer::Sgd;
use corten::prelude::*;
use corten::shape::{Const, Dyn, Shape, Sizes};
use corten::{sequential, Error, Tensor};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a case saw, when it was not what it should have been.
type Outcome = Result<(), String>;

/// A named case that owns what it captures.
type OwnedCase = (&'static str, Box<dyn Fn() -> Outcome>);

/// Runs every case and fails naming those that went wrong.
fn run(cases: &[(&str, &dyn Fn() -> Outcome)]) {
    let failed: Vec<String> = cases
        .iter()
        .filter_map(|(name, case)| match catch_unwind(AssertUnwindSafe(case)) {
            Ok(Ok(())) => None,
            Ok(Err(why)) => Some(format!("{name}: {why}")),
            Err(panic) => Some(format!("{name}: panicked: {}", message(&*panic))),
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}

fn message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// `Ok` when `result` is an error that `matches` accepts.
fn err<T: std::fmt::Debug>(result: Result<T, Error>, matches: impl Fn(&Error) -> bool) -> Outcome {
    match result {
        Err(e) if matches(&e) => Ok(()),
        Err(e) => Err(format!("the wrong error: {e:?} ({e})")),
        Ok(v) => Err(format!("Ok({v:?}) instead of an error")),
    }
}

/// `Ok` when `f` panics with a message containing `needle` (the documented
/// panics of the slice-style `linalg` entry points).
fn panics(needle: &str, f: impl FnOnce()) -> Outcome {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => Err("returned normally instead of panicking".into()),
        Err(p) if message(&*p).contains(needle) => Ok(()),
        Err(p) => Err(format!(
            "panicked with {:?}, expected {needle:?}",
            message(&*p)
        )),
    }
}

fn non_finite_weight(e: &Error) -> bool {
    matches!(e, Error::NonFiniteWeight { .. })
}

fn invalid_option(e: &Error) -> bool {
    matches!(e, Error::InvalidOption { .. })
}

fn size_overflow(e: &Error) -> bool {
    matches!(e, Error::SizeOverflow { .. })
}

/// A `Gemm` over the given operands and strides, `m × k · k × n`.
#[allow(clippy::too_many_arguments)]
fn gemm<'a>(
    (m, k, n): (usize, usize, usize),
    a: &'a [f32],
    (rsa, csa): (usize, usize),
    b: &'a [f32],
    (rsb, csb): (usize, usize),
    ldc: usize,
) -> Gemm<'a> {
    Gemm {
        m,
        k,
        n,
        a,
        rsa,
        csa,
        b,
        rsb,
        csb,
        ldc,
        accumulate: false,
    }
}

/// Every ISA this CPU can run (under Miri, the portable one: Miri runs no
/// SIMD kernels).
fn isas() -> impl Iterator<Item = Isa> {
    Isa::ALL
        .into_iter()
        .filter(|isa| isa.is_available() && (!cfg!(miri) || *isa == Isa::Portable))
}

#[test]
fn linalg_sizes_that_overflow_or_do_not_fit_panic_before_any_kernel_runs() {
    let huge = 1usize << 62;
    let per_isa = |g: Gemm<'static>, seg: Segments, needle: &'static str| {
        move || -> Outcome {
            for isa in isas() {
                let mut c = vec![0.0f32; 64];
                panics(needle, || g.run_segmented_with(isa, seg, &mut c))
                    .map_err(|e| format!("{}: {e}", isa.name()))?;
            }
            Ok(())
        }
    };
    static ONES: [f32; 64] = [1.0; 64];
    let (a, b): (&'static [f32], &'static [f32]) = (&ONES, &ONES);
    let one = Segments::ONE;
    let cases: Vec<OwnedCase> = vec![
        (
            "matmul k = 2^62",
            Box::new(|| {
                panics("more elements than fit", || {
                    linalg::matmul(4, 1 << 62, 4, &[], &[], &mut [0.0; 16])
                })
            }),
        ),
        (
            "matmul m·k overflows",
            Box::new(|| {
                panics("more elements than fit", || {
                    linalg::matmul(1 << 33, 1 << 33, 1, &[], &[], &mut [])
                })
            }),
        ),
        (
            "matmul a too short",
            Box::new(|| {
                panics("`a` has 3 elements", || {
                    linalg::matmul(2, 2, 2, &[0.0; 3], &[0.0; 4], &mut [0.0; 4])
                })
            }),
        ),
        (
            "matmul c too long",
            Box::new(|| {
                panics("`c` has 5 elements", || {
                    linalg::matmul(2, 2, 2, &[0.0; 4], &[0.0; 4], &mut [0.0; 5])
                })
            }),
        ),
        (
            "matmul_acc k = 2^62",
            Box::new(|| {
                panics("more elements than fit", || {
                    linalg::matmul_acc(4, 1 << 62, 4, &[], &[], &mut [0.0; 16])
                })
            }),
        ),
        (
            "matmul_at_b n·k overflows",
            Box::new(|| {
                panics("more elements than fit", || {
                    linalg::matmul_at_b(2, 1 << 63, 2, &[], &[], &mut [0.0; 4])
                })
            }),
        ),
        (
            "matmul_a_bt n·k overflows",
            Box::new(|| {
                panics("more elements than fit", || {
                    linalg::matmul_a_bt(2, 1 << 63, 2, &[], &[], &mut [0.0; 4])
                })
            }),
        ),
        (
            "Gemm ldc = usize::MAX",
            Box::new(per_isa(
                gemm((2, 2, 2), a, (2, 1), b, (2, 1), usize::MAX),
                one,
                "spans more elements than fit",
            )),
        ),
        (
            "Gemm ldc = 2^62",
            Box::new(per_isa(
                gemm((4, 2, 2), a, (2, 1), b, (2, 1), huge),
                one,
                "`c` has 64 elements",
            )),
        ),
        (
            "Gemm ldc < n",
            Box::new(per_isa(
                gemm((2, 2, 4), a, (2, 1), b, (4, 1), 3),
                one,
                "ldc 3 is less than n 4",
            )),
        ),
        (
            "Gemm rsa = usize::MAX",
            Box::new(per_isa(
                gemm((2, 2, 2), a, (usize::MAX, 1), b, (2, 1), 2),
                one,
                "`a`",
            )),
        ),
        (
            "Gemm csa = 2^63",
            Box::new(per_isa(
                gemm((1, 3, 2), a, (3, 1 << 63), b, (2, 1), 2),
                one,
                "spans more elements than fit",
            )),
        ),
        (
            "Gemm rsb = usize::MAX",
            Box::new(per_isa(
                gemm((2, 2, 2), a, (2, 1), b, (usize::MAX, 1), 2),
                one,
                "`b`",
            )),
        ),
        (
            "Gemm csb = 2^63",
            Box::new(per_isa(
                gemm((2, 2, 3), a, (2, 1), b, (3, 1 << 63), 3),
                one,
                "spans more elements than fit",
            )),
        ),
        (
            "Gemm stride-0 A, k = 2^62, b too short",
            Box::new(per_isa(
                gemm((2, 1 << 62, 2), a, (0, 0), b, (2, 1), 2),
                one,
                "`b`",
            )),
        ),
        (
            "Gemm a shorter than its strides",
            Box::new(per_isa(
                gemm((8, 8, 8), &a[..63], (8, 1), b, (8, 1), 8),
                one,
                "`a` has 63 elements",
            )),
        ),
        (
            "Gemm c shorter than m·ldc",
            Box::new(|| {
                for isa in isas() {
                    let mut c = vec![0.0f32; 15];
                    panics("`c` has 15 elements", || {
                        gemm((4, 4, 4), a, (4, 1), b, (4, 1), 4).run_with(isa, &mut c)
                    })?;
                }
                Ok(())
            }),
        ),
        (
            "segments a_step = 2^62",
            Box::new(per_isa(
                gemm((1, 2, 1), a, (2, 1), b, (1, 1), 1),
                Segments {
                    count: 2,
                    a_step: huge,
                    b_step: 1,
                },
                "segment 1 starts past the end of `a`",
            )),
        ),
        (
            "segments b_step = 2^62",
            Box::new(per_isa(
                gemm((1, 2, 1), a, (2, 1), b, (1, 1), 1),
                Segments {
                    count: 2,
                    a_step: 1,
                    b_step: huge,
                },
                "segment 1 starts past the end of `b`",
            )),
        ),
        (
            "segments count·step overflows",
            Box::new(per_isa(
                gemm((1, 2, 1), a, (2, 1), b, (1, 1), 1),
                Segments {
                    count: usize::MAX,
                    a_step: 4,
                    b_step: 1,
                },
                "starts past the end of `a`",
            )),
        ),
        (
            "segments count = usize::MAX, step 1",
            Box::new(per_isa(
                gemm((1, 2, 1), a, (2, 1), b, (1, 1), 1),
                Segments {
                    count: usize::MAX,
                    a_step: 1,
                    b_step: 1,
                },
                "starts past the end",
            )),
        ),
        (
            "an ISA this CPU lacks",
            Box::new(
                || match Isa::ALL.into_iter().find(|isa| !isa.is_available()) {
                    Some(isa) => panics("cannot run on this CPU", || {
                        gemm((1, 1, 1), a, (1, 1), b, (1, 1), 1).run_with(isa, &mut [0.0])
                    }),
                    None => Ok(()),
                },
            ),
        ),
    ];
    let cases: Vec<(&str, &dyn Fn() -> Outcome)> =
        cases.iter().map(|(n, f)| (*n, f.as_ref())).collect();
    run(&cases);
}

/// Zero strides are legal: every row of A is the same. The products must
/// be right, on every ISA and every path (few rows streamed, many blocked).
#[test]
fn linalg_zero_strides_give_the_right_numbers() {
    let a: Vec<f32> = (0..8).map(|v| v as f32 + 1.0).collect();
    let b: Vec<f32> = (0..8 * 40).map(|v| (v % 7) as f32 - 3.0).collect();
    for isa in isas() {
        let rows: &[usize] = if cfg!(miri) {
            &[1, 9, 40]
        } else {
            &[1, 2, 7, 9, 40, 300]
        };
        for &m in rows {
            let (k, n) = (8, 40);
            // A has rsa = 0: each row is a[..k]. A has csa = 0 too: each row is a[0] repeated.
            for (rsa, csa) in [(0usize, 1usize), (0, 0)] {
                let mut c = vec![f32::NAN; m * n];
                gemm((m, k, n), &a, (rsa, csa), &b, (n, 1), n).run_with(isa, &mut c);
                for i in 0..m {
                    for j in 0..n {
                        let want: f64 = (0..k)
                            .map(|p| f64::from(a[p * csa]) * f64::from(b[p * n + j]))
                            .sum();
                        let got = f64::from(c[i * n + j]);
                        assert!(
                            (got - want).abs() < 1e-4,
                            "{} m={m} ({rsa}, {csa}) [{i}, {j}]: {got} vs {want}",
                            isa.name()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn tensor_sizes_whose_product_overflows_are_errors() {
    type Dd = (Dyn, Dyn);
    run(&[
        ("from_vec (4, 2^62) with no data", &|| {
            err(
                Tensor::<Dd>::from_vec((Dyn(4), Dyn(1 << 62)), vec![]),
                size_overflow,
            )
        }),
        ("from_vec (2^63, 2) with no data", &|| {
            err(
                Tensor::<(Dyn, Const<2>)>::from_vec((Dyn(1 << 63), Const), vec![]),
                size_overflow,
            )
        }),
        ("from_vec (2^32, 2^32, 2)", &|| {
            err(
                Tensor::<(Dyn, Dyn, Const<2>)>::from_vec(
                    (Dyn(1 << 32), Dyn(1 << 32), Const),
                    vec![0.0; 4],
                ),
                size_overflow,
            )
        }),
        ("from_vec whose product wraps to the length", &|| {
            err(
                Tensor::<Dd>::from_vec((Dyn((1 << 63) + 1), Dyn(2)), vec![0.0; 2]),
                size_overflow,
            )
        }),
        ("from_slice (2^40, 2^40)", &|| {
            err(
                Tensor::<Dd>::from_slice((Dyn(1 << 40), Dyn(1 << 40)), &[]),
                size_overflow,
            )
        }),
        ("from_sizes [2^40, 2^40]", &|| {
            err(
                Tensor::<Dd>::from_sizes(&[1 << 40, 1 << 40], vec![]),
                size_overflow,
            )
        }),
        ("from_data over a slice", &|| {
            err(
                Tensor::<Dd, f32, &[f32]>::from_data((Dyn(1 << 60), Dyn(64)), &[][..]),
                size_overflow,
            )
        }),
        ("try_zeros (2^40, 2^40)", &|| {
            err(
                Tensor::<Dd>::try_zeros((Dyn(1 << 40), Dyn(1 << 40))),
                size_overflow,
            )
        }),
        ("from_vec one short", &|| {
            err(
                Tensor::<Dd>::from_vec((Dyn(2), Dyn(3)), vec![0.0; 5]),
                |e| {
                    matches!(
                        e,
                        Error::LengthMismatch {
                            expected: 6,
                            got: 5,
                            ..
                        }
                    )
                },
            )
        }),
        ("from_sizes of another rank", &|| {
            err(Tensor::<Dd>::from_sizes(&[2, 3, 4], vec![0.0; 24]), |e| {
                matches!(e, Error::ShapeMismatch { .. })
            })
        }),
        ("from_sizes of six axes", &|| {
            err(Tensor::<Dd>::from_sizes(&[1; 6], vec![0.0]), |e| {
                matches!(e, Error::ShapeMismatch { .. })
            })
        }),
        ("from_sizes with a static axis of another size", &|| {
            err(
                Tensor::<(Dyn, Const<3>)>::from_sizes(&[2, 4], vec![0.0; 8]),
                |e| matches!(e, Error::ShapeMismatch { .. }),
            )
        }),
        ("Sizes::new of six axes", &|| {
            err(Sizes::new(&[1; 6]), |e| {
                matches!(e, Error::TooManyAxes { rank: 6, max: 5 })
            })
        }),
        (
            "checked_numel (2^32, 2^32)",
            &|| match (Dyn(1 << 32), Dyn(1 << 32)).checked_numel() {
                None => Ok(()),
                Some(n) => Err(format!("Some({n})")),
            },
        ),
        (
            "numel saturates",
            &|| match (Dyn(1 << 32), Dyn(1 << 32)).numel() {
                usize::MAX => Ok(()),
                n => Err(format!("{n}")),
            },
        ),
    ]);
}

#[test]
fn tensor_operands_that_do_not_fit_are_errors() {
    type Dd = (Dyn, Dyn);
    let t =
        |r: usize, c: usize| Tensor::<Dd>::from_vec((Dyn(r), Dyn(c)), vec![1.0; r * c]).unwrap();
    run(&[
        ("matmul_into inner sizes differ", &|| {
            err(t(2, 3).matmul_into(&t(2, 3), &mut t(2, 3)), |e| {
                e.to_string().contains("expected a shape like (3, 3)")
            })
        }),
        ("matmul_into output of another shape", &|| {
            err(t(2, 3).matmul_into(&t(3, 4), &mut t(2, 5)), |e| {
                matches!(
                    e,
                    Error::ShapeMismatch {
                        what: "matmul output",
                        ..
                    }
                )
            })
        }),
        ("matmul inner sizes differ", &|| {
            err(t(2, 3).matmul(&t(4, 3)), |e| {
                matches!(e, Error::ShapeMismatch { .. })
            })
        }),
        ("add of other sizes", &|| {
            err(t(2, 3).add(&t(3, 2)), |e| {
                matches!(e, Error::ShapeMismatch { .. })
            })
        }),
        ("mul of other sizes", &|| {
            err(t(2, 3).mul(&t(2, 2)), |e| {
                matches!(e, Error::ShapeMismatch { .. })
            })
        }),
    ]);
}

#[test]
fn layer_weights_that_are_not_finite_or_do_not_fit_are_errors() {
    const NAN: f32 = f32::NAN;
    const INF: f32 = f32::INFINITY;
    let mut k6 = vec![0.5f32; 6];
    k6[4] = NAN;
    let k6 = &k6;
    let bn = |g: &[f32], b: &[f32], m: &[f32], v: &[f32]| {
        BatchNormalization::from_data::<Const<2>, f32, Vec<f32>>(
            g.to_vec(),
            b.to_vec(),
            m.to_vec(),
            v.to_vec(),
        )
    };
    run(&[
        ("Dense kernel NaN", &|| {
            err(
                Dense::<3>::from_data::<Const<2>, f32, _, _>(k6.clone(), vec![0.0; 3]),
                |e| {
                    matches!(
                        e,
                        Error::NonFiniteWeight {
                            weight: "Dense kernel",
                            index: 4,
                            ..
                        }
                    )
                },
            )
        }),
        ("Dense bias +inf", &|| {
            err(
                Dense::<3>::from_data::<Const<2>, f32, _, _>(vec![0.0; 6], vec![0.0, INF, 0.0]),
                |e| {
                    matches!(
                        e,
                        Error::NonFiniteWeight {
                            weight: "Dense bias",
                            index: 1,
                            ..
                        }
                    )
                },
            )
        }),
        ("Dense bias -inf", &|| {
            err(
                Dense::<3>::from_data::<Const<2>, f32, _, _>(vec![0.0; 6], vec![-INF, 0.0, 0.0]),
                non_finite_weight,
            )
        }),
        ("Dense kernel too short", &|| {
            err(
                Dense::<3>::from_data::<Const<2>, f32, _, _>(vec![0.0; 5], vec![0.0; 3]),
                |e| matches!(e, Error::LengthMismatch { .. }),
            )
        }),
        ("Dense f64 kernel NaN", &|| {
            err(
                Dense::<1>::from_data::<Const<1>, f64, _, _>(vec![f64::NAN], vec![0.0]),
                non_finite_weight,
            )
        }),
        ("Conv2D kernel NaN", &|| {
            err(
                Conv2D::<1, 1>::from_data::<Const<6>, f32, _, _>(k6.clone(), vec![0.0]),
                non_finite_weight,
            )
        }),
        ("Conv2D bias NaN", &|| {
            err(
                Conv2D::<1, 1>::from_data::<Const<6>, f32, _, _>(vec![0.0; 6], vec![NAN]),
                non_finite_weight,
            )
        }),
        ("Conv2D kernel too long", &|| {
            err(
                Conv2D::<1, 1>::from_data::<Const<6>, f32, _, _>(vec![0.0; 7], vec![0.0]),
                |e| matches!(e, Error::LengthMismatch { .. }),
            )
        }),
        ("Conv1D kernel NaN", &|| {
            err(
                Conv1D::<1, 3>::from_data::<Const<2>, f32, _, _>(k6.clone(), vec![0.0]).map(|_| ()),
                non_finite_weight,
            )
        }),
        ("DepthwiseConv2D kernel inf", &|| {
            err(
                DepthwiseConv2D::<1>::from_data::<Const<2>, f32, _, _>(
                    vec![INF, 0.0],
                    vec![0.0; 2],
                )
                .map(|_| ()),
                non_finite_weight,
            )
        }),
        ("Conv2DTranspose kernel NaN", &|| {
            err(
                Conv2DTranspose::<3, 1>::from_data::<Const<2>, f32, _, _>(k6.clone(), vec![0.0; 3])
                    .map(|_| ()),
                non_finite_weight,
            )
        }),
        ("Embedding table NaN", &|| {
            err(Embedding::<3, 2>::from_data(k6.clone()), |e| {
                matches!(
                    e,
                    Error::NonFiniteWeight {
                        weight: "Embedding table",
                        ..
                    }
                )
            })
        }),
        ("BatchNormalization gamma NaN", &|| {
            err(
                bn(&[NAN, 1.0], &[0.0; 2], &[0.0; 2], &[1.0; 2]),
                non_finite_weight,
            )
        }),
        ("BatchNormalization moving_mean inf", &|| {
            err(
                bn(&[1.0; 2], &[0.0; 2], &[0.0, INF], &[1.0; 2]),
                non_finite_weight,
            )
        }),
        ("BatchNormalization variance below 0", &|| {
            err(bn(&[1.0; 2], &[0.0; 2], &[0.0; 2], &[1.0, -0.5]), |e| {
                matches!(
                    e,
                    Error::NonFiniteWeight {
                        weight: "BatchNormalization moving_variance",
                        index: 1,
                        ..
                    }
                )
            })
        }),
        ("BatchNormalization variance NaN", &|| {
            err(
                bn(&[1.0; 2], &[0.0; 2], &[0.0; 2], &[NAN, 1.0]),
                non_finite_weight,
            )
        }),
        ("BatchNormalization beta too short", &|| {
            err(bn(&[1.0; 2], &[0.0; 1], &[0.0; 2], &[1.0; 2]), |e| {
                matches!(e, Error::LengthMismatch { .. })
            })
        }),
        ("LayerNormalization beta NaN", &|| {
            err(
                LayerNormalization::from_data::<Const<2>, f32, _>(vec![1.0; 2], vec![0.0, NAN]),
                non_finite_weight,
            )
        }),
    ]);
}

#[test]
fn initializer_parameters_are_checked_where_they_are_given() {
    use Initializer::*;
    let dense = |k: Initializer, b: Initializer| Dense::<2>::new().with_initializers(k, b);
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    run(&[
        ("RandomNormal stddev NaN", &|| {
            err(
                dense(
                    RandomNormal {
                        mean: 0.0,
                        stddev: nan,
                    },
                    Zeros,
                ),
                invalid_option,
            )
        }),
        ("RandomNormal stddev +inf", &|| {
            err(
                dense(
                    RandomNormal {
                        mean: 0.0,
                        stddev: inf,
                    },
                    Zeros,
                ),
                invalid_option,
            )
        }),
        ("RandomNormal stddev < 0", &|| {
            err(
                dense(
                    RandomNormal {
                        mean: 0.0,
                        stddev: -1.0,
                    },
                    Zeros,
                ),
                invalid_option,
            )
        }),
        ("RandomNormal mean NaN", &|| {
            err(
                dense(
                    RandomNormal {
                        mean: nan,
                        stddev: 1.0,
                    },
                    Zeros,
                ),
                invalid_option,
            )
        }),
        ("RandomUniform max +inf", &|| {
            err(
                dense(RandomUniform { min: 0.0, max: inf }, Zeros),
                invalid_option,
            )
        }),
        ("RandomUniform min NaN", &|| {
            err(
                dense(RandomUniform { min: nan, max: 1.0 }, Zeros),
                invalid_option,
            )
        }),
        ("RandomUniform min > max", &|| {
            err(
                dense(
                    RandomUniform {
                        min: 1.0,
                        max: -1.0,
                    },
                    Zeros,
                ),
                invalid_option,
            )
        }),
        ("Constant NaN bias", &|| {
            err(dense(GlorotUniform, Constant(nan)), invalid_option)
        }),
        ("Constant -inf kernel", &|| {
            err(dense(Constant(-inf), Zeros), invalid_option)
        }),
        ("Orthogonal gain NaN", &|| {
            err(dense(Orthogonal { gain: nan }, Zeros), invalid_option)
        }),
        ("Conv2D Constant NaN", &|| {
            err(
                Conv2D::<2, 3>::default().with_initializers(Constant(nan), Zeros),
                invalid_option,
            )
        }),
        ("Conv1D RandomNormal stddev inf", &|| {
            err(
                Conv1D::<2, 3>::default().with_initializers(
                    RandomNormal {
                        mean: 0.0,
                        stddev: inf,
                    },
                    Zeros,
                ),
                invalid_option,
            )
        }),
        ("DepthwiseConv2D RandomUniform NaN", &|| {
            err(
                DepthwiseConv2D::<3>::default()
                    .with_initializers(RandomUniform { min: nan, max: 0.0 }, Zeros),
                invalid_option,
            )
        }),
        ("Conv2DTranspose Constant inf bias", &|| {
            err(
                Conv2DTranspose::<2, 2>::default().with_initializers(Zeros, Constant(inf)),
                invalid_option,
            )
        }),
        ("draw with stddev NaN", &|| {
            let mut rng = corten::random::Rng::seed_from(1);
            err(
                RandomNormal {
                    mean: 0.0,
                    stddev: nan,
                }
                .draw::<f32>(&mut rng, (2, 2), 2, 2),
                invalid_option,
            )
        }),
        ("draw of 2^40 × 2^40 values", &|| {
            let mut rng = corten::random::Rng::seed_from(1);
            err(
                Zeros.draw::<f32>(&mut rng, (1, 1), 1 << 40, 1 << 40),
                size_overflow,
            )
        }),
        ("valid parameters still build", &|| {
            let spec = dense(
                RandomNormal {
                    mean: 0.0,
                    stddev: 0.0,
                },
                Constant(0.25),
            )
            .map_err(|e| e.to_string())?;
            let model = sequential![Input<3>, (spec)];
            match model.get_weights().as_slice() {
                [k, b] if k.iter().all(|&v| v == 0.0) && b == &[0.25f32; 2] => Ok(()),
                w => Err(format!("weights {w:?}")),
            }
        }),
    ]);
}

#[test]
fn set_weights_rejects_what_does_not_fit_or_is_not_finite_and_changes_nothing() {
    let model = || {
        let mut m = sequential![Input<2>, Dense<2, Relu>, Dense<1>];
        m.set_weights(&[vec![1.0; 4], vec![0.0; 2], vec![1.0; 2], vec![0.0]])
            .unwrap();
        m
    };
    let good = vec![vec![1.0f32; 4], vec![0.0; 2], vec![1.0; 2], vec![0.0]];
    let check = |weights: Vec<Vec<f32>>, matches: &dyn Fn(&Error) -> bool| -> Outcome {
        let mut m = model();
        err(m.set_weights(&weights), matches)?;
        if m.get_weights() != good {
            return Err(format!("the weights changed: {:?}", m.get_weights()));
        }
        Ok(())
    };
    let with = |layer: usize, index: usize, v: f32| {
        let mut w = good.clone();
        w[layer][index] = v;
        w
    };
    run(&[
        ("NaN in the first kernel", &|| {
            check(with(0, 3, f32::NAN), &|e| {
                e.to_string() == "layer `dense`, weight `kernel`: element 3 is not a valid value (NaN, infinite, or a negative variance)"
            })
        }),
        ("inf in the second kernel", &|| {
            check(
                with(2, 1, f32::INFINITY),
                &|e| matches!(e, Error::NonFiniteWeight { layer: Some(l), weight: "kernel", index: 1 } if l.to_string() == "dense_1"),
            )
        }),
        ("-inf in the last bias", &|| {
            check(
                with(3, 0, f32::NEG_INFINITY),
                &|e| matches!(e, Error::NonFiniteWeight { layer: Some(l), weight: "bias", .. } if l.to_string() == "dense_1"),
            )
        }),
        ("a tensor missing", &|| {
            check(good[..3].to_vec(), &|e| {
                matches!(
                    e,
                    Error::LengthMismatch {
                        expected: 4,
                        got: 3,
                        ..
                    }
                )
            })
        }),
        ("a tensor too many", &|| {
            check([good.clone(), vec![vec![0.0]]].concat(), &|e| {
                matches!(e, Error::LengthMismatch { .. })
            })
        }),
        ("a kernel one short", &|| {
            check(
                vec![vec![1.0; 3], vec![0.0; 2], vec![1.0; 2], vec![0.0]],
                &|e| {
                    e.to_string() == "weight `dense/kernel`: the layer's shape is (2, 2) (4 values), the one given (3,) (3 values)"
                },
            )
        }),
        ("a transposed kernel, given with its shape", &|| {
            let mut m = sequential![Input<2>, Dense<3>];
            let before = m.get_weights();
            let shaped =
                |sizes: &[usize], v: Vec<f32>| (corten::shape::Sizes::new(sizes).unwrap(), v);
            err(
                m.set_weights(&[shaped(&[3, 2], vec![1.0; 6]), shaped(&[3], vec![0.0; 3])]),
                |e| matches!(e, Error::WeightShape { weight, expected, got } if weight == "dense/kernel" && expected.as_slice() == [2, 3] && got.as_slice() == [3, 2]),
            )?;
            (m.get_weights() == before)
                .then_some(())
                .ok_or_else(|| "the weights changed".into())
        }),
        ("a BatchNormalization variance below 0", &|| {
            let mut m = sequential![Input<2>, BatchNormalization];
            let before = m.get_weights();
            err(
                m.set_weights(&[vec![1.0; 2], vec![0.0; 2], vec![0.0; 2], vec![1.0, -1.0]]),
                |e| {
                    matches!(
                        e,
                        Error::NonFiniteWeight {
                            weight: "moving_variance",
                            index: 1,
                            ..
                        }
                    )
                },
            )?;
            (m.get_weights() == before)
                .then_some(())
                .ok_or_else(|| "the weights changed".into())
        }),
        ("read-only weights", &|| {
            static K: [f32; 2] = [1.0, 2.0];
            static B: [f32; 1] = [0.0];
            let dense = Dense::<1>::from_data::<Const<2>, f32, _, _>(&K[..], &B[..]).unwrap();
            let mut m = sequential![Input<2>, (dense)];
            err(m.set_weights(&[vec![], vec![]]), |e| {
                matches!(e, Error::ReadOnlyWeight { .. })
            })?;
            // They are read all the same.
            (m.get_weights() == [K.to_vec(), B.to_vec()])
                .then_some(())
                .ok_or_else(|| format!("read {:?}", m.get_weights()))
        }),
    ]);
}

#[test]
fn predict_rejects_bad_input_and_says_when_the_output_overflows() {
    let x = |v: f32| Tensor::<(Dyn, Const<2>)>::from_vec((Dyn(1), Const), vec![1.0, v]).unwrap();
    let big = Tensor::<(Dyn, Const<2>)>::from_vec((Dyn(1), Const), vec![3e38, 3e38]).unwrap();
    let model = sequential![Input<2>, Dense<1>::from_weights([[1.0f32], [1.0]], [0.0])];
    let non_finite_output = |e: &Error| {
        matches!(
            e,
            Error::NonFiniteOutput {
                what: "predict",
                index: 0
            }
        )
    };
    run(&[
        ("NaN input", &|| {
            err(model.predict(&x(f32::NAN)), |e| {
                matches!(
                    e,
                    Error::NonFinite {
                        what: "model input",
                        index: 1
                    }
                )
            })
        }),
        ("inf input", &|| {
            err(model.predict(&x(f32::INFINITY)), |e| {
                matches!(e, Error::NonFinite { .. })
            })
        }),
        ("NaN input, predict_into", &|| {
            let mut y = Tensor::<(Dyn, Const<1>)>::from_vec((Dyn(1), Const), vec![0.0]).unwrap();
            err(model.predict_into(&x(f32::NAN), &mut y, &mut []), |e| {
                matches!(e, Error::NonFinite { .. })
            })
        }),
        ("predict_into with another batch", &|| {
            let mut y = Tensor::<(Dyn, Const<1>)>::from_vec((Dyn(2), Const), vec![0.0; 2]).unwrap();
            err(model.predict_into(&x(1.0), &mut y, &mut []), |e| {
                matches!(
                    e,
                    Error::BatchMismatch {
                        expected: 1,
                        got: 2
                    }
                )
            })
        }),
        ("predict_into with too little scratch", &|| {
            let cnn = sequential![Input<4, 4, 1>, Conv2D<2, 3>, Flatten, Dense<1>];
            let x = Tensor::from_array([[[[0.5f32]; 4]; 4]]);
            let mut y = Tensor::from_array([[0.0f32]]);
            err(cnn.predict_into(&x, &mut y, &mut [0.0; 3]), |e| {
                matches!(e, Error::ScratchTooSmall { got: 3, .. })
            })
        }),
        ("finite weights and input that overflow", &|| {
            err(model.predict(&big), non_finite_output)
        }),
        ("overflow in predict_into", &|| {
            let mut y = Tensor::<(Dyn, Const<1>)>::from_vec((Dyn(1), Const), vec![0.0]).unwrap();
            err(model.predict_into(&big, &mut y, &mut []), non_finite_output)
        }),
        ("a NaN weight given inline", &|| {
            let m = sequential![Input<2>, Dense<1, Relu>::from_weights([[f32::NAN], [1.0]], [0.0]), Dense<1>::from_weights([[1.0f32]], [0.0])];
            // ReLU maps NaN to 0 on some paths; the output must not look fine.
            let y = m.predict(&x(1.0));
            match y {
                Err(_) => Ok(()),
                Ok(y) if y.as_slice()[0].is_nan() => Err("Ok(NaN)".into()),
                Ok(y) => Err(format!("Ok({:?}) from a NaN weight", y.as_slice())),
            }
        }),
        ("predict_in_batches of 0", &|| {
            err(model.predict_in_batches(&x(1.0), 0), invalid_option)
        }),
        ("Embedding id out of range", &|| {
            let m = sequential![Input<2>, Embedding<4, 2>, Flatten, Dense<1>];
            err(m.predict(&x(4.0)), |e| {
                matches!(
                    e,
                    Error::IndexOutOfRange {
                        index: 1,
                        limit: 4,
                        ..
                    }
                )
            })
        }),
        ("Embedding id negative", &|| {
            let m = sequential![Input<2>, Embedding<4, 2>, Flatten, Dense<1>];
            err(m.predict(&x(-1.0)), |e| {
                matches!(e, Error::IndexOutOfRange { .. })
            })
        }),
        ("Embedding id not whole", &|| {
            let m = sequential![Input<2>, Embedding<4, 2>, Flatten, Dense<1>];
            err(m.predict(&x(1.5)), |e| {
                matches!(e, Error::IndexOutOfRange { .. })
            })
        }),
    ]);
}

type Samples = Tensor<(Dyn, Const<2>), f32>;
type Labels = Tensor<(Dyn, Const<1>), f32>;

/// `n` samples on a line, labelled 0 below the middle and 1 above.
fn data(n: usize) -> (Samples, Labels) {
    let x: Vec<f32> = (0..2 * n).map(|i| (i % 13) as f32 / 13.0 - 0.5).collect();
    let y: Vec<f32> = (0..n)
        .map(|i| f32::from(u8::from(x[2 * i] + x[2 * i + 1] > 0.0)))
        .collect();
    (
        Tensor::from_vec((Dyn(n), Const), x).unwrap(),
        Tensor::from_vec((Dyn(n), Const), y).unwrap(),
    )
}

fn quiet<'a>() -> FitOptions<'a> {
    FitOptions {
        verbose: Verbosity::Silent,
        shuffle: false,
        batch_size: 16,
        ..Default::default()
    }
}

fn classifier() -> corten::model::Sequential<
    (Const<2>,),
    impl corten::layer::Layer<f32, Input = (Const<2>,), Output = (Const<2>,)>,
    f32,
> {
    let mut m = sequential![Input<2>, Dense<4, Relu>, Dense<2, Softmax>];
    m.compile(
        Sgd::default(),
        SparseCategoricalCrossentropy::default(),
        [Accuracy],
    );
    m
}

#[test]
fn fit_and_evaluate_reject_bad_data_and_options_before_training() {
    let (x, y) = data(32);
    let labels =
        |v: Vec<f32>| Tensor::<(Dyn, Const<1>)>::from_vec((Dyn(v.len()), Const), v).unwrap();
    let fit = |y: &Labels, options: FitOptions<'_>| {
        let mut m = classifier();
        let before = m.get_weights();
        let result = m.fit(&x, y, options);
        assert_eq!(
            m.get_weights(),
            before,
            "an error before training must leave the weights alone"
        );
        result
    };
    let stop = |monitor: &str| FitOptions {
        callbacks: vec![Box::new(EarlyStopping::new(monitor, 1))],
        ..quiet()
    };
    run(&[
        ("not compiled", &|| {
            err(sequential![Input<2>, Dense<1>].fit(&x, &y, quiet()), |e| {
                matches!(e, Error::NotCompiled)
            })
        }),
        ("batch_size 0", &|| {
            err(
                fit(
                    &y,
                    FitOptions {
                        batch_size: 0,
                        ..quiet()
                    },
                ),
                invalid_option,
            )
        }),
        ("validation_split 1", &|| {
            err(
                fit(
                    &y,
                    FitOptions {
                        validation_split: 1.0,
                        ..quiet()
                    },
                ),
                invalid_option,
            )
        }),
        ("validation_split NaN", &|| {
            err(
                fit(
                    &y,
                    FitOptions {
                        validation_split: f64::NAN,
                        ..quiet()
                    },
                ),
                invalid_option,
            )
        }),
        ("validation_split < 0", &|| {
            err(
                fit(
                    &y,
                    FitOptions {
                        validation_split: -0.1,
                        ..quiet()
                    },
                ),
                invalid_option,
            )
        }),
        ("a class 7 of 2", &|| {
            let mut v = y.to_vec();
            v[5] = 7.0;
            err(fit(&labels(v), quiet()), |e| {
                matches!(
                    e,
                    Error::LabelOutOfRange {
                        index: 5,
                        classes: 2,
                        ..
                    }
                )
            })
        }),
        ("a class -1", &|| {
            let mut v = y.to_vec();
            v[0] = -1.0;
            err(fit(&labels(v), quiet()), |e| {
                matches!(e, Error::LabelOutOfRange { .. })
            })
        }),
        ("a class 0.5", &|| {
            let mut v = y.to_vec();
            v[0] = 0.5;
            err(fit(&labels(v), quiet()), |e| {
                matches!(e, Error::LabelOutOfRange { .. })
            })
        }),
        ("a NaN label", &|| {
            let mut v = y.to_vec();
            v[3] = f32::NAN;
            err(fit(&labels(v), quiet()), |e| {
                matches!(
                    e,
                    Error::NonFinite {
                        what: "labels",
                        index: 3
                    }
                )
            })
        }),
        ("fewer labels than samples", &|| {
            err(fit(&labels(vec![0.0; 31]), quiet()), |e| {
                matches!(e, Error::BatchMismatch { .. })
            })
        }),
        ("NaN in the samples", &|| {
            let mut v = x.to_vec();
            v[7] = f32::NAN;
            let x = Samples::from_vec((Dyn(32), Const), v).unwrap();
            err(classifier().fit(&x, &y, quiet()), |e| {
                matches!(e, Error::NonFinite { index: 7, .. })
            })
        }),
        ("no samples", &|| {
            let x = Samples::from_vec((Dyn(0), Const), vec![]).unwrap();
            err(classifier().fit(&x, &labels(vec![]), quiet()), |e| {
                matches!(e, Error::EmptyDataset { .. })
            })
        }),
        ("EarlyStopping on a misspelled log", &|| {
            err(fit(&y, stop("val_los")), |e| {
                e.to_string()
                    == "a callback monitors `val_los`, but fit logs only `loss`, `accuracy`"
            })
        }),
        ("EarlyStopping on val_loss without validation data", &|| {
            err(fit(&y, stop("val_loss")), |e| {
                matches!(e, Error::UnknownLog { .. })
            })
        }),
        ("EarlyStopping on val_loss with validation data", &|| {
            let mut m = classifier();
            m.fit(
                &x,
                &y,
                FitOptions {
                    validation_split: 0.25,
                    ..stop("val_accuracy")
                },
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
        }),
        ("evaluate a class out of range", &|| {
            let mut v = y.to_vec();
            v[0] = 2.0;
            err(classifier().evaluate(&x, &labels(v)), |e| {
                matches!(e, Error::LabelOutOfRange { .. })
            })
        }),
        ("evaluate NaN labels", &|| {
            let mut v = y.to_vec();
            v[0] = f32::INFINITY;
            err(classifier().evaluate(&x, &labels(v)), |e| {
                matches!(e, Error::NonFinite { .. })
            })
        }),
        ("evaluate not compiled", &|| {
            err(sequential![Input<2>, Dense<1>].evaluate(&x, &y), |e| {
                matches!(e, Error::NotCompiled)
            })
        }),
        ("evaluate an output that overflows", &|| {
            let mut m = sequential![Input<2>, Dense<1>::from_weights([[3e38f32], [3e38]], [0.0])];
            m.compile(Sgd::default(), MeanSquaredError, [corten::metric::Mae]);
            let x = Samples::from_vec((Dyn(1), Const), vec![1.0, 1.0]).unwrap();
            err(m.evaluate(&x, &labels(vec![0.0])), |e| {
                matches!(
                    e,
                    Error::NonFiniteOutput {
                        what: "evaluate",
                        ..
                    }
                )
            })
        }),
    ]);
}

#[test]
fn a_loss_that_turns_non_finite_puts_back_the_weights_of_the_last_finite_step() {
    // Batches of 16, in order: the fourth holds a label of 1e30, whose square
    // overflows, so the loss is infinite there and finite before.
    let (x, _) = data(64);
    let mut targets = vec![0.5f32; 64];
    targets[50] = 1e30;
    let model = || {
        let mut m = sequential![Input<2>, Dense<3, Relu>, Dense<1>];
        m.compile(
            Sgd {
                learning_rate: 0.01,
                momentum: 0.9,
                ..Default::default()
            },
            MeanSquaredError,
            [corten::metric::Mae],
        );
        m
    };
    let mut diverged = model();
    let err = diverged
        .fit(
            &x,
            &Labels::from_vec((Dyn(64), Const), targets.clone()).unwrap(),
            quiet(),
        )
        .unwrap_err();
    assert_eq!(err, Error::NonFiniteLoss { epoch: 1, batch: 4 });
    // The reference: the same model trained on the first three batches only.
    let mut reference = model();
    let first = |v: &[f32], n: usize| v[..n].to_vec();
    reference
        .fit(
            &Samples::from_vec((Dyn(48), Const), first(x.as_slice(), 96)).unwrap(),
            &Labels::from_vec((Dyn(48), Const), first(&targets, 48)).unwrap(),
            quiet(),
        )
        .unwrap();
    assert_eq!(diverged.get_weights(), reference.get_weights());
    // Training goes on from there as from the reference (the momentum too).
    let tail_x = Samples::from_vec((Dyn(16), Const), x.as_slice()[96..128].to_vec()).unwrap();
    let tail_y = Labels::from_vec((Dyn(16), Const), vec![0.5; 16]).unwrap();
    diverged.fit(&tail_x, &tail_y, quiet()).unwrap();
    reference.fit(&tail_x, &tail_y, quiet()).unwrap();
    assert_eq!(diverged.get_weights(), reference.get_weights());
    assert!(diverged.predict(&x).is_ok());
}

#[test]
fn an_update_that_overflows_a_weight_is_undone() {
    // A learning rate so large that the first update overflows every weight.
    let (x, y) = data(16);
    let mut m = sequential![Input<2>, Dense<1>];
    m.compile(
        Sgd {
            learning_rate: 3e38,
            ..Default::default()
        },
        MeanSquaredError,
        [corten::metric::Mae],
    );
    let before = m.get_weights();
    let targets = Labels::from_vec(
        (Dyn(16), Const),
        y.as_slice().iter().map(|v| v * 100.0 + 50.0).collect(),
    )
    .unwrap();
    let err = m.fit(&x, &targets, quiet()).unwrap_err();
    assert_eq!(err, Error::NonFiniteUpdate { epoch: 1, batch: 1 });
    assert_eq!(m.get_weights(), before);
    assert!(m.predict(&x).is_ok());
}

#[test]
fn losses_reject_labels_that_do_not_fit() {
    let scce = SparseCategoricalCrossentropy::default();
    let pred = [0.25f32, 0.75, 0.5, 0.5];
    run(&[
        ("missing labels", &|| {
            err(scce.loss(&pred, &[1.0], 2, None), |e| {
                matches!(
                    e,
                    Error::LabelMismatch {
                        samples: 2,
                        per_sample: 1,
                        got: 1
                    }
                )
            })
        }),
        ("no labels at all", &|| {
            err(MeanSquaredError.loss(&pred, &[], 2, None), |e| {
                matches!(e, Error::LabelMismatch { .. })
            })
        }),
        ("too many labels", &|| {
            err(MeanSquaredError.loss(&pred, &[0.0; 5], 2, None), |e| {
                matches!(e, Error::LabelMismatch { .. })
            })
        }),
        ("class 7 of 2", &|| {
            err(scce.loss(&pred, &[1.0, 7.0], 2, None), |e| {
                matches!(
                    e,
                    Error::LabelOutOfRange {
                        index: 1,
                        classes: 2,
                        ..
                    }
                )
            })
        }),
        ("class NaN", &|| {
            err(scce.loss(&pred, &[f32::NAN, 0.0], 2, None), |e| {
                matches!(e, Error::NonFinite { .. })
            })
        }),
        ("a NaN target", &|| {
            err(
                CategoricalCrossentropy::default().loss(&pred, &[0.0, f32::NAN, 1.0, 0.0], 2, None),
                |e| matches!(e, Error::NonFinite { .. }),
            )
        }),
        ("width 0", &|| {
            err(
                BinaryCrossentropy::default().loss(&pred, &pred, 0, None),
                invalid_option,
            )
        }),
        ("ragged predictions", &|| {
            err(MeanSquaredError.loss(&pred[..3], &[0.0; 3], 2, None), |e| {
                matches!(e, Error::LengthMismatch { .. })
            })
        }),
        ("a gradient buffer too short", &|| {
            err(
                MeanSquaredError.loss(&pred, &pred, 2, Some(&mut [0.0; 3])),
                |e| matches!(e, Error::LengthMismatch { .. }),
            )
        }),
        (
            "right labels still work",
            &|| match scce.loss(&pred, &[1.0, 0.0], 2, None) {
                Ok(v) if (f64::from(v) - (-(0.75f64.ln()) - 0.5f64.ln()) / 2.0).abs() < 1e-6 => {
                    Ok(())
                }
                other => Err(format!("{other:?}")),
            },
        ),
    ]);
}

#[test]
fn digits_bytes_that_are_not_the_format_are_errors() {
    use corten::datasets::parse_digits;
    let good: &[u8] = include_bytes!("../src/datasets/digits.bin");
    let format = |e: &Error| matches!(e, Error::Format { .. } | Error::LengthMismatch { .. });
    let with = |at: usize, v: u8| {
        let mut b = good.to_vec();
        b[at] = v;
        b
    };
    run(&[
        ("empty", &|| err(parse_digits(&[]), format)),
        ("the header only, cut", &|| {
            err(parse_digits(&good[..6]), format)
        }),
        ("another magic", &|| {
            err(parse_digits(&with(0, b'X')), format)
        }),
        ("one byte short", &|| {
            err(parse_digits(&good[..good.len() - 1]), format)
        }),
        ("one byte over", &|| {
            err(parse_digits(&[good, &[0]].concat()), format)
        }),
        ("a count of 65535", &|| {
            err(
                parse_digits(&[&good[..5], &[0xff, 0xff], &good[7..]].concat()),
                format,
            )
        }),
        ("a label of 10", &|| {
            err(parse_digits(&with(7, 10)), |e| {
                matches!(
                    e,
                    Error::Format {
                        problem: "a label is not a digit",
                        ..
                    }
                )
            })
        }),
        ("a pixel of 31", &|| {
            err(parse_digits(&with(8, 0x1f)), |e| {
                matches!(
                    e,
                    Error::Format {
                        problem: "a pixel is above 16",
                        ..
                    }
                )
            })
        }),
    ]);
}

/// Random corruptions of the real file (seeded): each is parsed to `Ok` or
/// `Err`, never a panic; and every `Ok` holds pixels in [0, 1], digits 0–9.
#[test]
fn digits_parser_survives_seeded_corruption() {
    use corten::datasets::parse_digits;
    let good: &[u8] = include_bytes!("../src/datasets/digits.bin");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let rounds = if cfg!(miri) { 3 } else { 400 };
    for round in 0..rounds {
        let mut bytes = good.to_vec();
        match next() % 4 {
            0 => bytes.truncate((next() as usize) % good.len()),
            1 => {
                for _ in 0..1 + next() % 8 {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] = next() as u8;
                }
            }
            2 => bytes.extend((0..next() % 64).map(|_| next() as u8)),
            _ => {
                let at = (next() as usize) % bytes.len();
                bytes.drain(at..(at + (next() as usize) % 64).min(bytes.len()));
            }
        }
        let parsed = catch_unwind(|| parse_digits(&bytes));
        match parsed {
            Err(p) => panic!("round {round}: parse_digits panicked: {}", message(&*p)),
            Ok(Ok(d)) => {
                assert!(
                    d.images
                        .as_slice()
                        .iter()
                        .all(|&p| (0.0..=1.0).contains(&p)),
                    "round {round}"
                );
                assert!(
                    d.labels
                        .as_slice()
                        .iter()
                        .all(|&l| (0.0..=9.0).contains(&l) && l.fract() == 0.0),
                    "round {round}"
                );
                assert_eq!(
                    d.images.as_slice().len(),
                    64 * d.labels.as_slice().len(),
                    "round {round}"
                );
            }
            Ok(Err(_)) => {}
        }
    }
}

/// An unknown or unavailable `CORTEN_ISA` is reported and ignored: this test
/// runs itself again in a child process with the variable set.
#[test]
fn an_isa_that_cannot_be_used_is_reported_once_and_ignored() {
    if std::env::var_os("CORTEN_HOSTILE_CHILD").is_some() {
        let model = sequential![Input<2>, Dense<1>::from_weights([[1.0f32], [10.0]], [0.0])];
        let y = model.predict(&Tensor::from_array([[1.0f32, 2.0]])).unwrap();
        let y2 = model.predict(&Tensor::from_array([[1.0f32, 2.0]])).unwrap();
        assert_eq!(
            (y.as_slice(), y2.as_slice()),
            (&[21.0f32][..], &[21.0f32][..])
        );
        return;
    }
    if cfg!(miri) {
        return; // Miri cannot start processes.
    }
    let unavailable = Isa::ALL
        .into_iter()
        .find(|isa| !isa.is_available())
        .map(Isa::name);
    for name in ["bogus"].into_iter().chain(unavailable) {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "an_isa_that_cannot_be_used_is_reported_once_and_ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CORTEN_HOSTILE_CHILD", "1")
            .env("CORTEN_ISA", name)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "CORTEN_ISA={name}: the child failed:\n{stderr}"
        );
        assert_eq!(
            stderr
                .matches(&format!("corten: CORTEN_ISA={name}"))
                .count(),
            1,
            "CORTEN_ISA={name}: reported once:\n{stderr}"
        );
    }
}

/// The suite holds about a hundred cases; this keeps it from shrinking
/// silently (a family whose table loses cases fails here).
#[test]
fn the_suite_counts_its_cases() {
    let source = include_str!("hostile.rs");
    let cases = source.matches("(\"").count();
    assert!(cases >= 100, "{cases} cases");
}
