//! What `fit` reports after each epoch, and callbacks that act on it.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Named values after an epoch or a batch: `loss`, `accuracy`, `val_loss`, …
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs {
    entries: Vec<(String, f64)>,
}

impl Logs {
    /// The value logged under `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
    }

    /// Sets `name` to `value` (replacing an earlier value).
    pub fn set(&mut self, name: &str, value: f64) {
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name.into(), value)),
        }
    }

    /// The entries, in the order Keras prints them (sorted by name, the
    /// validation values after the training ones).
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        let mut sorted: Vec<_> = self.entries.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        sorted.sort_by(|a, b| (a.0.starts_with("val_"), a.0).cmp(&(b.0.starts_with("val_"), b.0)));
        sorted.into_iter()
    }
}

/// Keras's formatting: ` - accuracy: 0.9123 - loss: 0.3121`.
impl fmt::Display for Logs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.iter() {
            write!(f, " - {name}: {}", KerasNumber(value))?;
        }
        Ok(())
    }
}

/// A number as Keras's progress bar prints it: 4 decimals, or Python's
/// `.4e` form (`1.2000e-04`) at or below 1e-3 in magnitude.
struct KerasNumber(f64);

impl fmt::Display for KerasNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.abs() > 1e-3 || !v.is_finite() {
            return write!(f, "{v:.4}");
        }
        let text = alloc::format!("{v:.4e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        write!(f, "{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// What `fit` returns: the logs of every epoch run.
///
/// ```
/// use corten::loss::MeanSquaredError;
/// use corten::model::{FitOptions, Verbosity};
/// use corten::optimizer::Sgd;
/// use corten::prelude::*;
/// let mut model = sequential![Input<1>, Dense<1>];
/// model.compile(Sgd { learning_rate: 0.05, ..Sgd::default() }, MeanSquaredError, [corten::metric::Mae]);
/// let x = Tensor::from_array([[0.0f32], [1.0], [2.0]]);
/// let y = Tensor::from_array([[1.0f32], [3.0], [5.0]]);
/// let history = model.fit(&x, &y, FitOptions { epochs: 20, verbose: Verbosity::Silent, ..FitOptions::default() })?;
/// // Keras's history.history["loss"]: one value per epoch, falling.
/// let loss = history.get("loss");
/// assert_eq!(loss.len(), 20);
/// assert!(loss[19] < loss[0]);
/// let mae = history.get("mean_absolute_error");
/// assert_eq!(history.epochs[19].get("mean_absolute_error"), Some(mae[19]));
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per epoch.
    pub epochs: Vec<Logs>,
}

impl History {
    /// The values of `name` over the epochs (Keras's `history.history[name]`).
    pub fn get(&self, name: &str) -> Vec<f64> {
        self.epochs
            .iter()
            .filter_map(|logs| logs.get(name))
            .collect()
    }
}

/// A copy of every weight of a model (trainable or not), to restore later.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot(pub(crate) Vec<f64>);

impl Snapshot {
    /// The number of values held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds none (a model without weights).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The model's weights, as a callback sees them.
pub trait ModelWeights {
    /// A copy of every weight.
    fn snapshot(&mut self) -> Snapshot;
    /// Puts back the weights of `snapshot`.
    fn restore(&mut self, snapshot: &Snapshot);
}

/// Whether training goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this epoch (Keras's `model.stop_training = True`).
    Stop,
}

/// Hooks `fit` calls; each has a default that does nothing.
///
/// ```
/// use corten::model::{Callback, Control, Logs, ModelWeights};
/// /// Stops once the loss falls below a bound.
/// struct StopBelow(f64);
/// impl Callback for StopBelow {
///     fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs, _model: &mut dyn ModelWeights) -> Control {
///         if logs.get("loss").is_some_and(|l| l < self.0) { Control::Stop } else { Control::Continue }
///     }
/// }
/// ```
pub trait Callback {
    /// The log this callback watches (`val_loss`), if any: `fit` checks
    /// before training that it logs it, and otherwise returns
    /// [`Error::UnknownLog`](crate::Error::UnknownLog) naming the logs it
    /// has.
    fn monitors(&self) -> Option<&str> {
        None
    }
    /// Before the first epoch.
    fn on_train_begin(&mut self, _model: &mut dyn ModelWeights) {}
    /// After each epoch (from 0), with its logs.
    fn on_epoch_end(
        &mut self,
        _epoch: usize,
        _logs: &Logs,
        _model: &mut dyn ModelWeights,
    ) -> Control {
        Control::Continue
    }
    /// After the last epoch.
    fn on_train_end(&mut self, _model: &mut dyn ModelWeights) {}
}

impl<C: Callback + ?Sized> Callback for Box<C> {
    fn monitors(&self) -> Option<&str> {
        (**self).monitors()
    }
    fn on_train_begin(&mut self, model: &mut dyn ModelWeights) {
        (**self).on_train_begin(model)
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, model: &mut dyn ModelWeights) -> Control {
        (**self).on_epoch_end(epoch, logs, model)
    }
    fn on_train_end(&mut self, model: &mut dyn ModelWeights) {
        (**self).on_train_end(model)
    }
}

/// Keras's `EarlyStopping`: stops when the monitored value has not improved
/// for `patience` epochs; with `restore_best_weights`, puts back the weights
/// of the best epoch when training ends.
///
/// ```
/// use corten::loss::MeanSquaredError;
/// use corten::model::{EarlyStopping, FitOptions, Verbosity};
/// use corten::optimizer::Sgd;
/// use corten::prelude::*;
/// let mut model = sequential![Input<1>, Dense<1>];
/// model.compile(Sgd::default(), MeanSquaredError, [corten::metric::Mae]);
/// let x = Tensor::from_array([[0.0f32], [1.0], [2.0]]);
/// let y = Tensor::from_array([[1.0f32], [3.0], [5.0]]);
/// // An improvement must be 100 at least: none is, so training stops
/// // after the second epoch (patience 0), not the 50th.
/// let mut early = EarlyStopping::new("loss", 0);
/// early.min_delta = 100.0;
/// let options = FitOptions {
///     epochs: 50,
///     callbacks: vec![Box::new(early)],
///     verbose: Verbosity::Silent,
///     ..FitOptions::default()
/// };
/// assert_eq!(model.fit(&x, &y, options)?.epochs.len(), 2);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    /// The logged value watched (Keras's default `val_loss`).
    pub monitor: String,
    /// The smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Put back the best epoch's weights at the end.
    pub restore_best_weights: bool,
    /// Epochs to wait before watching.
    pub start_from_epoch: usize,
    wait: usize,
    best: Option<f64>,
    best_weights: Option<Snapshot>,
    /// The epoch (from 0) training was stopped after, if it was.
    pub stopped_epoch: Option<usize>,
    /// The best epoch (from 0).
    pub best_epoch: usize,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            monitor: "val_loss".into(),
            min_delta: 0.0,
            patience: 0,
            restore_best_weights: false,
            start_from_epoch: 0,
            wait: 0,
            best: None,
            best_weights: None,
            stopped_epoch: None,
            best_epoch: 0,
        }
    }
}

impl EarlyStopping {
    /// Watches `monitor` with the given patience.
    pub fn new(monitor: &str, patience: usize) -> Self {
        EarlyStopping {
            monitor: monitor.into(),
            patience,
            ..Self::default()
        }
    }

    /// The same, restoring the best weights at the end.
    pub fn restore_best_weights(mut self) -> Self {
        self.restore_best_weights = true;
        self
    }

    /// Keras's `mode="auto"`: accuracies improve upward, everything else down.
    fn higher_is_better(&self) -> bool {
        self.monitor.contains("acc") || self.monitor.contains("auc")
    }

    fn is_improvement(&self, value: f64, reference: Option<f64>) -> bool {
        let Some(reference) = reference else {
            return true;
        };
        if self.higher_is_better() {
            value - self.min_delta.abs() > reference
        } else {
            value + self.min_delta.abs() < reference
        }
    }
}

impl Callback for EarlyStopping {
    fn monitors(&self) -> Option<&str> {
        Some(&self.monitor)
    }

    fn on_train_begin(&mut self, _model: &mut dyn ModelWeights) {
        self.wait = 0;
        self.best = None;
        self.best_weights = None;
        self.stopped_epoch = None;
        self.best_epoch = 0;
    }

    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, model: &mut dyn ModelWeights) -> Control {
        let Some(current) = logs.get(&self.monitor) else {
            return Control::Continue;
        };
        if epoch < self.start_from_epoch {
            return Control::Continue;
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            self.best_weights = Some(model.snapshot());
            self.best_epoch = epoch;
        }
        self.wait += 1;
        if self.is_improvement(current, self.best) {
            self.best = Some(current);
            self.best_epoch = epoch;
            if self.restore_best_weights {
                self.best_weights = Some(model.snapshot());
            }
            self.wait = 0;
            return Control::Continue;
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = Some(epoch);
            return Control::Stop;
        }
        Control::Continue
    }

    fn on_train_end(&mut self, model: &mut dyn ModelWeights) {
        if self.restore_best_weights {
            if let Some(best) = &self.best_weights {
                model.restore(best);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "model" of one weight.
    struct One(f64);
    impl ModelWeights for One {
        fn snapshot(&mut self) -> Snapshot {
            Snapshot(alloc::vec![self.0])
        }
        fn restore(&mut self, s: &Snapshot) {
            self.0 = s.0[0];
        }
    }

    fn logs(name: &str, v: f64) -> Logs {
        let mut l = Logs::default();
        l.set(name, v);
        l
    }

    #[test]
    fn early_stopping_waits_patience_epochs_and_restores_the_best() {
        let mut es = EarlyStopping::new("val_loss", 2).restore_best_weights();
        let mut model = One(0.0);
        es.on_train_begin(&mut model);
        let losses = [1.0, 0.5, 0.6, 0.7, 0.4];
        let mut stopped = None;
        for (epoch, &l) in losses.iter().enumerate() {
            model.0 = epoch as f64; // the weights change every epoch
            if es.on_epoch_end(epoch, &logs("val_loss", l), &mut model) == Control::Stop {
                stopped = Some(epoch);
                break;
            }
        }
        assert_eq!(stopped, Some(3));
        es.on_train_end(&mut model);
        assert_eq!(model.0, 1.0, "the weights of epoch 1 (val_loss 0.5)");
        assert_eq!(es.best_epoch, 1);
    }

    #[test]
    fn accuracy_improves_upward_and_logs_print_like_keras() {
        let es = EarlyStopping::new("val_accuracy", 0);
        assert!(es.is_improvement(0.9, Some(0.8)));
        assert!(!es.is_improvement(0.7, Some(0.8)));
        let mut l = logs("val_loss", 0.25);
        l.set("loss", 0.5);
        l.set("accuracy", 0.875);
        l.set("val_accuracy", 0.00012);
        assert_eq!(
            alloc::format!("{l}"),
            " - accuracy: 0.8750 - loss: 0.5000 - val_accuracy: 1.2000e-04 - val_loss: 0.2500"
        );
    }
}
