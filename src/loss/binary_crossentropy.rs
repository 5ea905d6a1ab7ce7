//! `binary_crossentropy`: each output a probability of class 1.

use super::{clip_probability, Loss, Targets};
use crate::Element;

/// Keras's `BinaryCrossentropy`: per value `−(t·ln p + (1 − t)·ln(1 − p))`
/// with `p` clipped to `[1e-7, 1 − 1e-7]` (or, `from_logits`, computed from
/// the logit without clipping), averaged over each row. `label_smoothing`
/// moves the labels toward ½: `t·(1 − s) + s/2`.
///
/// ```
/// use corten::loss::{BinaryCrossentropy, Loss};
/// let bce = BinaryCrossentropy::default();
/// let l = bce.loss(&[0.8f64], &[1.0], 1, None)?;
/// assert!((l + 0.8f64.ln()).abs() < 1e-12);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinaryCrossentropy {
    /// The predictions are logits (no sigmoid in the model).
    pub from_logits: bool,
    /// Label smoothing in `[0, 1]`.
    pub label_smoothing: f64,
}

impl<E: Element> Loss<E> for BinaryCrossentropy {
    fn name(&self) -> &'static str {
        "binary_crossentropy"
    }

    fn targets(&self) -> Targets {
        Targets::Binary
    }

    fn row(&self, pred: &[E], truth: &[E], mut grad: Option<&mut [E]>) -> E {
        let n = E::from_f64(pred.len() as f64);
        let s = E::from_f64(self.label_smoothing);
        let half = E::from_f64(0.5);
        let mut total = E::ZERO;
        for (i, (&p, &t)) in pred.iter().zip(truth).enumerate() {
            let t = t * (E::ONE - s) + half * s;
            let (loss, d) = if self.from_logits {
                // −t·ln σ(z) − (1 − t)·ln σ(−z) = max(z, 0) − z·t + ln(1 + e^−|z|)
                let loss = p.max(E::ZERO) - p * t + (-p.abs()).exp().ln_1p();
                (loss, sigmoid(p) - t)
            } else {
                let (p, inside) = clip_probability(p);
                let loss = -(t * p.ln() + (E::ONE - t) * (E::ONE - p).ln());
                let d = if inside {
                    -t / p + (E::ONE - t) / (E::ONE - p)
                } else {
                    E::ZERO
                };
                (loss, d)
            };
            total += loss;
            if let Some(g) = grad.as_deref_mut() {
                g[i] = d / n;
            }
        }
        total / n
    }
}

fn sigmoid<E: Element>(x: E) -> E {
    let mut v = [x];
    crate::activation::Activation::apply(&crate::activation::Sigmoid, &mut v);
    v[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let pred = [0.3, 0.9, 0.05, 0.6];
        let truth = [1.0, 0.0, 0.0, 1.0];
        super::super::check_gradient(&BinaryCrossentropy::default(), &pred, &truth, 2);
        let smoothed = BinaryCrossentropy {
            from_logits: false,
            label_smoothing: 0.2,
        };
        super::super::check_gradient(&smoothed, &pred, &truth, 2);
        let logits = BinaryCrossentropy {
            from_logits: true,
            label_smoothing: 0.1,
        };
        super::super::check_gradient(&logits, &[2.0, -1.5, 0.3, 8.0], &truth, 1);
    }
}
