//! `mean_squared_error`: the mean of `(pred − truth)²` over each row.

use super::Loss;
use crate::Element;

/// Keras's `MeanSquaredError`.
///
/// ```
/// use corten::loss::{Loss, MeanSquaredError};
/// assert_eq!(MeanSquaredError.loss(&[0.0f64, 4.0], &[1.0, 2.0], 2, None), Ok(2.5));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanSquaredError;

impl<E: Element> Loss<E> for MeanSquaredError {
    fn name(&self) -> &'static str {
        "mean_squared_error"
    }

    fn row(&self, pred: &[E], truth: &[E], grad: Option<&mut [E]>) -> E {
        let n = E::from_f64(pred.len() as f64);
        if let Some(grad) = grad {
            for ((g, &p), &t) in grad.iter_mut().zip(pred).zip(truth) {
                *g = E::from_f64(2.0) * (p - t) / n;
            }
        }
        pred.iter()
            .zip(truth)
            .fold(E::ZERO, |s, (&p, &t)| s + (p - t) * (p - t))
            / n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        super::super::check_gradient(
            &MeanSquaredError,
            &[0.3, -1.2, 2.0, 0.1],
            &[1.0, 0.0, 2.5, -0.4],
            2,
        );
    }
}
