//! Shape compatibility as named traits, so that a mismatch is a compile error
//! whose first line is a sentence naming both shapes.
//!
//! Each trait is implemented only where the shapes fit; rustc's
//! `#[diagnostic::on_unimplemented]` turns the missing impl into the sentence.

use super::dim::{Const, Dim, Dyn};
use super::tuple::{Batched, Features, Shape};

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

/// Two tensors of shapes `Self` and `Other` can be combined element-wise.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a tensor of shape `{Self}` cannot be combined element-wise with one of shape `{Other}`",
    label = "the shapes of the two operands differ",
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
pub trait BatchOf<Expected: Features>: Batched<Features = Expected> {}

impl<S: Batched> BatchOf<S::Features> for S {}

/// `Self` (an output tensor) can hold the model's output samples of shape
/// `Expected`.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: the model gives samples of shape `{Expected}` but the output tensor has shape `{Self}`",
    label = "this output tensor does not fit the model's output",
    note = "the output tensor must have shape (batch, model output shape...) with the input's batch axis"
)]
pub trait OutputBatchOf<Expected: Features, B: Dim>:
    Batched<Features = Expected, Batch = B>
{
}

impl<S: Batched> OutputBatchOf<S::Features, S::Batch> for S {}

/// `Self · Rhs` is a valid matrix product.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: cannot multiply a matrix of shape `{Self}` by one of shape `{Rhs}`",
    label = "the inner dimensions of this matrix product differ",
    note = "a product (m, k) · (k, n) needs the left operand's column count to equal the right operand's row count"
)]
pub trait MatMulShapes<Rhs: Shape>: Shape {
    /// The shape of the product.
    type Output: Shape;
    /// The product's shape from the two operands' shapes.
    fn product_shape(&self, rhs: &Rhs) -> Self::Output;
}

impl<M: Dim, K: Dim, N: Dim> MatMulShapes<(K, N)> for (M, K)
where
    K: SameFeatures<K>,
{
    type Output = (M, N);
    fn product_shape(&self, rhs: &(K, N)) -> (M, N) {
        (self.0, rhs.1)
    }
}
