//! `fit` and `evaluate`: epochs of shuffled batches, validation, metrics,
//! callbacks and the progress line.

use super::callback::{Callback, Control, History, Logs};
use super::progress::{Progress, Verbosity};
use super::training::{output_width, Step, WeightsOf};
use super::Sequential;
use crate::error::Error;
use crate::layer::Layer;
use crate::shape::{BatchOf, Features, Shape, StaticShape};
use crate::tensor::{Data, Tensor};
use crate::Element;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::marker::PhantomData;
use rand::seq::SliceRandom;

/// Samples and their labels, as flat row-major data.
#[derive(Clone, Copy, Debug)]
pub struct Dataset<'a, E> {
    x: &'a [E],
    y: &'a [E],
    samples: usize,
    labels: usize,
}

impl<'a, E: Element> Dataset<'a, E> {
    /// Samples `x` (batch axis first) and labels `y` (batch axis first); an
    /// error when their sample counts differ.
    pub fn new<SX: Shape, DX: Data<E>, SY: Shape, DY: Data<E>>(
        x: &'a Tensor<SX, E, DX>,
        y: &'a Tensor<SY, E, DY>,
    ) -> Result<Self, Error> {
        let samples = x.sizes().as_slice().first().copied().unwrap_or(0);
        let labels = y.sizes().as_slice().first().copied().unwrap_or(0);
        if samples != labels {
            return Err(Error::BatchMismatch {
                expected: samples,
                got: labels,
            });
        }
        Ok(Dataset {
            x: x.as_slice(),
            y: y.as_slice(),
            samples,
            labels: y.as_slice().len(),
        })
    }

    /// Samples in the set.
    pub fn len(&self) -> usize {
        self.samples
    }

    /// Whether it holds no samples.
    pub fn is_empty(&self) -> bool {
        self.samples == 0
    }

    /// Samples `range`.
    fn slice(&self, range: core::ops::Range<usize>) -> Dataset<'a, E> {
        let per_x = self.x.len() / self.samples.max(1);
        let per_y = self.labels / self.samples.max(1);
        Dataset {
            x: &self.x[range.start * per_x..range.end * per_x],
            y: &self.y[range.start * per_y..range.end * per_y],
            samples: range.len(),
            labels: range.len() * per_y,
        }
    }
}

/// How `fit` trains, with Keras's defaults.
pub struct FitOptions<'a, E = f32> {
    /// Samples per gradient step (32).
    pub batch_size: usize,
    /// Passes over the training data (1).
    pub epochs: usize,
    /// Shuffle the training samples before each epoch (yes).
    pub shuffle: bool,
    /// Seed of the shuffling and of dropout.
    pub seed: u64,
    /// Fraction of the samples, taken from the end before shuffling, held
    /// out for validation (0).
    pub validation_split: f64,
    /// A validation set (overrides `validation_split`).
    pub validation_data: Option<Dataset<'a, E>>,
    /// Called after each epoch.
    pub callbacks: Vec<Box<dyn Callback + 'a>>,
    /// What is printed on stderr.
    pub verbose: Verbosity,
}

impl<E> Default for FitOptions<'_, E> {
    fn default() -> Self {
        FitOptions {
            batch_size: 32,
            epochs: 1,
            shuffle: true,
            seed: 0,
            validation_split: 0.0,
            validation_data: None,
            callbacks: Vec::new(),
            verbose: Verbosity::ProgressBar,
        }
    }
}

impl<E> core::fmt::Debug for FitOptions<'_, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FitOptions")
            .field("batch_size", &self.batch_size)
            .field("epochs", &self.epochs)
            .field("shuffle", &self.shuffle)
            .field("seed", &self.seed)
            .field("validation_split", &self.validation_split)
            .field(
                "validation_data",
                &self.validation_data.as_ref().map(|d| d.samples),
            )
            .field("callbacks", &self.callbacks.len())
            .field("verbose", &self.verbose)
            .finish()
    }
}

/// Running sums of the loss and the metrics over the batches of an epoch.
struct Totals {
    loss: f64,
    metrics: Vec<f64>,
    samples: usize,
    rows: usize,
}

impl Totals {
    fn new(metrics: usize) -> Self {
        Totals {
            loss: 0.0,
            metrics: alloc::vec![0.0; metrics],
            samples: 0,
            rows: 0,
        }
    }

    fn logs(&self, names: impl Iterator<Item = &'static str>, prefix: &str) -> Logs {
        let mut logs = Logs::default();
        logs.set(
            &alloc::format!("{prefix}loss"),
            self.loss / self.samples.max(1) as f64,
        );
        for (name, sum) in names.zip(&self.metrics) {
            logs.set(
                &alloc::format!("{prefix}{name}"),
                sum / self.rows.max(1) as f64,
            );
        }
        logs
    }
}

/// `Ok` when every log a callback monitors is one `fit` writes: `loss`,
/// each metric, and their `val_` forms with validation data.
fn check_monitors(
    callbacks: &[Box<dyn Callback + '_>],
    metrics: &[&'static str],
    validation: bool,
) -> Result<(), Error> {
    let mut logs: Vec<alloc::string::String> = core::iter::once("loss")
        .chain(metrics.iter().copied())
        .map(Into::into)
        .collect();
    if validation {
        let val: Vec<_> = logs.iter().map(|n| alloc::format!("val_{n}")).collect();
        logs.extend(val);
    }
    for name in callbacks.iter().filter_map(|c| c.monitors()) {
        if !logs.iter().any(|l| l == name) {
            return Err(Error::UnknownLog {
                name: name.into(),
                available: logs
                    .iter()
                    .map(|l| alloc::format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

impl<F, L, E> Sequential<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F>,
{
    /// Trains the model (Keras's `model.fit`): `epochs` passes over `x` and
    /// its labels `y` in batches of `batch_size`, reshuffled each epoch;
    /// returns the loss and metrics of every epoch (with `val_` ones when
    /// there is validation data).
    ///
    /// Labels are as the loss takes them: one value per output, or one class
    /// index per sample for sparse categorical crossentropy. Labels of
    /// another count, class indices out of range, NaN or infinities in the
    /// data, an empty dataset, or a model not compiled are errors before
    /// training starts; a loss that turns NaN stops training with an error
    /// naming the epoch and the batch.
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::loss::MeanSquaredError;
    /// use corten::model::{FitOptions, Verbosity};
    /// use corten::optimizer::Sgd;
    /// use corten::{sequential, Tensor};
    /// // Learn y = 2x − 1.
    /// let mut model = sequential![Input<1>, Dense<1>];
    /// model.compile(Sgd { learning_rate: 0.1, ..Default::default() }, MeanSquaredError, [corten::metric::Mae]);
    /// let x = Tensor::from_array([[0.0f32], [1.0], [2.0], [3.0]]);
    /// let y = Tensor::from_array([[-1.0f32], [1.0], [3.0], [5.0]]);
    /// let options = FitOptions { epochs: 200, batch_size: 4, verbose: Verbosity::Silent, ..Default::default() };
    /// let history = model.fit(&x, &y, options)?;
    /// assert!(history.get("loss").last().unwrap() < &1e-3);
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn fit<SX, DX, SY, DY>(
        &mut self,
        x: &Tensor<SX, E, DX>,
        y: &Tensor<SY, E, DY>,
        options: FitOptions<'_, E>,
    ) -> Result<History, Error>
    where
        SX: BatchOf<F>,
        DX: Data<E>,
        SY: Shape,
        DY: Data<E>,
    {
        let FitOptions {
            batch_size,
            epochs,
            shuffle,
            seed,
            validation_split,
            validation_data,
            mut callbacks,
            verbose,
        } = options;
        if batch_size == 0 {
            return Err(Error::InvalidOption {
                what: "batch_size",
                rule: "at least 1",
            });
        }
        if !(0.0..1.0).contains(&validation_split) {
            return Err(Error::InvalidOption {
                what: "validation_split",
                rule: "in [0, 1)",
            });
        }
        let all = Dataset::new(x, y)?;
        self.check_dataset(&all, "training data")?;
        // Keras holds out the last fraction, before any shuffling.
        let (train, validation) = match validation_data {
            Some(v) => {
                self.check_dataset(&v, "validation data")?;
                (all, Some(v))
            }
            None if validation_split > 0.0 => {
                let split = (all.samples as f64 * (1.0 - validation_split)).floor() as usize;
                (all.slice(0..split), Some(all.slice(split..all.samples)))
            }
            None => (all, None),
        };
        if train.is_empty() {
            return Err(Error::EmptyDataset {
                what: "training data",
            });
        }
        if validation.is_some_and(|v| v.is_empty()) {
            return Err(Error::EmptyDataset {
                what: "validation data",
            });
        }
        self.check_writable()?;
        let compiled = self.compiled.as_deref_mut().ok_or(Error::NotCompiled)?;
        compiled.rng = crate::random::Rng::seed_from(seed);
        let metric_names: Vec<&'static str> = compiled.metrics.iter().map(|m| m.name()).collect();
        check_monitors(&callbacks, &metric_names, validation.is_some())?;

        let (per_x, per_y) = (F::NUMEL, train.labels / train.samples);
        let mut order: Vec<usize> = (0..train.samples).collect();
        let (mut xb, mut yb) = (Vec::new(), Vec::new());
        let steps = train.samples.div_ceil(batch_size);
        let mut history = History::default();
        for c in callbacks.iter_mut() {
            c.on_train_begin(&mut WeightsOf(&mut self.layers, PhantomData));
        }
        for epoch in 0..epochs {
            if shuffle {
                let compiled = self.compiled.as_deref_mut().expect("checked above");
                order.shuffle(&mut compiled.rng);
            }
            let mut progress = Progress::start(verbose, epoch, epochs, steps);
            let mut totals = Totals::new(metric_names.len());
            for (step, chunk) in order.chunks(batch_size).enumerate() {
                xb.clear();
                yb.clear();
                for &i in chunk {
                    xb.extend_from_slice(&train.x[i * per_x..(i + 1) * per_x]);
                    yb.extend_from_slice(&train.y[i * per_y..(i + 1) * per_y]);
                }
                let (epoch, batch) = (epoch + 1, step + 1);
                let loss = match self.train_step(&xb, &yb, chunk.len())? {
                    Step::Finite(loss) => loss,
                    Step::NonFiniteLoss => return Err(Error::NonFiniteLoss { epoch, batch }),
                    Step::NonFiniteUpdate => return Err(Error::NonFiniteUpdate { epoch, batch }),
                };
                let output = &self.compiled.as_deref().expect("checked above").output;
                self.add_metrics(&mut totals, loss, output, &yb, chunk.len());
                progress.batch_done(step + 1, || totals.logs(metric_names.iter().copied(), ""));
            }
            let mut logs = totals.logs(metric_names.iter().copied(), "");
            if let Some(v) = validation {
                let val = self.evaluate_dataset(&v, batch_size)?;
                for (name, value) in val.iter() {
                    logs.set(&alloc::format!("val_{name}"), value);
                }
            }
            progress.epoch_done(&logs);
            let mut stop = false;
            for c in callbacks.iter_mut() {
                let weights = &mut WeightsOf(&mut self.layers, PhantomData);
                stop |= c.on_epoch_end(epoch, &logs, weights) == Control::Stop;
            }
            history.epochs.push(logs);
            if stop {
                break;
            }
        }
        for c in callbacks.iter_mut() {
            c.on_train_end(&mut WeightsOf(&mut self.layers, PhantomData));
        }
        Ok(history)
    }

    /// The loss and metrics of the model on `x` and its labels `y`
    /// (Keras's `model.evaluate(..., return_dict=True)`), in batches of 32,
    /// in inference mode.
    pub fn evaluate<SX, DX, SY, DY>(
        &mut self,
        x: &Tensor<SX, E, DX>,
        y: &Tensor<SY, E, DY>,
    ) -> Result<Logs, Error>
    where
        SX: BatchOf<F>,
        DX: Data<E>,
        SY: Shape,
        DY: Data<E>,
    {
        let data = Dataset::new(x, y)?;
        self.check_dataset(&data, "evaluation data")?;
        self.evaluate_dataset(&data, 32)
    }

    /// Checks samples and labels before training or evaluating on them.
    fn check_dataset(&self, data: &Dataset<'_, E>, what: &'static str) -> Result<(), Error> {
        let compiled = self.compiled.as_deref().ok_or(Error::NotCompiled)?;
        if data.is_empty() {
            return Err(Error::EmptyDataset { what });
        }
        crate::error::check_length(what, [data.samples, F::NUMEL], data.x.len())?;
        let width = output_width::<L::Output>();
        let rows_per_sample = <L::Output as StaticShape>::NUMEL / width.max(1);
        let per_sample = rows_per_sample * compiled.loss.labels_per_row(width);
        if data.labels != data.samples * per_sample {
            return Err(Error::LabelMismatch {
                samples: data.samples,
                per_sample,
                got: data.labels,
            });
        }
        if let Some(index) = crate::element::first_non_finite(data.x) {
            return Err(Error::NonFinite { what, index });
        }
        if let Some(index) = crate::element::first_non_finite(data.y) {
            return Err(Error::NonFinite {
                what: "labels",
                index,
            });
        }
        compiled.loss.check_labels(data.y, width)?;
        self.layers.check_input(data.x)
    }

    /// Adds a batch's loss and its metrics on `output` against `y`.
    fn add_metrics(&self, totals: &mut Totals, loss: E, output: &[E], y: &[E], batch: usize) {
        let compiled = self.compiled.as_deref().expect("compiled before training");
        let width = output_width::<L::Output>();
        let per_row = compiled.loss.labels_per_row(width);
        totals.loss += loss.to_f64() * batch as f64;
        totals.samples += batch;
        totals.rows += output.len() / width.max(1);
        for (sum, metric) in totals.metrics.iter_mut().zip(&compiled.metrics) {
            *sum += metric.sum(output, y, width, per_row);
        }
    }

    /// The loss and metrics over `data` in inference mode.
    fn evaluate_dataset(
        &mut self,
        data: &Dataset<'_, E>,
        batch_size: usize,
    ) -> Result<Logs, Error> {
        let width = output_width::<L::Output>();
        let per_x = F::NUMEL;
        let per_y = data.labels / data.samples.max(1);
        let (mut output, mut scratch) = (Vec::new(), Vec::new());
        let compiled = self.compiled.as_deref().ok_or(Error::NotCompiled)?;
        let mut totals = Totals::new(compiled.metrics.len());
        let names: Vec<&'static str> = compiled.metrics.iter().map(|m| m.name()).collect();
        for start in (0..data.samples).step_by(batch_size.max(1)) {
            let batch = batch_size.min(data.samples - start);
            let x = &data.x[start * per_x..(start + batch) * per_x];
            let y = &data.y[start * per_y..(start + batch) * per_y];
            output.resize(batch * <L::Output as StaticShape>::NUMEL, E::ZERO);
            scratch.resize(batch * L::SCRATCH_PER_SAMPLE, E::ZERO);
            self.layers
                .forward_slices(x, &mut output, batch, &mut scratch);
            crate::error::check_output(
                "evaluate",
                &output,
                start * <L::Output as StaticShape>::NUMEL,
            )?;
            let compiled = self.compiled.as_deref().expect("checked above");
            let loss = compiled.loss.loss(&output, y, width, None)?;
            self.add_metrics(&mut totals, loss, &output, y, batch);
        }
        Ok(totals.logs(names.into_iter(), ""))
    }
}
