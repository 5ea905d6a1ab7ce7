//! Shape compatibility as named traits, so that a mismatch is a compile error
//! whose first line is a sentence naming both shapes.
//!
//! Each trait is implemented only where the shapes fit; rustc's
//! `#[diagnostic::on_unimplemented]` turns the missing impl into the sentence.

use super::arith::{ToUInt, UIntOf};
use super::dim::StaticDim;
use super::dim::{Const, Dim, Dyn};
use super::tuple::{Features, Shape};
use typenum::{Eq, IsEqual};

/// `Self` (the size a previous layer gives) equals `Expected` (the size a layer
/// was built for).
#[diagnostic::on_unimplemented(
    message = "shape mismatch: the layer expects `{Expected}` input features but the previous layer gives `{Self}`",
    label = "this layer's input size does not fit the output of the layer before it",
    note = "each layer's input size must equal the output size of the layer before it"
)]
pub trait SameFeatures<Expected> {}

impl<const N: usize> SameFeatures<Const<N>> for Const<N> {}
impl SameFeatures<Dyn> for Dyn {}
impl SameFeatures<typenum::UTerm> for typenum::UTerm {}
impl<U, B> SameFeatures<typenum::UInt<U, B>> for typenum::UInt<U, B> {}

/// A size written as `Const<N>` equals a size the compiler computed (a
/// flatten's product) when their values agree.
impl<const N: usize, U, B> SameFeatures<typenum::UInt<U, B>> for Const<N>
where
    Const<N>: ToUInt,
    UIntOf<Const<N>>: IsEqual<typenum::UInt<U, B>>,
    Eq<UIntOf<Const<N>>, typenum::UInt<U, B>>: SizesAgree<typenum::UInt<U, B>, Const<N>>,
{
}

impl<const N: usize, U, B> SameFeatures<Const<N>> for typenum::UInt<U, B>
where
    Const<N>: ToUInt,
    UIntOf<Const<N>>: IsEqual<typenum::UInt<U, B>>,
    Eq<UIntOf<Const<N>>, typenum::UInt<U, B>>: SizesAgree<Const<N>, typenum::UInt<U, B>>,
{
}

/// The leaf of a value comparison between a written and a computed size:
/// implemented only for typenum's `B1` (equal).
#[diagnostic::on_unimplemented(
    message = "shape mismatch: the layer expects `{Expected}` input features but the previous layer gives `{Given}`",
    label = "this layer's input size does not fit the output of the layer before it"
)]
pub trait SizesAgree<Expected, Given> {}

impl<Expected, Given> SizesAgree<Expected, Given> for typenum::B1 {}

/// A tensor of shape `Self` can be combined element-wise with one of shape
/// `Other`. (Bounds are written `Rhs: SameShape<Lhs>` so that the compiler
/// learns the right operand's shape from the argument, then checks it.)
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a tensor of shape `{Other}` cannot be combined element-wise with one of shape `{Self}`",
    label = "this operand's shape differs from the left one's",
    note = "element-wise operations need two tensors of the same shape"
)]
pub trait SameShape<Other> {}

impl<S: Shape> SameShape<S> for S {}

/// `Self` (a batch given to a model) holds samples of shape `Expected`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: the model takes samples of shape `{Expected}` but this batch has shape `{Self}`",
    label = "this batch does not fit the model's input",
    note = "a batch has shape (batch, features...): its axes after the first must equal the model's input shape"
)]
pub trait BatchOf<Expected: Features>: Shape {
    /// The batch axis.
    type Batch: Dim;
    /// The batch axis of this shape.
    fn batch(&self) -> Self::Batch;
}

/// `Self` (an output tensor) can hold a batch of `B` of the model's output
/// samples of shape `Expected`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: the model gives samples of shape `{Expected}` but the output tensor has shape `{Self}`",
    label = "this output tensor does not fit the model's output",
    note = "the output tensor must have shape (batch, model output shape...) with the input's batch axis"
)]
pub trait OutputBatchOf<Expected: Features, B: Dim>: Shape {}

macro_rules! impl_batch_of {
    ($($d:ident),+) => {
        #[diagnostic::do_not_recommend]
        impl<B: Dim, $($d: StaticDim),+> BatchOf<($($d,)+)> for (B, $($d,)+) {
            type Batch = B;
            fn batch(&self) -> B {
                self.0
            }
        }
        #[diagnostic::do_not_recommend]
        impl<B: Dim, $($d: StaticDim),+> OutputBatchOf<($($d,)+), B> for (B, $($d,)+) {}
    };
}

impl_batch_of!(D0);
impl_batch_of!(D0, D1);
impl_batch_of!(D0, D1, D2);
impl_batch_of!(D0, D1, D2, D3);

/// `Lhs · Self` is a valid matrix product (written with the right operand as
/// `Self`, so the compiler learns it from the argument before checking).
#[diagnostic::on_unimplemented(
    message = "shape mismatch: cannot multiply a matrix of shape `{Lhs}` by one of shape `{Self}`",
    label = "the inner dimensions of this matrix product differ",
    note = "a product (m, k) · (k, n) needs the left operand's column count to equal the right operand's row count"
)]
pub trait MatMulRhs<Lhs: Shape>: Shape {
    /// The shape of the product.
    type Output: Shape;
    /// The product's shape from the two operands' shapes.
    fn product_shape(lhs: &Lhs, rhs: &Self) -> Self::Output;
}

impl<M: Dim, K: Dim, N: Dim> MatMulRhs<(M, K)> for (K, N) {
    type Output = (M, N);
    fn product_shape(lhs: &(M, K), rhs: &(K, N)) -> (M, N) {
        (lhs.0, rhs.1)
    }
}

/// An output tensor of shape `Self` can hold a result of shape `Expected`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: the result has shape `{Expected}` but the output tensor has shape `{Self}`",
    label = "this output tensor does not fit the result"
)]
pub trait OutputFits<Expected> {}

impl<S: Shape> OutputFits<S> for S {}
