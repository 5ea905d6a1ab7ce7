//! `Dropout`: drops inputs while training; the identity in inference.

use super::shaped::Shaped;
use super::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::shape::Features;
use crate::Element;

/// Keras `Dropout(rate)`. In inference (all corten does so far) it passes its
/// input through unchanged, as Keras does outside `fit`.
///
/// ```
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

impl<In: Features, E: Element> BuildLayer<In, E> for Dropout {
    type Layer = Shaped<Self, In>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        Shaped::new(self, ctx.name("dropout"))
    }
}

impl<In: Features, E: Element> Layer<E> for Shaped<Dropout, In> {
    type Input = In;
    type Output = In;

    fn forward_slices(&self, x: &[E], y: &mut [E], _batch: usize, _scratch: &mut [E]) {
        y.copy_from_slice(x);
    }

    fn param_count(&self) -> usize {
        0
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow {
            name: self.name,
            kind: "Dropout",
            output: In::default().sizes(),
            params: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_clamped() {
        assert_eq!(Dropout::new(-1.0).rate(), 0.0);
        assert!(Dropout::new(2.0).rate() < 1.0);
        assert_eq!(Dropout::new(f32::NAN).rate(), 0.0);
        assert_eq!(Dropout::default().rate(), 0.5);
    }
}
