//! `huber`: quadratic near zero error, linear beyond `delta`.

use super::mean_absolute_error::sign;
use super::Loss;
use crate::Element;

/// Keras's `Huber(delta=1.0)`: per value `½e²` for `|e| ≤ delta`, else
/// `delta·|e| − ½delta²`, averaged over each row (`e = pred − truth`).
///
/// ```
/// use corten::loss::{Huber, Loss};
/// // errors 0.5 and 3: (0.125 + 2.5) / 2
/// assert_eq!(Huber::default().loss(&[1.5f64, 4.0], &[1.0, 1.0], 2, None), Ok(1.3125));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    /// Where the loss turns from quadratic to linear.
    pub delta: f64,
}

impl Default for Huber {
    fn default() -> Self {
        Huber { delta: 1.0 }
    }
}

impl<E: Element> Loss<E> for Huber {
    fn name(&self) -> &'static str {
        "huber_loss"
    }

    fn row(&self, pred: &[E], truth: &[E], grad: Option<&mut [E]>) -> E {
        let n = E::from_f64(pred.len() as f64);
        let delta = E::from_f64(self.delta);
        let half = E::from_f64(0.5);
        if let Some(grad) = grad {
            for ((g, &p), &t) in grad.iter_mut().zip(pred).zip(truth) {
                let e = p - t;
                *g = if e.abs() <= delta { e } else { delta * sign(e) } / n;
            }
        }
        pred.iter().zip(truth).fold(E::ZERO, |s, (&p, &t)| {
            let e = (p - t).abs();
            s + if e <= delta {
                half * e * e
            } else {
                delta * e - half * delta * delta
            }
        }) / n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let huber = Huber { delta: 0.8 };
        super::super::check_gradient(&huber, &[0.3, -1.2, 2.0, 0.1], &[1.0, 0.0, 2.5, -0.4], 2);
    }
}
