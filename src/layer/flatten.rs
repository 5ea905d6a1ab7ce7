//! `Flatten`: a sample of any rank as one vector, row-major (as Keras).

use super::shaped::Shaped;
use super::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::shape::{DimMul, Features, Product, StaticDim, StaticShape, ToUInt};
use crate::Element;

/// Keras `Flatten()`: `(h, w, c)` becomes `(h·w·c,)`, with the product
/// computed by the compiler, so the next layer's input size is checked.
///
/// ```
/// use corten::sequential;
/// let model = sequential![Input<28, 28, 1>, Conv2D<32, 3, Relu>, Flatten, Dense<10, Softmax>];
/// assert_eq!(model.output_shape().to_string(), "(None, 10)");
/// assert_eq!(model.param_count(), (3 * 3 * 32 + 32) + (26 * 26 * 32 * 10 + 10));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten;

/// The one-axis shape of a flattened sample.
pub trait Flattened: Features {
    /// `(numel,)`.
    type Output: Features;
}

impl<A: StaticDim> Flattened for (A,) {
    type Output = (A,);
}

impl<A: StaticDim + DimMul<B>, B: StaticDim + ToUInt> Flattened for (A, B) {
    type Output = (Product<A, B>,);
}

impl<A, B, C> Flattened for (A, B, C)
where
    A: StaticDim + DimMul<B>,
    B: StaticDim + ToUInt,
    C: StaticDim + ToUInt,
    Product<A, B>: DimMul<C>,
{
    type Output = (Product<Product<A, B>, C>,);
}

impl<In: Flattened, E: Element> BuildLayer<In, E> for Flatten {
    type Layer = Shaped<Flatten, In>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        Shaped::new(self, ctx.name("flatten"))
    }
}

impl<In: Flattened, E: Element> Layer<E> for Shaped<Flatten, In> {
    type Input = In;
    type Output = In::Output;

    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        y.copy_from_slice(x);
    }

    fn param_count(&self) -> usize {
        0
    }

    #[cfg(feature = "std")]
    fn backward(
        &self,
        pass: super::Backprop<'_, E>,
        _tape: &mut [super::Tape<E>],
        _grads: &mut [E],
    ) {
        super::pass_through(pass);
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let output = crate::shape::Sizes::of([<In as StaticShape>::NUMEL]);
        row(SummaryRow {
            name: self.name,
            kind: "Flatten",
            output,
            params: 0,
        })
    }
}

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
