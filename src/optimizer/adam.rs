//! Adam, and AdamW (Adam with decoupled weight decay).

use super::{Clip, Optimizer};
use crate::Element;
use alloc::vec::Vec;

/// Keras's `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999,
/// epsilon=1e-7, amsgrad=False)`:
/// `m += (g − m)(1 − β₁)`, `v += (g² − v)(1 − β₂)`,
/// `w −= lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)`.
///
/// ```
/// use corten::optimizer::{Adam, OptimizerState};
/// // One step from w = 1 with g = 0.5: m = 0.05, v = 0.00025, and the
/// // bias-corrected step is lr·m̂ / (√v̂ + ε) ≈ lr = 0.001.
/// let (mut w, mut g) = ([1.0f32], [0.5f32]);
/// OptimizerState::default().apply(&Adam::default(), &mut [&mut w[..]], &mut [&mut g[..]]);
/// let (m, v) = (0.1f64 * 0.5, 0.001f64 * 0.25);
/// let step = 0.001 * (1.0f64 - 0.999).sqrt() / (1.0 - 0.9) * m / (v.sqrt() + 1e-7);
/// assert!((w[0] as f64 - (1.0 - step)).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    /// Step size.
    pub learning_rate: f64,
    /// Decay of the first moment.
    pub beta_1: f64,
    /// Decay of the second moment.
    pub beta_2: f64,
    /// Added to the root of the second moment.
    pub epsilon: f64,
    /// Use the running maximum of the second moment.
    pub amsgrad: bool,
    /// Gradient clipping.
    pub clip: Clip,
}

impl Default for Adam {
    fn default() -> Self {
        Adam {
            learning_rate: 0.001,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            clip: Clip::None,
        }
    }
}

/// Keras's `AdamW`: [`Adam`] whose weights also decay by
/// `weight_decay · learning_rate` of themselves before each step (default
/// 0.004).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamW {
    /// The Adam settings.
    pub adam: Adam,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

impl Default for AdamW {
    fn default() -> Self {
        AdamW {
            adam: Adam::default(),
            weight_decay: 0.004,
        }
    }
}

impl<E: Element> Optimizer<E> for Adam {
    fn name(&self) -> &'static str {
        "adam"
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn clip(&self) -> Clip {
        self.clip
    }
    fn slots(&self) -> usize {
        if self.amsgrad {
            3
        } else {
            2
        }
    }
    fn update(&self, step: u64, w: &mut [E], g: &[E], slots: &mut [Vec<E>]) {
        let t = step as i32;
        let alpha =
            self.learning_rate * (1.0 - self.beta_2.powi(t)).sqrt() / (1.0 - self.beta_1.powi(t));
        let (alpha, eps) = (E::from_f64(alpha), E::from_f64(self.epsilon));
        let (b1, b2) = (
            E::from_f64(1.0 - self.beta_1),
            E::from_f64(1.0 - self.beta_2),
        );
        let [m, v, rest @ ..] = slots else {
            return;
        };
        match rest.first_mut() {
            None => {
                for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    *m += (g - *m) * b1;
                    *v += (g * g - *v) * b2;
                    *w -= alpha * *m / (v.sqrt() + eps);
                }
            }
            Some(v_hat) => {
                let moments = m.iter_mut().zip(v.iter_mut()).zip(v_hat.iter_mut());
                for ((w, &g), ((m, v), v_hat)) in w.iter_mut().zip(g).zip(moments) {
                    *m += (g - *m) * b1;
                    *v += (g * g - *v) * b2;
                    *v_hat = v_hat.max(*v);
                    *w -= alpha * *m / (v_hat.sqrt() + eps);
                }
            }
        }
    }
}

impl<E: Element> Optimizer<E> for AdamW {
    fn name(&self) -> &'static str {
        "adamw"
    }
    fn learning_rate(&self) -> f64 {
        self.adam.learning_rate
    }
    fn clip(&self) -> Clip {
        self.adam.clip
    }
    fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    fn slots(&self) -> usize {
        Optimizer::<E>::slots(&self.adam)
    }
    fn update(&self, step: u64, w: &mut [E], g: &[E], slots: &mut [Vec<E>]) {
        self.adam.update(step, w, g, slots)
    }
}
