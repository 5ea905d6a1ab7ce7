//! `Activation`: an activation function as a layer of its own.

use crate::activation::Activation as ActivationFn;
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::shape::Features;
use crate::Element;

/// Keras `Activation(fn)`: applies `A` to each sample; row-wise functions
/// (softmax) act on the last axis.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2>, Activation<Relu>];
/// assert_eq!(model.predict(&Tensor::from_array([[-1.0f32, 2.0]])).unwrap().as_slice(), &[0.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Activation<A: ActivationFn>(pub A);

impl<A: ActivationFn> Stateless for Activation<A> {
    const KERAS_NAME: &'static str = "Activation";
    const BASE_NAME: &'static str = "activation";
}

/// The width of the last axis of `In`, the rows a row-wise function acts
/// on, and how many of each row's values it acts on (a masked sequence's
/// mask value is passed through).
fn last_axis<In: Features>() -> (usize, usize) {
    let last = In::default().sizes().last().copied().unwrap_or(1).max(1);
    (last, if In::MASK_STRIDE > 0 { last - 1 } else { last })
}

impl<A: ActivationFn, In: Features, E: Element> LayerOp<In, E> for Activation<A> {
    type Output = In;

    fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        y.copy_from_slice(x);
        let (last, data) = last_axis::<In>();
        for row in y.chunks_exact_mut(last) {
            self.0.apply(&mut row[..data]);
        }
    }

    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
        let Some(dx) = pass.dx else { return };
        dx.copy_from_slice(pass.dy);
        let (last, data) = last_axis::<In>();
        for ((dx, x), y) in dx
            .chunks_exact_mut(last)
            .zip(pass.x.chunks_exact(last))
            .zip(pass.y.chunks_exact(last))
        {
            self.0.backward(&x[..data], &y[..data], &mut dx[..data]);
        }
    }
}

builds_from_spec!([A: ActivationFn] Activation<A>);

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
