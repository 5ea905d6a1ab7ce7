//! `categorical_crossentropy` and `sparse_categorical_crossentropy`: each
//! row a distribution over classes.

use super::{clip_probability, Loss, Targets};
use crate::error::Error;
use crate::Element;

/// Keras's `CategoricalCrossentropy`: `−Σ t·ln p` per row over one-hot
/// labels `t`. As in Keras the row is first scaled to sum to 1 and clipped
/// to `[1e-7, 1 − 1e-7]`; `from_logits` takes logits (no softmax in the
/// model) and uses a stable log-softmax. `label_smoothing` `s` moves the
/// labels toward uniform: `t·(1 − s) + s/classes`.
///
/// ```
/// use corten::loss::{CategoricalCrossentropy, Loss};
/// let cce = CategoricalCrossentropy::default();
/// let l = cce.loss(&[0.2f64, 0.7, 0.1], &[0.0, 1.0, 0.0], 3, None)?;
/// assert!((l + 0.7f64.ln()).abs() < 1e-12);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CategoricalCrossentropy {
    /// The predictions are logits.
    pub from_logits: bool,
    /// Label smoothing in `[0, 1]`.
    pub label_smoothing: f64,
}

/// Keras's `SparseCategoricalCrossentropy`: [`CategoricalCrossentropy`] with
/// each row's label given as the class index (a whole number in
/// `0..classes`; anything else is an error before training).
///
/// ```
/// use corten::loss::{Loss, SparseCategoricalCrossentropy};
/// let scce = SparseCategoricalCrossentropy::default();
/// let l = scce.loss(&[0.2f64, 0.7, 0.1], &[1.0], 3, None)?;
/// assert!((l + 0.7f64.ln()).abs() < 1e-12);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SparseCategoricalCrossentropy {
    /// The predictions are logits.
    pub from_logits: bool,
}

/// `−Σ t·ln p` over one row, with `t(j)` the (smoothed) label of class `j`.
fn crossentropy<E: Element>(
    pred: &[E],
    label: impl Fn(usize) -> E,
    from_logits: bool,
    grad: Option<&mut [E]>,
) -> E {
    let Some(&first) = pred.first() else {
        return E::ZERO;
    };
    let label_sum = (0..pred.len()).fold(E::ZERO, |s, j| s + label(j));
    if from_logits {
        // ln softmax(z)_j = z_j − max − ln Σ e^(z − max)
        let max = pred.iter().fold(first, |m, &v| m.max(v));
        let sum = pred.iter().fold(E::ZERO, |s, &v| s + (v - max).exp());
        let log_sum = sum.ln();
        if let Some(grad) = grad {
            for (j, (g, &z)) in grad.iter_mut().zip(pred).enumerate() {
                *g = (z - max).exp() / sum * label_sum - label(j);
            }
        }
        return pred
            .iter()
            .enumerate()
            .fold(E::ZERO, |s, (j, &z)| s - label(j) * (z - max - log_sum));
    }
    let total = pred.iter().fold(E::ZERO, |s, &v| s + v);
    let mut loss = E::ZERO;
    let mut weighted = E::ZERO; // Σ_j g_j·p̂_j for the normalization's gradient
                                // Only classes with a nonzero label enter the loss (one for sparse labels).
    let term = |j: usize, p: E| {
        let t = label(j);
        if t == E::ZERO {
            return None;
        }
        let (q, inside) = clip_probability(p / total);
        Some((t, q, inside))
    };
    for (j, &p) in pred.iter().enumerate() {
        if let Some((t, q, inside)) = term(j, p) {
            loss -= t * q.ln();
            if inside {
                weighted += -t / q * (p / total);
            }
        }
    }
    if let Some(grad) = grad {
        for (j, (g, &p)) in grad.iter_mut().zip(pred).enumerate() {
            let g_j = match term(j, p) {
                Some((t, q, true)) => -t / q,
                _ => E::ZERO,
            };
            *g = (g_j - weighted) / total;
        }
    }
    loss
}

impl<E: Element> Loss<E> for CategoricalCrossentropy {
    fn name(&self) -> &'static str {
        "categorical_crossentropy"
    }

    fn targets(&self) -> Targets {
        Targets::OneHot
    }

    fn row(&self, pred: &[E], truth: &[E], grad: Option<&mut [E]>) -> E {
        let s = E::from_f64(self.label_smoothing);
        let uniform = s / E::from_f64(pred.len() as f64);
        let label = |j: usize| truth[j] * (E::ONE - s) + uniform;
        crossentropy(pred, label, self.from_logits, grad)
    }
}

impl<E: Element> Loss<E> for SparseCategoricalCrossentropy {
    fn name(&self) -> &'static str {
        "sparse_categorical_crossentropy"
    }

    fn targets(&self) -> Targets {
        Targets::ClassIndex
    }

    fn labels_per_row(&self, _width: usize) -> usize {
        1
    }

    fn check_labels(&self, truth: &[E], width: usize) -> Result<(), Error> {
        check_class_indices(truth, width)
    }

    fn row(&self, pred: &[E], truth: &[E], grad: Option<&mut [E]>) -> E {
        let class = truth[0].to_f64() as usize;
        let label = |j: usize| if j == class { E::ONE } else { E::ZERO };
        crossentropy(pred, label, self.from_logits, grad)
    }
}

/// `Ok` when every label is a whole number in `0..classes`.
pub(crate) fn check_class_indices<E: Element>(truth: &[E], classes: usize) -> Result<(), Error> {
    for (index, &v) in truth.iter().enumerate() {
        let value = v.to_f64();
        if !(value >= 0.0 && value < classes as f64 && value.fract() == 0.0) {
            return Err(Error::LabelOutOfRange {
                index,
                value,
                classes,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::check_gradient;
    use alloc::string::ToString;

    #[test]
    fn gradients_match_finite_differences() {
        // Rows that do not sum to 1, as Keras allows: the normalization's
        // gradient counts.
        let pred = [0.2, 0.5, 0.1, 0.3, 0.3, 0.6];
        let truth = [0.0, 1.0, 0.0, 1.0, 0.0, 0.0];
        check_gradient(&CategoricalCrossentropy::default(), &pred, &truth, 3);
        let smoothed = CategoricalCrossentropy {
            from_logits: false,
            label_smoothing: 0.1,
        };
        check_gradient(&smoothed, &pred, &truth, 3);
        let logits = CategoricalCrossentropy {
            from_logits: true,
            label_smoothing: 0.2,
        };
        check_gradient(&logits, &[2.0, -1.0, 0.5, 0.0, 3.0, -2.0], &truth, 3);
        check_gradient(
            &SparseCategoricalCrossentropy::default(),
            &pred,
            &[1.0, 0.0],
            3,
        );
        let sparse_logits = SparseCategoricalCrossentropy { from_logits: true };
        check_gradient(
            &sparse_logits,
            &[2.0, -1.0, 0.5, 0.0, 3.0, -2.0],
            &[2.0, 1.0],
            3,
        );
    }

    #[test]
    fn class_indices_are_checked() {
        let scce = SparseCategoricalCrossentropy::default();
        assert!(Loss::<f32>::check_labels(&scce, &[0.0f32, 2.0], 3).is_ok());
        let err = Loss::<f32>::check_labels(&scce, &[0.0f32, 3.0], 3).unwrap_err();
        assert_eq!(
            err.to_string(),
            "label out of range: label 1 is 3, but class labels must be whole numbers in 0..3"
        );
        assert!(Loss::<f32>::check_labels(&scce, &[0.5f32], 3).is_err());
        assert!(Loss::<f32>::check_labels(&scce, &[f32::NAN], 3).is_err());
    }
}
