//! Output sizes of sliding windows (convolution, pooling) along one axis,
//! computed by the compiler with Keras's (TensorFlow's) rules.
//!
//! ```
//! use corten::shape::{Const, StaticDim, Same, Valid, WindowOutput};
//! // A 3×3 kernel over 28 pixels: 26 with `valid` padding, 28 with `same`.
//! assert_eq!(<<Const<28> as WindowOutput<Const<3>, Const<1>, Valid>>::Output as StaticDim>::SIZE, 26);
//! assert_eq!(<<Const<28> as WindowOutput<Const<3>, Const<1>, Same>>::Output as StaticDim>::SIZE, 28);
//! // Stride 2: floor((28 - 3) / 2) + 1 = 13, and ceil(28 / 2) = 14.
//! assert_eq!(<<Const<28> as WindowOutput<Const<3>, Const<2>, Valid>>::Output as StaticDim>::SIZE, 13);
//! assert_eq!(<<Const<28> as WindowOutput<Const<3>, Const<2>, Same>>::Output as StaticDim>::SIZE, 14);
//! ```

use super::arith::{Canonicalize, ToUInt, UIntOf};
use super::dim::StaticDim;
use core::fmt::Debug;
use core::ops::{Add, Div, Sub};
use typenum::{IsGreaterOrEqual, B1, U1};

/// How a window treats the input's border.
pub trait Padding: Copy + Default + Debug + Send + Sync + 'static {
    /// Keras's name (`"valid"`).
    const NAME: &'static str;
    /// Output size along an axis of `input` for a window of `kernel` with
    /// `stride` (the same rule the type-level computation follows).
    fn output_size(input: usize, kernel: usize, stride: usize) -> usize;
    /// Padding added before the first element (TensorFlow puts the odd one at
    /// the end).
    fn pad_before(input: usize, kernel: usize, stride: usize) -> usize;
}

/// No padding: windows lie fully inside the input; `floor((n − k) / s) + 1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Valid;

/// Zero padding so that the output has `ceil(n / s)` elements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Same;

impl Padding for Valid {
    const NAME: &'static str = "valid";
    fn output_size(input: usize, kernel: usize, stride: usize) -> usize {
        (input - kernel) / stride + 1
    }
    fn pad_before(_: usize, _: usize, _: usize) -> usize {
        0
    }
}

impl Padding for Same {
    const NAME: &'static str = "same";
    fn output_size(input: usize, _kernel: usize, stride: usize) -> usize {
        input.div_ceil(stride)
    }
    fn pad_before(input: usize, kernel: usize, stride: usize) -> usize {
        let out = input.div_ceil(stride);
        ((out - 1) * stride + kernel).saturating_sub(input) / 2
    }
}

/// The size of one axis after a window of `K` with stride `S` and padding `P`.
pub trait WindowOutput<K, S, P>: StaticDim {
    /// The output size, in canonical form (`Const<N>` up to 4096).
    type Output: StaticDim + ToUInt;
}

/// A `valid` window of `K` with stride `S` over an axis of `D`, computed only
/// when the window fits: implemented for typenum's `B1` (the result of
/// `D ≥ K`), so that a window that does not fit is one error naming both sizes.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a window of `{K}` does not fit an input axis of `{D}` with `valid` padding",
    label = "the kernel or pool is larger than the input",
    note = "use a smaller window, `Same` padding, or a larger input"
)]
pub trait ValidWindow<D, K, S> {
    /// `floor((D − K) / S) + 1`, canonical.
    type Output: StaticDim + ToUInt;
}

type ValidOut<D, K, S> =
    <<<UIntOf<D> as Sub<UIntOf<K>>>::Output as Div<UIntOf<S>>>::Output as Add<U1>>::Output;
type SameOut<D, S> =
    <<<UIntOf<D> as Add<UIntOf<S>>>::Output as Sub<U1>>::Output as Div<UIntOf<S>>>::Output;

impl<D, K, S> ValidWindow<D, K, S> for B1
where
    D: ToUInt,
    K: ToUInt,
    S: ToUInt,
    UIntOf<D>: Sub<UIntOf<K>>,
    <UIntOf<D> as Sub<UIntOf<K>>>::Output: Div<UIntOf<S>>,
    <<UIntOf<D> as Sub<UIntOf<K>>>::Output as Div<UIntOf<S>>>::Output: Add<U1>,
    ValidOut<D, K, S>: Canonicalize,
{
    type Output = <ValidOut<D, K, S> as Canonicalize>::Output;
}

impl<D, K, S> WindowOutput<K, S, Valid> for D
where
    D: ToUInt,
    K: ToUInt,
    UIntOf<D>: IsGreaterOrEqual<UIntOf<K>>,
    <UIntOf<D> as IsGreaterOrEqual<UIntOf<K>>>::Output: ValidWindow<D, K, S>,
{
    type Output =
        <<UIntOf<D> as IsGreaterOrEqual<UIntOf<K>>>::Output as ValidWindow<D, K, S>>::Output;
}

impl<D, K, S> WindowOutput<K, S, Same> for D
where
    D: ToUInt,
    K: ToUInt,
    S: ToUInt,
    UIntOf<D>: Add<UIntOf<S>>,
    <UIntOf<D> as Add<UIntOf<S>>>::Output: Sub<U1>,
    <<UIntOf<D> as Add<UIntOf<S>>>::Output as Sub<U1>>::Output: Div<UIntOf<S>>,
    SameOut<D, S>: Canonicalize,
{
    type Output = <SameOut<D, S> as Canonicalize>::Output;
}

/// The extent of a kernel of `K` taps spaced `D` apart, `D·(K − 1) + 1`: the
/// window a dilated convolution slides.
///
/// ```
/// use corten::shape::{Dilated, StaticDim};
/// assert_eq!(<Dilated<3, 2> as StaticDim>::SIZE, 5);
/// assert_eq!(<Dilated<3, 1> as StaticDim>::SIZE, 3);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dilated<const K: usize, const D: usize>;

impl<const K: usize, const D: usize> crate::shape::Dim for Dilated<K, D> {
    const STATIC: Option<usize> = Some(D * (K - 1) + 1);
    fn size(&self) -> usize {
        D * (K - 1) + 1
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == D * (K - 1) + 1).then_some(Dilated)
    }
}

impl<const K: usize, const D: usize> StaticDim for Dilated<K, D> {
    const SIZE: usize = D * (K - 1) + 1;
}

/// The window of a `K`-tap kernel with dilation `D`: `Const<K>` for `D = 1`
/// (so undilated errors read as plain numbers), [`Dilated<K, D>`] for
/// dilations 2 to 16.
#[diagnostic::on_unimplemented(
    message = "a {K}-tap kernel with dilation {D} is not supported: dilations run from 1 to 16",
    label = "unsupported dilation"
)]
pub trait KernelExtent<const K: usize, const D: usize> {
    /// The window's type.
    type Output: StaticDim + ToUInt;
}

impl<const K: usize> KernelExtent<K, 1> for ()
where
    super::Const<K>: ToUInt,
{
    type Output = super::Const<K>;
}

macro_rules! dilations {
    ($($d:literal)*) => {$(
        impl<const K: usize> KernelExtent<K, $d> for ()
        where
            Dilated<K, $d>: ToUInt,
        {
            type Output = Dilated<K, $d>;
        }
    )*};
}

dilations!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

/// The window type of a `K`-tap kernel with dilation `D`.
pub type Extent<const K: usize, const D: usize> = <() as KernelExtent<K, D>>::Output;

type DilatedUInt<const K: usize, const D: usize> = <<UIntOf<super::Const<D>> as core::ops::Mul<
    <UIntOf<super::Const<K>> as Sub<U1>>::Output,
>>::Output as Add<U1>>::Output;

impl<const K: usize, const D: usize> ToUInt for Dilated<K, D>
where
    super::Const<K>: ToUInt,
    super::Const<D>: ToUInt,
    UIntOf<super::Const<K>>: Sub<U1>,
    UIntOf<super::Const<D>>: core::ops::Mul<<UIntOf<super::Const<K>> as Sub<U1>>::Output>,
    <UIntOf<super::Const<D>> as core::ops::Mul<<UIntOf<super::Const<K>> as Sub<U1>>::Output>>::Output: Add<U1>,
    DilatedUInt<K, D>: typenum::Unsigned + StaticDim,
{
    type Output = DilatedUInt<K, D>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Const;

    fn out<D: WindowOutput<K, S, P>, K, S, P>() -> usize {
        <D::Output as StaticDim>::SIZE
    }

    #[test]
    fn type_level_sizes_follow_the_runtime_rule() {
        macro_rules! check {
            ($($n:literal $k:literal $s:literal),*) => {$(
                assert_eq!(out::<Const<$n>, Const<$k>, Const<$s>, Valid>(), Valid::output_size($n, $k, $s));
                assert_eq!(out::<Const<$n>, Const<$k>, Const<$s>, Same>(), Same::output_size($n, $k, $s));
            )*};
        }
        check!(28 3 1, 28 3 2, 27 3 2, 5 5 1, 7 2 2, 224 7 2, 1280 3 3);
        assert_eq!(Valid::output_size(28, 3, 2), 13);
        assert_eq!(Same::output_size(7, 2, 2), 4);
    }

    #[test]
    fn same_padding_puts_the_odd_pixel_at_the_end() {
        // in 5, k 4, s 1: total pad 3 → 1 before, 2 after (TensorFlow's rule).
        assert_eq!(Same::pad_before(5, 4, 1), 1);
        // in 28, k 3, s 2: out 14, total pad max(13·2 + 3 − 28, 0) = 1 → 0 before.
        assert_eq!(Same::pad_before(28, 3, 2), 0);
        assert_eq!(Same::pad_before(6, 3, 1), 1);
    }
}
