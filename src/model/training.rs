//! `compile` and one training step: forward in training mode, the loss and
//! its gradient, backward through every layer, the optimizer's update.

use super::callback::{ModelWeights, Snapshot};
use super::Sequential;
use crate::error::Error;
use crate::layer::{Backprop, Layer, Tape, Weight};
use crate::loss::Loss;
use crate::metric::Metric;
use crate::optimizer::{Optimizer, OptimizerState};
use crate::shape::{Features, StaticShape};
use crate::Element;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// What `compile` sets up: the optimizer and its state, the loss, the
/// metrics, and the buffers training reuses from batch to batch.
pub struct Compiled<E: Element> {
    pub(super) optimizer: Box<dyn Optimizer<E>>,
    pub(super) loss: Box<dyn Loss<E>>,
    pub(super) metrics: Vec<Metric>,
    state: OptimizerState<E>,
    tape: Vec<Tape<E>>,
    grads: Vec<E>,
    pub(super) output: Vec<E>,
    output_grad: Vec<E>,
    pub(super) rng: crate::random::Rng,
    /// The weights the forward pass in training mode updates (a batch
    /// norm's moving statistics) as they were at the start of the step.
    moving: Vec<E>,
    /// What the last checked update overwrote.
    backup: Vec<E>,
}

/// How a training step ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Step<E> {
    /// The batch's loss (before the update), the update applied.
    Finite(E),
    /// The loss was NaN or infinite: the model is back at the step's start.
    NonFiniteLoss,
    /// The update made a weight NaN or infinite: the model is back at the
    /// step's start.
    NonFiniteUpdate,
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
        self.compiled = Some(Box::new(Compiled {
            optimizer: Box::new(optimizer),
            loss: Box::new(loss),
            metrics: metrics.into_iter().map(Into::into).collect(),
            state: OptimizerState::default(),
            tape: Vec::new(),
            grads: Vec::new(),
            output: Vec::new(),
            output_grad: Vec::new(),
            rng: crate::random::Rng::seed_from(0),
            moving: Vec::new(),
            backup: Vec::new(),
        }));
    }

    /// Every weight (trainable or not) in Keras's `get_weights()` order.
    pub fn get_weights(&mut self) -> Vec<Vec<E>> {
        super::weights::get(&mut super::weights::Layers(&mut self.layers))
    }

    /// Sets every weight from `weights`, in [`get_weights`](Self::get_weights)'s
    /// order; an error (and nothing changed) when a count or a length
    /// differs, or a value is NaN or infinite (or a BatchNormalization
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
    pub fn set_weights(&mut self, weights: &[Vec<E>]) -> Result<(), Error> {
        super::weights::set(&mut super::weights::Layers(&mut self.layers), weights)
    }

    /// Checks that training can write every weight.
    pub(super) fn check_writable(&mut self) -> Result<(), Error> {
        super::weights::check_writable(&mut super::weights::Layers(&mut self.layers))
    }

    /// One step on a batch. `x` and `y` hold `batch` samples and their
    /// labels. When the loss or the updated weights are not finite, every
    /// weight (the moving statistics the forward pass updates too) and the
    /// optimizer's state are put back as they were at the start of this
    /// step: what the last finite step left, so that nothing the model had
    /// is lost.
    pub(super) fn train_step(&mut self, x: &[E], y: &[E], batch: usize) -> Result<Step<E>, Error> {
        let c = self.compiled.as_deref_mut().ok_or(Error::NotCompiled)?;
        save_moving(&mut self.layers, &mut c.moving);
        let width = output_width::<L::Output>();
        let n_out = batch * <L::Output as StaticShape>::NUMEL;
        c.tape.resize_with(L::DEPTH, Tape::default);
        c.output.resize(n_out, E::ZERO);
        c.output_grad.resize(n_out, E::ZERO);
        self.layers
            .forward_train(x, &mut c.output, batch, &mut c.tape, &mut c.rng);
        let loss = c.loss.loss(&c.output, y, width, Some(&mut c.output_grad))?;
        if !loss.is_finite() {
            // No update ran: only the moving statistics changed.
            restore_moving(&mut self.layers, &c.moving);
            return Ok(Step::NonFiniteLoss);
        }
        let trainable = self.layers.param_count() - self.layers.non_trainable_count();
        c.grads.resize(trainable, E::ZERO);
        self.layers.backward(
            Backprop {
                x,
                y: &c.output,
                dy: &mut c.output_grad,
                dx: None,
                batch,
            },
            &mut c.tape,
            &mut c.grads,
        );
        let mut weights = Vec::new();
        self.layers.visit_weights(&mut |w: Weight<'_, E>| {
            if w.trainable {
                if let Some(values) = w.values {
                    weights.push(values);
                }
            }
        });
        let mut grads = Vec::with_capacity(weights.len());
        let mut rest = &mut c.grads[..];
        for w in &weights {
            let (g, tail) = rest.split_at_mut(w.len());
            grads.push(g);
            rest = tail;
        }
        if !c
            .state
            .apply_checked(&*c.optimizer, &mut weights, &mut grads, &mut c.backup)
        {
            // The update was undone; the moving statistics go back too.
            restore_moving(&mut self.layers, &c.moving);
            return Ok(Step::NonFiniteUpdate);
        }
        Ok(Step::Finite(loss))
    }
}

/// Copies the weights training does not update by gradient (a batch norm's
/// moving statistics, which the forward pass updates) into `saved`.
fn save_moving<E: Element, L: Layer<E>>(layers: &mut L, saved: &mut Vec<E>) {
    saved.clear();
    layers.visit_weights(&mut |w: Weight<'_, E>| {
        if let (false, Some(v)) = (w.trainable, w.values) {
            saved.extend_from_slice(v);
        }
    });
}

/// Puts back what [`save_moving`] saved.
fn restore_moving<E: Element, L: Layer<E>>(layers: &mut L, saved: &[E]) {
    let mut values = saved.iter();
    layers.visit_weights(&mut |w: Weight<'_, E>| {
        if let (false, Some(v)) = (w.trainable, w.values) {
            for (x, &s) in v.iter_mut().zip(values.by_ref()) {
                *x = s;
            }
        }
    });
}

/// The size of the output's last axis: the row a loss compares.
pub(super) fn output_width<S: crate::shape::Shape>() -> usize {
    S::static_sizes().as_slice().last().copied().unwrap_or(1)
}

/// The model's weights for callbacks, as `f64` copies.
pub(super) struct WeightsOf<'a, L, E>(pub &'a mut L, pub core::marker::PhantomData<E>);

impl<L: Layer<E>, E: Element> ModelWeights for WeightsOf<'_, L, E> {
    fn snapshot(&mut self) -> Snapshot {
        let mut all = Vec::new();
        self.0.visit_weights(&mut |w: Weight<'_, E>| {
            if let Some(v) = w.values {
                all.extend(v.iter().map(|x| x.to_f64()));
            }
        });
        Snapshot(all)
    }

    fn restore(&mut self, snapshot: &Snapshot) {
        let mut values = snapshot.0.iter();
        self.0.visit_weights(&mut |w: Weight<'_, E>| {
            if let Some(v) = w.values {
                for (x, &s) in v.iter_mut().zip(values.by_ref()) {
                    *x = E::from_f64(s);
                }
            }
        });
    }
}
