//! Stochastic gradient descent with optional (Nesterov) momentum.

use super::{Clip, Optimizer};
use crate::Element;
use alloc::vec::Vec;

/// Keras's `SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`.
///
/// Without momentum `w −= lr·g`; with momentum `m = momentum·m − lr·g`, then
/// `w += m` (or, Nesterov, `w += momentum·m − lr·g`).
///
/// ```
/// use corten::optimizer::{Optimizer, OptimizerState, Sgd};
/// let mut w = [1.0f32];
/// let mut g = [0.5f32];
/// OptimizerState::default().apply(&Sgd::default(), &mut [&mut w[..]], &mut [&mut g[..]]);
/// assert_eq!(w, [1.0 - 0.01 * 0.5]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    /// Step size (Keras's default 0.01).
    pub learning_rate: f64,
    /// Momentum in `[0, 1)`.
    pub momentum: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// Gradient clipping.
    pub clip: Clip,
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd {
            learning_rate: 0.01,
            momentum: 0.0,
            nesterov: false,
            clip: Clip::None,
        }
    }
}

impl<E: Element> Optimizer<E> for Sgd {
    fn name(&self) -> &'static str {
        "SGD"
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn clip(&self) -> Clip {
        self.clip
    }
    fn slots(&self) -> usize {
        usize::from(self.momentum != 0.0)
    }
    fn update(&self, _step: u64, w: &mut [E], g: &[E], slots: &mut [Vec<E>]) {
        let lr = E::from_f64(self.learning_rate);
        let Some(m) = slots.first_mut() else {
            w.iter_mut().zip(g).for_each(|(w, &g)| *w -= lr * g);
            return;
        };
        let momentum = E::from_f64(self.momentum);
        for ((w, &g), m) in w.iter_mut().zip(g).zip(m.iter_mut()) {
            *m = momentum * *m - lr * g;
            if self.nesterov {
                *w += momentum * *m - lr * g;
            } else {
                *w += *m;
            }
        }
    }
}
