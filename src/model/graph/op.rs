//! What a graph node runs: a layer on one input, or a merge on several,
//! behind one object-safe trait so that nodes of any type sit in one list.

use crate::layer::merging::MergeOp;
#[cfg(feature = "std")]
use crate::layer::{Backprop, Tape, Weight};
use crate::layer::{BuildContext, Layer, LayerName, SummaryRow};
use crate::shape::Sizes;
use crate::Element;
use alloc::vec::Vec;

/// The most inputs a node takes (a merge of four) and the most inputs and
/// outputs a model has.
pub const MAX_ARITY: usize = 4;

/// A node's operation, its types erased. The defaults are those of an
/// operation without weights (a merge, a node reading one output of
/// another) that needs no working space and no tape.
pub(crate) trait GraphOp<E: Element> {
    /// `y` from the node's inputs `xs` (one slice each, `batch` samples).
    fn forward(&self, xs: &[&[E]], y: &mut [E], batch: usize, scratch: &mut [E]);
    /// Scratch elements the forward pass needs per sample.
    fn scratch_per_sample(&self) -> usize {
        0
    }
    /// Checks a batch of the model's input this node reads directly.
    fn check_input(&self, _x: &[E]) -> Result<(), crate::Error> {
        Ok(())
    }
    /// Number of parameters.
    fn param_count(&self) -> usize {
        0
    }
    /// How many of them training leaves alone (moving statistics).
    fn non_trainable_count(&self) -> usize {
        0
    }
    /// The summary rows of the layer (one; a nested model's own rows).
    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow));

    /// Each weight tensor, in Keras's order.
    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, _visit: &mut dyn FnMut(Weight<'a, E>)) {}
    /// Each weight tensor's name, shape and values, in Keras's order.
    #[cfg(feature = "std")]
    fn visit_weight_values(&self, _visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
    }
    /// How many [`Tape`]s one application of the operation keeps.
    #[cfg(feature = "std")]
    fn depth(&self) -> usize {
        0
    }
    /// Parameters training updates by gradient.
    #[cfg(feature = "std")]
    fn trainable_count(&self) -> usize {
        0
    }
    /// The training forward pass, keeping in `tape` what
    /// [`backward`](GraphOp::backward) needs; by default the inference pass.
    #[cfg(feature = "std")]
    fn forward_train(
        &mut self,
        xs: &[&[E]],
        y: &mut [E],
        batch: usize,
        _tape: &mut [Tape<E>],
        _rng: &mut crate::random::Rng,
    ) {
        self.forward(xs, y, batch, &mut []);
    }
    /// The backward pass after `forward_train` on the same `tape`: each
    /// input's gradient into `dxs[i]` where given (overwritten), the
    /// trainable weights' gradients into `grads` (overwritten); `dy` may be
    /// overwritten.
    #[cfg(feature = "std")]
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        xs: &[&[E]],
        y: &[E],
        dy: &mut [E],
        dxs: &mut [Option<&mut [E]>],
        batch: usize,
        tape: &mut [Tape<E>],
        grads: &mut [E],
    );
}

/// A layer applied to one node.
pub(crate) struct LayerNode<L>(pub(crate) L);

impl<E: Element, L: Layer<E>> GraphOp<E> for LayerNode<L> {
    fn forward(&self, xs: &[&[E]], y: &mut [E], batch: usize, scratch: &mut [E]) {
        self.0.forward_slices(xs[0], y, batch, scratch);
    }
    fn scratch_per_sample(&self) -> usize {
        L::SCRATCH_PER_SAMPLE
    }
    fn check_input(&self, x: &[E]) -> Result<(), crate::Error> {
        self.0.check_input(x)
    }
    fn param_count(&self) -> usize {
        self.0.param_count()
    }
    fn non_trainable_count(&self) -> usize {
        self.0.non_trainable_count()
    }
    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        self.0.visit_rows(row)
    }
    #[cfg(feature = "std")]
    fn visit_weights<'a>(&'a mut self, visit: &mut dyn FnMut(Weight<'a, E>)) {
        self.0.visit_weights(visit)
    }
    #[cfg(feature = "std")]
    fn visit_weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        self.0.visit_weight_values(visit)
    }
    #[cfg(feature = "std")]
    fn depth(&self) -> usize {
        L::DEPTH
    }
    #[cfg(feature = "std")]
    fn trainable_count(&self) -> usize {
        self.0.param_count() - self.0.non_trainable_count()
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
        self.0.forward_train(xs[0], y, batch, tape, rng)
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
        let pass = Backprop {
            x: xs[0],
            y,
            dy,
            dx: dxs[0].as_deref_mut(),
            batch,
            steps: 1,
        };
        self.0.backward(pass, tape, grads)
    }
}

/// A merge layer applied to several nodes, with their sample shapes.
pub(crate) struct MergeNode<M> {
    op: M,
    name: LayerName,
    shapes: Vec<Sizes>,
    output: Sizes,
}

impl<M: MergeOp> MergeNode<M> {
    pub(crate) fn new(op: M, ctx: &mut BuildContext, shapes: &[Sizes], output: Sizes) -> Self {
        MergeNode {
            name: op.name(ctx),
            op,
            shapes: shapes.to_vec(),
            output,
        }
    }
}

impl<E: Element, M: MergeOp> GraphOp<E> for MergeNode<M> {
    fn forward(&self, xs: &[&[E]], y: &mut [E], batch: usize, _scratch: &mut [E]) {
        self.op.forward(&self.shapes, xs, y, batch);
    }
    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow::new(self.name, M::KERAS_NAME, self.output, 0))
    }
    #[cfg(feature = "std")]
    fn backward(
        &self,
        xs: &[&[E]],
        y: &[E],
        dy: &mut [E],
        dxs: &mut [Option<&mut [E]>],
        batch: usize,
        _tape: &mut [Tape<E>],
        _grads: &mut [E],
    ) {
        // The op writes every input's gradient: inputs that need none (the
        // model's own) get a buffer that is dropped.
        let mut spare: Vec<Vec<E>> = xs
            .iter()
            .zip(dxs.iter())
            .map(|(x, dx)| match dx {
                Some(_) => Vec::new(),
                None => alloc::vec![E::ZERO; x.len()],
            })
            .collect();
        let mut all: [&mut [E]; MAX_ARITY] = Default::default();
        for ((slot, dx), spare) in all.iter_mut().zip(dxs.iter_mut()).zip(spare.iter_mut()) {
            *slot = match dx.as_deref_mut() {
                Some(dx) => dx,
                None => spare,
            };
        }
        self.op
            .backward(&self.shapes, xs, y, dy, &mut all[..xs.len()], batch);
    }
}
