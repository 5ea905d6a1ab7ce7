//! Recurrent layers with state inputs and outputs in a functional model:
//! Keras's `initial_state=[h, c]` (the states given as inputs of the node)
//! and `return_state=True` (the last states as outputs after the layer's
//! own). A node of this kind holds the built layer and runs its passes
//! with states.

use super::op::GraphOp;
use super::{NodeOp, Nodes, Sym};
use crate::layer::machinery::{Built, Draw, LayerKind, LayerOp, Weights};
use crate::layer::rnn::recurrent::{Carry, Stateful};
use crate::layer::rnn::{Recurrent, WithStates};
#[cfg(feature = "std")]
use crate::layer::{Backprop, Tape, Weight};
use crate::layer::{BuildContext, DenseElement, Layer, SummaryRow};
use crate::shape::{Sizes, StaticDim, StaticShape};
use alloc::boxed::Box;

/// A recurrent layer applied to a sequence (and, with `initial`, to its
/// initial states), giving its output (and, with `returns_state`, its last
/// states after it).
pub(crate) struct StatefulNode<K, In, E, W> {
    layer: Built<K, In, E, W>,
    initial: bool,
    returns_state: bool,
}

impl<K, T, F, E, W> StatefulNode<K, (T, F), E, W>
where
    K: Stateful<(T, F), E>,
    T: StaticDim,
    F: StaticDim,
    E: DenseElement,
{
    /// Elements of the layer's own output for `batch` samples.
    fn output_len(batch: usize) -> usize {
        batch * <K::Output as StaticShape>::NUMEL
    }
}

impl<K, T, F, E, W> GraphOp<E> for StatefulNode<K, (T, F), E, W>
where
    K: Stateful<(T, F), E>,
    T: StaticDim,
    F: StaticDim,
    E: DenseElement,
    W: Weights<E>,
{
    fn forward(&self, xs: &[&[E]], y: &mut [E], batch: usize, scratch: &mut [E]) {
        let (out, last) = y.split_at_mut(Self::output_len(batch));
        let (kind, weights) = self.layer.parts();
        let carry = Carry {
            initial: if self.initial { &xs[1..] } else { &[] },
            last: self.returns_state.then_some(last),
            mask: None,
        };
        kind.forward_carry(weights, xs[0], out, batch, scratch, carry);
    }
    fn scratch_per_sample(&self) -> usize {
        K::SCRATCH_PER_SAMPLE
    }
    fn check_input(&self, x: &[E]) -> Result<(), crate::Error> {
        self.layer.check_input(x)
    }
    fn param_count(&self) -> usize {
        self.layer.param_count()
    }
    fn non_trainable_count(&self) -> usize {
        self.layer.non_trainable_count()
    }
    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let more = if self.returns_state { K::STATES } else { 0 };
        self.layer.visit_rows(&mut |r| {
            row(SummaryRow {
                more_outputs: (more, Sizes::of([K::UNITS])),
                ..r
            })
        })
    }
    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.layer.visit_weights(visit)
    }
    #[cfg(feature = "std")]
    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.layer.visit_weight_values(visit)
    }
    #[cfg(feature = "std")]
    fn depth(&self) -> usize {
        1
    }
    #[cfg(feature = "std")]
    fn trainable_count(&self) -> usize {
        self.layer.param_count() - self.layer.non_trainable_count()
    }
    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        xs: &[&[E]],
        y: &mut [E],
        batch: usize,
        tape: &mut [Tape<E>],
        rng: &mut crate::random::Rng,
    ) {
        let (out, last) = y.split_at_mut(Self::output_len(batch));
        let (initial, returns_state) = (self.initial, self.returns_state);
        let (kind, weights) = self.layer.parts_mut();
        let carry = Carry {
            initial: if initial { &xs[1..] } else { &[] },
            last: returns_state.then_some(last),
            mask: None,
        };
        kind.forward_train_carry(weights, xs[0], out, batch, &mut tape[0], rng, carry);
    }
    #[cfg(feature = "std")]
    fn backward(
        &self,
        xs: &[&[E]],
        y: &[E],
        dy: &mut [E],
        dxs: &mut [Option<&mut [E]>],
        batch: usize,
        tape: &mut [Tape<E>],
        grads: &mut [E],
    ) {
        use crate::layer::rnn::recurrent::CarryGrad;
        let n = Self::output_len(batch);
        let (d_out, d_last) = dy.split_at_mut(n);
        let (dx, d_states) = dxs.split_at_mut(1);
        let wanted = self.initial && d_states.iter().any(Option::is_some);
        let state = batch * K::UNITS;
        let mut d_initial = alloc::vec![E::ZERO; if wanted { K::STATES * state } else { 0 }];
        let (kind, weights) = self.layer.parts();
        let pass = Backprop {
            x: xs[0],
            y: &y[..n],
            dy: d_out,
            dx: dx[0].as_deref_mut(),
            batch,
            steps: 1,
        };
        let carry = CarryGrad {
            last: self.returns_state.then_some(&*d_last),
            initial: wanted.then_some(&mut d_initial[..]),
            mask: None,
        };
        kind.backward_carry(weights, pass, &mut tape[0], grads, carry);
        for (d, given) in d_states
            .iter_mut()
            .zip(d_initial.chunks_exact(state.max(1)))
        {
            if let Some(d) = d {
                d.copy_from_slice(given);
            }
        }
    }
}

/// The node for spec `spec` on a sequence `(T, F)`.
pub(crate) fn stateful_node<K, T, F, E>(
    spec: K,
    ctx: &mut BuildContext,
    initial: bool,
    returns_state: bool,
) -> NodeOp<E>
where
    K: Stateful<(T, F), E> + 'static,
    T: StaticDim,
    F: StaticDim,
    E: DenseElement,
    K::Fresh<E>: Draw<E> + Weights<E> + 'static,
{
    NodeOp(Box::new(StatefulNode {
        layer: Built::<K, (T, F), E, K::Fresh<E>>::from_spec(spec, ctx),
        initial,
        returns_state,
    }))
}

/// A recurrent layer applied with its last states as outputs
/// ([`Graph::add_with_states`](super::Graph::add_with_states), Keras's
/// `return_state=True`): to a sequence node, or to a sequence and its
/// initial states. The new node's shape is the layer's output, then each
/// state.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{Self}` cannot be applied to `{Ins}` with its states as outputs",
    label = "a recurrent layer, applied to a sequence `(steps, features)`, or to a sequence and one node `(units,)` per state"
)]
pub trait ApplyWithStates<Ins, E: crate::Element> {
    /// The new node's shape: the layer's output, then each state.
    type Output: super::NodeShape;
    #[doc(hidden)]
    fn into_op(self, ctx: &mut BuildContext) -> NodeOp<E>;
}

/// A recurrent layer on a sequence alone, its states as outputs.
impl<K, T, F, E> ApplyWithStates<Sym<(T, F)>, E> for K
where
    K: Stateful<(T, F), E> + Recurrent,
    K::States: WithStates<<K as LayerOp<(T, F), E>>::Output>,
    <K::States as WithStates<<K as LayerOp<(T, F), E>>::Output>>::Outputs: super::NodeShape,
    T: StaticDim,
    F: StaticDim,
    E: DenseElement,
    <K as LayerKind>::Fresh<E>: Draw<E> + Weights<E> + 'static,
{
    type Output = <K::States as WithStates<<K as LayerOp<(T, F), E>>::Output>>::Outputs;
    fn into_op(self, ctx: &mut BuildContext) -> NodeOp<E> {
        stateful_node::<K, T, F, E>(self, ctx, false, true)
    }
}

/// A sequence node and the nodes of the initial states a recurrent layer
/// applied to it starts from ([`Sym::with_initial_state`]).
#[derive(Clone, Copy, Debug)]
pub struct WithInitialState<X, S> {
    pub(super) sequence: X,
    pub(super) states: S,
}

impl<X: Nodes, S: Nodes> Nodes for WithInitialState<X, S> {
    fn visit(&self, visit: &mut dyn FnMut(u32, usize, crate::shape::Sizes)) {
        self.sequence.visit(visit);
        self.states.visit(visit);
    }
}

/// A recurrent layer that can start from the states `S` (nodes of shape
/// `(units,)`, one per state): `h` or `(h,)` for a SimpleRNN or GRU, `(h,
/// c)` for an LSTM.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{Self}` cannot start from the states `{S}`",
    label = "a recurrent layer of N units starts from one node `(N,)` per state: `h` (SimpleRNN, GRU), or `(h, c)` (LSTM)"
)]
pub trait StartsFrom<S> {}

/// A recurrent layer on a sequence from given initial states.
impl<K, T, F, E, S> super::Apply<WithInitialState<Sym<(T, F)>, S>, E> for K
where
    K: Stateful<(T, F), E> + StartsFrom<S> + 'static,
    T: StaticDim,
    F: StaticDim,
    E: DenseElement,
    <K as LayerKind>::Fresh<E>: Draw<E> + Weights<E> + 'static,
{
    type Output = <K as LayerOp<(T, F), E>>::Output;
    fn into_op(self, ctx: &mut BuildContext, _: &[crate::shape::Sizes]) -> NodeOp<E> {
        stateful_node::<K, T, F, E>(self, ctx, true, false)
    }
}

/// A recurrent layer on a sequence from given initial states, its last
/// states as outputs.
impl<K, T, F, E, S> ApplyWithStates<WithInitialState<Sym<(T, F)>, S>, E> for K
where
    K: Stateful<(T, F), E> + Recurrent + StartsFrom<S>,
    K::States: WithStates<<K as LayerOp<(T, F), E>>::Output>,
    <K::States as WithStates<<K as LayerOp<(T, F), E>>::Output>>::Outputs: super::NodeShape,
    T: StaticDim,
    F: StaticDim,
    E: DenseElement,
    <K as LayerKind>::Fresh<E>: Draw<E> + Weights<E> + 'static,
{
    type Output = <K::States as WithStates<<K as LayerOp<(T, F), E>>::Output>>::Outputs;
    fn into_op(self, ctx: &mut BuildContext) -> NodeOp<E> {
        stateful_node::<K, T, F, E>(self, ctx, true, true)
    }
}

impl<E: crate::Element> super::Graph<E> {
    /// A recurrent layer read both ways, the two outputs not merged
    /// (Keras's `Bidirectional(layer, merge_mode=None)`): the forward
    /// layer's output and the backward one's (with `return_sequences` put
    /// back in time order), which any layer can then take.
    ///
    /// ```
    /// use corten::model::Graph;
    /// use corten::prelude::*;
    /// let mut g = Graph::<f32>::new();
    /// let x = g.input::<(Const<5>, Const<3>)>();
    /// let (forward, backward) = g.add_both_directions(Gru::<4>::new(), x);
    /// let joined = g.add(Subtract, (forward, backward));
    /// let model = g.build(x, joined)?;
    /// assert!(model.summary().to_string().contains("│ [(None, 4),"));
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn add_both_directions<S, In, O>(&mut self, spec: S, sequence: Sym<In>) -> (Sym<O>, Sym<O>)
    where
        S: crate::layer::Reversible + crate::layer::BuildLayer<In, E>,
        S::Layer: Layer<E, Output = O> + 'static,
        In: crate::shape::Features,
        O: crate::layer::rnn::DirectionOutput,
    {
        let both = crate::layer::Bidirectional::with_merge(spec, crate::layer::rnn::Unmerged);
        self.add_layer_with_outputs::<super::Outputs<(O, O)>, In, _>(both, sequence)
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::super::train::tests::{gradients, random};
    use crate::model::Graph;
    use crate::prelude::*;

    /// Backpropagation through time into and out of the states: an
    /// encoder's last states (one of them also an output) start two
    /// decoders, one reading backwards; every weight of the encoder is
    /// reached only through the states.
    #[test]
    fn gradients_through_initial_and_returned_states_match_finite_differences() {
        let mut g = Graph::<f64>::with_seed(3);
        let x = g.input::<(Const<3>, Const<2>)>();
        let z = g.input::<(Const<2>, Const<2>)>();
        let (_, h, c) = g.add_with_states(Lstm::<2>::new(), x);
        let d = g.add(
            Lstm::<2>::new().return_sequences(),
            z.with_initial_state((h, c)),
        );
        let (seq, hg) = g.add_with_states(Gru::<2>::new().return_sequences().go_backwards(), x);
        let e = g.add(Gru::<2>::new().reset_before(), seq.with_initial_state(hg));
        let (_, hs) = g.add_with_states(SimpleRnn::<2>::new(), z.with_initial_state((e,)));
        let mut model = g.build((x, z), (d, h, hs)).unwrap();
        let batch = 2;
        let (xs, zs) = (random(batch * 6, 1), random(batch * 4, 2));
        gradients(&mut model, &[&xs, &zs], batch);
    }

    /// Both directions apart (Keras's `merge_mode=None`), one of them
    /// merged again with a skip of the other.
    #[test]
    fn gradients_through_unmerged_directions_match_finite_differences() {
        let mut g = Graph::<f64>::with_seed(4);
        let x = g.input::<(Const<3>, Const<2>)>();
        let (f, b) = g.add_both_directions(Lstm::<2>::new().return_sequences(), x);
        let (gf, gb) = g.add_both_directions(Gru::<2>::new(), f);
        let m = g.add(Multiply, (gf, gb));
        let mut model = g.build(x, (b, m)).unwrap();
        let batch = 2;
        gradients(&mut model, &[&random(batch * 6, 5)], batch);
    }

    /// The states of a layer with no steps are its initial states.
    #[test]
    fn no_steps_pass_the_initial_states_through() {
        let mut g = Graph::<f64>::new();
        let x = g.input::<(Const<0>, Const<2>)>();
        let h0 = g.input::<(Const<3>,)>();
        let (y, h) = g.add_with_states(Gru::<3>::new(), x.with_initial_state(h0));
        let model = g.build((x, h0), (y, h)).unwrap();
        let xs = Tensor::<(crate::shape::Dyn, Const<0>, Const<2>), f64>::zeros((
            crate::shape::Dyn(1),
            Const,
            Const,
        ));
        let hs = Tensor::from_array([[0.5f64, -1.0, 2.0]]);
        let (y, h) = model.predict((&xs, &hs)).unwrap();
        assert_eq!(y.as_slice(), &[0.0; 3]);
        assert_eq!(h.as_slice(), &[0.5, -1.0, 2.0]);
    }
}
