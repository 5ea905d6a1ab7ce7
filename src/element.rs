//! Element types of tensors: `f32`, and `f64` for gradient checks.

use core::fmt;
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type. Implemented for `f32` and `f64`; sealed.
///
/// The math functions use `std` when it is there and `libm` without it, so the
/// same code runs on a microcontroller.
///
/// ```
/// use corten::Element;
/// assert_eq!(<f32 as Element>::from_f64(0.5), 0.5f32);
/// assert!((Element::exp(1.0f64) - core::f64::consts::E).abs() < 1e-15);
/// ```
pub trait Element:
    sealed::Sealed
    + bytemuck::Pod
    + Copy
    + Default
    + PartialOrd
    + PartialEq
    + fmt::Debug
    + fmt::Display
    + fmt::LowerExp
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Send
    + Sync
    + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// The type's name as Keras spells its dtype (`float32`).
    const DTYPE: &'static str;
    /// The integers this type tells apart are those below this in size:
    /// 2²⁴ = 16 777 216 for `f32`, 2⁵³ for `f64` (every whole number below
    /// it is exact, and it is the first that two integers round to).
    const EXACT_INTEGERS: u64;
    /// The nearest value of this type.
    fn from_f64(v: f64) -> Self;
    /// Widened to `f64`.
    fn to_f64(self) -> f64;
    /// eˣ.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// ln(1 + x), exact for small x.
    fn ln_1p(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// The error function.
    fn erf(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Whether the value is neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// Whether the value is NaN.
    fn is_nan(self) -> bool;
    /// The larger of two values (NaN-ignoring, as `f32::max`).
    fn max(self, other: Self) -> Self;
    /// The smaller of two values (NaN-ignoring, as `f32::min`).
    fn min(self, other: Self) -> Self;
}

macro_rules! impl_element {
    ($t:ty, $dtype:expr, $exact:expr, $exp:path, $ln:path, $ln1p:path, $tanh:path, $sqrt:path, $erf:path) => {
        impl Element for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const DTYPE: &'static str = $dtype;
            const EXACT_INTEGERS: u64 = $exact;
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exp(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::exp(self);
                #[cfg(not(feature = "std"))]
                return $exp(self);
            }
            #[inline]
            fn ln(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::ln(self);
                #[cfg(not(feature = "std"))]
                return $ln(self);
            }
            #[inline]
            fn ln_1p(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::ln_1p(self);
                #[cfg(not(feature = "std"))]
                return $ln1p(self);
            }
            #[inline]
            fn tanh(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::tanh(self);
                #[cfg(not(feature = "std"))]
                return $tanh(self);
            }
            #[inline]
            fn sqrt(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::sqrt(self);
                #[cfg(not(feature = "std"))]
                return $sqrt(self);
            }
            #[inline]
            fn erf(self) -> Self {
                $erf(self)
            }
            #[inline]
            fn abs(self) -> Self {
                if self < 0.0 {
                    -self
                } else {
                    self
                }
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
        }
    };
}

impl_element!(
    f32,
    "float32",
    1 << 24,
    libm::expf,
    libm::logf,
    libm::log1pf,
    libm::tanhf,
    libm::sqrtf,
    libm::erff
);
impl_element!(
    f64,
    "float64",
    1 << 53,
    libm::exp,
    libm::log,
    libm::log1p,
    libm::tanh,
    libm::sqrt,
    libm::erf
);

/// An integer type ids and labels come in (`u32` from a tokenizer, `i64`
/// from numpy): what [`Tensor::from_ids`](crate::Tensor::from_ids) takes.
/// Implemented for every primitive integer; sealed.
pub trait Integer: integer_sealed::Sealed + Copy + fmt::Debug {
    /// The value, widened.
    fn to_i128(self) -> i128;
}

mod integer_sealed {
    pub trait Sealed {}
}

macro_rules! impl_integer {
    ($($t:ty),+) => {$(
        impl integer_sealed::Sealed for $t {}
        impl Integer for $t {
            #[inline]
            fn to_i128(self) -> i128 {
                self as i128
            }
        }
    )+};
}
impl_integer!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// `value` as `E` when `E` holds it exactly (its size below
/// [`Element::EXACT_INTEGERS`]); else [`Error::IntegerNotExact`] naming
/// element `index`.
#[cfg(feature = "alloc")]
pub(crate) fn exact_integer<E: Element>(value: i128, index: usize) -> Result<E, crate::Error> {
    match value.unsigned_abs() < u128::from(E::EXACT_INTEGERS) {
        true => Ok(E::from_f64(value as f64)),
        false => Err(crate::Error::IntegerNotExact {
            index,
            value: i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX }),
            dtype: E::DTYPE,
            limit: E::EXACT_INTEGERS,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Within `ulps` units in the last place of `want`: libm promises about
    /// 1 ulp for these functions, and Miri perturbs float functions by a few
    /// ulps on purpose, so the tests allow 16.
    fn within_ulps(got: f64, want: f64, epsilon: f64, ulps: f64) -> bool {
        (got - want).abs() <= ulps * epsilon * want.abs()
    }

    #[test]
    fn math_matches_known_values() {
        let f64_ulps = |got: f64, want: f64| within_ulps(got, want, f64::EPSILON, 16.0);
        let f32_ulps =
            |got: f32, want: f64| within_ulps(f64::from(got), want, f64::from(f32::EPSILON), 16.0);
        assert!(f64_ulps(Element::erf(1.0f64), 0.842_700_792_949_714_9));
        assert!(f32_ulps(Element::tanh(0.5f32), 0.462_117_157_260_009_8));
        assert!(f64_ulps(Element::ln_1p(1e-10f64), 1e-10 - 5e-21));
        assert_eq!(Element::abs(-2.0f32), 2.0);
        assert!(!Element::is_finite(f32::NAN));
    }
}

/// `y += x`, element by element (gradients summed where paths join).
pub(crate) fn add_into<E: Element>(y: &mut [E], x: &[E]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += x;
    }
}

/// The position of the first NaN or infinite value, if any. The common case,
/// all finite, is one branch-free pass: `v − v` is 0 for a finite value and
/// NaN otherwise, summed in eight lanes (vectorized; a short-circuiting
/// `position` runs one compare-and-branch per value).
// `v - v` is the point: 0 for finite values, NaN for NaN and infinities.
#[allow(clippy::eq_op)]
pub(crate) fn first_non_finite<E: Element>(values: &[E]) -> Option<usize> {
    // Bare metal (no vector unit to keep eight lanes in): one test a value.
    if cfg!(target_os = "none") {
        return values.iter().position(|v| !v.is_finite());
    }
    const LANES: usize = 8;
    let mut lanes = [E::ZERO; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v - v;
        }
    }
    for (lane, &v) in lanes.iter_mut().zip(chunks.remainder()) {
        *lane += v - v;
    }
    if lanes.iter().all(|&l| l == E::ZERO) {
        None
    } else {
        values.iter().position(|v| !v.is_finite())
    }
}

#[cfg(test)]
mod finite_tests {
    use super::first_non_finite;

    #[test]
    fn finds_the_first_nan_or_infinity_at_any_position() {
        let lens: &[usize] = if cfg!(miri) {
            &[0, 9, 17]
        } else {
            &[0, 1, 7, 8, 9, 17, 100]
        };
        for &len in lens {
            let mut v = [1.0f32; 100];
            v[..len]
                .iter_mut()
                .enumerate()
                .for_each(|(i, x)| *x = (i as f32 - 50.0) * 6e36);
            assert_eq!(first_non_finite(&v[..len]), None, "len {len}");
            for at in 0..len {
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    let mut w = v;
                    w[at] = bad;
                    if at + 1 < len {
                        w[len - 1] = f32::NAN;
                    }
                    assert_eq!(
                        first_non_finite(&w[..len]),
                        Some(at),
                        "len {len}, at {at}, {bad}"
                    );
                }
            }
        }
        assert_eq!(first_non_finite(&[f64::MAX, f64::MIN, 0.0]), None);
    }
}
