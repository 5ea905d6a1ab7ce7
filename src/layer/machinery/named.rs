//! A layer with the name the user gave it (Keras's `name="cls"`).

use super::build::{BuildContext, LayerName};
use crate::layer::merging::{MergeOp, MergeShapes};
use crate::layer::BuildLayer;
use crate::shape::{Features, Sizes};
use crate::Element;

/// A layer spec (or a merge layer) named by [`WithName::named`]: it builds
/// as the layer does, under the given name (`summary()` rows, weight
/// errors, a functional model's output logs such as `cls_loss`). On a
/// residual block the name is its `Add`'s; on a chain of layers (a tuple),
/// its first layer's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Named<L> {
    layer: L,
    name: &'static str,
}

/// `.named("cls")` on any layer spec or merge layer (Keras's
/// `Dense(3, name="cls")`). Layers named by hand leave the automatic names
/// of the others as they were (`dense`, `dense_1`, …), as in Keras; two
/// layers of one functional model with the same name are an error when it
/// is built.
///
/// ```
/// use corten::prelude::*;
/// let model = sequential![Input<4>, Dense<8, Relu>, Dense<3>.named("cls"), Dense<1>];
/// let same = sequential![Input<4>, Dense<8, Relu>, Dense::<3>::new().named("cls"), Dense<1>];
/// assert_eq!(same.summary().to_string(), model.summary().to_string());
/// let summary = model.summary().to_string();
/// assert!(summary.contains("cls (Dense)"));
/// assert!(summary.contains("dense_1 (Dense)"));
/// ```
pub trait WithName: Sized {
    /// This layer, named `name`.
    fn named(self, name: &'static str) -> Named<Self> {
        Named { layer: self, name }
    }
}

impl<T> WithName for T {}

impl<In: Features, E: Element, L: BuildLayer<In, E>> BuildLayer<In, E> for Named<L> {
    type Layer = L::Layer;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        ctx.with_given_name(self.name, |ctx| self.layer.build(ctx))
    }
}

impl<M: MergeOp> MergeOp for Named<M> {
    const KERAS_NAME: &'static str = M::KERAS_NAME;
    const BASE_NAME: &'static str = M::BASE_NAME;
    fn name(&self, _ctx: &mut BuildContext) -> LayerName {
        LayerName {
            base: self.name,
            index: 0,
        }
    }
    fn forward<E: Element>(&self, shapes: &[Sizes], xs: &[&[E]], y: &mut [E], batch: usize) {
        self.layer.forward(shapes, xs, y, batch)
    }
    fn backward<E: Element>(
        &self,
        shapes: &[Sizes],
        xs: &[&[E]],
        y: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        batch: usize,
    ) {
        self.layer.backward(shapes, xs, y, dy, dxs, batch)
    }
}

#[diagnostic::do_not_recommend]
impl<Ins, M: MergeShapes<Ins>> MergeShapes<Ins> for Named<M> {
    type Output = M::Output;
}
