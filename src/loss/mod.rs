//! Losses with Keras's formulas, clipping and reduction.
//!
//! A loss compares each sample's prediction row (the model output's last
//! axis) with its label row, and the batch's loss is the mean over rows
//! (Keras's default reduction, `sum_over_batch_size`). Probabilities are
//! clipped to `[1e-7, 1 − 1e-7]` as Keras clips them.

mod binary_crossentropy;
mod categorical_crossentropy;
mod huber;
mod mean_absolute_error;
mod mean_squared_error;

pub use binary_crossentropy::BinaryCrossentropy;
pub use categorical_crossentropy::{CategoricalCrossentropy, SparseCategoricalCrossentropy};
pub use huber::Huber;
pub use mean_absolute_error::MeanAbsoluteError;
pub use mean_squared_error::MeanSquaredError;

use crate::error::Error;
use crate::Element;

/// Keras's fuzz factor `epsilon()`: probabilities are clipped to
/// `[EPSILON, 1 − EPSILON]` before their logarithm.
pub const EPSILON: f64 = 1e-7;

/// What kind of targets a loss takes, which decides how `Accuracy` compares.
///
/// ```
/// use corten::loss::{BinaryCrossentropy, Loss, MeanSquaredError, SparseCategoricalCrossentropy, Targets};
/// assert_eq!(Loss::<f32>::targets(&MeanSquaredError), Targets::Values);
/// assert_eq!(Loss::<f32>::targets(&BinaryCrossentropy::default()), Targets::Binary);
/// assert_eq!(Loss::<f32>::targets(&SparseCategoricalCrossentropy::default()), Targets::ClassIndex);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Targets {
    /// Real values (regression).
    Values,
    /// 0/1 per output (binary classification).
    Binary,
    /// One-hot (or smoothed) rows over the classes.
    OneHot,
    /// One class index per row.
    ClassIndex,
}

/// A loss function.
///
/// ```
/// use corten::loss::{Loss, MeanSquaredError};
/// let pred = [1.0f32, 2.0, 3.0, 4.0];
/// let truth = [1.0f32, 1.0, 1.0, 1.0];
/// // Two rows of two: ((0 + 1) / 2 + (4 + 9) / 2) / 2
/// assert_eq!(MeanSquaredError.loss(&pred, &truth, 2, None), Ok(3.5));
/// ```
pub trait Loss<E: Element>: core::fmt::Debug + Send + Sync {
    /// Keras's name (`"mean_squared_error"`).
    ///
    /// ```
    /// use corten::loss::{Huber, Loss};
    /// assert_eq!(Loss::<f32>::name(&Huber::default()), "huber_loss");
    /// ```
    fn name(&self) -> &'static str;

    /// The kind of targets.
    ///
    /// ```
    /// use corten::loss::{CategoricalCrossentropy, Loss, Targets};
    /// assert_eq!(Loss::<f32>::targets(&CategoricalCrossentropy::default()), Targets::OneHot);
    /// ```
    fn targets(&self) -> Targets {
        Targets::Values
    }

    /// The loss of one row of predictions against its labels; with `grad`,
    /// also the gradient of that row's loss with respect to the predictions.
    ///
    /// ```
    /// use corten::loss::{Loss, MeanAbsoluteError};
    /// let mut grad = [0.0f32; 2];
    /// // |3 − 1| and |−1 − 0|, averaged over the row; the gradient is sign / 2.
    /// assert_eq!(MeanAbsoluteError.row(&[3.0, -1.0], &[1.0, 0.0], Some(&mut grad)), 1.5);
    /// assert_eq!(grad, [0.5, -0.5]);
    /// ```
    fn row(&self, pred: &[E], truth: &[E], grad: Option<&mut [E]>) -> E;

    /// Label values per row of `width` predictions (1 for class indices).
    ///
    /// ```
    /// use corten::loss::{CategoricalCrossentropy, Loss, SparseCategoricalCrossentropy};
    /// assert_eq!(Loss::<f32>::labels_per_row(&CategoricalCrossentropy::default(), 10), 10); // one-hot
    /// assert_eq!(Loss::<f32>::labels_per_row(&SparseCategoricalCrossentropy::default(), 10), 1); // an index
    /// ```
    fn labels_per_row(&self, width: usize) -> usize {
        width
    }

    /// Checks labels before training on them (class indices in range).
    ///
    /// ```
    /// use corten::loss::{Loss, SparseCategoricalCrossentropy};
    /// let scce = SparseCategoricalCrossentropy::default();
    /// assert!(Loss::<f32>::check_labels(&scce, &[0.0, 9.0], 10).is_ok());
    /// assert!(Loss::<f32>::check_labels(&scce, &[10.0], 10).is_err());
    /// assert!(Loss::<f32>::check_labels(&scce, &[1.5], 10).is_err());
    /// ```
    fn check_labels(&self, _truth: &[E], _width: usize) -> Result<(), Error> {
        Ok(())
    }

    /// The mean loss over the rows of `width` predictions, and with `grad`
    /// its gradient with respect to every prediction.
    ///
    /// An error, before anything is computed, when the predictions are not
    /// whole rows of `width`, the labels are not
    /// [`labels_per_row`](Loss::labels_per_row) per row, `grad` is not as long
    /// as `pred`, or a label is NaN, infinite or (for class indices) not a
    /// class.
    ///
    /// ```
    /// use corten::loss::{Loss, SparseCategoricalCrossentropy};
    /// let scce = SparseCategoricalCrossentropy::default();
    /// assert!(scce.loss(&[0.5f32, 0.5], &[1.0], 2, None).is_ok());
    /// assert!(scce.loss(&[0.5f32, 0.5], &[7.0], 2, None).is_err()); // class 7 of 2
    /// assert!(scce.loss(&[0.5f32, 0.5], &[], 2, None).is_err()); // no label
    /// ```
    fn loss(
        &self,
        pred: &[E],
        truth: &[E],
        width: usize,
        grad: Option<&mut [E]>,
    ) -> Result<E, Error> {
        check_loss_operands(self, pred, truth, width, grad.as_deref())?;
        if pred.is_empty() {
            return Ok(E::ZERO);
        }
        let per_row = self.labels_per_row(width);
        let rows = pred.len() / width;
        let scale = E::ONE / E::from_f64(rows as f64);
        let mut total = E::ZERO;
        let truth_rows = truth.chunks_exact(per_row.max(1));
        match grad {
            Some(grad) => {
                for ((p, t), g) in pred
                    .chunks_exact(width)
                    .zip(truth_rows)
                    .zip(grad.chunks_exact_mut(width))
                {
                    total += self.row(p, t, Some(g));
                    g.iter_mut().for_each(|g| *g *= scale);
                }
            }
            None => {
                for (p, t) in pred.chunks_exact(width).zip(truth_rows) {
                    total += self.row(p, t, None);
                }
            }
        }
        Ok(total * scale)
    }
}

/// The checks [`Loss::loss`] makes before computing anything.
fn check_loss_operands<E: Element, L: Loss<E> + ?Sized>(
    loss: &L,
    pred: &[E],
    truth: &[E],
    width: usize,
    grad: Option<&[E]>,
) -> Result<(), Error> {
    if width == 0 {
        return Err(Error::InvalidOption {
            what: "loss row width",
            rule: "at least 1",
        });
    }
    let rows = pred.len().div_ceil(width);
    crate::error::check_length("loss predictions", [rows, width], pred.len())?;
    if let Some(grad) = grad {
        crate::error::check_length("loss gradient", [pred.len()], grad.len())?;
    }
    let per_row = loss.labels_per_row(width);
    if rows.checked_mul(per_row) != Some(truth.len()) {
        return Err(Error::LabelMismatch {
            samples: rows,
            per_sample: per_row,
            got: truth.len(),
        });
    }
    if let Some(index) = crate::element::first_non_finite(truth) {
        return Err(Error::NonFinite {
            what: "labels",
            index,
        });
    }
    loss.check_labels(truth, width)
}

/// `p` clipped to `[EPSILON, 1 − EPSILON]`, and whether it was inside
/// (the clip passes no gradient outside).
pub(crate) fn clip_probability<E: Element>(p: E) -> (E, bool) {
    let (lo, hi) = (E::from_f64(EPSILON), E::from_f64(1.0 - EPSILON));
    if p < lo {
        (lo, false)
    } else if p > hi {
        (hi, false)
    } else {
        (p, true)
    }
}

/// Finite-difference checks of each loss's gradient, in f64.
#[cfg(test)]
pub(crate) fn check_gradient<L: Loss<f64>>(loss: &L, pred: &[f64], truth: &[f64], width: usize) {
    let mut grad = alloc::vec![0.0; pred.len()];
    loss.loss(pred, truth, width, Some(&mut grad)).unwrap();
    let h = 1e-7;
    for i in 0..pred.len() {
        let mut plus = pred.to_vec();
        plus[i] += h;
        let mut minus = pred.to_vec();
        minus[i] -= h;
        let numeric = (loss.loss(&plus, truth, width, None).unwrap()
            - loss.loss(&minus, truth, width, None).unwrap())
            / (2.0 * h);
        assert!(
            (numeric - grad[i]).abs() < 1e-6 * (1.0 + numeric.abs()),
            "{}: d pred[{i}] analytic {} vs numeric {numeric}",
            loss.name(),
            grad[i]
        );
    }
}
