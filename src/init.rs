//! Weight initializers with Keras's definitions, drawn from a seeded
//! generator.

#[cfg(feature = "std")]
use crate::Element;
#[cfg(feature = "std")]
use alloc::vec::Vec;
#[cfg(feature = "std")]
#[cfg(feature = "std")]
use rand_distr::{Distribution, Normal, Uniform};

/// How a weight tensor's first values are drawn (Keras's `initializers`).
///
/// The variance-scaling ones use the tensor's fans: for a Dense kernel
/// `(inputs, units)` they are `inputs` and `units`; for a convolution kernel
/// the receptive field times the input or the output channels. The normal
/// ones draw from a normal truncated at two standard deviations, scaled so
/// the variance is the one asked for (Keras's `truncated_normal`).
///
/// ```
/// use corten::init::Initializer;
/// use corten::random::Rng;
/// // Keras's he_normal for a (100, 50) kernel: deviation √(2 / 100).
/// let w: Vec<f64> = Initializer::HeNormal.draw(&mut Rng::seed_from(0), (100, 50), 100, 50)?;
/// let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
/// assert!((var - 2.0 / 100.0).abs() < 0.002);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Initializer {
    /// Uniform on `±√(6 / (fan_in + fan_out))` (Keras's default kernel).
    #[default]
    GlorotUniform,
    /// Truncated normal of variance `2 / (fan_in + fan_out)`.
    GlorotNormal,
    /// Uniform on `±√(6 / fan_in)`.
    HeUniform,
    /// Truncated normal of variance `2 / fan_in`.
    HeNormal,
    /// Uniform on `±√(3 / fan_in)`.
    LecunUniform,
    /// Truncated normal of variance `1 / fan_in`.
    LecunNormal,
    /// All 0 (Keras's default bias).
    Zeros,
    /// All 1.
    Ones,
    /// All the given value.
    Constant(f64),
    /// Normal (not truncated); Keras's defaults are mean 0, deviation 0.05.
    RandomNormal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        stddev: f64,
    },
    /// Uniform on `[min, max]`; Keras's defaults are ±0.05.
    RandomUniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// A (semi-)orthogonal matrix over the tensor seen as
    /// `(values / last axis, last axis)`, times `gain` (Keras's default 1).
    Orthogonal {
        /// Scale.
        gain: f64,
    },
}

/// A layer's kernel and bias initializers; Keras's defaults are
/// glorot_uniform and zeros.
///
/// ```
/// use corten::init::{Initializer, Initializers};
/// assert_eq!(Initializers::default(), Initializers::KERAS);
/// assert_eq!((Initializers::KERAS.kernel, Initializers::KERAS.bias), (Initializer::GlorotUniform, Initializer::Zeros));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Initializers {
    /// For the kernel.
    pub kernel: Initializer,
    /// For the bias.
    pub bias: Initializer,
}

impl Initializers {
    /// A kernel and a bias initializer, each checked with
    /// [`Initializer::check`].
    ///
    /// ```
    /// use corten::init::{Initializer, Initializers};
    /// let both = Initializers::new(Initializer::HeNormal, Initializer::Constant(0.1))?;
    /// assert_eq!(both.bias, Initializer::Constant(0.1));
    /// assert!(Initializers::new(Initializer::HeNormal, Initializer::Constant(f64::NAN)).is_err());
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn new(kernel: Initializer, bias: Initializer) -> Result<Self, crate::Error> {
        kernel.check()?;
        bias.check()?;
        Ok(Initializers { kernel, bias })
    }

    /// The initializer of weight `index` of a kernel-and-bias layer: the
    /// kernel's for 0, the bias's after.
    pub(crate) fn of(&self, index: usize) -> Initializer {
        if index == 0 {
            self.kernel
        } else {
            self.bias
        }
    }
}

impl Initializer {
    /// The value of a constant initializer (zeros, ones, `Constant`), which
    /// needs no random generator; `None` for the others.
    ///
    /// ```
    /// use corten::init::Initializer;
    /// assert_eq!(Initializer::Ones.constant(), Some(1.0));
    /// assert_eq!(Initializer::Constant(0.5).constant(), Some(0.5));
    /// assert_eq!(Initializer::GlorotUniform.constant(), None);
    /// ```
    pub fn constant(&self) -> Option<f64> {
        match *self {
            Initializer::Zeros => Some(0.0),
            Initializer::Ones => Some(1.0),
            Initializer::Constant(v) => Some(v),
            _ => None,
        }
    }

    /// `Ok` when the parameters can draw values: a finite constant, mean and
    /// gain; a finite standard deviation of at least 0; finite uniform
    /// bounds with `min ≤ max`. Layers check their initializers where they
    /// are given (`with_initializers`).
    ///
    /// ```
    /// use corten::init::Initializer;
    /// assert!(Initializer::RandomNormal { mean: 0.0, stddev: 0.05 }.check().is_ok());
    /// let err = Initializer::RandomNormal { mean: 0.0, stddev: f64::NAN }.check().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid option `RandomNormal stddev`: a finite number ≥ 0");
    /// assert!(Initializer::Constant(f64::INFINITY).check().is_err());
    /// ```
    pub fn check(&self) -> Result<(), crate::Error> {
        let invalid = |what, rule| Err(crate::Error::InvalidOption { what, rule });
        match *self {
            Initializer::Constant(v) if !v.is_finite() => {
                invalid("Constant value", "a finite number")
            }
            Initializer::RandomNormal { mean, .. } if !mean.is_finite() => {
                invalid("RandomNormal mean", "a finite number")
            }
            Initializer::RandomNormal { stddev, .. } if !(stddev.is_finite() && stddev >= 0.0) => {
                invalid("RandomNormal stddev", "a finite number ≥ 0")
            }
            Initializer::RandomUniform { min, max }
                if !(min.is_finite() && max.is_finite() && min <= max) =>
            {
                invalid("RandomUniform bounds", "finite numbers with min ≤ max")
            }
            Initializer::Orthogonal { gain } if !gain.is_finite() => {
                invalid("Orthogonal gain", "a finite number")
            }
            _ => Ok(()),
        }
    }
}

impl Initializers {
    /// Keras's defaults: glorot_uniform kernel, zero bias.
    pub const KERAS: Initializers = Initializers {
        kernel: Initializer::GlorotUniform,
        bias: Initializer::Zeros,
    };
}

impl Default for Initializers {
    fn default() -> Self {
        Self::KERAS
    }
}

/// Keras's correction: a standard normal truncated at ±2 has deviation
/// 0.8796…, divided out so the draw has the variance asked for.
#[cfg(feature = "std")]
const TRUNCATED_STDDEV: f64 = 0.879_625_661_034_239_8;

#[cfg(feature = "std")]
impl Initializer {
    /// `rows × cols` values (row-major; `cols` is the last axis) for a
    /// tensor with the given fans.
    ///
    /// ```
    /// use corten::init::Initializer;
    /// let mut rng = corten::random::Rng::seed_from(7);
    /// let w: Vec<f32> = Initializer::HeUniform.draw(&mut rng, (784, 128), 784, 128)?;
    /// let limit = (6.0f32 / 784.0).sqrt();
    /// assert!(w.iter().all(|v| v.abs() <= limit));
    /// assert!(Initializer::Constant(f64::NAN).draw::<f32>(&mut rng, (1, 1), 1, 1).is_err());
    /// # Ok::<(), corten::Error>(())
    /// ```
    ///
    /// An error when the parameters are invalid ([`Initializer::check`]) or
    /// `rows × cols` overflows `usize`.
    pub fn draw<E: Element>(
        &self,
        rng: &mut crate::random::Rng,
        fans: (usize, usize),
        rows: usize,
        cols: usize,
    ) -> Result<Vec<E>, crate::Error> {
        self.check()?;
        if rows.checked_mul(cols).is_none() {
            return Err(crate::Error::SizeOverflow {
                what: "initializer",
                shape: crate::shape::Sizes::of([rows, cols]),
            });
        }
        Ok(self.fill(rng, fans, rows, cols))
    }

    /// [`Initializer::draw`] for parameters already checked (a layer's
    /// initializers, checked where they were given) and a static size.
    pub(crate) fn fill<E: Element>(
        &self,
        rng: &mut crate::random::Rng,
        (fan_in, fan_out): (usize, usize),
        rows: usize,
        cols: usize,
    ) -> Vec<E> {
        let n = rows * cols;
        let (fan_in, fan_out) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        let fan_avg = (fan_in + fan_out) / 2.0;
        let uniform = |rng: &mut crate::random::Rng, limit: f64| -> Vec<E> {
            // Finite: the fans are at least 1.
            let dist = Uniform::new_inclusive(-limit, limit).expect("finite, ordered bounds");
            (0..n).map(|_| E::from_f64(dist.sample(rng))).collect()
        };
        let truncated = |rng: &mut crate::random::Rng, variance: f64| -> Vec<E> {
            let stddev = variance.sqrt() / TRUNCATED_STDDEV;
            let dist = Normal::new(0.0, 1.0).expect("unit normal");
            (0..n)
                .map(|_| loop {
                    let v: f64 = dist.sample(rng);
                    if v.abs() <= 2.0 {
                        break E::from_f64(v * stddev);
                    }
                })
                .collect()
        };
        match *self {
            Initializer::GlorotUniform => uniform(rng, (3.0 / fan_avg).sqrt()),
            Initializer::GlorotNormal => truncated(rng, 1.0 / fan_avg),
            Initializer::HeUniform => uniform(rng, (6.0 / fan_in).sqrt()),
            Initializer::HeNormal => truncated(rng, 2.0 / fan_in),
            Initializer::LecunUniform => uniform(rng, (3.0 / fan_in).sqrt()),
            Initializer::LecunNormal => truncated(rng, 1.0 / fan_in),
            Initializer::Zeros => alloc::vec![E::ZERO; n],
            Initializer::Ones => alloc::vec![E::ONE; n],
            Initializer::Constant(v) => alloc::vec![E::from_f64(v); n],
            Initializer::RandomNormal { mean, stddev } => {
                // Checked by `Initializer::check`.
                let dist = Normal::new(mean, stddev).expect("finite deviation ≥ 0");
                (0..n).map(|_| E::from_f64(dist.sample(rng))).collect()
            }
            Initializer::RandomUniform { min, max } => {
                // Checked by `Initializer::check`.
                let dist = Uniform::new_inclusive(min, max).expect("finite, ordered bounds");
                (0..n).map(|_| E::from_f64(dist.sample(rng))).collect()
            }
            Initializer::Orthogonal { gain } => orthogonal(rng, rows, cols, gain),
        }
    }
}

/// Keras's orthogonal initializer: the Q of a QR decomposition of a normal
/// matrix (of the taller orientation), signs fixed by R's diagonal.
#[cfg(feature = "std")]
fn orthogonal<E: Element>(
    rng: &mut crate::random::Rng,
    rows: usize,
    cols: usize,
    gain: f64,
) -> Vec<E> {
    let (tall, wide) = (rows.max(cols), rows.min(cols));
    let dist = Normal::new(0.0, 1.0).expect("unit normal");
    // Columns of a tall × wide matrix, orthonormalized by modified Gram–Schmidt
    // (the Q of QR with a positive diagonal in R).
    let mut q: Vec<Vec<f64>> = (0..wide)
        .map(|_| (0..tall).map(|_| dist.sample(rng)).collect())
        .collect();
    for j in 0..wide {
        for i in 0..j {
            let (done, rest) = q.split_at_mut(j);
            let dot: f64 = done[i].iter().zip(&rest[0]).map(|(a, b)| a * b).sum();
            rest[0]
                .iter_mut()
                .zip(&done[i])
                .for_each(|(v, u)| *v -= dot * u);
        }
        let norm = q[j]
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE);
        q[j].iter_mut().for_each(|v| *v /= norm);
    }
    let mut out = alloc::vec![E::ZERO; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            // Tall: Q itself (rows × cols); wide: its transpose.
            let v = if rows >= cols { q[c][r] } else { q[r][c] };
            out[r * cols + c] = E::from_f64(gain * v);
        }
    }
    out
}

/// Keras's `glorot_uniform` for a kernel of shape `(fan_in, fan_out)`.
///
/// ```
/// let mut rng = corten::random::Rng::seed_from(7);
/// let w: Vec<f32> = corten::init::glorot_uniform(&mut rng, 784, 128);
/// let limit = (6.0f32 / (784.0 + 128.0)).sqrt();
/// assert!(w.iter().all(|v| v.abs() <= limit));
/// ```
#[cfg(feature = "std")]
pub fn glorot_uniform<E: Element>(
    rng: &mut crate::random::Rng,
    fan_in: usize,
    fan_out: usize,
) -> Vec<E> {
    Initializer::GlorotUniform.fill(rng, (fan_in, fan_out), fan_in, fan_out)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    fn moments(w: &[f64]) -> (f64, f64) {
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / w.len() as f64;
        (mean, var)
    }

    /// Each variance-scaling initializer's bounds and variance. (Not under
    /// Miri: draws and statistics, no unsafe code to check, minutes there.)
    #[test]
    #[cfg_attr(miri, ignore)]
    fn variances_and_bounds_follow_keras() {
        let (fan_in, fan_out) = (300usize, 100usize);
        let (rows, cols) = (fan_in, fan_out);
        let cases = [
            (
                Initializer::GlorotUniform,
                2.0 / 400.0,
                Some((6.0f64 / 400.0).sqrt()),
            ),
            (Initializer::GlorotNormal, 2.0 / 400.0, None),
            (
                Initializer::HeUniform,
                2.0 / 300.0,
                Some((6.0f64 / 300.0).sqrt()),
            ),
            (Initializer::HeNormal, 2.0 / 300.0, None),
            (
                Initializer::LecunUniform,
                1.0 / 300.0,
                Some((3.0f64 / 300.0).sqrt()),
            ),
            (Initializer::LecunNormal, 1.0 / 300.0, None),
            (
                Initializer::RandomNormal {
                    mean: 0.0,
                    stddev: 0.05,
                },
                0.0025,
                None,
            ),
            (
                Initializer::RandomUniform {
                    min: -0.05,
                    max: 0.05,
                },
                0.0025 / 3.0,
                Some(0.05),
            ),
        ];
        for (init, variance, bound) in cases {
            let mut rng = crate::random::Rng::seed_from(1);
            let w: Vec<f64> = init.draw(&mut rng, (fan_in, fan_out), rows, cols).unwrap();
            let (mean, var) = moments(&w);
            assert!(
                mean.abs() < 0.02 * variance.sqrt() * 3.0,
                "{init:?}: mean {mean}"
            );
            assert!(
                (var - variance).abs() < 0.05 * variance,
                "{init:?}: variance {var} vs {variance}"
            );
            if let Some(limit) = bound {
                assert!(w.iter().all(|v| v.abs() <= limit), "{init:?} out of bounds");
            }
            if matches!(init, Initializer::HeNormal) {
                let two_sigma = 2.0 * (2.0f64 / 300.0).sqrt() / TRUNCATED_STDDEV;
                assert!(
                    w.iter().all(|v| v.abs() <= two_sigma + 1e-12),
                    "truncated at 2σ"
                );
            }
            let mut again = crate::random::Rng::seed_from(1);
            assert_eq!(
                w,
                init.draw::<f64>(&mut again, (fan_in, fan_out), rows, cols)
                    .unwrap()
            );
        }
    }

    #[test]
    fn constants() {
        let mut rng = crate::random::Rng::seed_from(1);
        assert_eq!(
            Initializer::Zeros
                .draw::<f32>(&mut rng, (2, 2), 2, 2)
                .unwrap(),
            [0.0; 4]
        );
        assert_eq!(
            Initializer::Ones
                .draw::<f32>(&mut rng, (2, 2), 1, 3)
                .unwrap(),
            [1.0; 3]
        );
        assert_eq!(
            Initializer::Constant(0.5)
                .draw::<f32>(&mut rng, (1, 1), 1, 2)
                .unwrap(),
            [0.5; 2]
        );
    }

    #[test]
    fn orthogonal_columns_or_rows_are_orthonormal() {
        for (rows, cols) in [(6usize, 4usize), (4, 6), (5, 5)] {
            let mut rng = crate::random::Rng::seed_from(3);
            let w: Vec<f64> = Initializer::Orthogonal { gain: 2.0 }
                .draw(&mut rng, (rows, cols), rows, cols)
                .unwrap();
            // WᵀW = 4·I (tall) or WWᵀ = 4·I (wide).
            let (outer, inner) = if rows >= cols {
                (cols, rows)
            } else {
                (rows, cols)
            };
            let at = |o: usize, i: usize| {
                if rows >= cols {
                    w[i * cols + o]
                } else {
                    w[o * cols + i]
                }
            };
            for a in 0..outer {
                for b in 0..outer {
                    let dot: f64 = (0..inner).map(|i| at(a, i) * at(b, i)).sum();
                    let want = if a == b { 4.0 } else { 0.0 };
                    assert!(
                        (dot - want).abs() < 1e-9,
                        "({rows}, {cols}): [{a}, {b}] = {dot}"
                    );
                }
            }
        }
    }
}
