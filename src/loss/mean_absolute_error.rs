//! `mean_absolute_error`: the mean of `|pred − truth|` over each row.

use super::Loss;
use crate::Element;

/// Keras's `MeanAbsoluteError`.
///
/// ```
/// use corten::loss::{Loss, MeanAbsoluteError};
/// assert_eq!(MeanAbsoluteError.loss(&[0.0f64, 4.0], &[1.0, 2.0], 2, None), Ok(1.5));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanAbsoluteError;

impl<E: Element> Loss<E> for MeanAbsoluteError {
    fn name(&self) -> &'static str {
        "mean_absolute_error"
    }

    fn row(&self, pred: &[E], truth: &[E], grad: Option<&mut [E]>) -> E {
        let n = E::from_f64(pred.len() as f64);
        if let Some(grad) = grad {
            for ((g, &p), &t) in grad.iter_mut().zip(pred).zip(truth) {
                *g = sign(p - t) / n;
            }
        }
        pred.iter()
            .zip(truth)
            .fold(E::ZERO, |s, (&p, &t)| s + (p - t).abs())
            / n
    }
}

/// −1, 0 or 1 (0 at 0, as the gradient of `|x|` in Keras's backends).
pub(crate) fn sign<E: Element>(x: E) -> E {
    if x > E::ZERO {
        E::ONE
    } else if x < E::ZERO {
        -E::ONE
    } else {
        E::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        super::super::check_gradient(
            &MeanAbsoluteError,
            &[0.3, -1.2, 2.0, 0.1],
            &[1.0, 0.0, 2.5, -0.4],
            4,
        );
    }
}
