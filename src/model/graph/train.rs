//! Training through a functional model: the forward pass keeping every
//! node's output, and the backward pass from the outputs' gradients, summing
//! gradients where a node feeds several others (a fork) and over the
//! applications of a shared layer.

use super::model::Model;
use crate::element::add_into;
use crate::layer::Tape;
use crate::Element;
use alloc::vec;
use alloc::vec::Vec;

/// What a training pass keeps: per step, its tapes, its output and the
/// gradient flowing into it. Reused from batch to batch.
#[derive(Debug, Default)]
pub(crate) struct GraphTape<E> {
    tapes: Vec<Vec<Tape<E>>>,
    values: Vec<Vec<E>>,
    grads: Vec<Vec<E>>,
    dxs: Vec<Vec<E>>,
    op_grads: Vec<E>,
    batch: usize,
}

impl<Ins, Outs, E: Element> Model<Ins, Outs, E> {
    /// Where each operation's trainable gradients start in the model's
    /// gradient vector (Keras's `model.trainable_weights` order), and the
    /// vector's length.
    pub(crate) fn gradient_layout(&self) -> (Vec<usize>, usize) {
        let mut offsets = vec![usize::MAX; self.ops.len()];
        let mut total = 0;
        for &op in &self.op_order {
            offsets[op] = total;
            total += self.ops[op].0.trainable_count();
        }
        (offsets, total)
    }

    /// The training forward pass on `batch` samples of `inputs`; each
    /// output's value is then [`GraphTape::output`].
    pub(crate) fn forward_train(
        &mut self,
        inputs: &[&[E]],
        batch: usize,
        tape: &mut GraphTape<E>,
        rng: &mut crate::random::Rng,
    ) {
        let steps = self.steps.len();
        tape.tapes.resize_with(steps, Vec::new);
        tape.values.resize_with(steps, Vec::new);
        tape.batch = batch;
        for (k, step) in self.steps.iter().enumerate() {
            let op = &mut self.ops[step.op].0;
            tape.tapes[k].resize_with(op.depth().max(1), Tape::default);
            let mut y = core::mem::take(&mut tape.values[k]);
            y.resize(batch * step.out.len, E::ZERO);
            {
                let xs = step_inputs(step, &tape.values, inputs);
                op.forward_train(
                    &xs[..step.inputs.len()],
                    &mut y,
                    batch,
                    &mut tape.tapes[k],
                    rng,
                );
            }
            tape.values[k] = y;
        }
    }

    /// The backward pass after [`forward_train`](Self::forward_train):
    /// given the gradient of the loss with respect to each output
    /// (`output_grads[i]`, `batch` samples), the gradients of the trainable
    /// weights into `grads` (overwritten), laid out as
    /// [`gradient_layout`](Self::gradient_layout) says.
    pub(crate) fn backward(
        &self,
        inputs: &[&[E]],
        output_grads: &[&[E]],
        tape: &mut GraphTape<E>,
        grads: &mut [E],
    ) {
        let (offsets, _) = self.gradient_layout();
        let batch = tape.batch;
        grads.fill(E::ZERO);
        tape.grads.resize_with(self.steps.len(), Vec::new);
        for (g, step) in tape.grads.iter_mut().zip(&self.steps) {
            g.clear();
            g.resize(batch * step.out.len, E::ZERO);
        }
        for (dy, step) in output_grads.iter().zip(&self.output_steps) {
            if let Some(k) = *step {
                add_into(&mut tape.grads[k], dy);
            }
        }
        for (k, step) in self.steps.iter().enumerate().rev() {
            let op = &self.ops[step.op].0;
            let mut dy = core::mem::take(&mut tape.grads[k]);
            // One gradient buffer per input computed by a step.
            tape.dxs.resize_with(step.inputs.len(), Vec::new);
            for ((dx, from), src) in tape.dxs.iter_mut().zip(&step.from).zip(&step.inputs) {
                let len = match (from, src) {
                    (Some(j), _) => tape.values[*j].len(),
                    (None, super::model::Source::Input(i)) => inputs[*i].len(),
                    (None, super::model::Source::Slot(s)) => s.len * batch,
                };
                dx.resize(if from.is_some() { len } else { 0 }, E::ZERO);
            }
            let trainable = op.trainable_count();
            tape.op_grads.resize(trainable, E::ZERO);
            {
                let xs = step_inputs(step, &tape.values, inputs);
                let mut dxs: [Option<&mut [E]>; super::MAX_ARITY] = Default::default();
                for ((slot, dx), from) in dxs.iter_mut().zip(tape.dxs.iter_mut()).zip(&step.from) {
                    *slot = from.map(|_| &mut dx[..]);
                }
                let n = step.inputs.len();
                op.backward(
                    &xs[..n],
                    &tape.values[k],
                    &mut dy,
                    &mut dxs[..n],
                    batch,
                    &mut tape.tapes[k],
                    &mut tape.op_grads,
                );
            }
            if trainable > 0 {
                // (Operations without weights, such as a node reading one
                // output of a layer, have no place in the layout.)
                let offset = offsets[step.op];
                add_into(&mut grads[offset..offset + trainable], &tape.op_grads);
            }
            for (dx, from) in tape.dxs.iter().zip(&step.from) {
                if let Some(j) = *from {
                    add_into(&mut tape.grads[j], dx);
                }
            }
            tape.grads[k] = dy;
        }
    }
}

/// The inputs of `step`: the values of the steps before, or the model's inputs.
fn step_inputs<'a, E>(
    step: &super::model::Step,
    values: &'a [Vec<E>],
    inputs: &[&'a [E]],
) -> [&'a [E]; super::MAX_ARITY] {
    let mut xs: [&[E]; super::MAX_ARITY] = [&[]; super::MAX_ARITY];
    for ((x, src), from) in xs.iter_mut().zip(&step.inputs).zip(&step.from) {
        *x = match (from, src) {
            (Some(j), _) => &values[*j],
            (None, super::model::Source::Input(i)) => inputs[*i],
            (None, super::model::Source::Slot(_)) => unreachable!("slots come from steps"),
        };
    }
    xs
}

impl<E> GraphTape<E> {
    /// The value step `k` computed in the last training forward pass.
    pub(crate) fn value(&self, k: usize) -> &[E] {
        &self.values[k]
    }
}

#[cfg(test)]
pub(super) mod tests {
    use crate::model::weights::Weighted;
    use crate::model::{Graph, Model, Syms};
    use crate::prelude::*;
    use alloc::vec::Vec;
    use rand::Rng as _;

    pub(crate) fn random(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = crate::random::Rng::seed_from(seed);
        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// Gradients through a graph with a fork, a shared layer, a batch norm
    /// in training mode and two outputs, against central differences of
    /// `L = Σ r₁·y₁ + Σ r₂·y₂`.
    #[test]
    fn gradients_through_forks_shared_layers_and_two_outputs() {
        let mut g = Graph::<f64>::with_seed(5);
        let a = g.input::<(Const<4>,)>();
        let b = g.input::<(Const<4>,)>();
        let shared = g.shared(Dense::<3, Tanh>::new());
        let ha = g.call(shared, a);
        let hb = g.call(shared, b);
        let s = g.add(Add, (ha, hb)); // ha forks: here and below
        let s = g.add(BatchNormalization::default(), s);
        let m = g.add(Multiply, (s, hb));
        let h = g.add(Dense::<3, Tanh>::new(), m);
        let c = g.add(Concatenate::new(), (h, a));
        let y1 = g.add(Dense::<2>::new(), c);
        let y2 = g.add(Dense::<2, Sigmoid>::new(), ha);
        let mut model = g.build((a, b), (y1, y2)).unwrap();

        let batch = 3;
        let (xa, xb) = (random(batch * 4, 1), random(batch * 4, 2));
        gradients(&mut model, &[&xa, &xb], batch);
    }

    /// Checks the backward pass of `model` on `inputs` (`batch` samples)
    /// against central differences of `L = Σ_k Σ r_k·y_k` (random `r_k`
    /// per output), every trainable weight (under Miri, which is there for
    /// the memory safety of the passes, each weight's two ends).
    pub(crate) fn gradients<Ins: Syms, Outs: Syms>(
        model: &mut Model<Ins, Outs, f64>,
        inputs: &[&[f64]],
        batch: usize,
    ) {
        let mut tape = super::GraphTape::default();
        let mut rng = crate::random::Rng::seed_from(9);
        let saved = model.get_weights();
        model.forward_train(inputs, batch, &mut tape, &mut rng);
        let rs: Vec<Vec<f64>> = model
            .output_steps
            .iter()
            .enumerate()
            .map(|(k, s)| {
                random(
                    tape.value(s.expect("outputs are computed")).len(),
                    3 + k as u64,
                )
            })
            .collect();
        let loss = |model: &mut Model<Ins, Outs, f64>| -> f64 {
            let mut tape = super::GraphTape::default();
            let mut rng = crate::random::Rng::seed_from(9);
            model.forward_train(inputs, batch, &mut tape, &mut rng);
            let steps = model.output_steps.clone();
            steps
                .iter()
                .zip(&rs)
                .map(|(s, r)| {
                    let y = tape.value(s.expect("outputs are computed"));
                    y.iter().zip(r).map(|(y, r)| y * r).sum::<f64>()
                })
                .sum()
        };
        let (_, total) = model.gradient_layout();
        let mut grads = alloc::vec![f64::NAN; total];
        let r: Vec<&[f64]> = rs.iter().map(|r| &r[..]).collect();
        model.backward(inputs, &r, &mut tape, &mut grads);
        model.set_weights(&saved).unwrap();

        let mut trainable = Vec::new();
        model.weights(&mut |w| trainable.push(w.trainable));
        let h = 1e-6;
        let mut offset = 0;
        for (i, weight) in saved.iter().enumerate() {
            if !trainable[i] {
                continue;
            }
            let step = if cfg!(miri) {
                weight.len().saturating_sub(1).max(1)
            } else {
                1
            };
            for j in (0..weight.len()).step_by(step) {
                let mut shifted = |d: f64| {
                    let mut w = saved.clone();
                    w[i][j] += d;
                    model.set_weights(&w).unwrap();
                    let l = loss(model);
                    model.set_weights(&saved).unwrap();
                    l
                };
                let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
                let analytic = grads[offset + j];
                assert!(
                    (analytic - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
                    "weight {i}[{j}]: analytic {analytic} vs numeric {numeric}"
                );
            }
            offset += weight.len();
        }
        assert_eq!(offset, total, "every trainable weight checked");
    }
}
