//! Nodes with several outputs (Keras's layers that return a list of
//! tensors: a recurrent layer with `return_state=True`,
//! [`Graph::add_with_states`]; `Bidirectional` with `merge_mode=None`,
//! [`Graph::add_both_directions`]): the node holds its outputs one after
//! the other, and the graph hands out a handle to each, a node that reads
//! its part of the buffer.

use super::op::GraphOp;
use super::{Graph, NodeKind, NodeOp, Sym};
use crate::layer::SummaryRow;
#[cfg(feature = "std")]
use crate::layer::Tape;
use crate::shape::{Features, Sizes, StaticShape};
use crate::Element;
use alloc::boxed::Box;
use core::marker::PhantomData;

/// The sample shape of a graph node: one tensor's (any [`Features`] shape,
/// whose handle is a [`Sym`]), or several tensors' ([`Outputs`]), handed out
/// as a tuple of handles.
pub trait NodeShape: 'static {
    /// The handles the graph gives for a node of this shape.
    type Handles;
    /// The sizes of one sample of the node's buffer: its tensor's, or a
    /// flat run holding every output's.
    #[doc(hidden)]
    fn sizes() -> Sizes;
    /// Whether the node is one masked sequence.
    #[doc(hidden)]
    fn masked() -> bool {
        false
    }
    /// The handles of node `node` of `graph`: the node itself, or one new
    /// node per output.
    #[doc(hidden)]
    fn handles<E: Element>(graph: &mut Graph<E>, node: usize) -> Self::Handles;
}

impl<S: Features> NodeShape for S {
    type Handles = Sym<S>;
    fn sizes() -> Sizes {
        S::default().sizes()
    }
    fn masked() -> bool {
        S::MASK_STRIDE > 0
    }
    fn handles<E: Element>(graph: &mut Graph<E>, node: usize) -> Sym<S> {
        Sym {
            node,
            graph: graph.id,
            shape: PhantomData,
        }
    }
}

/// The shape of a node with several outputs, their sample shapes in a
/// tuple: a recurrent layer with `return_state` gives
/// `Outputs<(Output, (Const<UNITS>,), …)>`, which
/// [`Graph::add_with_states`] hands out as `(Sym<Output>, Sym<(Const<UNITS>,)>, …)`.
pub struct Outputs<P>(PhantomData<fn() -> P>);

/// Adds the node reading output `index` of node `node`, which starts
/// `offset` elements per sample into the node's buffer.
fn part<S: Features, E: Element>(
    graph: &mut Graph<E>,
    node: usize,
    (index, offset): (usize, usize),
) -> Sym<S> {
    graph.ops.push(NodeOp(Box::new(Part {
        offset,
        len: S::NUMEL,
    })));
    let op = graph.ops.len() - 1;
    graph.push_part::<S>(NodeKind::Op { op }, node, index)
}

macro_rules! outputs_tuple {
    ($($s:ident $i:tt),+) => {
        impl<$($s: Features),+> NodeShape for Outputs<($($s,)+)> {
            type Handles = ($(Sym<$s>,)+);
            fn sizes() -> Sizes {
                Sizes::of([0 $(+ $s::NUMEL)+])
            }
            #[allow(unused_assignments)]
            fn handles<E: Element>(graph: &mut Graph<E>, node: usize) -> Self::Handles {
                let mut offset = 0;
                ($({
                    let sym = part::<$s, E>(graph, node, ($i, offset));
                    offset += <$s as StaticShape>::NUMEL;
                    sym
                },)+)
            }
        }
    };
}
outputs_tuple!(A 0, B 1);
outputs_tuple!(A 0, B 1, C 2);
outputs_tuple!(A 0, B 1, C 2, D 3);
outputs_tuple!(A 0, B 1, C 2, D 3, F 4);

/// A node reading output `index` of a node with several outputs: the
/// `len` elements per sample at `offset` of each sample's part. The
/// outputs lie one after the other, each a whole batch: output `k` of a
/// batch of `b` is elements `b·offset_k ..  b·(offset_k + len_k)`.
pub(crate) struct Part {
    offset: usize,
    len: usize,
}

impl<E: Element> GraphOp<E> for Part {
    fn forward(&self, xs: &[&[E]], y: &mut [E], batch: usize, _scratch: &mut [E]) {
        y.copy_from_slice(&xs[0][batch * self.offset..batch * (self.offset + self.len)]);
    }
    /// Not a layer: no row of its own.
    fn visit_rows(&self, _row: &mut dyn FnMut(SummaryRow)) {}
    #[cfg(feature = "std")]
    fn backward(
        &self,
        _xs: &[&[E]],
        _y: &[E],
        dy: &mut [E],
        dxs: &mut [Option<&mut [E]>],
        batch: usize,
        _tape: &mut [Tape<E>],
        _grads: &mut [E],
    ) {
        if let Some(dx) = dxs[0].as_deref_mut() {
            dx.fill(E::ZERO);
            dx[batch * self.offset..batch * (self.offset + self.len)].copy_from_slice(dy);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn outputs_lie_one_after_the_other_per_batch() {
        let part = Part { offset: 2, len: 3 };
        // Two samples: output 0 has 2 values each, output 1 has 3.
        let x = [0.0f32, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0];
        let mut y = vec![0.0f32; 6];
        GraphOp::forward(&part, &[&x], &mut y, 2, &mut []);
        assert_eq!(y, [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
    }
}
