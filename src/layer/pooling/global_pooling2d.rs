//! `GlobalAveragePooling2D` and `GlobalMaxPooling2D`: one value per channel.

#[cfg(feature = "std")]
use super::pool_op::pool_backward;
use super::pool_op::{AveragePool, MaxPool, PoolOp, GLOBAL_POOLING2D};
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::shape::StaticDim;
use crate::Element;
use core::marker::PhantomData;

/// Reduces `(height, width, channels)` to `(channels,)` with `Op`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GlobalPooling2D<Op>(PhantomData<Op>);

/// Keras `GlobalAveragePooling2D()`.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 2, 1>, GlobalAveragePooling2D];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[2.5]);
/// ```
pub type GlobalAveragePooling2D = GlobalPooling2D<AveragePool>;

/// Keras `GlobalMaxPooling2D()`.
pub type GlobalMaxPooling2D = GlobalPooling2D<MaxPool>;

impl<Op: PoolOp> Stateless for GlobalPooling2D<Op> {
    const KERAS_NAME: &'static str = Op::NAMES[GLOBAL_POOLING2D].0;
    const BASE_NAME: &'static str = Op::NAMES[GLOBAL_POOLING2D].1;
}

impl<Op: PoolOp, H: StaticDim, W: StaticDim, C: StaticDim, E: Element> LayerOp<(H, W, C), E>
    for GlobalPooling2D<Op>
{
    type Output = (C,);

    fn forward<WS: Weights<E>>(&self, _: &WS, x: &[E], y: &mut [E], batch: usize, _: &mut [E]) {
        let (c, cells) = (C::SIZE, H::SIZE * W::SIZE);
        for b in 0..batch {
            let out = &mut y[b * c..(b + 1) * c];
            out.fill(Op::init());
            for cell in x[b * cells * c..(b + 1) * cells * c].chunks_exact(c.max(1)) {
                for (o, &v) in out.iter_mut().zip(cell) {
                    *o = Op::step(*o, v);
                }
            }
            for o in out.iter_mut() {
                *o = Op::finish(*o, cells);
            }
        }
    }

    #[cfg(feature = "std")]
    fn backward<WS: Weights<E>>(
        &self,
        _: &WS,
        pass: Backprop<'_, E>,
        _: &mut Tape<E>,
        _: &mut [E],
    ) {
        let g = crate::layer::window::Geometry::whole(H::SIZE, W::SIZE, C::SIZE);
        pool_backward::<Op, E>(&g, pass);
    }
}

builds_from_spec!([Op: PoolOp] GlobalPooling2D<Op>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::layer::train::check;
    use crate::layer::{GlobalAveragePooling2D, GlobalMaxPooling2D};
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Img = (N<3>, N<4>, N<2>);
        check::gradients(
            &check::build::<Img, _>(GlobalMaxPooling2D::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(GlobalAveragePooling2D::default()),
            2,
            None,
        );
    }
}
