//! A built functional model: its nodes in order, their buffers planned
//! once, and the Keras API over tuples of inputs and outputs.

use super::op::MAX_ARITY;
use super::plan::{place, Slot};
use super::{Node, NodeKind, NodeOp, Sym};
use crate::error::Error;
use crate::shape::{BatchOf, Batched, Dyn, Features, OutputBatchOf, Sizes};
use crate::tensor::{Data, DataMut, Tensor};
use crate::Element;
use alloc::vec;
use alloc::vec::Vec;
use core::marker::PhantomData;

/// What a layer is applied to in a graph: a node, a tuple of nodes (a
/// merge's inputs), or a sequence with its initial states
/// ([`Sym::with_initial_state`]).
pub trait Nodes: Copy {
    /// Calls `visit` with each node's graph, index and sample shape.
    #[doc(hidden)]
    fn visit(&self, visit: &mut dyn FnMut(u32, usize, Sizes));
}

/// A node or a tuple of up to [`MAX_ARITY`] nodes: a model's inputs or
/// outputs, a merge's inputs.
pub trait Syms: Nodes {
    /// How many nodes.
    const COUNT: usize;
    /// The tensors [`Model::predict`] gives for these outputs: a tensor of
    /// batch axis [`Dyn`] per node.
    type Tensors<E: Element>;
    /// The tensors from each node's data for `batch` samples.
    #[doc(hidden)]
    fn tensors<E: Element>(batch: usize, data: Vec<Vec<E>>) -> Self::Tensors<E>;
}

/// Tensors fed to a model's inputs `Ins`: `&x` for one input, `(&xa, &xb)`
/// for two, each holding a batch of samples of its input's shape (checked
/// by the compiler).
#[diagnostic::on_unimplemented(
    message = "shape mismatch: these tensors do not fit the model's inputs `{Ins}`",
    label = "one tensor per input, each of shape (batch, the input's shape…)"
)]
pub trait Feed<Ins, E: Element> {
    /// Calls `visit` with each tensor's data and batch size, in order.
    #[doc(hidden)]
    fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a [E], usize));
}

/// Tensors that receive a model's outputs `Outs`: `&mut y` for one output,
/// `(&mut ya, &mut yb)` for two.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: these tensors do not fit the model's outputs `{Outs}`",
    label = "one tensor per output, each of shape (batch, the output's shape…)"
)]
pub trait Receive<Outs, E: Element> {
    /// Calls `visit` with each tensor's data and batch size, in order.
    #[doc(hidden)]
    fn visit_mut(&mut self, visit: &mut dyn FnMut(&mut [E], usize));
}

macro_rules! syms_tuple {
    ($count:literal; $($s:ident $sx:ident $d:ident $i:tt),+) => {
        impl<$($s: Features),+> Nodes for ($(Sym<$s>,)+) {
            fn visit(&self, visit: &mut dyn FnMut(u32, usize, Sizes)) {
                $(self.$i.visit(visit);)+
            }
        }
        impl<$($s: Features),+> Syms for ($(Sym<$s>,)+) {
            const COUNT: usize = $count;
            type Tensors<E: Element> = ($(Tensor<<$s as Features>::Batched<Dyn>, E>,)+);
            fn tensors<E: Element>(batch: usize, data: Vec<Vec<E>>) -> Self::Tensors<E> {
                let mut data = data.into_iter();
                ($(Sym::<$s>::tensors(batch, vec![data.next().unwrap_or_default()]),)+)
            }
        }
        impl<'t, E: Element, $($s: Features, $sx: BatchOf<$s>, $d: Data<E>),+>
            Feed<($(Sym<$s>,)+), E> for ($(&'t Tensor<$sx, E, $d>,)+)
        {
            fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a [E], usize)) {
                $(self.$i.visit(visit);)+
            }
        }
        impl<'t, E: Element, $($s: Features, $sx: Batched + OutputBatchOf<$s, <$sx as Batched>::Batch>, $d: DataMut<E>),+>
            Receive<($(Sym<$s>,)+), E> for ($(&'t mut Tensor<$sx, E, $d>,)+)
        {
            fn visit_mut(&mut self, visit: &mut dyn FnMut(&mut [E], usize)) {
                $(self.$i.visit_mut(visit);)+
            }
        }
    };
}

impl<S: Features> Nodes for Sym<S> {
    fn visit(&self, visit: &mut dyn FnMut(u32, usize, Sizes)) {
        visit(self.graph, self.node, S::default().sizes());
    }
}

impl<S: Features> Syms for Sym<S> {
    const COUNT: usize = 1;
    type Tensors<E: Element> = Tensor<S::Batched<Dyn>, E>;
    fn tensors<E: Element>(batch: usize, data: Vec<Vec<E>>) -> Self::Tensors<E> {
        let data = data.into_iter().next().unwrap_or_default();
        Tensor::from_parts_unchecked(S::batched(Dyn(batch)), data)
    }
}

impl<E: Element, S: Features, SX: BatchOf<S>, D: Data<E>> Feed<Sym<S>, E> for &Tensor<SX, E, D> {
    fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a [E], usize)) {
        visit(self.as_slice(), self.sizes()[0]);
    }
}

impl<E, S, SY, D> Receive<Sym<S>, E> for &mut Tensor<SY, E, D>
where
    E: Element,
    S: Features,
    SY: Batched + OutputBatchOf<S, <SY as Batched>::Batch>,
    D: DataMut<E>,
{
    fn visit_mut(&mut self, visit: &mut dyn FnMut(&mut [E], usize)) {
        let batch = self.sizes()[0];
        visit(self.as_mut_slice(), batch);
    }
}

syms_tuple!(1; A XA DA 0);
syms_tuple!(2; A XA DA 0, B XB DB 1);
syms_tuple!(3; A XA DA 0, B XB DB 1, C XC DC 2);
syms_tuple!(4; A XA DA 0, B XB DB 1, C XC DC 2, D XD DD 3);

/// Where a node's value is while the model runs.
#[derive(Clone, Copy, Debug)]
pub(super) enum Source {
    /// The model's input of this index, read in place.
    Input(usize),
    /// A buffer in the arena.
    Slot(Slot),
}

/// One node to compute: its operation, where its inputs are, where its
/// output goes.
#[derive(Clone, Debug)]
pub(super) struct Step {
    /// The node this step computes.
    pub(super) node: usize,
    pub(super) op: usize,
    pub(super) inputs: Vec<Source>,
    /// The step that computes each input (`None` for the model's inputs).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(super) from: Vec<Option<usize>>,
    pub(super) out: Slot,
}

/// A functional model from the inputs `Ins` to the outputs `Outs` (each a
/// [`Sym`] or a tuple of them), made by [`Graph::build`](super::Graph::build).
pub struct Model<Ins, Outs, E: Element = f32> {
    pub(super) ops: Vec<NodeOp<E>>,
    pub(super) nodes: Vec<Node>,
    pub(super) steps: Vec<Step>,
    /// The operations that run, each once, in Keras's `model.layers` order
    /// (that of `model.weights`).
    pub(super) op_order: Vec<usize>,
    /// One node per layer (inputs included), in Keras's `model.layers` order.
    pub(super) layer_nodes: Vec<usize>,
    /// Whether Keras would print the model as a chain (no `Connected to`).
    pub(super) sequential_like: bool,
    /// The node of each model input, in order.
    pub(super) inputs: Vec<usize>,
    pub(super) outputs: Vec<Source>,
    /// The node of each model output, in order.
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(super) output_nodes: Vec<usize>,
    /// The step that computes each output (`None` for a model input).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(super) output_steps: Vec<Option<usize>>,
    /// Arena elements per sample.
    pub(super) arena: usize,
    /// Operation scratch elements per sample (the most any node needs).
    pub(super) work: usize,
    /// What `compile` set up.
    #[cfg(feature = "std")]
    pub(super) compiled:
        Option<alloc::boxed::Box<crate::model::training::Compiled<E, super::train::GraphTape<E>>>>,
    pub(super) types: PhantomData<fn(Ins) -> Outs>,
}

fn invalid(problem: &'static str) -> Error {
    Error::InvalidGraph { problem }
}

impl<Ins: Syms, Outs: Syms, E: Element> Model<Ins, Outs, E> {
    /// Orders the nodes the outputs need and places their buffers.
    pub(super) fn plan(
        ops: Vec<NodeOp<E>>,
        nodes: Vec<Node>,
        ins: &[usize],
        outs: &[usize],
    ) -> Result<Self, Error> {
        let foreign = "a node or shared layer of another graph";
        for (k, &i) in ins.iter().enumerate() {
            match nodes.get(i).map(|n| &n.kind) {
                None => return Err(invalid(foreign)),
                Some(NodeKind::Op { .. }) => {
                    return Err(invalid("a model input that is not an input node"))
                }
                Some(NodeKind::Input { .. }) if ins[..k].contains(&i) => {
                    return Err(invalid("the same input given twice"))
                }
                Some(NodeKind::Input { .. }) => {}
            }
        }
        for &o in outs {
            if o >= nodes.len() {
                return Err(invalid(foreign));
            }
        }
        let keras = keras_order(&nodes, ins, outs)?;
        for &n in &keras.post_order {
            if let NodeKind::Op { op } = nodes[n].kind {
                if op >= ops.len() {
                    return Err(invalid(foreign));
                }
            }
        }
        check_names(&ops, &nodes, &keras.layers)?;
        // The nodes run in Keras's traversal order: each after its inputs.
        let order: Vec<usize> = keras
            .post_order
            .iter()
            .copied()
            .filter(|&n| matches!(nodes[n].kind, NodeKind::Op { .. }))
            .collect();
        let step_of = |n: usize| order.iter().position(|&m| m == n);
        let mut last_read = vec![0usize; order.len()];
        for (step, &n) in order.iter().enumerate() {
            last_read[step] = step;
            for &i in &nodes[n].inputs {
                if let Some(s) = step_of(i) {
                    last_read[s] = last_read[s].max(step);
                }
            }
        }
        for &o in outs {
            if let Some(s) = step_of(o) {
                last_read[s] = usize::MAX;
            }
        }
        let lens: Vec<usize> = order.iter().map(|&n| nodes[n].shape.numel()).collect();
        let (slots, arena) = place(&lens, &last_read);
        let source = |n: usize| match step_of(n) {
            Some(s) => Source::Slot(slots[s]),
            None => Source::Input(ins.iter().position(|&i| i == n).unwrap_or(0)),
        };
        let steps: Vec<Step> = order
            .iter()
            .zip(&slots)
            .map(|(&n, &out)| Step {
                node: n,
                op: match nodes[n].kind {
                    NodeKind::Op { op } => op,
                    NodeKind::Input { .. } => unreachable!("the order holds operations"),
                },
                inputs: nodes[n].inputs.iter().map(|&i| source(i)).collect(),
                from: nodes[n].inputs.iter().map(|&i| step_of(i)).collect(),
                out,
            })
            .collect();
        let work = steps
            .iter()
            .map(|s| ops[s.op].0.scratch_per_sample())
            .max()
            .unwrap_or(0);
        let outputs = outs.iter().map(|&o| source(o)).collect();
        let output_steps = outs.iter().map(|&o| step_of(o)).collect();
        let op_order = keras
            .layers
            .iter()
            .filter_map(|&n| match nodes[n].kind {
                NodeKind::Op { op } => Some(op),
                NodeKind::Input { .. } => None,
            })
            .collect();
        let sequential_like = keras.sequential_like(&nodes);
        Ok(Model {
            layer_nodes: keras.layers.clone(),
            sequential_like,
            ops,
            nodes,
            steps,
            op_order,
            inputs: ins.to_vec(),
            outputs,
            output_nodes: outs.to_vec(),
            output_steps,
            arena,
            work,
            #[cfg(feature = "std")]
            compiled: None,
            types: PhantomData,
        })
    }

    /// Total number of parameters (a shared layer's counted once).
    pub fn param_count(&self) -> usize {
        self.op_order
            .iter()
            .map(|&op| self.ops[op].0.param_count())
            .sum()
    }

    /// Every weight (trainable or not) in Keras's `model.get_weights()`
    /// order: layer by layer in the order they first run (a shared layer
    /// once), each layer's weights in Keras's order.
    #[cfg(feature = "std")]
    pub fn get_weights(&self) -> Vec<Vec<E>> {
        crate::model::weights::get(self)
    }

    /// The shape of each weight in [`get_weights`](Self::get_weights), in
    /// Keras's layout.
    #[cfg(feature = "std")]
    pub fn weight_shapes(&self) -> Vec<crate::shape::Sizes> {
        crate::model::weights::shapes(self)
    }

    /// Sets every weight from `weights`, in
    /// [`get_weights`](Self::get_weights)'s order (so a Keras model's
    /// `get_weights()` copies over in one call); an error, and nothing
    /// changed, when a count, a shape or a length differs (values given
    /// with their shapes, [`WeightValues`](crate::model::WeightValues)) or
    /// a value is NaN or infinite, naming the layer and the weight.
    #[cfg(feature = "std")]
    pub fn set_weights<W: crate::model::WeightValues<E>>(
        &mut self,
        weights: &[W],
    ) -> Result<(), Error> {
        crate::model::weights::set(self, weights)
    }

    /// Scratch elements [`predict_into`](Self::predict_into) needs for
    /// `batch` samples: the planned buffers of the intermediate nodes (not
    /// one per node: a buffer is reused once no node reads it) and the
    /// working space of the node that needs the most.
    pub fn scratch_len(&self, batch: usize) -> usize {
        batch * (self.arena + self.work)
    }

    /// The number of nodes that run (the inputs not counted).
    pub fn node_count(&self) -> usize {
        self.steps.len()
    }

    /// Runs the model on a batch of each input (`&x`, or `(&xa, &xb)`) into
    /// caller-given outputs (`&mut y`, or `(&mut ya, &mut yb)`), allocating
    /// nothing: the intermediate values go to `scratch` (at least
    /// [`scratch_len`](Self::scratch_len) elements). Inputs of different
    /// batch sizes, outputs of another batch size, a scratch buffer too
    /// small, input that is NaN or infinite (or ids an Embedding cannot look
    /// up) are errors, and so is an output that is NaN or infinite.
    pub fn predict_into<X: Feed<Ins, E>, Y: Receive<Outs, E>>(
        &self,
        xs: X,
        mut ys: Y,
        scratch: &mut [E],
    ) -> Result<(), Error> {
        let (inputs, batch) = self.inputs_of(&xs)?;
        let needed = self.scratch_len(batch);
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall {
                needed,
                got: scratch.len(),
            });
        }
        let mut result = Ok(());
        ys.visit_mut(&mut |_, out_batch| {
            if result.is_ok() && out_batch != batch {
                result = Err(Error::BatchMismatch {
                    expected: batch,
                    got: out_batch,
                });
            }
        });
        result?;
        let scratch = &mut scratch[..needed];
        self.run(&inputs[..Ins::COUNT], batch, scratch);
        let mut k = 0;
        let mut result = Ok(());
        ys.visit_mut(&mut |y, _| {
            self.read(self.outputs[k], &inputs, batch, scratch, y);
            if result.is_ok() {
                result = crate::error::check_output("predict", y, 0);
            }
            k += 1;
        });
        result
    }

    /// Runs the model on samples of any count (`&x`, or `(&xa, &xb)`) and
    /// returns the outputs (one tensor, or a tuple), in batches of 32 as
    /// Keras's `model.predict` does. Errors as
    /// [`predict_into`](Self::predict_into).
    pub fn predict<X: Feed<Ins, E>>(&self, xs: X) -> Result<Outs::Tensors<E>, Error> {
        const STEP: usize = 32;
        let (inputs, batch) = self.inputs_of(&xs)?;
        let mut outputs: Vec<Vec<E>> = self
            .outputs
            .iter()
            .map(|&o| vec![E::ZERO; batch * self.numel_of(o)])
            .collect();
        let mut scratch = vec![E::ZERO; self.scratch_len(STEP.min(batch))];
        let mut chunk: [&[E]; MAX_ARITY] = [&[]; MAX_ARITY];
        for start in (0..batch).step_by(STEP) {
            let rows = STEP.min(batch - start);
            for (k, c) in chunk.iter_mut().enumerate().take(Ins::COUNT) {
                let n = self.nodes[self.inputs[k]].shape.numel();
                *c = &inputs[k][start * n..(start + rows) * n];
            }
            let scratch = &mut scratch[..self.scratch_len(rows)];
            self.run(&chunk[..Ins::COUNT], rows, scratch);
            for (y, &o) in outputs.iter_mut().zip(&self.outputs) {
                let n = self.numel_of(o);
                self.read(
                    o,
                    &chunk,
                    rows,
                    scratch,
                    &mut y[start * n..(start + rows) * n],
                );
            }
        }
        for y in &outputs {
            crate::error::check_output("predict", y, 0)?;
        }
        Ok(Outs::tensors(batch, outputs))
    }

    fn numel_of(&self, source: Source) -> usize {
        match source {
            Source::Input(i) => self.nodes[self.inputs[i]].shape.numel(),
            Source::Slot(s) => s.len,
        }
    }

    /// The inputs' data, checked: one batch size, finite values, what the
    /// layers reading them directly accept.
    fn inputs_of<'a, X: Feed<Ins, E>>(
        &self,
        xs: &'a X,
    ) -> Result<([&'a [E]; MAX_ARITY], usize), Error> {
        let mut inputs: [&[E]; MAX_ARITY] = [&[]; MAX_ARITY];
        let mut batches = [0usize; MAX_ARITY];
        let mut k = 0;
        xs.visit(&mut |x, batch| {
            inputs[k] = x;
            batches[k] = batch;
            k += 1;
        });
        let batch = batches[0];
        for (k, x) in inputs.iter().enumerate().take(Ins::COUNT) {
            if batches[k] != batch {
                return Err(Error::BatchMismatch {
                    expected: batch,
                    got: batches[k],
                });
            }
            if let Some(index) = crate::element::first_non_finite(x) {
                return Err(Error::NonFinite {
                    what: "model input",
                    index,
                });
            }
        }
        self.check_layer_inputs(&inputs)?;
        Ok((inputs, batch))
    }

    /// Checks each model input with the layers that read it directly (an
    /// Embedding's ids).
    pub(super) fn check_layer_inputs(&self, inputs: &[&[E]]) -> Result<(), Error> {
        for step in &self.steps {
            for src in &step.inputs {
                if let Source::Input(i) = *src {
                    self.ops[step.op].0.check_input(inputs[i])?;
                }
            }
        }
        Ok(())
    }

    /// Runs every node on `batch` samples of `inputs`; the values land in
    /// `scratch`'s arena.
    pub(super) fn run(&self, inputs: &[&[E]], batch: usize, scratch: &mut [E]) {
        let (arena, work) = scratch.split_at_mut(self.arena * batch);
        let work = &mut work[..self.work * batch];
        for step in &self.steps {
            let out = step.out;
            let (before, rest) = arena.split_at_mut(out.offset * batch);
            let (y, after) = rest.split_at_mut(out.len * batch);
            let mut xs: [&[E]; MAX_ARITY] = [&[]; MAX_ARITY];
            for (x, src) in xs.iter_mut().zip(&step.inputs) {
                *x = match *src {
                    Source::Input(i) => inputs[i],
                    // Buffers alive together never overlap: each input
                    // lies wholly before or after the output.
                    Source::Slot(s) if s.end() <= out.offset => {
                        &before[s.offset * batch..s.end() * batch]
                    }
                    Source::Slot(s) => {
                        let from = s.offset - out.end();
                        &after[from * batch..(from + s.len) * batch]
                    }
                };
            }
            self.ops[step.op]
                .0
                .forward(&xs[..step.inputs.len()], y, batch, work);
        }
    }

    /// Copies the value of `source` after [`run`](Self::run) into `y`.
    pub(super) fn read(
        &self,
        source: Source,
        inputs: &[&[E]],
        batch: usize,
        scratch: &[E],
        y: &mut [E],
    ) {
        match source {
            Source::Input(i) => y.copy_from_slice(inputs[i]),
            Source::Slot(s) => y.copy_from_slice(&scratch[s.offset * batch..s.end() * batch]),
        }
    }
}

#[cfg(feature = "std")]
impl<Ins: Syms, Outs: Syms, E: Element> Model<Ins, Outs, E> {
    crate::model::weight_file::weight_file_methods!();
    crate::keras::keras_weights_methods!();
}

#[cfg(feature = "std")]
impl<Ins, Outs, E: Element> crate::model::weights::Weighted<E> for Model<Ins, Outs, E> {
    fn rows(&self, row: &mut dyn FnMut(crate::layer::SummaryRow)) {
        for &op in &self.op_order {
            self.ops[op].0.visit_rows(row);
        }
    }
    fn weight_values(&self, visit: &mut dyn FnMut(&'static str, crate::shape::Sizes, &[E])) {
        for &op in &self.op_order {
            self.ops[op].0.visit_weight_values(visit);
        }
    }
    fn weights<'a>(&'a mut self, visit: &mut dyn FnMut(crate::layer::Weight<'a, E>)) {
        let mut ops: Vec<Option<&'a mut NodeOp<E>>> = self.ops.iter_mut().map(Some).collect();
        for &op in &self.op_order {
            if let Some(op) = ops[op].take() {
                op.0.visit_weights(visit);
            }
        }
    }
}

/// An error when two of the model's layers have one name. A nested model
/// (a layer of several rows) keeps the names its own build gave its layers
/// and is not compared.
fn check_names<E: Element>(
    ops: &[NodeOp<E>],
    nodes: &[Node],
    layers: &[usize],
) -> Result<(), Error> {
    let mut names: Vec<crate::layer::LayerName> = Vec::new();
    for &n in layers {
        let name = match nodes[n].kind {
            NodeKind::Input { name } => Some(name),
            NodeKind::Op { op } => {
                let (mut first, mut rows) = (None, 0);
                ops[op].0.visit_rows(&mut |row| {
                    first.get_or_insert(row.name);
                    rows += 1;
                });
                first.filter(|_| rows == 1)
            }
        };
        if let Some(name) = name {
            if names.contains(&name) {
                return Err(Error::DuplicateName { name });
            }
            names.push(name);
        }
    }
    Ok(())
}

/// The orders Keras's `map_graph` gives a functional model's nodes.
struct KerasOrder {
    /// Every node the outputs need, each after its inputs: a depth-first
    /// walk from the outputs, in order, each node's inputs in order.
    post_order: Vec<usize>,
    /// One node per layer (the first of a shared layer's), in Keras's
    /// `model.layers` order: by depth (the longest path to an output)
    /// from the deepest, ties in the order the walk first met the layer.
    layers: Vec<usize>,
    /// Each node's depth (the longest path to an output).
    depths: Vec<usize>,
}

impl KerasOrder {
    /// Keras's test for a model it prints as a chain: one node at each
    /// depth, each with one input, each layer applied once.
    fn sequential_like(&self, nodes: &[Node]) -> bool {
        let mut seen_depths: Vec<usize> = Vec::new();
        for &n in &self.post_order {
            if nodes[n].inputs.len() > 1 || seen_depths.contains(&self.depths[n]) {
                return false;
            }
            seen_depths.push(self.depths[n]);
        }
        self.layers.len() == self.post_order.len()
    }
}

/// Keras's order for the graph from `ins` to `outs` (`keras/src/ops/function.py`),
/// or an error when an output needs an input that is not among `ins`.
fn keras_order(nodes: &[Node], ins: &[usize], outs: &[usize]) -> Result<KerasOrder, Error> {
    // A layer is its operation (shared by its nodes), an input its node;
    // a node reading one output of a layer belongs to that layer.
    let layer_of = |n: usize| {
        let n = match nodes[n].part {
            Some(_) => nodes[n].inputs[0],
            None => n,
        };
        match nodes[n].kind {
            NodeKind::Op { op } => op,
            NodeKind::Input { .. } => usize::MAX - n,
        }
    };
    let mut first_seen: Vec<(usize, usize)> = Vec::new(); // (layer, walk index)
    let mut finished = vec![false; nodes.len()];
    let mut post_order = Vec::new();
    // The walk, without recursion: (node, inputs visited so far).
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for &o in outs {
        stack.push((o, 0));
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if *next == 0 {
                if finished[n] {
                    stack.pop();
                    continue;
                }
                if matches!(nodes[n].kind, NodeKind::Input { .. }) && !ins.contains(&n) {
                    return Err(invalid(
                        "graph disconnected: an output needs an input that is not among the model's inputs",
                    ));
                }
                let layer = layer_of(n);
                if !first_seen.iter().any(|&(l, _)| l == layer) {
                    first_seen.push((layer, first_seen.len()));
                }
            }
            if let Some(&input) = nodes[n].inputs.get(*next) {
                *next += 1;
                if input >= nodes.len() {
                    return Err(invalid("a node or shared layer of another graph"));
                }
                stack.push((input, 0));
            } else {
                finished[n] = true;
                post_order.push(n);
                stack.pop();
            }
        }
    }
    // Depths, from the outputs back (a shared layer takes its deepest node's).
    let mut node_depth = vec![0usize; nodes.len()];
    let mut layer_depth: Vec<(usize, usize)> = Vec::new();
    for &n in post_order.iter().rev() {
        let layer = layer_of(n);
        let known = layer_depth.iter().position(|&(l, _)| l == layer);
        let depth = node_depth[n].max(known.map_or(0, |i| layer_depth[i].1));
        match known {
            Some(i) => layer_depth[i].1 = depth,
            None => layer_depth.push((layer, depth)),
        }
        node_depth[n] = depth;
        // An output of a layer with several is that layer's node itself.
        let step = usize::from(nodes[n].part.is_none());
        for &input in &nodes[n].inputs {
            node_depth[input] = node_depth[input].max(depth + step);
        }
    }
    let walk_index = |layer: usize| {
        first_seen
            .iter()
            .find(|&&(l, _)| l == layer)
            .map_or(0, |&(_, i)| i)
    };
    let mut layers: Vec<(usize, usize, usize)> = layer_depth
        .iter()
        .map(|&(layer, depth)| {
            let node = post_order
                .iter()
                .copied()
                .find(|&n| layer_of(n) == layer)
                .unwrap_or(0);
            (depth, walk_index(layer), node)
        })
        .collect();
    layers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(KerasOrder {
        post_order,
        layers: layers.into_iter().map(|(_, _, n)| n).collect(),
        depths: node_depth,
    })
}

impl<Ins, Outs, E: Element> core::fmt::Debug for Model<Ins, Outs, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Model(inputs={}, outputs={}, nodes={})",
            self.inputs.len(),
            self.outputs.len(),
            self.steps.len()
        )
    }
}
