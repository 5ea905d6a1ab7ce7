//! Per-feature scale and shift along the last axis, shared by
//! `BatchNormalization` and `LayerNormalization`.

use crate::init::Initializer;
use crate::layer::machinery::Weights;
use crate::Element;

/// Keras's default `epsilon` for both normalizations.
pub const KERAS_EPSILON: f64 = 1e-3;

/// `y = (x − mean) · scale + shift` for each feature, given per-feature
/// `scale` and `shift` (already folded with gamma, beta and the variance).
pub(crate) fn affine<E: Element>(
    x: &[E],
    y: &mut [E],
    scale: impl Fn(usize) -> E,
    shift: impl Fn(usize) -> E,
    features: usize,
) {
    for (yr, xr) in y
        .chunks_exact_mut(features.max(1))
        .zip(x.chunks_exact(features.max(1)))
    {
        for (i, (o, &v)) in yr.iter_mut().zip(xr).enumerate() {
            *o = v * scale(i) + shift(i);
        }
    }
}

/// Which of γ and β a normalization has (Keras's `scale` and `center`):
/// those it has come first among its weights, γ before β.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScaleAndCenter {
    /// γ, Keras's `scale`.
    pub(crate) scale: bool,
    /// β, Keras's `center`.
    pub(crate) center: bool,
}

impl ScaleAndCenter {
    /// Keras's default: both.
    pub(crate) const BOTH: Self = ScaleAndCenter {
        scale: true,
        center: true,
    };

    /// How many of γ and β there are: the index of the weights after them.
    pub(crate) fn count(self) -> usize {
        usize::from(self.scale) + usize::from(self.center)
    }

    /// Of the weight lists for both, γ alone, β alone and neither, the one
    /// this configuration has.
    pub(crate) fn pick<T>(self, [both, gamma, beta, neither]: [T; 4]) -> T {
        match (self.scale, self.center) {
            (true, true) => both,
            (true, false) => gamma,
            (false, true) => beta,
            (false, false) => neither,
        }
    }

    /// Weight `index`'s initializer: ones for γ, zeros for β, then `after`.
    pub(crate) fn initializer(self, index: usize, after: &[Initializer]) -> Initializer {
        let first = [
            (self.scale, Initializer::Ones),
            (self.center, Initializer::Zeros),
        ];
        let mut all = first.iter().filter(|(has, _)| *has).map(|&(_, i)| i);
        all.nth(index)
            .or_else(|| after.get(index - self.count()).copied())
            .unwrap_or(Initializer::Zeros)
    }

    /// γ and β from the weights, as functions of the feature: 1 and 0 for
    /// one the layer does not have.
    pub(crate) fn of<'a, E: Element, W: Weights<E>>(
        self,
        w: &'a W,
    ) -> (impl Fn(usize) -> E + 'a, impl Fn(usize) -> E + 'a) {
        let gamma = self.scale.then(|| w.at(0));
        let beta = self.center.then(|| w.at(usize::from(self.scale)));
        (
            move |i| gamma.map_or(E::ONE, |g| g[i]),
            move |i| beta.map_or(E::ZERO, |b| b[i]),
        )
    }

    /// The gradients of γ and β apart (empty for one the layer does not
    /// have), each zeroed, for `features` features.
    #[cfg(feature = "std")]
    pub(crate) fn split_grads<E: Element>(
        self,
        grads: &mut [E],
        features: usize,
    ) -> (&mut [E], &mut [E]) {
        let (d_gamma, rest) = grads.split_at_mut(if self.scale { features } else { 0 });
        let d_beta = &mut rest[..if self.center { features } else { 0 }];
        d_gamma.fill(E::ZERO);
        d_beta.fill(E::ZERO);
        (d_gamma, d_beta)
    }
}

/// `slot[i] += value` where the slot exists (a gradient the layer has).
#[cfg(feature = "std")]
pub(crate) fn add_at<E: Element>(slot: &mut [E], i: usize, value: E) {
    if let Some(s) = slot.get_mut(i) {
        *s += value;
    }
}
