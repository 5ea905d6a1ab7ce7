//! Dimensions: static ([`Const`], typenum numbers) and dynamic ([`Dyn`]).

use core::fmt;

/// One dimension of a shape: its size is either known to the compiler
/// ([`Const`], or a typenum number computed by shape arithmetic) or only at run
/// time ([`Dyn`], Keras's `None`).
///
/// ```
/// use corten::shape::{Const, Dim, Dyn};
/// assert_eq!(Const::<3000>.size(), 3000);
/// assert_eq!(Dyn(7).size(), 7);
/// assert_eq!(<Const<5> as Dim>::STATIC, Some(5));
/// assert_eq!(<Dyn as Dim>::STATIC, None);
/// ```
pub trait Dim: Copy + fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The size when the compiler knows it, `None` for a dynamic dimension.
    const STATIC: Option<usize>;
    /// The size of this dimension.
    fn size(&self) -> usize;
    /// The dimension of size `n`, or `None` when this type cannot have that size
    /// (a `Const<N>` with `N != n`).
    fn from_size(n: usize) -> Option<Self>;
}

/// A dimension whose size the compiler knows.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a plain size known to the compiler",
    label = "a layer here needs a static size",
    note = "a masked sequence `(steps, Masked<features>)` goes only into layers that know masks: the recurrent layers and GlobalAveragePooling1D skip masked steps, Dense, TimeDistributed, Dropout and Activation pass the mask on"
)]
pub trait StaticDim: Dim + Default {
    /// The size.
    const SIZE: usize;
}

/// A static dimension of any size, written as a plain integer: `Const<3000>`.
///
/// ```
/// use corten::shape::{Const, StaticDim};
/// assert_eq!(<Const<25088> as StaticDim>::SIZE, 25088);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Const<const N: usize>;

impl<const N: usize> fmt::Debug for Const<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Const<{N}>")
    }
}

impl<const N: usize> Dim for Const<N> {
    const STATIC: Option<usize> = Some(N);
    fn size(&self) -> usize {
        N
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == N).then_some(Const)
    }
}

impl<const N: usize> StaticDim for Const<N> {
    const SIZE: usize = N;
}

/// A dimension known only at run time, such as the batch: Keras's `None`.
///
/// ```
/// use corten::shape::Dyn;
/// assert_eq!(format!("{:?}", Dyn(32)), "Dyn(32)");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dyn(pub usize);

impl Dim for Dyn {
    const STATIC: Option<usize> = None;
    fn size(&self) -> usize {
        self.0
    }
    fn from_size(n: usize) -> Option<Self> {
        Some(Dyn(n))
    }
}

impl Dim for typenum::UTerm {
    const STATIC: Option<usize> = Some(0);
    fn size(&self) -> usize {
        0
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == 0).then_some(typenum::UTerm)
    }
}

impl<U, B> Dim for typenum::UInt<U, B>
where
    U: typenum::Unsigned + Copy + fmt::Debug + PartialEq + Default + Send + Sync + 'static,
    B: typenum::Bit + Copy + fmt::Debug + PartialEq + Default + Send + Sync + 'static,
{
    const STATIC: Option<usize> = Some(<Self as typenum::Unsigned>::USIZE);
    fn size(&self) -> usize {
        <Self as typenum::Unsigned>::USIZE
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == <Self as typenum::Unsigned>::USIZE).then(Self::default)
    }
}

impl StaticDim for typenum::UTerm {
    const SIZE: usize = 0;
}

impl<U, B> StaticDim for typenum::UInt<U, B>
where
    U: typenum::Unsigned + Copy + fmt::Debug + PartialEq + Default + Send + Sync + 'static,
    B: typenum::Bit + Copy + fmt::Debug + PartialEq + Default + Send + Sync + 'static,
{
    const SIZE: usize = <Self as typenum::Unsigned>::USIZE;
}

/// The timesteps axis of a sequence: a static size, or [`Dyn`] for
/// sequences whose length is known only at run time (Keras's
/// `Input((None, 3))`). A layer over sequences reads its length with
/// [`steps`](Self::steps), given the run-time length a model passes it.
///
/// ```
/// use corten::shape::{Const, Dyn, StepsDim};
/// assert_eq!(<Const<20> as StepsDim>::steps(1), 20);
/// assert_eq!(<Dyn as StepsDim>::steps(37), 37);
/// ```
pub trait StepsDim: Dim + Default {
    /// The steps one row of a tensor holds: the size for a static axis, 1
    /// for a run-time one (whose sample is stored step by step).
    const PER_ROW: usize;
    /// The length of the axis, given the run-time length `steps` (which a
    /// static axis ignores).
    fn steps(steps: usize) -> usize;
    /// The sequence of these steps with `F` values each: `(Self, F)`.
    type Sequence<F: StaticDim>: super::Features;
    /// The masked sequence of these steps: `(Self, Masked<F>)`.
    type MaskedSequence<F: StaticDim>: super::Features;
}

impl<D: StaticDim> StepsDim for D {
    type Sequence<F: StaticDim> = (D, F);
    type MaskedSequence<F: StaticDim> = (D, super::Masked<F>);
    const PER_ROW: usize = D::SIZE;
    fn steps(_: usize) -> usize {
        D::SIZE
    }
}

impl StepsDim for Dyn {
    type Sequence<F: StaticDim> = (Dyn, F);
    type MaskedSequence<F: StaticDim> = (Dyn, super::Masked<F>);
    const PER_ROW: usize = 1;
    fn steps(steps: usize) -> usize {
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_accepts_only_its_own_size() {
        assert_eq!(Const::<4>::from_size(4), Some(Const));
        assert_eq!(Const::<4>::from_size(5), None);
        assert_eq!(Dyn::from_size(9), Some(Dyn(9)));
    }

    #[test]
    fn sizes_beyond_typenums_table_are_plain_integers() {
        assert_eq!(<Const<1280> as StaticDim>::SIZE, 1280);
        assert_eq!(<Const<2622> as StaticDim>::SIZE, 2622);
        assert_eq!(<Const<3000> as StaticDim>::SIZE, 3000);
        assert_eq!(<Const<1_000_003> as StaticDim>::SIZE, 1_000_003);
    }

    #[test]
    fn typenum_numbers_are_dims() {
        assert_eq!(<typenum::U25 as StaticDim>::SIZE, 25);
        assert_eq!(typenum::U1024::default().size(), 1024);
        assert_eq!(typenum::U7::from_size(8), None);
    }
}
