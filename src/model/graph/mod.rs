//! Functional models: Keras's directed acyclic graphs of layers, several
//! inputs and outputs, skip connections, shared layers and merge layers,
//! with shapes checked by the compiler.
//!
//! A [`Graph`] is built the way Keras's functional API is written: each
//! node is a typed handle ([`Sym`], Keras's symbolic tensor) whose sample
//! shape is in its type, so a layer or merge that does not fit its inputs
//! is a compile error naming the shapes. [`Graph::build`] then plans the
//! buffers once and gives a [`Model`].
//!
//! ```
//! use corten::model::Graph;
//! use corten::prelude::*;
//!
//! // Keras: a = Input((8,)); b = Input((5,)); h = Dense(8, "relu")(a); h = Dense(8)(h)
//! //        s = Add()([a, h]); c = Concatenate()([s, b]); cls = Dense(3, "softmax")(c)
//! let mut g = Graph::<f32>::new();
//! let a = g.input_named::<(Const<8>,)>("a");
//! let b = g.input_named::<(Const<5>,)>("b");
//! let h = g.add(Dense::<8, Relu>::new(), a);
//! let h = g.add(Dense::<8>::new(), h);
//! let s = g.add(Add, (a, h)); // a compile error if the shapes differed
//! let c = g.add(Concatenate::new(), (s, b)); // (None, 13), computed by the compiler
//! let cls = g.add(Dense::<3, Softmax>::new(), c);
//! let model = g.build((a, b), (cls, h))?;
//!
//! let xa = Tensor::from_array([[0.5f32; 8]; 2]);
//! let xb = Tensor::from_array([[1.0f32; 5]; 2]);
//! let (y_cls, y_h) = model.predict((&xa, &xb))?;
//! assert_eq!(y_cls.sizes(), &[2, 3]);
//! assert_eq!(y_h.sizes(), &[2, 8]);
//! # Ok::<(), corten::Error>(())
//! ```

#[cfg(feature = "std")]
mod fit;
mod model;
mod op;
mod outputs;
mod plan;
mod recurrent;
pub use recurrent::{ApplyWithStates, StartsFrom, WithInitialState};
mod summary;
#[cfg(feature = "std")]
mod train;

#[cfg(feature = "std")]
pub use fit::{Labels, Objectives};
pub use model::{Feed, Model, Nodes, Receive, Syms};
pub use op::MAX_ARITY;
pub use outputs::{NodeShape, Outputs};
pub use summary::GraphSummary;

use crate::error::Error;
use crate::layer::merging::{MergeOp, MergeShapes};
use crate::layer::{BuildContext, BuildLayer};
use crate::shape::{Features, Shape, Sizes};
use crate::Element;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};
use op::{GraphOp, LayerNode, MergeNode};

/// A node of a [`Graph`] whose samples have shape `S` (Keras's symbolic
/// tensor, `KerasTensor(shape=(None, 8))`): what [`Graph::add`] takes and
/// gives. A handle is `Copy`; it belongs to the graph that made it.
pub struct Sym<S> {
    node: usize,
    graph: u32,
    shape: PhantomData<fn() -> S>,
}

impl<S> Clone for Sym<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Sym<S> {}

impl<S: Features> core::fmt::Debug for Sym<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Sym(node {}, shape {})", self.node, S::keras_shape())
    }
}

impl<S: Features> Sym<S> {
    /// The node's sample shape as Keras prints it: `(None, 8)`.
    pub fn shape(&self) -> crate::shape::KerasShape<S> {
        S::keras_shape()
    }

    /// This sequence with the initial states a recurrent layer applied to
    /// it starts from (Keras's `layer(x, initial_state=[h, c])`): one node
    /// `(units,)` per state, `h` (a node or `(h,)`) for a SimpleRNN or GRU,
    /// `(h, c)` for an LSTM. See [`Graph::add_with_states`] for an example.
    pub fn with_initial_state<States: Nodes>(
        self,
        states: States,
    ) -> WithInitialState<Self, States> {
        WithInitialState {
            sequence: self,
            states,
        }
    }
}

/// A layer built once and applied to several nodes ([`Graph::call`]): one
/// set of weights, as when Keras calls one layer object twice.
pub struct Shared<In, Out> {
    op: usize,
    graph: u32,
    shapes: PhantomData<fn(In) -> Out>,
}

impl<In, Out> Clone for Shared<In, Out> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<In, Out> Copy for Shared<In, Out> {}

impl<In, Out> core::fmt::Debug for Shared<In, Out> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Shared(layer {})", self.op)
    }
}

/// Where a node's value comes from: a model input, or an operation.
#[derive(Clone, Debug)]
pub(crate) enum NodeKind {
    Input { name: crate::layer::LayerName },
    Op { op: usize },
}

/// One node: what computes it, from which nodes, and its sample shape.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    pub(crate) inputs: Vec<usize>,
    pub(crate) shape: Sizes,
    /// Which output of its one input this node reads, for a node that
    /// reads a part of a node with several outputs.
    pub(crate) part: Option<usize>,
    /// Whether the node is a masked sequence (its rows end with a mask).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(crate) masked: bool,
}

/// Something [`Graph::add`] applies to the nodes `Ins`: a layer spec to one
/// node (`Sym<S>`), a merge layer to a tuple of them. Its output shape is
/// computed by the compiler; one that does not fit is a compile error.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{Self}` cannot be applied to `{Ins}`",
    label = "this layer does not fit the nodes it is applied to"
)]
pub trait Apply<Ins, E: Element> {
    /// The sample shape of the new node.
    type Output: Features;
    #[doc(hidden)]
    fn into_op(self, ctx: &mut BuildContext, shapes: &[Sizes]) -> NodeOp<E>;
}

/// The operation of a node, its type erased (made by [`Apply`]).
pub struct NodeOp<E: Element>(pub(crate) Box<dyn GraphOp<E>>);

impl<E: Element> core::fmt::Debug for NodeOp<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NodeOp")
    }
}

impl<S, E, L> Apply<Sym<S>, E> for L
where
    S: Features,
    E: Element,
    L: BuildLayer<S, E>,
    L::Layer: 'static,
{
    type Output = <L::Layer as crate::layer::Layer<E>>::Output;
    fn into_op(self, ctx: &mut BuildContext, _: &[Sizes]) -> NodeOp<E> {
        NodeOp(Box::new(LayerNode(self.build(ctx))))
    }
}

macro_rules! apply_merge {
    ($($s:ident),+) => {
        impl<E: Element, M: MergeOp, $($s: Features),+> Apply<($(Sym<$s>,)+), E> for M
        where
            M: MergeShapes<($($s,)+)>,
        {
            type Output = <M as MergeShapes<($($s,)+)>>::Output;
            fn into_op(self, ctx: &mut BuildContext, shapes: &[Sizes]) -> NodeOp<E> {
                let out = <Self::Output as Default>::default().sizes();
                NodeOp(Box::new(MergeNode::new(self, ctx, shapes, out)))
            }
        }
    };
}
apply_merge!(A, B);
apply_merge!(A, B, C);
apply_merge!(A, B, C, D);

static GRAPH_IDS: AtomicU32 = AtomicU32::new(0);

/// A functional model under construction: inputs, then layers applied to
/// nodes, then [`build`](Graph::build) with the inputs and outputs.
/// Initial weights are drawn from a generator seeded with 0 unless
/// [`with_seed`](Graph::with_seed) says otherwise.
pub struct Graph<E: Element = f32> {
    id: u32,
    ctx: BuildContext,
    ops: Vec<NodeOp<E>>,
    nodes: Vec<Node>,
}

impl<E: Element> Default for Graph<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Element> core::fmt::Debug for Graph<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Graph(nodes={}, layers={})",
            self.nodes.len(),
            self.ops.len()
        )
    }
}

impl<E: Element> Graph<E> {
    /// An empty graph, initial weights drawn from seed 0.
    pub fn new() -> Self {
        Self::with_seed(0)
    }

    /// An empty graph whose layers draw their initial weights from a
    /// generator seeded with `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Graph {
            id: GRAPH_IDS.fetch_add(1, Ordering::Relaxed),
            ctx: BuildContext::new(seed),
            ops: Vec::new(),
            nodes: Vec::new(),
        }
    }

    fn push<S: NodeShape>(&mut self, kind: NodeKind, inputs: Vec<usize>) -> S::Handles {
        self.nodes.push(Node {
            kind,
            inputs,
            shape: S::sizes(),
            part: None,
            masked: S::masked(),
        });
        S::handles(self, self.nodes.len() - 1)
    }

    /// A node reading output `index` of node `of`.
    fn push_part<S: Features>(&mut self, kind: NodeKind, of: usize, index: usize) -> Sym<S> {
        self.nodes.push(Node {
            kind,
            inputs: alloc::vec![of],
            shape: S::default().sizes(),
            part: Some(index),
            masked: S::MASK_STRIDE > 0,
        });
        Sym {
            node: self.nodes.len() - 1,
            graph: self.id,
            shape: PhantomData,
        }
    }

    /// A model input whose samples have shape `S` (Keras's
    /// `keras.Input(shape)`), named `input_layer`, `input_layer_1`, … as in
    /// Keras.
    pub fn input<S: crate::shape::StaticSteps>(&mut self) -> Sym<S> {
        let name = self.ctx.name("input_layer");
        self.push::<S>(NodeKind::Input { name }, Vec::new())
    }

    /// A model input named `name` (Keras's `keras.Input(shape, name=…)`).
    pub fn input_named<S: crate::shape::StaticSteps>(&mut self, name: &'static str) -> Sym<S> {
        let name = crate::layer::LayerName {
            base: name,
            index: 0,
        };
        self.push::<S>(NodeKind::Input { name }, Vec::new())
    }

    /// A new node: `layer` applied to `inputs` — a layer spec to one node
    /// (`g.add(Dense::<8>::new(), x)`), a merge layer to a tuple of nodes
    /// (`g.add(Add, (a, b))`), a recurrent layer to a sequence with its
    /// initial states ([`Sym::with_initial_state`]). Its shape is computed
    /// by the compiler.
    pub fn add<Ins: Nodes, L: Apply<Ins, E>>(&mut self, layer: L, inputs: Ins) -> Sym<L::Output> {
        let (ids, shapes) = self.describe(&inputs);
        let op = layer.into_op(&mut self.ctx, &shapes);
        self.ops.push(op);
        let op = self.ops.len() - 1;
        self.push::<L::Output>(NodeKind::Op { op }, ids)
    }

    /// A recurrent layer applied to a sequence node (or to a sequence with
    /// its initial states, [`Sym::with_initial_state`]), its last states as
    /// outputs after its own (Keras's `return_state=True`): gives `(output, h)` for a
    /// SimpleRNN or GRU, `(output, h, c)` for an LSTM, which can feed
    /// another recurrent layer's initial states.
    ///
    /// ```
    /// use corten::model::Graph;
    /// use corten::prelude::*;
    ///
    /// // Keras: out, h, c = LSTM(8, return_state=True)(x)
    /// //        y = LSTM(8)(z, initial_state=[h, c])
    /// let mut g = Graph::<f32>::new();
    /// let x = g.input::<(Const<5>, Const<3>)>();
    /// let z = g.input::<(Const<4>, Const<2>)>();
    /// let (_out, h, c) = g.add_with_states(Lstm::<8>::new(), x);
    /// let y = g.add(Lstm::<8>::new(), z.with_initial_state((h, c)));
    /// let model = g.build((x, z), y)?;
    /// let xs = Tensor::from_array([[[0.5f32; 3]; 5]; 2]);
    /// let zs = Tensor::from_array([[[1.0f32; 2]; 4]; 2]);
    /// assert_eq!(model.predict((&xs, &zs))?.sizes(), &[2, 8]);
    /// # Ok::<(), corten::Error>(())
    /// ```
    pub fn add_with_states<Ins: Nodes, L: ApplyWithStates<Ins, E>>(
        &mut self,
        layer: L,
        inputs: Ins,
    ) -> <L::Output as NodeShape>::Handles {
        let (ids, _) = self.describe(&inputs);
        let op = layer.into_op(&mut self.ctx);
        self.ops.push(op);
        let op = self.ops.len() - 1;
        self.push::<L::Output>(NodeKind::Op { op }, ids)
    }

    /// A node of shape `S` (a layer's several outputs) from `layer` applied
    /// to `input`.
    fn add_layer_with_outputs<S, In, L>(&mut self, layer: L, input: Sym<In>) -> S::Handles
    where
        S: NodeShape,
        In: Features,
        L: BuildLayer<In, E>,
        L::Layer: 'static,
    {
        let (ids, _) = self.describe(&input);
        let op = NodeOp(Box::new(LayerNode(layer.build(&mut self.ctx))));
        self.ops.push(op);
        let op = self.ops.len() - 1;
        self.push::<S>(NodeKind::Op { op }, ids)
    }

    /// A layer built for inputs of shape `In` (inferred from where it is
    /// called) to be applied to several nodes with [`call`](Graph::call):
    /// Keras's shared layer, one set of weights.
    pub fn shared<In, L>(&mut self, layer: L) -> Shared<In, L::Output>
    where
        In: Features,
        L: Apply<Sym<In>, E>,
        L::Output: Features,
    {
        let shape = In::default().sizes();
        let op = layer.into_op(&mut self.ctx, &[shape]);
        self.ops.push(op);
        Shared {
            op: self.ops.len() - 1,
            graph: self.id,
            shapes: PhantomData,
        }
    }

    /// The shared `layer` applied to one more node.
    pub fn call<In: Features, Out: Features>(
        &mut self,
        layer: Shared<In, Out>,
        input: Sym<In>,
    ) -> Sym<Out> {
        let (ids, _) = self.describe(&input);
        // A layer of another graph: the node is kept and refused by `build`.
        let op = if layer.graph == self.id {
            layer.op
        } else {
            usize::MAX
        };
        self.push::<Out>(NodeKind::Op { op }, ids)
    }

    /// The node ids of `inputs` (`usize::MAX` for a handle of another graph,
    /// which [`build`](Graph::build) refuses) and their shapes.
    fn describe<Ins: Nodes>(&self, inputs: &Ins) -> (Vec<usize>, Vec<Sizes>) {
        let mut ids = Vec::new();
        let mut shapes = Vec::new();
        inputs.visit(&mut |graph, node, shape| {
            ids.push(if graph == self.id { node } else { usize::MAX });
            shapes.push(shape);
        });
        (ids, shapes)
    }

    /// The model from `inputs` to `outputs` (a node, or a tuple of up to
    /// [`MAX_ARITY`] nodes each): the nodes the outputs need, their buffers
    /// planned once. An error when a handle belongs to another graph, an
    /// input is given twice or is not an input node, or an output needs an
    /// input that is not among `inputs` (Keras's "graph disconnected").
    pub fn build<Ins: Syms, Outs: Syms>(
        self,
        inputs: Ins,
        outputs: Outs,
    ) -> Result<Model<Ins, Outs, E>, Error> {
        let (ins, _) = self.describe(&inputs);
        let (outs, _) = self.describe(&outputs);
        Model::plan(self.ops, self.nodes, &ins, &outs)
    }
}
