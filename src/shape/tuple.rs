//! Shapes as tuples of dimensions: `(Dyn, Const<2>)` is a batch of 2-vectors.

use super::dim::{Dim, StaticDim};
use core::fmt;

/// The largest rank a shape can have.
pub const MAX_RANK: usize = 5;

/// In [`Sizes`], an axis known only at run time (printed `None`).
pub(crate) const NONE: usize = usize::MAX;

/// A tensor shape: a tuple of [`Dim`]s, row-major.
///
/// ```
/// use corten::shape::{Const, Dyn, Shape};
/// let s = (Dyn(3), Const::<2>);
/// assert_eq!(s.numel(), 6);
/// assert_eq!(s.dims(), &[3, 2]);
/// assert_eq!(format!("{}", s.display()), "(3, 2)");
/// ```
pub trait Shape: Copy + fmt::Debug + PartialEq + Send + Sync + 'static {
    /// Number of axes.
    const RANK: usize;
    /// The sizes of the axes.
    fn sizes(&self) -> Sizes;
    /// The shape with these sizes, or `None` when a static axis disagrees or the
    /// rank differs.
    fn from_sizes(sizes: &[usize]) -> Option<Self>;
    /// The sizes of the axes as a slice-like value.
    fn dims(&self) -> Sizes {
        self.sizes()
    }
    /// The sizes the type fixes, 0 where an axis is dynamic.
    fn static_sizes() -> Sizes;
    /// Number of elements, or `usize::MAX` when the product of the sizes
    /// does not fit in `usize` (no tensor can have that many elements, so a
    /// length check against it always fails; [`Shape::checked_numel`] tells
    /// the two apart).
    fn numel(&self) -> usize {
        self.checked_numel().unwrap_or(usize::MAX)
    }
    /// Number of elements, or `None` when the product of the sizes overflows
    /// `usize`.
    ///
    /// ```
    /// use corten::shape::{Dyn, Shape};
    /// assert_eq!((Dyn(4), Dyn(5)).checked_numel(), Some(20));
    /// assert_eq!((Dyn(4), Dyn(1 << 62)).checked_numel(), None);
    /// ```
    fn checked_numel(&self) -> Option<usize> {
        self.sizes().checked_numel()
    }
    /// Formats as `(3, 2)`.
    fn display(&self) -> Sizes {
        self.sizes()
    }
}

/// A shape whose every axis is static.
pub trait StaticShape: Shape + Default {
    /// Number of elements, known to the compiler.
    const NUMEL: usize;
}

/// The axis sizes of a shape: a small inline array that prints as `(3, 2)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    sizes: [usize; MAX_RANK],
    rank: u8,
}

impl Sizes {
    /// Sizes from a slice of at most [`MAX_RANK`] axes; an error for more.
    ///
    /// ```
    /// use corten::shape::Sizes;
    /// assert_eq!(Sizes::new(&[3, 2]).unwrap().to_string(), "(3, 2)");
    /// assert!(Sizes::new(&[1; 6]).is_err());
    /// ```
    pub fn new(sizes: &[usize]) -> Result<Self, crate::Error> {
        if sizes.len() > MAX_RANK {
            return Err(crate::Error::TooManyAxes {
                rank: sizes.len(),
                max: MAX_RANK,
            });
        }
        Ok(Self::first_axes(sizes))
    }
    /// Sizes from a fixed number of axes (checked at compile time).
    pub(crate) const fn of<const N: usize>(sizes: [usize; N]) -> Self {
        const { assert!(N <= MAX_RANK, "more axes than MAX_RANK") };
        let mut s = [0; MAX_RANK];
        let mut i = 0;
        while i < N {
            s[i] = sizes[i];
            i += 1;
        }
        Sizes {
            sizes: s,
            rank: N as u8,
        }
    }
    /// The first [`MAX_RANK`] axes of `sizes` (for describing sizes in an
    /// error, where a longer list is cut short).
    pub(crate) fn first_axes(sizes: &[usize]) -> Self {
        let rank = sizes.len().min(MAX_RANK);
        let mut s = [0; MAX_RANK];
        s[..rank].copy_from_slice(&sizes[..rank]);
        Sizes {
            sizes: s,
            rank: rank as u8,
        }
    }
    /// The product of the sizes: the element count, or `usize::MAX` when it
    /// overflows (see [`Shape::numel`]).
    pub fn numel(&self) -> usize {
        self.checked_numel().unwrap_or(usize::MAX)
    }
    /// The product of the sizes, or `None` when it overflows `usize`.
    pub fn checked_numel(&self) -> Option<usize> {
        self.as_slice()
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
    }
    /// The sizes as a slice.
    pub fn as_slice(&self) -> &[usize] {
        &self.sizes[..usize::from(self.rank)]
    }
}

impl core::ops::Deref for Sizes {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        self.as_slice()
    }
}

impl PartialEq<[usize]> for Sizes {
    fn eq(&self, other: &[usize]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize> PartialEq<&[usize; N]> for Sizes {
    fn eq(&self, other: &&[usize; N]) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl fmt::Debug for Sizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Prints like a Python tuple: `(3,)`, `(3, 2)`.
impl fmt::Display for Sizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tuple(f, None, self.as_slice())
    }
}

/// Writes `(lead, a, b)` as Python prints a tuple; `lead` is a leading
/// dynamic axis printed as `None`.
pub(crate) fn write_tuple(
    f: &mut fmt::Formatter<'_>,
    lead: Option<&str>,
    rest: &[usize],
) -> fmt::Result {
    f.write_str("(")?;
    let mut count = 0;
    if let Some(lead) = lead {
        f.write_str(lead)?;
        count += 1;
    }
    for d in rest {
        if count > 0 {
            f.write_str(", ")?;
        }
        match *d {
            NONE => f.write_str("None")?,
            d => write!(f, "{d}")?,
        }
        count += 1;
    }
    if count == 1 {
        f.write_str(",")?;
    }
    f.write_str(")")
}

macro_rules! impl_tuple_shape {
    ($rank:expr; $($d:ident $i:tt),+) => {
        impl<$($d: Dim),+> Shape for ($($d,)+) {
            const RANK: usize = $rank;
            fn sizes(&self) -> Sizes {
                Sizes::of([$(self.$i.size()),+])
            }
            fn static_sizes() -> Sizes {
                Sizes::of([$($d::STATIC.unwrap_or(0)),+])
            }
            fn from_sizes(sizes: &[usize]) -> Option<Self> {
                if sizes.len() != $rank {
                    return None;
                }
                Some(($($d::from_size(sizes[$i])?,)+))
            }
        }
        impl<$($d: StaticDim),+> StaticShape for ($($d,)+) {
            const NUMEL: usize = 1 $(* $d::SIZE)+;
        }
    };
}

impl_tuple_shape!(1; D0 0);
impl_tuple_shape!(2; D0 0, D1 1);
impl_tuple_shape!(3; D0 0, D1 1, D2 2);
impl_tuple_shape!(4; D0 0, D1 1, D2 2, D3 3);
impl_tuple_shape!(5; D0 0, D1 1, D2 2, D3 3, D4 4);

/// The shape of one sample (a layer's input or output, without the batch
/// axis): a tuple of static dimensions. `Batched<B>` puts a batch axis in front.
///
/// ```
/// use corten::shape::{Const, Dyn, Features, Shape};
/// type Image = (Const<28>, Const<28>, Const<1>);
/// let batch: <Image as Features>::Batched<Dyn> = Image::batched(Dyn(64));
/// assert_eq!(batch.numel(), 64 * 28 * 28);
/// assert_eq!(format!("{}", Image::keras_shape()), "(None, 28, 28, 1)");
/// ```
pub trait Features: StaticShape {
    /// This sample shape with a batch axis `B` in front.
    type Batched<B: Dim>: Shape + Batched<Batch = B, Features = Self>;
    /// For a masked sequence (`(T, Masked<F>)`), the values per step, the
    /// last of which is the mask; 0 for any other shape.
    const MASK_STRIDE: usize = 0;
    /// The batched shape for a batch of `batch`.
    fn batched<B: Dim>(batch: B) -> Self::Batched<B>;
    /// Whether the first axis is timesteps known only at run time (a
    /// sequence `(Dyn, F)`, whose `NUMEL` is one step's elements).
    const DYN_STEPS: bool = false;
    /// The batched shape for `batch` samples of `steps` timesteps each
    /// (the steps matter only for a shape with [`DYN_STEPS`](Self::DYN_STEPS)).
    fn batched_steps<B: Dim>(batch: B, steps: usize) -> Self::Batched<B> {
        let _ = steps;
        Self::batched(batch)
    }
    /// The shape as Keras prints it, with `None` for the batch: `(None, 2)`.
    fn keras_shape() -> KerasShape<Self> {
        KerasShape(core::marker::PhantomData)
    }
    /// The sizes as Keras prints them (a masked sequence's mask not counted).
    fn keras_sizes() -> Sizes {
        Self::default().sizes()
    }
}

/// A shape whose first axis is the batch and the rest is one sample.
pub trait Batched: Shape {
    /// The batch axis.
    type Batch: Dim;
    /// The shape of one sample.
    type Features: Features;
    /// The batch axis of this shape.
    fn batch(&self) -> Self::Batch;
}

/// A sample shape without a mask (every shape but a masked sequence,
/// [`Masked`](super::Masked)): what the element-wise merges take, as they
/// do not merge masks yet.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a masked sequence, which element-wise merges do not take yet",
    label = "Keras would combine the masks here; corten does not yet"
)]
pub trait Unmasked: Features {}

macro_rules! impl_features {
    ($($d:ident),+) => {
        impl<$($d: StaticDim),+> Unmasked for ($($d,)+) {}
        impl<$($d: StaticDim),+> Features for ($($d,)+) {
            type Batched<B: Dim> = (B, $($d,)+);
            fn batched<B: Dim>(batch: B) -> Self::Batched<B> {
                (batch, $($d::default(),)+)
            }
        }
        impl<B: Dim, $($d: StaticDim),+> Batched for (B, $($d,)+) {
            type Batch = B;
            type Features = ($($d,)+);
            fn batch(&self) -> B {
                self.0
            }
        }
    };
}

impl_features!(D0);
impl_features!(D0, D1);
impl_features!(D0, D1, D2);
impl_features!(D0, D1, D2, D3);

/// The last axis of a sample shape (the channels or features axis Keras's
/// `axis=-1` layers act on).
pub trait LastAxis: Features {
    /// The last dimension.
    type Last: StaticDim;
}

impl<A: StaticDim> LastAxis for (A,) {
    type Last = A;
}
impl<A: StaticDim, B: StaticDim> LastAxis for (A, B) {
    type Last = B;
}
impl<A: StaticDim, B: StaticDim, C: StaticDim> LastAxis for (A, B, C) {
    type Last = C;
}
impl<A: StaticDim, B: StaticDim, C: StaticDim, D: StaticDim> LastAxis for (A, B, C, D) {
    type Last = D;
}

/// A sample shape printed the Keras way, with `None` for the batch axis.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct KerasShape<F>(core::marker::PhantomData<F>);

impl<F: Features> fmt::Display for KerasShape<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tuple(f, Some("None"), F::keras_sizes().as_slice())
    }
}

impl<F: Features> fmt::Debug for KerasShape<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{Const, Dyn};
    extern crate alloc;
    use alloc::format;

    #[test]
    fn tuples_print_like_python() {
        assert_eq!(format!("{}", (Const::<5>,).display()), "(5,)");
        assert_eq!(format!("{}", (Dyn(2), Const::<5>).display()), "(2, 5)");
        assert_eq!(format!("{}", <(Const<2>,)>::keras_shape()), "(None, 2)");
        assert_eq!(
            format!("{}", <(Const<3>, Const<4>)>::keras_shape()),
            "(None, 3, 4)"
        );
    }

    #[test]
    fn from_sizes_checks_static_axes_and_rank() {
        assert_eq!(
            <(Dyn, Const<2>)>::from_sizes(&[7, 2]),
            Some((Dyn(7), Const))
        );
        assert_eq!(<(Dyn, Const<2>)>::from_sizes(&[7, 3]), None);
        assert_eq!(<(Dyn, Const<2>)>::from_sizes(&[7]), None);
    }

    #[test]
    fn numel_static_and_dynamic() {
        assert_eq!(
            <(Const<28>, Const<28>, Const<32>) as StaticShape>::NUMEL,
            25088
        );
        assert_eq!((Dyn(0), Const::<9>).numel(), 0);
        assert_eq!((Dyn(4), Const::<3000>).numel(), 12000);
    }
}
