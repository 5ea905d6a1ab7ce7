//! `Dropout`: drops inputs while training; the identity in inference.

use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::shape::Features;
use crate::Element;

/// Keras `Dropout(rate)`. In inference it passes its input through
/// unchanged, as Keras does outside `fit`; in training it zeroes each input
/// with probability `rate` and scales the others by `1 / (1 − rate)`.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2>, Dropout::new(0.5)];
/// assert_eq!(model.predict(&Tensor::from_array([[1.0f32, 2.0]])).unwrap().as_slice(), &[1.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    rate: f32,
}

impl Dropout {
    /// Dropout of `rate` (the fraction of inputs dropped while training),
    /// clamped to `[0, 1)`.
    pub fn new(rate: f32) -> Self {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 0.999_999)
        };
        Dropout { rate }
    }

    /// The fraction of inputs dropped while training.
    pub fn rate(&self) -> f32 {
        self.rate
    }
}

/// Keras has no default rate; half is the most common choice.
impl Default for Dropout {
    fn default() -> Self {
        Dropout::new(0.5)
    }
}

impl Stateless for Dropout {
    const KERAS_NAME: &'static str = "Dropout";
    const BASE_NAME: &'static str = "dropout";
}

impl<In: Features, E: Element> LayerOp<In, E> for Dropout {
    type Output = In;

    fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
        y.copy_from_slice(x);
    }

    /// Drops each input with probability `rate` and scales the kept ones by
    /// `1 / (1 − rate)` (inverted dropout, as Keras), so inference needs no
    /// scaling. The mask is drawn from the training generator.
    #[cfg(feature = "std")]
    fn forward_train<W: Weights<E>>(
        &self,
        _: &mut W,
        x: &[E],
        y: &mut [E],
        _batch: usize,
        tape: &mut Tape<E>,
        rng: &mut crate::random::Rng,
    ) {
        use rand::Rng;
        let mask = &mut tape.cache;
        mask.clear();
        let rate = f64::from(self.rate);
        let keep = E::from_f64(1.0 / (1.0 - rate));
        // A masked sequence's mask values pass through.
        let stride = In::MASK_STRIDE;
        mask.extend((0..x.len()).map(|i| {
            if stride > 0 && i % stride == stride - 1 {
                E::ONE
            } else if rng.random::<f64>() < rate {
                E::ZERO
            } else {
                keep
            }
        }));
        for ((y, &x), &m) in y.iter_mut().zip(x).zip(mask.iter()) {
            *y = x * m;
        }
    }

    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(
        &self,
        _: &W,
        pass: Backprop<'_, E>,
        tape: &mut Tape<E>,
        _: &mut [E],
    ) {
        let Some(dx) = pass.dx else { return };
        for ((dx, &dy), &m) in dx.iter_mut().zip(pass.dy.iter()).zip(&tape.cache) {
            *dx = dy * m;
        }
    }
}

builds_from_spec!([] Dropout);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Layer;

    #[test]
    fn rate_is_clamped() {
        assert_eq!(Dropout::new(-1.0).rate(), 0.0);
        assert!(Dropout::new(2.0).rate() < 1.0);
        assert_eq!(Dropout::new(f32::NAN).rate(), 0.0);
        assert_eq!(Dropout::default().rate(), 0.5);
    }

    #[test]
    fn training_drops_about_rate_and_scales_the_rest() {
        use crate::layer::{BuildLayer, Tape};
        let mut layer = BuildLayer::<(crate::Const<1000>,), f64>::build(
            Dropout::new(0.25),
            &mut crate::layer::BuildContext::default(),
        );
        let x = [2.0f64; 1000];
        let mut y = [0.0; 1000];
        let mut tape = [Tape::default()];
        let mut rng = crate::random::Rng::seed_from(5);
        layer.forward_train(&x, &mut y, 1, &mut tape, &mut rng);
        let dropped = y.iter().filter(|&&v| v == 0.0).count();
        assert!((200..300).contains(&dropped), "{dropped} of 1000 dropped");
        assert!(y
            .iter()
            .all(|&v| v == 0.0 || (v - 2.0 / 0.75).abs() < 1e-12));
    }

    #[test]
    fn gradients_match_finite_differences() {
        let layer = crate::layer::BuildLayer::<(crate::Const<3>, crate::Const<4>), f64>::build(
            Dropout::new(0.4),
            &mut crate::layer::BuildContext::default(),
        );
        crate::layer::train::check::gradients(&layer, 3, None);
    }
}
