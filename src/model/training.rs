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
use rand::SeedableRng;

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
    pub(super) rng: rand::rngs::StdRng,
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
            rng: rand::rngs::StdRng::seed_from_u64(0),
        }));
    }

    /// Every weight (trainable or not) in Keras's `get_weights()` order.
    pub fn get_weights(&mut self) -> Vec<Vec<E>> {
        let mut out = Vec::new();
        self.layers.visit_weights(&mut |w: Weight<'_, E>| {
            out.push(w.values.map(|v| v.to_vec()).unwrap_or_default())
        });
        out
    }

    /// Sets every weight from `weights`, in [`get_weights`](Self::get_weights)'s
    /// order; an error (and nothing changed) when a count or a length differs.
    pub fn set_weights(&mut self, weights: &[Vec<E>]) -> Result<(), Error> {
        let current = self.get_weights();
        if current.len() != weights.len() {
            return Err(Error::LengthMismatch {
                what: "set_weights: weight tensors",
                shape: crate::shape::Sizes::new(&[current.len()]),
                expected: current.len(),
                got: weights.len(),
            });
        }
        for (c, w) in current.iter().zip(weights) {
            crate::error::check_length("set_weights: weight", &[c.len()], w.len())?;
        }
        let mut given = weights.iter();
        let mut result = Ok(());
        self.layers.visit_weights(&mut |w: Weight<'_, E>| {
            let source = given.next().expect("counts checked");
            match w.values {
                Some(v) => v.copy_from_slice(source),
                None if result.is_ok() => result = Err(Error::ReadOnlyWeight { name: w.name }),
                None => {}
            }
        });
        result
    }

    /// Checks that training can write every weight.
    pub(super) fn check_writable(&mut self) -> Result<(), Error> {
        let mut result = Ok(());
        self.layers.visit_weights(&mut |w: Weight<'_, E>| {
            if w.values.is_none() && result.is_ok() {
                result = Err(Error::ReadOnlyWeight { name: w.name });
            }
        });
        result
    }

    /// One step on a batch: returns the batch's loss (before the update).
    /// `x` and `y` hold `batch` samples and their labels.
    pub(super) fn train_step(&mut self, x: &[E], y: &[E], batch: usize) -> Result<E, Error> {
        let c = self.compiled.as_deref_mut().ok_or(Error::NotCompiled)?;
        let width = output_width::<L::Output>();
        let n_out = batch * <L::Output as StaticShape>::NUMEL;
        c.tape.resize_with(L::DEPTH, Tape::default);
        c.output.resize(n_out, E::ZERO);
        c.output_grad.resize(n_out, E::ZERO);
        self.layers
            .forward_train(x, &mut c.output, batch, &mut c.tape, &mut c.rng);
        let loss = c.loss.loss(&c.output, y, width, Some(&mut c.output_grad));
        if !loss.is_finite() {
            return Ok(loss);
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
        c.state.apply(&*c.optimizer, &mut weights, &mut grads);
        Ok(loss)
    }
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
