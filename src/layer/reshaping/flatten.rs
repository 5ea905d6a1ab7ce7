//! `Flatten`: a sample of any rank as one vector, row-major (as Keras).

use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::train::pass_through;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::shape::{DimMul, Features, Product, StaticDim, ToUInt};
use crate::Element;

/// Keras `Flatten()`: `(h, w, c)` becomes `(h·w·c,)`, with the product
/// computed by the compiler, so the next layer's input size is checked.
///
/// ```
/// use corten::prelude::*;
/// use corten::sequential;
/// let model = sequential![Input<28, 28, 1>, Conv2D<32, 3, Relu>, Flatten, Dense<10, Softmax>];
/// assert_eq!(model.output_shape().to_string(), "(None, 10)");
/// assert_eq!(model.param_count(), (3 * 3 * 32 + 32) + (26 * 26 * 32 * 10 + 10));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten;

impl Flatten {
    /// The layer, in a `const` (a model built at compile time).
    pub const fn new() -> Self {
        Flatten
    }
}

/// The one-axis shape of a flattened sample.
#[diagnostic::on_unimplemented(
    message = "`Flatten` cannot flatten samples of shape `{Self}`: their size is not known to the compiler",
    label = "this layer needs a sample of static sizes",
    note = "sequences of run-time length end their time axis with a recurrent layer (without `return_sequences`) or global pooling, as in Keras"
)]
pub trait Flattened: Features {
    /// `(numel,)`.
    type Output: Features;
}

impl<A: StaticDim> Flattened for (A,) {
    type Output = (A,);
}

#[diagnostic::do_not_recommend]
impl<A: StaticDim + DimMul<B>, B: StaticDim + ToUInt> Flattened for (A, B) {
    type Output = (Product<A, B>,);
}

#[diagnostic::do_not_recommend]
impl<A, B, C> Flattened for (A, B, C)
where
    A: StaticDim + DimMul<B>,
    B: StaticDim + ToUInt,
    C: StaticDim + ToUInt,
    Product<A, B>: DimMul<C>,
{
    type Output = (Product<Product<A, B>, C>,);
}

impl Stateless for Flatten {
    const KERAS_NAME: &'static str = "Flatten";
    const BASE_NAME: &'static str = "flatten";
}

impl<In: Flattened, E: Element> LayerOp<In, E> for Flatten {
    type Output = In::Output;

    fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        y.copy_from_slice(x);
    }

    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
        pass_through(pass);
    }
}

builds_from_spec!([] Flatten);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        check::gradients(&check::build::<(N<2>, N<3>, N<2>), _>(Flatten), 2, None);
    }
}
