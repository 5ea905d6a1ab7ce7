//! Metrics reported by `fit` and `evaluate`: accuracy (with Keras's rule for
//! which accuracy), mean squared error, mean absolute error.

use crate::Element;

/// A metric to compile into a model: `model.compile(opt, loss, [Accuracy])`.
///
/// ```
/// use corten::metric::{Accuracy, Mae, Metric, Mse};
/// assert_eq!(Metric::from(Accuracy).name(), "accuracy");
/// assert_eq!(Metric::from(Mse).name(), "mean_squared_error");
/// assert_eq!(Metric::from(Mae).name(), "mean_absolute_error");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Keras's `"accuracy"`: binary accuracy (threshold 0.5) when the model
    /// has one output, sparse categorical accuracy when each label is a
    /// class index, categorical accuracy (argmax against argmax) otherwise.
    Accuracy,
    /// The mean of `(pred − truth)²`.
    MeanSquaredError,
    /// The mean of `|pred − truth|`.
    MeanAbsoluteError,
}

/// Keras's `"accuracy"`, for `compile(…, [Accuracy])`.
///
/// ```
/// use corten::loss::SparseCategoricalCrossentropy;
/// use corten::metric::Accuracy;
/// use corten::optimizer::Adam;
/// use corten::prelude::*;
/// // Weights that pick class 1 for x > 0, class 0 otherwise.
/// let mut model = sequential![Input<1>, Dense<2, Softmax>];
/// model.set_weights(&[&[-1.0f32, 1.0][..], &[0.0, 0.0]])?;
/// model.compile(Adam::default(), SparseCategoricalCrossentropy::default(), [Accuracy]);
/// let x = Tensor::from_array([[-2.0f32], [3.0], [1.0], [-1.0]]);
/// let labels = Tensor::from_array([[0.0f32], [1.0], [0.0], [0.0]]); // the third is wrong
/// assert_eq!(model.evaluate(&x, &labels)?.get("accuracy"), Some(0.75));
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accuracy;

/// Keras's `"mse"` metric.
///
/// ```
/// use corten::metric::{Metric, Mse};
/// // Two rows of one prediction each: errors 1 and 3.
/// assert_eq!(Metric::from(Mse).sum(&[1.0f32, 3.0], &[0.0, 0.0], 1, 1), 10.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mse;

/// Keras's `"mae"` metric.
///
/// ```
/// use corten::metric::{Mae, Metric};
/// // Two rows of one prediction each: errors 1 and 3.
/// assert_eq!(Metric::from(Mae).sum(&[1.0f32, -3.0], &[0.0, 0.0], 1, 1), 4.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mae;

impl From<Accuracy> for Metric {
    fn from(_: Accuracy) -> Self {
        Metric::Accuracy
    }
}

impl From<Mse> for Metric {
    fn from(_: Mse) -> Self {
        Metric::MeanSquaredError
    }
}

impl From<Mae> for Metric {
    fn from(_: Mae) -> Self {
        Metric::MeanAbsoluteError
    }
}

impl Metric {
    /// The name it is logged under (`accuracy`, `mean_squared_error`).
    ///
    /// ```
    /// use corten::metric::Metric;
    /// assert_eq!(Metric::Accuracy.name(), "accuracy");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::MeanSquaredError => "mean_squared_error",
            Metric::MeanAbsoluteError => "mean_absolute_error",
        }
    }

    /// The metric summed over the rows of `width` predictions (divide by the
    /// row count for the mean), given `labels_per_row` label values per row.
    ///
    /// ```
    /// use corten::metric::Metric;
    /// // Two rows of three classes, labels as class indices: one right.
    /// let pred = [0.1f32, 0.7, 0.2, 0.5, 0.3, 0.2];
    /// assert_eq!(Metric::Accuracy.sum(&pred, &[1.0, 2.0], 3, 1), 1.0);
    /// ```
    pub fn sum<E: Element>(
        self,
        pred: &[E],
        truth: &[E],
        width: usize,
        labels_per_row: usize,
    ) -> f64 {
        if width == 0 {
            return 0.0;
        }
        let rows = pred
            .chunks_exact(width)
            .zip(truth.chunks_exact(labels_per_row.max(1)));
        match self {
            Metric::Accuracy if width == 1 => rows
                .map(|(p, t)| {
                    let predicted = p[0].to_f64() > 0.5;
                    f64::from(u8::from(predicted == (t[0].to_f64() > 0.5)))
                })
                .sum(),
            Metric::Accuracy if labels_per_row == 1 => rows
                .map(|(p, t)| f64::from(u8::from(argmax(p) as f64 == t[0].to_f64())))
                .sum(),
            Metric::Accuracy => rows
                .map(|(p, t)| f64::from(u8::from(argmax(p) == argmax(t))))
                .sum(),
            Metric::MeanSquaredError => rows
                .map(|(p, t)| {
                    let s: f64 = p
                        .iter()
                        .zip(t)
                        .map(|(p, t)| (p.to_f64() - t.to_f64()).powi(2))
                        .sum();
                    s / width as f64
                })
                .sum(),
            Metric::MeanAbsoluteError => rows
                .map(|(p, t)| {
                    let s: f64 = p
                        .iter()
                        .zip(t)
                        .map(|(p, t)| (p.to_f64() - t.to_f64()).abs())
                        .sum();
                    s / width as f64
                })
                .sum(),
        }
    }
}

/// The index of the first largest value.
pub(crate) fn argmax<E: Element>(row: &[E]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_follows_keras_rules() {
        // One output: binary accuracy at 0.5.
        assert_eq!(
            Metric::Accuracy.sum(&[0.7f32, 0.2, 0.6], &[1.0, 0.0, 0.0], 1, 1),
            2.0
        );
        // One-hot labels: argmax against argmax.
        let pred = [0.1f32, 0.7, 0.2, 0.5, 0.3, 0.2];
        assert_eq!(
            Metric::Accuracy.sum(&pred, &[0.0, 1.0, 0.0, 0.0, 0.0, 1.0], 3, 3),
            1.0
        );
        // Class indices.
        assert_eq!(Metric::Accuracy.sum(&pred, &[1.0, 0.0], 3, 1), 2.0);
    }

    #[test]
    fn errors_are_row_means() {
        let pred = [1.0f64, 3.0, 0.0, 0.0];
        let truth = [0.0f64, 1.0, 0.0, 2.0];
        // Within a few ulps: miri perturbs float functions (`powi`) on purpose.
        let near = |got: f64, want: f64| (got - want).abs() <= 1e-14 * want;
        assert!(near(
            Metric::MeanSquaredError.sum(&pred, &truth, 2, 2),
            2.5 + 2.0
        ));
        assert!(near(
            Metric::MeanAbsoluteError.sum(&pred, &truth, 2, 2),
            1.5 + 1.0
        ));
    }
}
