//! `GlobalMaxPooling1D` and `GlobalAveragePooling1D`: one value per channel
//! of a sequence `(steps, channels)`.

#[cfg(feature = "std")]
use super::pool_op::pool_backward;
use super::pool_op::{pool, AveragePool, MaxPool, PoolOp, GLOBAL_POOLING1D};
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::layer::window::Geometry;
use crate::shape::{StaticDim, Valid};
use crate::Element;
use core::marker::PhantomData;

/// Reduces `(steps, channels)` to `(channels,)` with `Op`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GlobalPooling1D<Op>(PhantomData<Op>);

/// Keras `GlobalMaxPooling1D()`.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<3, 2>, GlobalMaxPooling1D];
/// let y = model.predict(&Tensor::from_array([[[1.0f32, 5.0], [3.0, 4.0], [2.0, 6.0]]])).unwrap();
/// assert_eq!(y.as_slice(), &[3.0, 6.0]);
/// ```
pub type GlobalMaxPooling1D = GlobalPooling1D<MaxPool>;

/// Keras `GlobalAveragePooling1D()`.
pub type GlobalAveragePooling1D = GlobalPooling1D<AveragePool>;

impl<Op: PoolOp> Stateless for GlobalPooling1D<Op> {
    const KERAS_NAME: &'static str = Op::NAMES[GLOBAL_POOLING1D].0;
    const BASE_NAME: &'static str = Op::NAMES[GLOBAL_POOLING1D].1;
}

/// One window covering the whole sequence.
fn whole<L: StaticDim, C: StaticDim>() -> Geometry {
    Geometry::row::<Valid>(L::SIZE, C::SIZE, L::SIZE, 1)
}

impl<Op: PoolOp, L: StaticDim, C: StaticDim, E: Element> LayerOp<(L, C), E>
    for GlobalPooling1D<Op>
{
    type Output = (C,);

    fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], batch: usize, _: &mut [E]) {
        pool::<Op, E>(&whole::<L, C>(), x, y, batch);
    }

    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
        pool_backward::<Op, E>(&whole::<L, C>(), pass);
    }
}

builds_from_spec!([Op: PoolOp] GlobalPooling1D<Op>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Seq = (N<7>, N<3>);
        check::gradients(
            &check::build::<Seq, _>(GlobalMaxPooling1D::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Seq, _>(GlobalAveragePooling1D::default()),
            2,
            None,
        );
    }
}
