//! `fit` and `evaluate`, for any model (a `Sequential`, a functional
//! `Model`): epochs of shuffled batches, validation, each output's loss and
//! metrics under Keras's log names, callbacks and the progress line.

use super::callback::{Callback, Control, History, Logs};
use super::graph::MAX_ARITY;
use super::progress::{Progress, Verbosity};
use super::training::{Compiled, Net, OutputRows, Step, WeightsOf};
use super::Sequential;
use crate::error::Error;
use crate::layer::Layer;
use crate::shape::{BatchOf, Features, Shape};
use crate::tensor::{Data, Tensor};
use crate::Element;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;
use rand::seq::SliceRandom;

/// One tensor (`&x`) or a tuple of up to [`MAX_ARITY`] (`(&xa, &xb)`):
/// the samples, or the labels, of a [`Dataset`], batch axis first.
pub trait Tensors<'a, E: Element> {
    /// Calls `visit` with each tensor's data and sample count, in order.
    #[doc(hidden)]
    fn visit(self, visit: &mut dyn FnMut(&'a [E], usize));
}

impl<'a, E: Element, S: Shape, D: Data<E>> Tensors<'a, E> for &'a Tensor<S, E, D> {
    fn visit(self, visit: &mut dyn FnMut(&'a [E], usize)) {
        visit(
            self.as_slice(),
            self.sizes().as_slice().first().copied().unwrap_or(0),
        );
    }
}

macro_rules! tensors_tuple {
    ($($t:ident $i:tt),+) => {
        impl<'a, E: Element, $($t: Tensors<'a, E>),+> Tensors<'a, E> for ($($t,)+) {
            fn visit(self, visit: &mut dyn FnMut(&'a [E], usize)) {
                $(self.$i.visit(visit);)+
            }
        }
    };
}
tensors_tuple!(A 0);
tensors_tuple!(A 0, B 1);
tensors_tuple!(A 0, B 1, C 2);
tensors_tuple!(A 0, B 1, C 2, D 3);

/// Up to [`MAX_ARITY`] flat batches: one per model input, or per output.
#[derive(Debug)]
pub(crate) struct Parts<'a, E> {
    data: [&'a [E]; MAX_ARITY],
    count: usize,
}

impl<E> Clone for Parts<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Parts<'_, E> {}

impl<'a, E> Parts<'a, E> {
    fn get(&self) -> &[&'a [E]] {
        &self.data[..self.count]
    }

    /// Elements per sample of each part, of `samples` samples.
    fn per_sample(&self, samples: usize) -> Vec<usize> {
        self.get()
            .iter()
            .map(|p| p.len() / samples.max(1))
            .collect()
    }

    /// Samples `rows` of each part, of `per[k]` elements a sample.
    fn rows(&self, rows: &core::ops::Range<usize>, per: &[usize]) -> Parts<'a, E> {
        let mut out = *self;
        for (p, &n) in out.data.iter_mut().zip(per) {
            *p = &p[rows.start * n..rows.end * n];
        }
        out
    }
}

/// Samples and their labels, as flat row-major data: one tensor per model
/// input and one label tensor per model output, batch axis first.
#[derive(Debug)]
pub struct Dataset<'a, E> {
    x: Parts<'a, E>,
    y: Parts<'a, E>,
    samples: usize,
}

impl<E> Clone for Dataset<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Dataset<'_, E> {}

impl<'a, E: Element> Dataset<'a, E> {
    /// Samples `x` and labels `y`: a tensor each (`Dataset::new(&x, &y)`),
    /// or for a functional model a tuple with one tensor per input and one
    /// per output (`Dataset::new((&xa, &xb), (&y_cls, &y_reg))`); an error
    /// when their sample counts differ. Whether they fit the model is
    /// checked where they are used.
    pub fn new(x: impl Tensors<'a, E>, y: impl Tensors<'a, E>) -> Result<Self, Error> {
        Self::from_visits(|v| x.visit(v), |v| y.visit(v))
    }

    /// The dataset from the tensors two visitors give.
    pub(crate) fn from_visits(
        x: impl FnOnce(&mut dyn FnMut(&'a [E], usize)),
        y: impl FnOnce(&mut dyn FnMut(&'a [E], usize)),
    ) -> Result<Self, Error> {
        let mut samples = None;
        let mut result = Ok(());
        let mut collect = |parts: &mut Parts<'a, E>, data: &'a [E], n: usize| {
            match samples {
                None => samples = Some(n),
                Some(s) if s != n && result.is_ok() => {
                    result = Err(Error::BatchMismatch {
                        expected: s,
                        got: n,
                    })
                }
                Some(_) => {}
            }
            parts.data[parts.count] = data;
            parts.count += 1;
        };
        let empty = Parts {
            data: [&[]; MAX_ARITY],
            count: 0,
        };
        let (mut xs, mut ys) = (empty, empty);
        x(&mut |data, n| collect(&mut xs, data, n));
        y(&mut |data, n| collect(&mut ys, data, n));
        result?;
        Ok(Dataset {
            x: xs,
            y: ys,
            samples: samples.unwrap_or(0),
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
        Dataset {
            x: self.x.rows(&range, &self.x.per_sample(self.samples)),
            y: self.y.rows(&range, &self.y.per_sample(self.samples)),
            samples: range.len(),
        }
    }
}

/// How `fit` trains, with Keras's defaults: write the fields that differ.
///
/// ```
/// use corten::loss::MeanSquaredError;
/// use corten::model::{FitOptions, Verbosity};
/// use corten::optimizer::Sgd;
/// use corten::prelude::*;
/// let mut model = sequential![Input<1>, Dense<1>];
/// model.compile(Sgd::default(), MeanSquaredError, [corten::metric::Mae]);
/// let x = Tensor::from_array([[0.0f32], [1.0], [2.0], [3.0], [4.0]]);
/// let y = Tensor::from_array([[1.0f32], [3.0], [5.0], [7.0], [9.0]]);
/// let options = FitOptions {
///     epochs: 3,
///     batch_size: 2,
///     validation_split: 0.2, // the last sample validates
///     verbose: Verbosity::Silent,
///     ..FitOptions::default()
/// };
/// let history = model.fit(&x, &y, options)?;
/// assert_eq!(history.epochs.len(), 3);
/// assert_eq!(history.get("val_loss").len(), 3);
/// # Ok::<(), corten::Error>(())
/// ```
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

/// The names `fit` logs under, as Keras names them: `loss`, and with
/// several outputs `cls_loss` for each, then each metric (`accuracy`, or
/// `cls_accuracy` with several outputs).
struct LogNames {
    /// Each output's loss, when there are several outputs.
    losses: Vec<Option<String>>,
    /// Each output's metrics.
    metrics: Vec<Vec<String>>,
}

impl LogNames {
    fn new<E: Element, T>(outputs: &[String], compiled: &Compiled<E, T>) -> Self {
        let several = outputs.len() > 1;
        let prefixed = |output: &String, name: &str| match several {
            true => alloc::format!("{output}_{name}"),
            false => name.into(),
        };
        LogNames {
            losses: outputs
                .iter()
                .map(|o| several.then(|| prefixed(o, "loss")))
                .collect(),
            metrics: outputs
                .iter()
                .zip(&compiled.objectives)
                .map(|(o, objective)| {
                    let names = objective.metrics.iter();
                    names.map(|m| prefixed(o, m.name())).collect()
                })
                .collect(),
        }
    }

    /// Every name, training logs only.
    fn all(&self) -> Vec<String> {
        let losses = self.losses.iter().flatten().cloned();
        let metrics = self.metrics.iter().flatten().cloned();
        core::iter::once("loss".into())
            .chain(losses)
            .chain(metrics)
            .collect()
    }
}

/// Running sums of the losses and the metrics over the batches of an epoch.
struct Totals {
    loss: f64,
    losses: Vec<f64>,
    metrics: Vec<Vec<f64>>,
    samples: usize,
    /// Rows (of each output's last axis) seen, per output.
    rows: Vec<usize>,
}

impl Totals {
    fn new<E: Element, T>(compiled: &Compiled<E, T>) -> Self {
        let objectives = &compiled.objectives;
        Totals {
            loss: 0.0,
            losses: alloc::vec![0.0; objectives.len()],
            metrics: objectives
                .iter()
                .map(|o| alloc::vec![0.0; o.metrics.len()])
                .collect(),
            samples: 0,
            rows: alloc::vec![0; objectives.len()],
        }
    }

    /// Adds a batch of `batch` samples: its total loss, each output's loss,
    /// and the metrics of each output against its labels.
    #[allow(clippy::too_many_arguments)]
    fn add<E: Element, T>(
        &mut self,
        compiled: &Compiled<E, T>,
        shapes: &[OutputRows],
        total: E,
        losses: &[E],
        outputs: &[Vec<E>],
        ys: &[&[E]],
        batch: usize,
    ) {
        self.loss += total.to_f64() * batch as f64;
        self.samples += batch;
        for (k, objective) in compiled.objectives.iter().enumerate() {
            let per_row = objective.loss.labels_per_row(shapes[k].width);
            self.losses[k] += losses[k].to_f64() * batch as f64;
            let mut counted = None;
            for (sum, &metric) in self.metrics[k].iter_mut().zip(&objective.metrics) {
                let (value, rows) = shapes[k].metric_sum(metric, &outputs[k], ys[k], per_row);
                *sum += value;
                counted = Some(rows);
            }
            self.rows[k] += counted.unwrap_or(0);
        }
    }

    fn logs(&self, names: &LogNames) -> Logs {
        let mut logs = Logs::default();
        let samples = self.samples.max(1) as f64;
        logs.set("loss", self.loss / samples);
        for (name, sum) in names.losses.iter().zip(&self.losses) {
            if let Some(name) = name {
                logs.set(name, sum / samples);
            }
        }
        for (k, (names, sums)) in names.metrics.iter().zip(&self.metrics).enumerate() {
            for (name, sum) in names.iter().zip(sums) {
                logs.set(name, sum / self.rows[k].max(1) as f64);
            }
        }
        logs
    }
}

/// `Ok` when every log a callback monitors is one `fit` writes: the
/// training logs `names`, and their `val_` forms with validation data.
fn check_monitors(
    callbacks: &[Box<dyn Callback + '_>],
    names: &LogNames,
    validation: bool,
) -> Result<(), Error> {
    let mut logs = names.all();
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

/// Checks samples and labels before training or evaluating on them: one
/// tensor per input and per output, whole samples, labels the losses take,
/// finite values, input the layers accept, finite loss weights.
fn check_dataset<E: Element, N: Net<E>>(
    net: &N,
    compiled: &Compiled<E, N::Tape>,
    data: &Dataset<'_, E>,
    what: &'static str,
) -> Result<(), Error> {
    let inputs = net.input_numels();
    let outputs = net.output_shapes();
    for (parts, expected, kind) in [
        (&data.x, inputs.len(), "input tensors"),
        (&data.y, outputs.len(), "label tensors"),
    ] {
        if parts.count != expected {
            return Err(Error::TensorCount {
                what,
                kind,
                expected,
                got: parts.count,
            });
        }
    }
    if data.is_empty() {
        return Err(Error::EmptyDataset { what });
    }
    for (x, &numel) in data.x.get().iter().zip(&inputs) {
        crate::error::check_length(what, [data.samples, numel], x.len())?;
        if let Some(index) = crate::element::first_non_finite(x) {
            return Err(Error::NonFinite { what, index });
        }
    }
    for ((y, shape), objective) in data.y.get().iter().zip(&outputs).zip(&compiled.objectives) {
        if !objective.weight.is_finite() {
            return Err(Error::InvalidOption {
                what: "loss weight",
                rule: "finite",
            });
        }
        let per_sample = shape.rows_per_sample() * objective.loss.labels_per_row(shape.width);
        if y.len() != data.samples * per_sample {
            return Err(Error::LabelMismatch {
                samples: data.samples,
                per_sample,
                got: y.len(),
            });
        }
        if let Some(index) = crate::element::first_non_finite(y) {
            return Err(Error::NonFinite {
                what: "labels",
                index,
            });
        }
        objective.loss.check_labels(y, shape.width)?;
    }
    net.check_inputs(data.x.get())
}

/// Keras's `fit` for any model: see [`Sequential::fit`].
pub(super) fn fit<E: Element, N: Net<E>>(
    net: &mut N,
    compiled: &mut Compiled<E, N::Tape>,
    all: Dataset<'_, E>,
    options: FitOptions<'_, E>,
) -> Result<History, Error> {
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
    check_dataset(net, compiled, &all, "training data")?;
    // Keras holds out the last fraction, before any shuffling.
    let (train, validation) = match validation_data {
        Some(v) => {
            check_dataset(net, compiled, &v, "validation data")?;
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
    super::weights::check_writable(net)?;
    compiled.rng = crate::random::Rng::seed_from(seed);
    let names = LogNames::new(&net.output_names(), compiled);
    check_monitors(&callbacks, &names, validation.is_some())?;

    let shapes = net.output_shapes();
    let per_x = train.x.per_sample(train.samples);
    let per_y = train.y.per_sample(train.samples);
    let mut order: Vec<usize> = (0..train.samples).collect();
    let mut xb: Vec<Vec<E>> = alloc::vec![Vec::new(); per_x.len()];
    let mut yb: Vec<Vec<E>> = alloc::vec![Vec::new(); per_y.len()];
    let steps = train.samples.div_ceil(batch_size);
    let mut history = History::default();
    for c in callbacks.iter_mut() {
        c.on_train_begin(&mut WeightsOf(net, PhantomData));
    }
    for epoch in 0..epochs {
        if shuffle {
            order.shuffle(&mut compiled.rng);
        }
        let mut progress = Progress::start(verbose, epoch, epochs, steps);
        let mut totals = Totals::new(compiled);
        for (step, chunk) in order.chunks(batch_size).enumerate() {
            gather(&mut xb, train.x.get(), &per_x, chunk);
            gather(&mut yb, train.y.get(), &per_y, chunk);
            let xs = slices(&xb);
            let ys = slices(&yb);
            let (epoch, batch) = (epoch + 1, step + 1);
            let total = match compiled.train_step(net, xs.get(), ys.get(), chunk.len())? {
                Step::Finite(loss) => loss,
                Step::NonFiniteLoss => return Err(Error::NonFiniteLoss { epoch, batch }),
                Step::NonFiniteUpdate => return Err(Error::NonFiniteUpdate { epoch, batch }),
            };
            let (losses, outputs) = (&compiled.losses, &compiled.outputs);
            totals.add(
                compiled,
                &shapes,
                total,
                losses,
                outputs,
                ys.get(),
                chunk.len(),
            );
            progress.batch_done(step + 1, || totals.logs(&names));
        }
        let mut logs = totals.logs(&names);
        if let Some(v) = validation {
            let val = evaluate(net, compiled, &v, batch_size)?;
            for (name, value) in val.iter() {
                logs.set(&alloc::format!("val_{name}"), value);
            }
        }
        progress.epoch_done(&logs);
        let mut stop = false;
        for c in callbacks.iter_mut() {
            let weights = &mut WeightsOf(net, PhantomData);
            stop |= c.on_epoch_end(epoch, &logs, weights) == Control::Stop;
        }
        history.epochs.push(logs);
        if stop {
            break;
        }
    }
    for c in callbacks.iter_mut() {
        c.on_train_end(&mut WeightsOf(net, PhantomData));
    }
    Ok(history)
}

/// The samples `chunk` of each part into its batch buffer.
fn gather<E: Element>(batches: &mut [Vec<E>], parts: &[&[E]], per: &[usize], chunk: &[usize]) {
    for ((b, part), &n) in batches.iter_mut().zip(parts).zip(per) {
        b.clear();
        for &i in chunk {
            b.extend_from_slice(&part[i * n..(i + 1) * n]);
        }
    }
}

/// The batch buffers as [`Parts`].
fn slices<E>(batches: &[Vec<E>]) -> Parts<'_, E> {
    let mut parts = Parts {
        data: [&[]; MAX_ARITY],
        count: batches.len(),
    };
    for (p, b) in parts.data.iter_mut().zip(batches) {
        *p = b;
    }
    parts
}

/// Keras's `evaluate` after the data is checked: the losses and metrics
/// over `data` in inference mode, in batches of `batch_size`.
fn evaluate<E: Element, N: Net<E>>(
    net: &mut N,
    compiled: &Compiled<E, N::Tape>,
    data: &Dataset<'_, E>,
    batch_size: usize,
) -> Result<Logs, Error> {
    let shapes = net.output_shapes();
    let names = LogNames::new(&net.output_names(), compiled);
    let per_x = data.x.per_sample(data.samples);
    let per_y = data.y.per_sample(data.samples);
    let mut outputs: Vec<Vec<E>> = alloc::vec![Vec::new(); shapes.len()];
    let mut scratch = Vec::new();
    let mut losses = alloc::vec![E::ZERO; shapes.len()];
    let mut totals = Totals::new(compiled);
    for start in (0..data.samples).step_by(batch_size.max(1)) {
        let batch = batch_size.min(data.samples - start);
        let rows = start..start + batch;
        let (xs, ys) = (data.x.rows(&rows, &per_x), data.y.rows(&rows, &per_y));
        for (y, shape) in outputs.iter_mut().zip(&shapes) {
            y.resize(batch * shape.numel, E::ZERO);
        }
        scratch.resize(batch * net.scratch_per_sample(), E::ZERO);
        net.forward(xs.get(), batch, &mut outputs, &mut scratch);
        let mut total = E::ZERO;
        for (k, objective) in compiled.objectives.iter().enumerate() {
            crate::error::check_output("evaluate", &outputs[k], start * shapes[k].numel)?;
            losses[k] = shapes[k].loss(&*objective.loss, &outputs[k], ys.get()[k], None)?;
            total += E::from_f64(objective.weight) * losses[k];
        }
        totals.add(compiled, &shapes, total, &losses, &outputs, ys.get(), batch);
    }
    Ok(totals.logs(&names))
}

/// `evaluate` for any model: checks `data`, then evaluates in batches of 32.
pub(super) fn evaluate_checked<E: Element, N: Net<E>>(
    net: &mut N,
    compiled: &Compiled<E, N::Tape>,
    data: &Dataset<'_, E>,
) -> Result<Logs, Error> {
    check_dataset(net, compiled, data, "evaluation data")?;
    evaluate(net, compiled, data, 32)
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
        L::Output: crate::shape::StaticSteps,
    {
        self.fit_steps = self.steps_for(&x.sizes())?.0;
        let data = Dataset::new(x, y)?;
        let mut compiled = self.compiled.take().ok_or(Error::NotCompiled)?;
        let result = fit(self, &mut compiled, data, options);
        self.compiled = Some(compiled);
        result
    }

    /// The loss and metrics of the model on `x` and its labels `y`
    /// (Keras's `model.evaluate(..., return_dict=True)`), in batches of 32,
    /// in inference mode.
    ///
    /// ```
    /// use corten::loss::MeanSquaredError;
    /// use corten::metric::Mae;
    /// use corten::optimizer::Sgd;
    /// use corten::prelude::*;
    /// // y = 2x with the weights set by hand: every prediction 0.5 too high.
    /// let mut model = sequential![Input<1>, Dense<1>];
    /// model.set_weights(&[&[2.0f32][..], &[0.5]])?;
    /// model.compile(Sgd::default(), MeanSquaredError, [Mae]);
    /// let x = Tensor::from_array([[1.0f32], [2.0], [3.0]]);
    /// let y = Tensor::from_array([[2.0f32], [4.0], [6.0]]);
    /// let logs = model.evaluate(&x, &y)?;
    /// assert!((logs.get("loss").unwrap() - 0.25).abs() < 1e-6);
    /// assert!((logs.get("mean_absolute_error").unwrap() - 0.5).abs() < 1e-6);
    /// # Ok::<(), corten::Error>(())
    /// ```
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
        L::Output: crate::shape::StaticSteps,
    {
        self.fit_steps = self.steps_for(&x.sizes())?.0;
        let data = Dataset::new(x, y)?;
        let compiled = self.compiled.take().ok_or(Error::NotCompiled)?;
        let result = evaluate_checked(self, &compiled, &data);
        self.compiled = Some(compiled);
        result
    }
}
