//! Optimizers with Keras 3's update rules and defaults.
//!
//! An optimizer is plain settings (`Adam { learning_rate: 0.01, ..Default::default() }`);
//! the state it keeps per weight (momenta) lives in an [`OptimizerState`]
//! the model owns.

mod adagrad;
mod adam;
mod rmsprop;
mod sgd;

pub use adagrad::Adagrad;
pub use adam::{Adam, AdamW};
pub use rmsprop::RMSprop;
pub use sgd::Sgd;

use crate::Element;
use alloc::vec::Vec;

/// Gradient clipping before the update, as Keras's `clipnorm`, `clipvalue`
/// and `global_clipnorm` (one at a time).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Clip {
    /// No clipping.
    #[default]
    None,
    /// Each weight's gradient scaled down to L2 norm at most this.
    Norm(f64),
    /// Each gradient value clipped to `[−v, v]`.
    Value(f64),
    /// All gradients together scaled down to global L2 norm at most this.
    GlobalNorm(f64),
}

/// An optimizer: how one weight tensor moves given its gradient.
pub trait Optimizer<E: Element>: core::fmt::Debug + Send + Sync {
    /// Keras's name (`"adam"`).
    fn name(&self) -> &'static str;
    /// The learning rate.
    fn learning_rate(&self) -> f64;
    /// Gradient clipping.
    fn clip(&self) -> Clip {
        Clip::None
    }
    /// Decoupled weight decay: before each update `w −= w · decay · lr`.
    fn weight_decay(&self) -> f64 {
        0.0
    }
    /// State vectors kept per weight (momenta).
    fn slots(&self) -> usize;
    /// Updates `w` given its gradient `g` at iteration `step` (from 1), with
    /// this weight's state vectors `slots` (each as long as `w`, zero at
    /// first, or as [`Optimizer::initial_slot`] says).
    fn update(&self, step: u64, w: &mut [E], g: &[E], slots: &mut [Vec<E>]);
    /// The initial value of state vector `slot` (Adagrad's accumulator
    /// starts at 0.1).
    fn initial_slot(&self, _slot: usize) -> f64 {
        0.0
    }
}

/// What an optimizer keeps between steps: the iteration count and each
/// weight's state vectors.
#[derive(Clone, Debug, Default)]
pub struct OptimizerState<E> {
    /// Updates applied so far.
    pub iterations: u64,
    slots: Vec<Vec<Vec<E>>>,
}

impl<E: Element> OptimizerState<E> {
    /// Applies one step to every weight: `weights[i]` with gradient
    /// `grads[i]` (clipped in place first).
    pub fn apply<O: Optimizer<E> + ?Sized>(
        &mut self,
        optimizer: &O,
        weights: &mut [&mut [E]],
        grads: &mut [&mut [E]],
    ) {
        self.iterations += 1;
        clip(optimizer.clip(), grads);
        let decay = optimizer.weight_decay() * optimizer.learning_rate();
        if self.slots.len() < weights.len() {
            self.slots.resize(weights.len(), Vec::new());
        }
        for ((w, g), slots) in weights.iter_mut().zip(grads.iter()).zip(&mut self.slots) {
            if slots.len() != optimizer.slots() {
                *slots = (0..optimizer.slots())
                    .map(|s| alloc::vec![E::from_f64(optimizer.initial_slot(s)); w.len()])
                    .collect();
            }
            if decay != 0.0 {
                let d = E::from_f64(decay);
                w.iter_mut().for_each(|w| *w -= *w * d);
            }
            optimizer.update(self.iterations, w, g, slots);
        }
    }
}

/// Clips the gradients as Keras does.
fn clip<E: Element>(clip: Clip, grads: &mut [&mut [E]]) {
    let norm = |g: &[E]| {
        g.iter()
            .fold(0.0, |s, &v| s + v.to_f64() * v.to_f64())
            .sqrt()
    };
    let scale_to = |g: &mut [E], norm: f64, limit: f64| {
        if norm > limit {
            let s = E::from_f64(limit / norm);
            g.iter_mut().for_each(|v| *v *= s);
        }
    };
    match clip {
        Clip::None => {}
        Clip::Norm(limit) => {
            for g in grads.iter_mut() {
                let n = norm(g);
                scale_to(g, n, limit);
            }
        }
        Clip::Value(limit) => {
            let (lo, hi) = (E::from_f64(-limit), E::from_f64(limit));
            for g in grads.iter_mut() {
                g.iter_mut().for_each(|v| *v = v.max(lo).min(hi));
            }
        }
        Clip::GlobalNorm(limit) => {
            let n = grads.iter().map(|g| norm(g).powi(2)).sum::<f64>().sqrt();
            for g in grads.iter_mut() {
                scale_to(g, n, limit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_follows_keras() {
        let mut a = [3.0f64, 4.0];
        let mut b = [0.5f64, -2.0];
        clip(Clip::Norm(1.0), &mut [&mut a, &mut b]);
        assert!((a[0] - 0.6).abs() < 1e-12 && (a[1] - 0.8).abs() < 1e-12);
        let n = (0.25f64 + 4.0).sqrt();
        assert!((b[0] - 0.5 / n).abs() < 1e-12);
        let mut c = [3.0f64, -4.0, 0.2];
        clip(Clip::Value(0.5), &mut [&mut c]);
        assert_eq!(c, [0.5, -0.5, 0.2]);
        let (mut d, mut e) = ([3.0f64], [4.0f64]);
        clip(Clip::GlobalNorm(1.0), &mut [&mut d, &mut e]);
        assert!((d[0] - 0.6).abs() < 1e-12 && (e[0] - 0.8).abs() < 1e-12);
        let mut small = [0.1f64];
        clip(Clip::Norm(1.0), &mut [&mut small]);
        assert_eq!(small, [0.1]);
    }
}
