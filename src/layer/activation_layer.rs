//! `Activation`: an activation function as a layer of its own.

use super::shaped::Shaped;
use super::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::activation::Activation as ActivationFn;
use crate::shape::Features;
use crate::Element;

/// Keras `Activation(fn)`: applies `A` to each sample; row-wise functions
/// (softmax) act on the last axis.
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2>, Activation<Relu>];
/// assert_eq!(model.predict(&Tensor::from_array([[-1.0f32, 2.0]])).unwrap().as_slice(), &[0.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Activation<A: ActivationFn>(pub A);

impl<A: ActivationFn, In: Features, E: Element> BuildLayer<In, E> for Activation<A> {
    type Layer = Shaped<Self, In>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        Shaped::new(self, ctx.name("activation"))
    }
}

impl<A: ActivationFn, In: Features, E: Element> Layer<E> for Shaped<Activation<A>, In> {
    type Input = In;
    type Output = In;

    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        y.copy_from_slice(x);
        let sizes = In::default().sizes();
        let last = sizes.as_slice().last().copied().unwrap_or(1).max(1);
        for row in y.chunks_exact_mut(last) {
            self.layer.0.apply(row);
        }
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
        let Some(dx) = pass.dx else { return };
        dx.copy_from_slice(pass.dy);
        let last = In::default()
            .sizes()
            .as_slice()
            .last()
            .copied()
            .unwrap_or(1)
            .max(1);
        for ((dx, x), y) in dx
            .chunks_exact_mut(last)
            .zip(pass.x.chunks_exact(last))
            .zip(pass.y.chunks_exact(last))
        {
            self.layer.0.backward(x, y, dx);
        }
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow {
            name: self.name,
            kind: "Activation",
            output: In::default().sizes(),
            params: 0,
        })
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::activation::{Gelu, Softmax};
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        check::gradients(
            &check::build::<(N<2>, N<3>), _>(Activation(Softmax)),
            2,
            None,
        );
        check::gradients(&check::build::<(N<5>,), _>(Activation(Gelu)), 2, None);
    }
}
