//! `compile` and one training step, for any model: forward in training
//! mode, each output's loss and its gradient (weighted as `loss_weights`
//! says), backward through the model, the optimizer's update.

use super::callback::{ModelWeights, Snapshot};
use super::weights::Weighted;
use super::Sequential;
use crate::error::Error;
use crate::layer::{Backprop, Layer, Tape, Weight};
use crate::loss::Loss;
use crate::metric::Metric;
use crate::optimizer::{Optimizer, OptimizerState};
use crate::shape::{Features, StaticShape};
use crate::Element;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// How one output of a model is trained: its loss, the weight of that loss
/// in the total the optimizer minimizes (Keras's `loss_weights`, 1 by
/// default), and the metrics reported for it.
///
/// ```
/// use corten::loss::MeanSquaredError;
/// use corten::metric::Mae;
/// use corten::model::Objective;
/// let objective = Objective::<f32>::new(MeanSquaredError).weight(0.5).metrics([Mae]);
/// assert_eq!(format!("{objective:?}"), "Objective { loss: \"mean_squared_error\", weight: 0.5, metrics: [MeanAbsoluteError] }");
/// ```
#[derive(Clone)]
pub struct Objective<E: Element = f32> {
    pub(crate) loss: Arc<dyn Loss<E>>,
    pub(crate) weight: f64,
    pub(crate) metrics: Vec<Metric>,
}

impl<E: Element> Objective<E> {
    /// `loss`, of weight 1, no metrics.
    pub fn new<L: Loss<E> + 'static>(loss: L) -> Self {
        Objective {
            loss: Arc::new(loss),
            weight: 1.0,
            metrics: Vec::new(),
        }
    }

    /// The weight of this output's loss in the total (Keras's
    /// `loss_weights`); `fit` refuses one that is NaN or infinite.
    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    /// The metrics reported for this output (`[Accuracy]`).
    pub fn metrics<M>(mut self, metrics: M) -> Self
    where
        M: IntoIterator,
        M::Item: Into<Metric>,
    {
        self.metrics = metrics.into_iter().map(Into::into).collect();
        self
    }
}

impl<E: Element> core::fmt::Debug for Objective<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Objective")
            .field("loss", &self.loss.name())
            .field("weight", &self.weight)
            .field("metrics", &self.metrics)
            .finish()
    }
}

/// What `compile` sets up: the optimizer and its state, each output's
/// objective, and the buffers training reuses from batch to batch (`T`
/// holds what the model's forward pass keeps for its backward pass).
pub struct Compiled<E: Element, T = Vec<Tape<E>>> {
    optimizer: Box<dyn Optimizer<E>>,
    pub(super) objectives: Vec<Objective<E>>,
    state: OptimizerState<E>,
    tape: T,
    grads: Vec<E>,
    /// Each output of the last batch.
    pub(super) outputs: Vec<Vec<E>>,
    output_grads: Vec<Vec<E>>,
    /// Each output's (unweighted) loss on the last training batch.
    pub(super) losses: Vec<E>,
    pub(super) rng: crate::random::Rng,
    /// The weights the forward pass in training mode updates (a batch
    /// norm's moving statistics) as they were at the start of the step.
    moving: Vec<E>,
    /// What the last checked update overwrote.
    backup: Vec<E>,
}

impl<E: Element, T: Default> Compiled<E, T> {
    pub(super) fn new(optimizer: Box<dyn Optimizer<E>>, objectives: Vec<Objective<E>>) -> Self {
        Compiled {
            optimizer,
            objectives,
            state: OptimizerState::default(),
            tape: T::default(),
            grads: Vec::new(),
            outputs: Vec::new(),
            output_grads: Vec::new(),
            losses: Vec::new(),
            rng: crate::random::Rng::seed_from(0),
            moving: Vec::new(),
            backup: Vec::new(),
        }
    }
}

/// How a training step ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Step<E> {
    /// The batch's total loss (before the update), the update applied.
    Finite(E),
    /// The loss was NaN or infinite: the model is back at the step's start.
    NonFiniteLoss,
    /// The update made a weight NaN or infinite: the model is back at the
    /// step's start.
    NonFiniteUpdate,
}

/// A model as training sees it: its inputs and outputs as flat batches, a
/// forward pass (for inference and in training mode) and a backward pass.
/// `Sequential` and the functional `Model` are both trained through it.
pub(crate) trait Net<E: Element>: Weighted<E> {
    /// What the training forward pass keeps for the backward pass.
    type Tape: Default;
    /// Elements per sample of each input.
    fn input_numels(&self) -> Vec<usize>;
    /// Each output's elements per sample and the rows a loss compares.
    fn output_shapes(&self) -> Vec<OutputRows>;
    /// Each output's name (the layer that computes it), which prefixes its
    /// logs when there are several.
    fn output_names(&self) -> Vec<alloc::string::String>;
    /// Rejects input the layers cannot take (an Embedding's ids out of range).
    fn check_inputs(&self, xs: &[&[E]]) -> Result<(), Error>;
    /// Scratch elements the inference pass needs per sample.
    fn scratch_per_sample(&self) -> usize;
    /// The inference pass on `batch` samples into `outputs` (one per output,
    /// each as long as the batch's output).
    fn forward(&self, xs: &[&[E]], batch: usize, outputs: &mut [Vec<E>], scratch: &mut [E]);
    /// The training forward pass: each output into `outputs` (resized).
    fn forward_train(
        &mut self,
        xs: &[&[E]],
        batch: usize,
        tape: &mut Self::Tape,
        rng: &mut crate::random::Rng,
        outputs: &mut [Vec<E>],
    );
    /// The backward pass from each output's gradient; the trainable
    /// weights' gradients into `grads` (overwritten), in the order of
    /// [`Weighted::weights`].
    fn backward(
        &self,
        xs: &[&[E]],
        outputs: &[Vec<E>],
        output_grads: &mut [Vec<E>],
        batch: usize,
        tape: &mut Self::Tape,
        grads: &mut [E],
    );
    /// Parameters training updates by gradient.
    fn trainable_count(&self) -> usize;
}

impl<E: Element, T> Compiled<E, T> {
    /// One step on a batch: `xs` holds `batch` samples of each input, `ys`
    /// their labels for each output. When the loss or the updated weights
    /// are not finite, every weight (the moving statistics the forward pass
    /// updates too) and the optimizer's state are put back as they were at
    /// the start of this step: what the last finite step left, so that
    /// nothing the model had is lost.
    pub(super) fn train_step<N: Net<E, Tape = T>>(
        &mut self,
        net: &mut N,
        xs: &[&[E]],
        ys: &[&[E]],
        batch: usize,
    ) -> Result<Step<E>, Error> {
        save_moving(net, &mut self.moving);
        let shapes = net.output_shapes();
        self.outputs.resize_with(shapes.len(), Vec::new);
        self.output_grads.resize_with(shapes.len(), Vec::new);
        self.losses.resize(shapes.len(), E::ZERO);
        net.forward_train(xs, batch, &mut self.tape, &mut self.rng, &mut self.outputs);
        let mut total = E::ZERO;
        for (k, shape) in shapes.iter().enumerate() {
            let objective = &self.objectives[k];
            let grad = &mut self.output_grads[k];
            grad.resize(batch * shape.numel, E::ZERO);
            let loss = shape.loss(&*objective.loss, &self.outputs[k], ys[k], Some(grad))?;
            let weight = E::from_f64(objective.weight);
            if objective.weight != 1.0 {
                grad.iter_mut().for_each(|g| *g *= weight);
            }
            self.losses[k] = loss;
            total += weight * loss;
        }
        if !total.is_finite() {
            // No update ran: only the moving statistics changed.
            restore_moving(net, &self.moving);
            return Ok(Step::NonFiniteLoss);
        }
        self.grads.resize(net.trainable_count(), E::ZERO);
        net.backward(
            xs,
            &self.outputs,
            &mut self.output_grads,
            batch,
            &mut self.tape,
            &mut self.grads,
        );
        let mut weights = Vec::new();
        net.weights(&mut |w: Weight<'_, E>| {
            if w.trainable {
                if let Some(values) = w.values {
                    weights.push(values);
                }
            }
        });
        let mut grads = Vec::with_capacity(weights.len());
        let mut rest = &mut self.grads[..];
        for w in &weights {
            let (g, tail) = rest.split_at_mut(w.len());
            grads.push(g);
            rest = tail;
        }
        if !self
            .state
            .apply_checked(&*self.optimizer, &mut weights, &mut grads, &mut self.backup)
        {
            // The update was undone; the moving statistics go back too.
            restore_moving(net, &self.moving);
            return Ok(Step::NonFiniteUpdate);
        }
        Ok(Step::Finite(total))
    }
}

impl<F, L, E> Sequential<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F>,
{
    /// Prepares the model for training (Keras's `model.compile`): the
    /// optimizer, the loss, and the metrics `fit` and `evaluate` report.
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::loss::SparseCategoricalCrossentropy;
    /// use corten::metric::Accuracy;
    /// use corten::optimizer::Adam;
    /// use corten::sequential;
    /// let mut model = sequential![Input<4>, Dense<8, Relu>, Dense<3, Softmax>];
    /// model.compile(Adam::default(), SparseCategoricalCrossentropy::default(), [Accuracy]);
    /// ```
    pub fn compile<O, Lo, M>(&mut self, optimizer: O, loss: Lo, metrics: M)
    where
        O: Optimizer<E> + 'static,
        Lo: Loss<E> + 'static,
        M: IntoIterator,
        M::Item: Into<Metric>,
    {
        let objective = Objective::new(loss).metrics(metrics);
        self.compiled = Some(Box::new(Compiled::new(
            Box::new(optimizer),
            alloc::vec![objective],
        )));
    }

    /// Every weight (trainable or not) in Keras's `get_weights()` order,
    /// row-major (their shapes: [`weight_shapes`](Self::weight_shapes)).
    /// Weights in read-only storage (`&'static` data) are read too.
    pub fn get_weights(&self) -> Vec<Vec<E>> {
        super::weights::get(self)
    }

    /// The shape of each weight in [`get_weights`](Self::get_weights),
    /// in Keras's layout (`(inputs, units)` for a Dense kernel).
    ///
    /// ```
    /// use corten::prelude::*;
    /// let model = sequential![Input<5, 2>, Conv1D<4, 3>];
    /// let shapes = model.weight_shapes();
    /// assert!(shapes[0] == &[3, 2, 4] && shapes[1] == &[4]);
    /// ```
    pub fn weight_shapes(&self) -> Vec<crate::shape::Sizes> {
        super::weights::shapes(self)
    }

    /// Sets every weight from `weights`, in [`get_weights`](Self::get_weights)'s
    /// order; an error (and nothing changed) when a count, a shape or a
    /// length differs (values given with their shapes:
    /// [`WeightValues`](crate::model::WeightValues)), or a value is NaN or infinite (or a BatchNormalization
    /// variance is below zero): the error names the layer and the weight.
    ///
    /// ```
    /// use corten::prelude::*;
    /// use corten::{sequential, Error};
    /// let mut model = sequential![Input<2>, Dense<1>];
    /// model.set_weights(&[vec![1.0, 2.0], vec![0.5]])?;
    /// assert_eq!(model.get_weights(), [vec![1.0, 2.0], vec![0.5]]);
    /// let err = model.set_weights(&[vec![1.0, f32::NAN], vec![0.5]]).unwrap_err();
    /// assert_eq!(err.to_string(), "layer `dense`, weight `kernel`: element 1 is not a valid value (NaN, infinite, or a negative variance)");
    /// assert_eq!(model.get_weights(), [vec![1.0, 2.0], vec![0.5]]);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn set_weights<W: crate::model::WeightValues<E>>(
        &mut self,
        weights: &[W],
    ) -> Result<(), Error> {
        super::weights::set(self, weights)
    }

    super::weight_file::weight_file_methods!();
    crate::keras::keras_weights_methods!();
}

impl<F, L, E> Weighted<E> for Sequential<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F>,
{
    fn rows(&self, row: &mut dyn FnMut(crate::layer::SummaryRow)) {
        self.layers.visit_rows(row)
    }
    fn weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.layers.visit_weight_values(visit)
    }
    fn weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.layers.visit_weights(visit)
    }
}

impl<F, L, E> Net<E> for Sequential<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F>,
{
    type Tape = Vec<Tape<E>>;
    fn input_numels(&self) -> Vec<usize> {
        alloc::vec![F::NUMEL * self.fit_steps]
    }
    fn output_shapes(&self) -> Vec<OutputRows> {
        alloc::vec![OutputRows::of::<L::Output>()]
    }
    fn output_names(&self) -> Vec<alloc::string::String> {
        alloc::vec![alloc::string::String::new()]
    }
    fn check_inputs(&self, xs: &[&[E]]) -> Result<(), Error> {
        self.layers.check_input(xs[0])
    }
    fn scratch_per_sample(&self) -> usize {
        L::SCRATCH_PER_SAMPLE * self.fit_steps
    }
    fn forward(&self, xs: &[&[E]], batch: usize, outputs: &mut [Vec<E>], scratch: &mut [E]) {
        self.layers
            .forward_steps(xs[0], &mut outputs[0], batch, self.fit_steps, scratch);
    }
    fn forward_train(
        &mut self,
        xs: &[&[E]],
        batch: usize,
        tape: &mut Self::Tape,
        rng: &mut crate::random::Rng,
        outputs: &mut [Vec<E>],
    ) {
        tape.resize_with(L::DEPTH, Tape::default);
        outputs[0].resize(batch * <L::Output as StaticShape>::NUMEL, E::ZERO);
        self.layers
            .forward_train_steps(xs[0], &mut outputs[0], (batch, self.fit_steps), tape, rng);
    }
    fn backward(
        &self,
        xs: &[&[E]],
        outputs: &[Vec<E>],
        output_grads: &mut [Vec<E>],
        batch: usize,
        tape: &mut Self::Tape,
        grads: &mut [E],
    ) {
        let pass = Backprop {
            x: xs[0],
            y: &outputs[0],
            dy: &mut output_grads[0],
            dx: None,
            batch,
            steps: self.fit_steps,
        };
        self.layers.backward(pass, tape, grads);
    }
    fn trainable_count(&self) -> usize {
        self.layers.param_count() - self.layers.non_trainable_count()
    }
}

/// Copies the weights training does not update by gradient (a batch norm's
/// moving statistics, which the forward pass updates) into `saved`.
fn save_moving<E: Element>(model: &mut impl Weighted<E>, saved: &mut Vec<E>) {
    saved.clear();
    model.weights(&mut |w: Weight<'_, E>| {
        if let (false, Some(v)) = (w.trainable, w.values) {
            saved.extend_from_slice(v);
        }
    });
}

/// Puts back what [`save_moving`] saved.
fn restore_moving<E: Element>(model: &mut impl Weighted<E>, saved: &[E]) {
    let mut values = saved.iter();
    model.weights(&mut |w: Weight<'_, E>| {
        if let (false, Some(v)) = (w.trainable, w.values) {
            for (x, &s) in v.iter_mut().zip(values.by_ref()) {
                *x = s;
            }
        }
    });
}

/// One output as its loss and metrics see it: `numel` values per sample,
/// in rows of `width` (what a loss compares, the last axis), each row
/// followed by its mask value when `masked` (a masked sequence, whose
/// masked rows count for neither: Keras weighs a masked output's loss and
/// metrics by its mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OutputRows {
    pub numel: usize,
    pub width: usize,
    pub masked: bool,
}

/// The rows of a masked output that its mask keeps, with their labels.
struct Kept<E> {
    values: Vec<E>,
    truth: Vec<E>,
    rows: Vec<usize>,
}

impl OutputRows {
    /// The rows of outputs of shape `S`.
    pub(crate) fn of<S: crate::shape::Features>() -> Self {
        Self::from_sizes(S::NUMEL, S::static_sizes().as_slice(), S::MASK_STRIDE > 0)
    }

    /// The rows of an output of `numel` values and these sizes.
    pub(crate) fn from_sizes(numel: usize, sizes: &[usize], masked: bool) -> Self {
        let last = sizes.last().copied().unwrap_or(1);
        OutputRows {
            numel,
            width: last - usize::from(masked && last > 0),
            masked,
        }
    }

    /// Rows per sample.
    pub(crate) fn rows_per_sample(&self) -> usize {
        self.numel / (self.width + usize::from(self.masked)).max(1)
    }

    /// The rows of `pred` (a batch) its mask keeps, and their labels
    /// (`per_row` a row).
    fn kept<E: Element>(&self, pred: &[E], truth: &[E], per_row: usize) -> Kept<E> {
        let stride = self.width + 1;
        let mut kept = Kept {
            values: Vec::new(),
            truth: Vec::new(),
            rows: Vec::new(),
        };
        for (i, row) in pred.chunks_exact(stride).enumerate() {
            if row[self.width] != E::ZERO {
                kept.values.extend_from_slice(&row[..self.width]);
                kept.truth
                    .extend_from_slice(truth.get(i * per_row..(i + 1) * per_row).unwrap_or(&[]));
                kept.rows.push(i);
            }
        }
        kept
    }

    /// `loss` of the predictions `pred` (a batch) against `truth`, and
    /// with `grad` its gradient: the mean over the rows, or over the rows
    /// a masked output keeps (0 when it keeps none, as Keras).
    pub(crate) fn loss<E: Element>(
        &self,
        loss: &dyn Loss<E>,
        pred: &[E],
        truth: &[E],
        grad: Option<&mut [E]>,
    ) -> Result<E, Error> {
        if !self.masked {
            return loss.loss(pred, truth, self.width, grad);
        }
        let per_row = loss.labels_per_row(self.width);
        let rows = pred.len() / (self.width + 1);
        if rows * per_row != truth.len() {
            return Err(Error::LabelMismatch {
                samples: rows,
                per_sample: per_row,
                got: truth.len(),
            });
        }
        let kept = self.kept(pred, truth, per_row);
        let Some(grad) = grad else {
            return loss.loss(&kept.values, &kept.truth, self.width, None);
        };
        let mut kept_grad = alloc::vec![E::ZERO; kept.values.len()];
        let value = loss.loss(&kept.values, &kept.truth, self.width, Some(&mut kept_grad))?;
        grad.fill(E::ZERO);
        let stride = self.width + 1;
        for (g, &row) in kept_grad.chunks_exact(self.width.max(1)).zip(&kept.rows) {
            grad[row * stride..row * stride + self.width].copy_from_slice(g);
        }
        Ok(value)
    }

    /// `metric` summed over the rows of `pred` (a batch) against `truth`
    /// (`per_row` labels a row), and the rows it counted: all, or the ones
    /// a masked output keeps.
    pub(crate) fn metric_sum<E: Element>(
        &self,
        metric: Metric,
        pred: &[E],
        truth: &[E],
        per_row: usize,
    ) -> (f64, usize) {
        if !self.masked {
            let rows = pred.len() / self.width.max(1);
            return (metric.sum(pred, truth, self.width, per_row), rows);
        }
        let kept = self.kept(pred, truth, per_row);
        let sum = metric.sum(&kept.values, &kept.truth, self.width, per_row);
        (sum, kept.rows.len())
    }
}

/// The model's weights for callbacks, as `f64` copies.
pub(super) struct WeightsOf<'a, M, E>(pub &'a mut M, pub core::marker::PhantomData<E>);

impl<E: Element, M: Weighted<E>> ModelWeights for WeightsOf<'_, M, E> {
    fn snapshot(&mut self) -> Snapshot {
        let mut all = Vec::new();
        self.0.weights(&mut |w: Weight<'_, E>| {
            if let Some(v) = w.values {
                all.extend(v.iter().map(|x| x.to_f64()));
            }
        });
        Snapshot(all)
    }

    fn restore(&mut self, snapshot: &Snapshot) {
        let mut values = snapshot.0.iter();
        self.0.weights(&mut |w: Weight<'_, E>| {
            if let Some(v) = w.values {
                for (x, &s) in v.iter_mut().zip(values.by_ref()) {
                    *x = E::from_f64(s);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::MeanSquaredError;

    /// A masked output's loss is the mean over the rows its mask keeps
    /// (a scalar oracle), its gradient 0 on the others and on the mask.
    #[test]
    fn a_masked_output_counts_only_the_rows_kept() {
        let rows = OutputRows::from_sizes(6, &[2, 3], true);
        assert_eq!((rows.width, rows.rows_per_sample()), (2, 2));
        // Two rows of (value, value, mask): the second masked.
        let pred = [1.0f64, 2.0, 1.0, 5.0, 5.0, 0.0];
        let truth = [0.0, 0.0, 9.0, 9.0];
        let mut grad = [f64::NAN; 6];
        let loss = rows
            .loss(&MeanSquaredError, &pred, &truth, Some(&mut grad))
            .unwrap();
        assert_eq!(loss, (1.0 + 4.0) / 2.0);
        assert_eq!(grad, [1.0, 2.0, 0.0, 0.0, 0.0, 0.0]);
        let (sum, counted) = rows.metric_sum(Metric::MeanAbsoluteError, &pred, &truth, 2);
        assert_eq!((sum, counted), (1.5, 1));
        // Nothing kept: 0, as Keras's `divide_no_nan`.
        let none = [1.0, 2.0, 0.0, 5.0, 5.0, 0.0];
        assert_eq!(
            rows.loss(&MeanSquaredError, &none, &truth, None).unwrap(),
            0.0
        );
    }
}
