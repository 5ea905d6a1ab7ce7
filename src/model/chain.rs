//! [`Chain`]: a model's layers put together in a `const`, so that a model
//! with its weights in flash is built at compile time (a `static`), not in
//! RAM at boot. Written with [`sequential!`](crate::sequential)'s `const`
//! form.

use super::sequential::Sequential;
use super::stack::{Empty, Stack};
use crate::layer::machinery::{Built, Fits, LayerKind, LayerOp, Weights};
use crate::layer::{BuildContext, Layer};
use crate::shape::Features;
use crate::Element;
use core::marker::PhantomData;

/// The layers of a model over samples of shape `F` being put together in a
/// `const` (what `sequential![const …]` writes): each layer given with its
/// weights ([`then_built`](Self::then_built): `Dense::from_weights` over
/// `&'static` arrays) or one without weights
/// ([`then_weightless`](Self::then_weightless): a pooling, `Flatten`), then
/// [`model`](Self::model). A layer that does not fit the output before it
/// is a compile error, as in `sequential!`; layers are named as
/// `sequential!` names them.
///
/// ```
/// use corten::prelude::*;
/// use corten::{model_type, sequential};
/// static KERNEL: [[f32; 2]; 3] = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
/// static BIAS: [f32; 2] = [0.0, 0.5];
/// type Flash = model_type![Input<3>, Dense<2, Relu> as (&'static [[f32; 2]; 3], &'static [f32; 2])];
/// // Built by the compiler: the weights stay where they are.
/// static MODEL: Flash = sequential![const Input<3>, (Dense::<2, Relu>::from_weights(&KERNEL, &BIAS))];
/// let y = MODEL.predict(&Tensor::from_array([[1.0f32, 2.0, 3.0]]))?;
/// assert_eq!(y.as_slice(), &[4.0, 5.5]);
/// # Ok::<(), corten::Error>(())
/// ```
pub struct Chain<F, L, E: Element = f32> {
    layers: L,
    ctx: BuildContext,
    types: PhantomData<(F, E)>,
}

impl<F: Features, E: Element> Chain<F, Empty<F>, E> {
    /// No layers yet: the model's input.
    pub const fn new() -> Self {
        Chain {
            layers: Empty::new(),
            ctx: BuildContext::new(0),
            types: PhantomData,
        }
    }
}

impl<F: Features, E: Element> Default for Chain<F, Empty<F>, E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The layers are `Copy` (kinds and weights borrowed in place, or small
/// arrays): a `const` can take them apart.
impl<F, L, E> Chain<F, L, E>
where
    F: Features,
    E: Element,
    L: Layer<E, Input = F> + Copy,
{
    /// One more layer, given with its weights (`Dense::from_weights(&W,
    /// &B)`), for the output of the layers before.
    #[allow(clippy::type_complexity)]
    pub const fn then_built<K, Fixed, W>(
        self,
        layer: Built<K, Fixed, E, W>,
    ) -> Chain<F, Stack<L, Built<K, L::Output, E, W>>, E>
    where
        K: LayerKind + LayerOp<L::Output, E> + Copy,
        L::Output: Fits<Fixed>,
        W: Weights<E> + Copy,
    {
        self.push(layer)
    }

    /// One more layer without weights (a pooling, `Flatten`, an
    /// `Activation`), for the output of the layers before.
    #[allow(clippy::type_complexity)]
    pub const fn then_weightless<K>(
        self,
        kind: K,
    ) -> Chain<F, Stack<L, Built<K, L::Output, E, ()>>, E>
    where
        K: LayerKind<Fresh<E> = ()> + LayerOp<L::Output, E> + Copy,
    {
        self.push(Built::<K, L::Output, E, ()>::new_unchecked(kind, ()))
    }

    /// `layer` placed after the others, for their output, and named.
    #[allow(clippy::type_complexity)]
    const fn push<K, Fixed, W>(
        self,
        layer: Built<K, Fixed, E, W>,
    ) -> Chain<F, Stack<L, Built<K, L::Output, E, W>>, E>
    where
        K: LayerKind + Copy,
        W: Weights<E> + Copy,
    {
        let mut ctx = self.ctx;
        let name = ctx.name(K::BASE_NAME);
        Chain {
            layers: Stack {
                prev: self.layers,
                last: layer.placed(name),
            },
            ctx,
            types: PhantomData,
        }
    }

    /// The model.
    pub const fn model(self) -> Sequential<F, L, E> {
        Sequential::from_parts(self.layers, self.ctx)
    }
}
