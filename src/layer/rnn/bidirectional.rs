//! `Bidirectional`: a recurrent layer read forwards and a copy of it read
//! backwards, their outputs merged (Keras's `layers.Bidirectional`).

use crate::layer::merging::{MergeOp, MergeShapes};
#[cfg(feature = "std")]
use crate::layer::{Backprop, Tape, Weight};
use crate::layer::{BuildContext, BuildLayer, Concatenate, Layer, LayerName, SummaryRow};
use crate::shape::{Const, Features, Sizes, StaticDim, StaticShape};
use crate::Element;

/// A recurrent layer spec that can be read the other way (Keras's
/// `go_backwards` flipped): what [`Bidirectional`] wraps.
pub trait Reversible: Clone {
    /// This spec reading the sequence the other way.
    fn reversed(&self) -> Self;
}

/// The forward layer and its reversed copy, merged by `M`: [`Concatenate`]
/// (Keras's default `merge_mode="concat"`), `Add` (`"sum"`), `Multiply`
/// (`"mul"`) or `Average` (`"ave"`). With `return_sequences` the backward
/// layer's outputs are put back in time order before the merge, as Keras
/// does. Its weights are the forward layer's, then the backward layer's.
///
/// ```
/// use corten::prelude::*;
/// let model = sequential![
///     Input<10, 3>,
///     (Bidirectional::new(Lstm::<8>::new().return_sequences())),   // (None, 10, 16)
///     (Bidirectional::with_merge(Gru::<4>::new(), Add)),           // (None, 4)
/// ];
/// assert_eq!(model.output_shape().to_string(), "(None, 4)");
/// assert!(model.summary().to_string().contains("bidirectional (Bidirectional)"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Bidirectional<L, M = Concatenate> {
    forward: L,
    backward: L,
    merge: M,
    name: Option<LayerName>,
}

impl<S: Reversible> Bidirectional<S> {
    /// `spec` both ways, the outputs concatenated on their last axis.
    pub fn new(spec: S) -> Self {
        Self::with_merge(spec, Concatenate::new())
    }
}

impl<S: Reversible, M: MergeOp> Bidirectional<S, M> {
    /// `spec` both ways, the outputs merged by `merge` (`Add`, `Multiply`,
    /// `Average`, `Concatenate`).
    pub fn with_merge(spec: S, merge: M) -> Self {
        Bidirectional {
            backward: spec.reversed(),
            forward: spec,
            merge,
            name: None,
        }
    }
}

impl<L, M> Bidirectional<L, M> {
    /// The forward layer.
    pub fn forward_layer(&self) -> &L {
        &self.forward
    }

    /// The backward layer.
    pub fn backward_layer(&self) -> &L {
        &self.backward
    }
}

impl<In, E, S, M> BuildLayer<In, E> for Bidirectional<S, M>
where
    In: Features,
    E: Element,
    S: BuildLayer<In, E>,
    M: MergeOp
        + MergeShapes<(
            <S::Layer as Layer<E>>::Output,
            <S::Layer as Layer<E>>::Output,
        )>,
{
    type Layer = Bidirectional<S::Layer, M>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        // A name given to the wrapper is its own; the backward copy takes no
        // automatic name (Keras names the wrapped layer once).
        let given = ctx.take_given_name();
        let forward = self.forward.build(ctx);
        let backward = ctx.with_given_name("backward", |ctx| self.backward.build(ctx));
        let name = match given {
            Some(base) => LayerName { base, index: 0 },
            None => ctx.name("bidirectional"),
        };
        Bidirectional {
            forward,
            backward,
            merge: self.merge,
            name: Some(name),
        }
    }
}

/// Keras's `merge_mode=None`, for a functional model only
/// ([`Graph::add_both_directions`](crate::model::Graph::add_both_directions)):
/// the two outputs one after the other, each a whole batch, as a node with
/// two outputs holds them. (Not public: its output is no tensor a layer
/// could take.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
pub(crate) struct Unmerged;

impl MergeOp for Unmerged {
    const KERAS_NAME: &'static str = "Bidirectional";
    const BASE_NAME: &'static str = "bidirectional";

    fn summary_outputs(&self, _merged: Sizes, each: Sizes) -> (Sizes, (usize, Sizes)) {
        (each, (1, each))
    }

    fn forward<E: Element>(&self, _: &[Sizes], xs: &[&[E]], y: &mut [E], _batch: usize) {
        let (forward, backward) = y.split_at_mut(xs[0].len());
        forward.copy_from_slice(xs[0]);
        backward.copy_from_slice(xs[1]);
    }

    fn backward<E: Element>(
        &self,
        _: &[Sizes],
        xs: &[&[E]],
        _y: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        _batch: usize,
    ) {
        let (forward, backward) = dy.split_at(xs[0].len());
        dxs[0].copy_from_slice(forward);
        dxs[1].copy_from_slice(backward);
    }
}

/// The output of one direction of a recurrent layer (its last output or
/// its sequence), which [`Graph::add_both_directions`] can give apart.
///
/// [`Graph::add_both_directions`]: crate::model::Graph::add_both_directions
pub trait DirectionOutput: Features {
    /// A shape of the size of both directions' outputs.
    type Both: Features;
}

impl<A: StaticDim> DirectionOutput for (A,) {
    type Both = (Const<2>, A);
}

impl<A: StaticDim, B: StaticDim> DirectionOutput for (A, B) {
    type Both = (Const<2>, A, B);
}

/// The buffer's size: both outputs.
impl<O: DirectionOutput> MergeShapes<(O, O)> for Unmerged {
    type Output = O::Both;
}

/// Reverses the steps of each sample of `y` (`(batch, steps, width)`) in
/// place, for a layer that returns its sequence.
fn reverse_steps<E: Element>(y: &mut [E], batch: usize, per_sample: usize, width: usize) {
    if per_sample == width || width == 0 {
        return; // the last output only
    }
    for sample in y.chunks_exact_mut(per_sample).take(batch) {
        let steps = per_sample / width;
        for t in 0..steps / 2 {
            let (head, tail) = sample.split_at_mut((steps - 1 - t) * width);
            head[t * width..(t + 1) * width].swap_with_slice(&mut tail[..width]);
        }
    }
}

/// The two merged inputs' shapes: each direction's output `O`.
fn shapes<O: Features>() -> [crate::shape::Sizes; 2] {
    let s = O::default().sizes();
    [s, s]
}

/// The shapes the merge sees and over how many of them, for `batch`
/// outputs of `steps` steps: whole samples, or single steps of sequences
/// of run-time length.
fn merged<O: Features>(batch: usize, steps: usize) -> ([crate::shape::Sizes; 2], usize) {
    match O::DYN_STEPS {
        true => {
            let step = crate::shape::Sizes::of([width::<O>()]);
            ([step, step], batch * steps)
        }
        false => (shapes::<O>(), batch),
    }
}

/// The size of `O`'s last axis (a step's output).
fn width<O: Features>() -> usize {
    O::default().sizes().as_slice().last().copied().unwrap_or(1)
}

impl<E, L, M> Layer<E> for Bidirectional<L, M>
where
    E: Element,
    L: Layer<E>,
    M: MergeOp + MergeShapes<(L::Output, L::Output)>,
{
    type Input = L::Input;
    type Output = M::Output;
    const SCRATCH_PER_SAMPLE: usize = 2 * <L::Output as StaticShape>::NUMEL + L::SCRATCH_PER_SAMPLE;

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, scratch: &mut [E]) {
        self.forward_steps(x, y, batch, 1, scratch);
    }

    fn output_steps(&self, steps: usize) -> Result<usize, crate::Error> {
        self.forward.output_steps(steps)
    }

    /// Both directions over the same input, the backward one's output put
    /// back in reading order, merged (sequences of run-time length merged
    /// step by step).
    fn forward_steps(&self, x: &[E], y: &mut [E], batch: usize, steps: usize, scratch: &mut [E]) {
        let out_steps = self.forward.output_steps(steps).unwrap_or(0);
        let n = out_steps * <L::Output as StaticShape>::NUMEL;
        let (outputs, rest) = scratch.split_at_mut(2 * batch * n);
        let (forward, backward) = outputs.split_at_mut(batch * n);
        self.forward.forward_steps(x, forward, batch, steps, rest);
        self.backward.forward_steps(x, backward, batch, steps, rest);
        reverse_steps(backward, batch, n, width::<L::Output>());
        let (shapes, rows) = merged::<L::Output>(batch, out_steps);
        self.merge.forward(&shapes, &[forward, backward], y, rows);
    }

    fn param_count(&self) -> usize {
        self.forward.param_count() + self.backward.param_count()
    }

    fn check_input(&self, x: &[E]) -> Result<(), crate::Error> {
        self.forward.check_input(x)
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let merged = <M::Output as Features>::keras_sizes();
        let (output, more_outputs) = self
            .merge
            .summary_outputs(merged, <L::Output as Features>::keras_sizes());
        row(SummaryRow {
            more_outputs,
            ..SummaryRow::new(
                self.name.unwrap_or(LayerName {
                    base: "bidirectional",
                    index: 0,
                }),
                "Bidirectional",
                output,
                self.param_count(),
            )
        });
    }

    /// The forward layer's tapes, the backward layer's, and two of the
    /// wrapper's own (the last one's `output` and `output_grad` belong to
    /// the chain): each direction's output in their `cache`, the gradients
    /// of the outputs in their `scratch`, the backward layer's input
    /// gradient in the first one's `output_grad`.
    #[cfg(feature = "std")]
    const DEPTH: usize = 2 * L::DEPTH + 2;

    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        x: &[E],
        y: &mut [E],
        batch: usize,
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        self.forward_train_steps(x, y, (batch, 1), tape, rng);
    }

    #[cfg(feature = "std")]
    fn forward_train_steps(
        &mut self,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        let (forward_tape, rest) = tape.split_at_mut(L::DEPTH);
        let (backward_tape, own) = rest.split_at_mut(L::DEPTH);
        let [forward_out, backward_out] = own else {
            unreachable!("DEPTH gives the wrapper two tapes")
        };
        let out_steps = self.forward.output_steps(steps).unwrap_or(0);
        let per_sample = out_steps * <L::Output as StaticShape>::NUMEL;
        forward_out.cache.resize(batch * per_sample, E::ZERO);
        backward_out.cache.resize(batch * per_sample, E::ZERO);
        let batch_steps = (batch, steps);
        self.forward
            .forward_train_steps(x, &mut forward_out.cache, batch_steps, forward_tape, rng);
        self.backward.forward_train_steps(
            x,
            &mut backward_out.cache,
            batch_steps,
            backward_tape,
            rng,
        );
        reverse_steps(
            &mut backward_out.cache,
            batch,
            per_sample,
            width::<L::Output>(),
        );
        let inputs: [&[E]; 2] = [&forward_out.cache, &backward_out.cache];
        let (shapes, rows) = merged::<L::Output>(batch, out_steps);
        self.merge.forward(&shapes, &inputs, y, rows);
    }

    /// The merge's gradient splits into each direction's (the backward
    /// one's put back in reading order); the input's gradient is the sum
    /// of both layers'.
    #[cfg(feature = "std")]
    fn backward(&self, pass: Backprop<'_, E>, tape: &mut [Tape<E>], grads: &mut [E]) {
        let (forward_tape, rest) = tape.split_at_mut(L::DEPTH);
        let (backward_tape, own) = rest.split_at_mut(L::DEPTH);
        let [forward_out, backward_out] = own else {
            unreachable!("DEPTH gives the wrapper two tapes")
        };
        let Backprop {
            x,
            y,
            dy,
            mut dx,
            batch,
            steps,
        } = pass;
        let out_steps = self.forward.output_steps(steps).unwrap_or(0);
        let per_sample = out_steps * <L::Output as StaticShape>::NUMEL;
        let n = batch * per_sample;
        let mut d_forward = core::mem::take(&mut forward_out.scratch);
        let mut d_backward = core::mem::take(&mut backward_out.scratch);
        d_forward.resize(n, E::ZERO);
        d_backward.resize(n, E::ZERO);
        {
            let inputs: [&[E]; 2] = [&forward_out.cache, &backward_out.cache];
            let mut dxs: [&mut [E]; 2] = [&mut d_forward[..], &mut d_backward[..]];
            let (shapes, rows) = merged::<L::Output>(batch, out_steps);
            self.merge
                .backward(&shapes, &inputs, y, &*dy, &mut dxs, rows);
        }
        // The layers see their outputs as they computed them.
        reverse_steps(
            &mut backward_out.cache,
            batch,
            per_sample,
            width::<L::Output>(),
        );
        reverse_steps(&mut d_backward, batch, per_sample, width::<L::Output>());
        let split = self.forward.param_count() - self.forward.non_trainable_count();
        let (forward_grads, backward_grads) = grads.split_at_mut(split);
        self.forward.backward(
            Backprop {
                x,
                y: &forward_out.cache,
                dy: &mut d_forward,
                dx: dx.as_deref_mut(),
                batch,
                steps,
            },
            forward_tape,
            forward_grads,
        );
        crate::layer::machinery::train::backward_adding(
            &self.backward,
            (x, &backward_out.cache, &mut d_backward),
            dx,
            (batch, steps),
            &mut forward_out.output_grad,
            backward_tape,
            backward_grads,
        );
        forward_out.scratch = d_forward;
        backward_out.scratch = d_backward;
    }

    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.forward.visit_weights(visit);
        self.backward.visit_weights(visit);
    }

    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.forward.visit_weight_values(visit);
        self.backward.visit_weight_values(visit);
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::layer::{Add, Average, Gru, Lstm, Multiply, SimpleRnn};
    use crate::Const as N;

    #[test]
    fn gradients_through_both_directions_match_finite_differences() {
        type Seq = (N<3>, N<2>);
        let concat = Bidirectional::new(Lstm::<2>::new().return_sequences());
        check::gradients(&check::build::<Seq, _>(concat), 2, None);
        let sum = Bidirectional::with_merge(Gru::<2>::new(), Add);
        check::gradients(&check::build::<Seq, _>(sum), 2, None);
        let mul = Bidirectional::with_merge(SimpleRnn::<2>::new().return_sequences(), Multiply);
        check::gradients(&check::build::<Seq, _>(mul), 2, None);
        let ave = Bidirectional::with_merge(SimpleRnn::<2>::new(), Average);
        check::gradients(&check::build::<Seq, _>(ave), 2, None);
    }

    #[test]
    fn the_backward_sequence_is_put_back_in_time_order() {
        let mut y = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        // Two samples of two steps of two values.
        reverse_steps(&mut y, 2, 4, 2);
        assert_eq!(y, [3.0, 4.0, 1.0, 2.0, 7.0, 8.0, 5.0, 6.0]);
        let mut odd = [1.0f32, 2.0, 3.0];
        reverse_steps(&mut odd, 1, 3, 1);
        assert_eq!(odd, [3.0, 2.0, 1.0]);
    }
}
