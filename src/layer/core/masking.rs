//! `Masking`: marks the steps of a sequence whose features all equal a
//! value (padding) as masked, for the layers after it to skip.

use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::shape::{Features, StaticDim, StepsDim};
use crate::Element;

/// Keras `Masking(mask_value=0.0)`: a step whose every feature equals
/// `mask_value` is masked (its features set to 0), and the mask travels
/// with the sequence, `(steps, Masked<features>)`, to the layers that
/// skip masked steps: the recurrent layers (a masked step leaves the state
/// unchanged) and `GlobalAveragePooling1D`. A layer that does not know
/// masks does not take a masked sequence (a compile error).
///
/// ```
/// use corten::prelude::*;
/// // Sequences of up to 4 steps, padded with steps of zeros.
/// let model = sequential![Input<4, 2>, Masking::default(), Lstm<3>, Dense<1>];
/// let padded_at_the_end = Tensor::from_array([[[1.0f32, 2.0], [0.5, 0.0], [0.0, 0.0], [0.0, 0.0]]]);
/// let padded_between = Tensor::from_array([[[1.0f32, 2.0], [0.0, 0.0], [0.0, 0.0], [0.5, 0.0]]]);
/// // The padding steps change nothing: the LSTM's state stays as it was.
/// let (a, b) = (model.predict(&padded_at_the_end)?, model.predict(&padded_between)?);
/// assert_eq!(a.as_slice(), b.as_slice());
/// assert!(model.summary().to_string().contains("(None, 4, 2)"));
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Masking {
    mask_value: f32,
}

impl Masking {
    /// Masks the steps whose features all equal `mask_value`.
    pub fn new(mask_value: f32) -> Self {
        Masking { mask_value }
    }

    /// The value that marks padding.
    pub fn mask_value(&self) -> f32 {
        self.mask_value
    }
}

/// Keras's default: steps of zeros are padding.
impl Default for Masking {
    fn default() -> Self {
        Masking::new(0.0)
    }
}

impl Stateless for Masking {
    const KERAS_NAME: &'static str = "Masking";
    const BASE_NAME: &'static str = "masking";
}

impl<T: StepsDim, F: StaticDim, E: Element> LayerOp<(T, F), E> for Masking
where
    (T, F): Features,
{
    type Output = T::MaskedSequence<F>;

    fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        let value = E::from_f64(f64::from(self.mask_value));
        for (x, y) in x
            .chunks_exact(F::SIZE.max(1))
            .zip(y.chunks_exact_mut(F::SIZE + 1))
        {
            let kept = F::SIZE == 0 || x.iter().any(|&v| v != value);
            let (data, mask) = y.split_at_mut(F::SIZE);
            match kept {
                true => data.copy_from_slice(&x[..F::SIZE]),
                false => data.fill(E::ZERO),
            }
            mask[0] = if kept { E::ONE } else { E::ZERO };
        }
    }

    /// The gradient reaches the features of the steps kept.
    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
        let Some(dx) = pass.dx else { return };
        for (dx, (dy, y)) in dx.chunks_exact_mut(F::SIZE.max(1)).zip(
            pass.dy
                .chunks_exact(F::SIZE + 1)
                .zip(pass.y.chunks_exact(F::SIZE + 1)),
        ) {
            let kept = y[F::SIZE];
            for (dx, &dy) in dx.iter_mut().zip(dy) {
                *dx = dy * kept;
            }
        }
    }
}

builds_from_spec!([] Masking);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{BuildContext, BuildLayer, Layer};
    use crate::Const as N;

    #[test]
    fn steps_of_the_mask_value_are_masked_and_zeroed() {
        let layer = BuildLayer::<(N<3>, N<2>), f32>::build(
            Masking::new(-1.0),
            &mut BuildContext::default(),
        );
        let x = [1.0f32, -1.0, -1.0, -1.0, 0.0, 0.0];
        let mut y = [f32::NAN; 9];
        layer.forward_slices(&x, &mut y, 1, &mut []);
        assert_eq!(y, [1.0, -1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    }

    #[cfg(feature = "std")]
    #[test]
    fn gradients_match_finite_differences() {
        let layer = BuildLayer::<(N<3>, N<2>), f64>::build(
            Masking::new(0.25),
            &mut BuildContext::default(),
        );
        crate::layer::train::check::gradients(&layer, 2, None);
    }
}
