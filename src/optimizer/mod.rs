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
///
/// ```
/// use corten::optimizer::{Clip, OptimizerState, Sgd};
/// // Keras's SGD(learning_rate=1.0, clipvalue=0.5): a gradient of 3 moves w by 0.5.
/// let sgd = Sgd { learning_rate: 1.0, clip: Clip::Value(0.5), ..Sgd::default() };
/// let (mut w, mut g) = ([1.0f32], [3.0f32]);
/// OptimizerState::default().apply(&sgd, &mut [&mut w[..]], &mut [&mut g[..]]);
/// assert_eq!(w, [0.5]);
/// ```
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
///
/// ```
/// use corten::optimizer::{Optimizer, OptimizerState};
/// // Sign descent: each weight moves by the learning rate against its gradient's sign.
/// #[derive(Debug)]
/// struct SignSgd(f64);
/// impl Optimizer<f32> for SignSgd {
///     fn name(&self) -> &'static str { "sign_sgd" }
///     fn learning_rate(&self) -> f64 { self.0 }
///     fn slots(&self) -> usize { 0 }
///     fn update(&self, _step: u64, w: &mut [f32], g: &[f32], _slots: &mut [Vec<f32>]) {
///         for (w, g) in w.iter_mut().zip(g) {
///             *w -= self.0 as f32 * g.signum();
///         }
///     }
/// }
/// let (mut w, mut g) = ([1.0f32, 1.0], [-3.0f32, 0.25]);
/// OptimizerState::default().apply(&SignSgd(0.5), &mut [&mut w[..]], &mut [&mut g[..]]);
/// assert_eq!(w, [1.5, 0.5]);
/// ```
pub trait Optimizer<E: Element>: core::fmt::Debug + Send + Sync {
    /// Keras's name (`"adam"`).
    ///
    /// ```
    /// use corten::optimizer::{Adam, Optimizer};
    /// assert_eq!(Optimizer::<f32>::name(&Adam::default()), "adam");
    /// ```
    fn name(&self) -> &'static str;
    /// The learning rate.
    ///
    /// ```
    /// use corten::optimizer::{Optimizer, Sgd};
    /// assert_eq!(Optimizer::<f32>::learning_rate(&Sgd::default()), 0.01); // Keras's default
    /// ```
    fn learning_rate(&self) -> f64;
    /// Gradient clipping.
    ///
    /// ```
    /// use corten::optimizer::{Clip, Optimizer, Sgd};
    /// let sgd = Sgd { clip: Clip::Norm(1.0), ..Sgd::default() };
    /// assert_eq!(Optimizer::<f32>::clip(&sgd), Clip::Norm(1.0));
    /// ```
    fn clip(&self) -> Clip {
        Clip::None
    }
    /// Decoupled weight decay: before each update `w −= w · decay · lr`.
    ///
    /// ```
    /// use corten::optimizer::{Adam, AdamW, Optimizer};
    /// assert_eq!(Optimizer::<f32>::weight_decay(&Adam::default()), 0.0);
    /// assert_eq!(Optimizer::<f32>::weight_decay(&AdamW::default()), 0.004); // Keras's default
    /// ```
    fn weight_decay(&self) -> f64 {
        0.0
    }
    /// State vectors kept per weight (momenta).
    ///
    /// ```
    /// use corten::optimizer::{Adam, Optimizer, Sgd};
    /// assert_eq!(Optimizer::<f32>::slots(&Sgd::default()), 0); // no momentum
    /// assert_eq!(Optimizer::<f32>::slots(&Adam::default()), 2); // m and v
    /// ```
    fn slots(&self) -> usize;
    /// Updates `w` given its gradient `g` at iteration `step` (from 1), with
    /// this weight's state vectors `slots` (each as long as `w`, zero at
    /// first, or as [`Optimizer::initial_slot`] says).
    ///
    /// ```
    /// use corten::optimizer::{Optimizer, Sgd};
    /// let mut w = [1.0f32];
    /// Sgd { learning_rate: 0.5, ..Sgd::default() }.update(1, &mut w, &[1.0], &mut []);
    /// assert_eq!(w, [0.5]);
    /// ```
    fn update(&self, step: u64, w: &mut [E], g: &[E], slots: &mut [Vec<E>]);
    /// The initial value of state vector `slot` (Adagrad's accumulator
    /// starts at 0.1).
    ///
    /// ```
    /// use corten::optimizer::{Adagrad, Optimizer};
    /// assert_eq!(Optimizer::<f32>::initial_slot(&Adagrad::default(), 0), 0.1);
    /// ```
    fn initial_slot(&self, _slot: usize) -> f64 {
        0.0
    }
}

/// What an optimizer keeps between steps: the iteration count and each
/// weight's state vectors.
///
/// ```
/// use corten::optimizer::{OptimizerState, Sgd};
/// // Momentum 0.9: the second step moves further than the first.
/// let sgd = Sgd { learning_rate: 0.1, momentum: 0.9, ..Sgd::default() };
/// let mut state = OptimizerState::default();
/// let mut w = [0.0f32];
/// state.apply(&sgd, &mut [&mut w[..]], &mut [&mut [1.0f32][..]]);
/// assert!((w[0] - -0.1).abs() < 1e-7);
/// state.apply(&sgd, &mut [&mut w[..]], &mut [&mut [1.0f32][..]]);
/// assert!((w[0] - (-0.1 - 0.19)).abs() < 1e-6);
/// assert_eq!(state.iterations, 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct OptimizerState<E> {
    /// Updates applied so far.
    pub iterations: u64,
    slots: Vec<Vec<Vec<E>>>,
    /// Which weights' state vectors the last checked step created (put back
    /// as "not yet created" when it is undone).
    created: Vec<bool>,
}

impl<E: Element> OptimizerState<E> {
    /// Applies one step to every weight: `weights[i]` with gradient
    /// `grads[i]` (clipped in place first).
    ///
    /// ```
    /// use corten::optimizer::{OptimizerState, Sgd};
    /// let sgd = Sgd { learning_rate: 0.5, ..Sgd::default() };
    /// let (mut kernel, mut bias) = ([1.0f32, 2.0], [0.0f32]);
    /// let mut state = OptimizerState::default();
    /// state.apply(&sgd, &mut [&mut kernel[..], &mut bias[..]], &mut [&mut [2.0, -2.0][..], &mut [1.0][..]]);
    /// assert_eq!((kernel, bias), ([0.0, 3.0], [-0.5]));
    /// ```
    pub fn apply<O: Optimizer<E> + ?Sized>(
        &mut self,
        optimizer: &O,
        weights: &mut [&mut [E]],
        grads: &mut [&mut [E]],
    ) {
        self.step(optimizer, weights, grads, None);
    }

    /// [`OptimizerState::apply`], keeping in `backup` what it overwrites (each
    /// weight's values and state just before its own update, while they are
    /// in cache): when an updated weight or state value is NaN or infinite,
    /// every weight and the state are put back as they were and the result
    /// is `false`.
    ///
    /// ```
    /// use corten::optimizer::{OptimizerState, Sgd};
    /// let mut state = OptimizerState::default();
    /// let (mut w, mut backup) = ([1.0f32, 2.0], Vec::new());
    /// let sgd = Sgd { learning_rate: 3e38, ..Default::default() };
    /// assert!(!state.apply_checked(&sgd, &mut [&mut w[..]], &mut [&mut [4.0, -4.0][..]], &mut backup));
    /// assert_eq!((w, state.iterations), ([1.0, 2.0], 0));
    /// ```
    pub fn apply_checked<O: Optimizer<E> + ?Sized>(
        &mut self,
        optimizer: &O,
        weights: &mut [&mut [E]],
        grads: &mut [&mut [E]],
        backup: &mut Vec<E>,
    ) -> bool {
        self.step(optimizer, weights, grads, Some(backup))
    }

    fn step<O: Optimizer<E> + ?Sized>(
        &mut self,
        optimizer: &O,
        weights: &mut [&mut [E]],
        grads: &mut [&mut [E]],
        mut backup: Option<&mut Vec<E>>,
    ) -> bool {
        self.iterations += 1;
        clip(optimizer.clip(), grads);
        let decay = optimizer.weight_decay() * optimizer.learning_rate();
        if self.slots.len() < weights.len() {
            self.slots.resize(weights.len(), Vec::new());
        }
        self.created.clear();
        if let Some(backup) = backup.as_deref_mut() {
            backup.clear();
        }
        let finite = |v: &[E]| crate::element::first_non_finite(v).is_none();
        for ((w, g), slots) in weights.iter_mut().zip(grads.iter()).zip(&mut self.slots) {
            let created = slots.len() != optimizer.slots();
            if created {
                *slots = (0..optimizer.slots())
                    .map(|s| alloc::vec![E::from_f64(optimizer.initial_slot(s)); w.len()])
                    .collect();
            }
            let Some(backup) = backup.as_deref_mut() else {
                apply_decay(w, decay);
                optimizer.update(self.iterations, w, g, slots);
                continue;
            };
            self.created.push(created);
            if !created {
                slots.iter().for_each(|s| backup.extend_from_slice(s));
            }
            backup.extend_from_slice(w);
            apply_decay(w, decay);
            optimizer.update(self.iterations, w, g, slots);
            if !(finite(w) && slots.iter().all(|s| finite(s))) {
                self.undo(weights, backup);
                return false;
            }
        }
        true
    }

    /// Puts back what a checked step overwrote, for the weights it reached.
    fn undo(&mut self, weights: &mut [&mut [E]], backup: &[E]) {
        let mut saved = backup;
        let mut take = |n: usize| {
            let (head, rest) = saved.split_at(n);
            saved = rest;
            head
        };
        let reached = weights.iter_mut().zip(&mut self.slots).zip(&self.created);
        for ((w, slots), &created) in reached {
            if created {
                slots.clear();
            } else {
                for s in slots.iter_mut() {
                    let n = s.len();
                    s.copy_from_slice(take(n));
                }
            }
            let n = w.len();
            w.copy_from_slice(take(n));
        }
        self.iterations -= 1;
    }
}

/// Decoupled weight decay: `w −= w · decay`.
fn apply_decay<E: Element>(w: &mut [E], decay: f64) {
    if decay != 0.0 {
        let d = E::from_f64(decay);
        w.iter_mut().for_each(|w| *w -= *w * d);
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
