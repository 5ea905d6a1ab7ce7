//! Adagrad.

use super::{Clip, Optimizer};
use crate::Element;
use alloc::vec::Vec;

/// Keras's `Adagrad(learning_rate=0.001, initial_accumulator_value=0.1,
/// epsilon=1e-7)`: `a += g²`, `w −= lr·g / √(a + ε)`.
///
/// ```
/// use corten::optimizer::{Adagrad, OptimizerState};
/// // One step from w = 1 with g = 0.5: the accumulator is 0.1 + 0.25.
/// let (mut w, mut g) = ([1.0f32], [0.5f32]);
/// OptimizerState::default().apply(&Adagrad::default(), &mut [&mut w[..]], &mut [&mut g[..]]);
/// let step = 0.001 * 0.5 / (0.35f64 + 1e-7).sqrt();
/// assert!((w[0] as f64 - (1.0 - step)).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adagrad {
    /// Step size.
    pub learning_rate: f64,
    /// The accumulator's starting value.
    pub initial_accumulator_value: f64,
    /// Added under the root.
    pub epsilon: f64,
    /// Gradient clipping.
    pub clip: Clip,
}

impl Default for Adagrad {
    fn default() -> Self {
        Adagrad {
            learning_rate: 0.001,
            initial_accumulator_value: 0.1,
            epsilon: 1e-7,
            clip: Clip::None,
        }
    }
}

impl<E: Element> Optimizer<E> for Adagrad {
    fn name(&self) -> &'static str {
        "adagrad"
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn clip(&self) -> Clip {
        self.clip
    }
    fn slots(&self) -> usize {
        1
    }
    fn initial_slot(&self, _slot: usize) -> f64 {
        self.initial_accumulator_value
    }
    fn update(&self, _step: u64, w: &mut [E], g: &[E], slots: &mut [Vec<E>]) {
        let (lr, eps) = (E::from_f64(self.learning_rate), E::from_f64(self.epsilon));
        for ((w, &g), a) in w.iter_mut().zip(g).zip(slots[0].iter_mut()) {
            *a += g * g;
            *w -= lr * g / (*a + eps).sqrt();
        }
    }
}
