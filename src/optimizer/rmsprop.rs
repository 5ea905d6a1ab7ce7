//! RMSprop.

use super::{Clip, Optimizer};
use crate::Element;
use alloc::vec::Vec;

/// Keras's `RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0,
/// epsilon=1e-7, centered=False)`: `v = ρ·v + (1 − ρ)·g²`,
/// `Δ = lr·g / √(v + ε)` (centered: `√(v − ḡ² + ε)` with
/// `ḡ = ρ·ḡ + (1 − ρ)·g`), then `w −= Δ` (or with momentum
/// `m = momentum·m + Δ`, `w −= m`).
///
/// ```
/// use corten::optimizer::{OptimizerState, RMSprop};
/// // One step from w = 1 with g = 0.5: v = 0.1 · 0.25.
/// let (mut w, mut g) = ([1.0f32], [0.5f32]);
/// OptimizerState::default().apply(&RMSprop::default(), &mut [&mut w[..]], &mut [&mut g[..]]);
/// let step = 0.001 * 0.5 / (0.1f64 * 0.25 + 1e-7).sqrt();
/// assert!((w[0] as f64 - (1.0 - step)).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RMSprop {
    /// Step size.
    pub learning_rate: f64,
    /// Decay of the squared-gradient average.
    pub rho: f64,
    /// Momentum.
    pub momentum: f64,
    /// Added under the root.
    pub epsilon: f64,
    /// Normalize by the variance rather than the second moment.
    pub centered: bool,
    /// Gradient clipping.
    pub clip: Clip,
}

impl Default for RMSprop {
    fn default() -> Self {
        RMSprop {
            learning_rate: 0.001,
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            clip: Clip::None,
        }
    }
}

impl<E: Element> Optimizer<E> for RMSprop {
    fn name(&self) -> &'static str {
        "rmsprop"
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn clip(&self) -> Clip {
        self.clip
    }
    fn slots(&self) -> usize {
        1 + usize::from(self.momentum != 0.0) + usize::from(self.centered)
    }
    fn update(&self, _step: u64, w: &mut [E], g: &[E], slots: &mut [Vec<E>]) {
        let (lr, rho, eps) = (
            E::from_f64(self.learning_rate),
            E::from_f64(self.rho),
            E::from_f64(self.epsilon),
        );
        let momentum = E::from_f64(self.momentum);
        let (velocity, rest) = slots.split_at_mut(1);
        let (mut m, rest) = if self.momentum != 0.0 {
            let (m, rest) = rest.split_at_mut(1);
            (Some(&mut m[0]), rest)
        } else {
            (None, rest)
        };
        let mut average = rest.first_mut();
        for (i, (w, &g)) in w.iter_mut().zip(g).enumerate() {
            let v = &mut velocity[0][i];
            *v = rho * *v + (E::ONE - rho) * g * g;
            let denominator = match average.as_deref_mut() {
                Some(a) => {
                    a[i] = rho * a[i] + (E::ONE - rho) * g;
                    *v - a[i] * a[i] + eps
                }
                None => *v + eps,
            };
            let increment = lr * g / denominator.sqrt();
            match m.as_deref_mut() {
                Some(m) => {
                    m[i] = momentum * m[i] + increment;
                    *w -= m[i];
                }
                None => *w -= increment,
            }
        }
    }
}
