//! `RepeatVector`: a vector repeated `N` times, `(features,)` → `(N, features)`.

use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::shape::{Const, StaticDim};
use crate::Element;

/// Keras `RepeatVector(n)`: each sample's vector as a sequence of `N`
/// equal steps (the bridge from an encoder's last state to a decoder).
///
/// ```
/// use corten::prelude::*;
/// let model = sequential![Input<3>, RepeatVector<4>, Lstm<2>.return_sequences()];
/// assert_eq!(model.output_shape().to_string(), "(None, 4, 2)");
/// let y = sequential![Input<2>, RepeatVector<3>].predict(&Tensor::from_array([[1.0f32, 2.0]]))?;
/// assert_eq!(y.as_slice(), &[1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RepeatVector<const N: usize>;

impl<const N: usize> Stateless for RepeatVector<N> {
    const KERAS_NAME: &'static str = "RepeatVector";
    const BASE_NAME: &'static str = "repeat_vector";
}

impl<F: StaticDim, const N: usize, E: Element> LayerOp<(F,), E> for RepeatVector<N> {
    type Output = (Const<N>, F);

    fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        for (sample, out) in x
            .chunks_exact(F::SIZE.max(1))
            .zip(y.chunks_exact_mut((N * F::SIZE).max(1)))
        {
            for step in out.chunks_exact_mut(F::SIZE.max(1)) {
                step.copy_from_slice(sample);
            }
        }
    }

    /// Each input value's gradient is the sum over the steps that copy it.
    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
        let Some(dx) = pass.dx else { return };
        let f = F::SIZE.max(1);
        for (dx, dy) in dx
            .chunks_exact_mut(f)
            .zip(pass.dy.chunks_exact((N * F::SIZE).max(1)))
        {
            dx.fill(E::ZERO);
            for step in dy.chunks_exact(f) {
                crate::element::add_into(dx, step);
            }
        }
    }
}

builds_from_spec!([const N: usize] RepeatVector<N>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as C;

    #[test]
    fn gradients_match_finite_differences() {
        check::gradients(&check::build::<(C<3>,), _>(RepeatVector::<4>), 2, None);
    }
}
