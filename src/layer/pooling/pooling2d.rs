//! `MaxPooling2D` and `AveragePooling2D`: a window slid over each channel of
//! `(height, width, channels)` images, keeping its max or its mean.

#[cfg(feature = "std")]
use super::pool_op::pool_backward;
use super::pool_op::{pool, AveragePool, MaxPool, PoolOp, POOLING2D};
use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::layer::window::Geometry;
use crate::shape::{Const, Padding, StaticDim, Valid, WindowOutput};
use crate::Element;
use core::marker::PhantomData;

/// A 2-D pooling spec: `POOL × POOL` windows, `STRIDE` apart (Keras's default
/// stride is the pool size), with padding `P`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pooling2D<Op, const POOL: usize, P = Valid, const STRIDE: usize = POOL>(
    PhantomData<(Op, P)>,
);

/// Keras `MaxPooling2D(pool_size=POOL, strides=STRIDE, padding=P)`.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 2, 1>, MaxPooling2D<2>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[4.0]);
/// ```
pub type MaxPooling2D<const POOL: usize, P = Valid, const STRIDE: usize = POOL> =
    Pooling2D<MaxPool, POOL, P, STRIDE>;

/// Keras `AveragePooling2D(pool_size=POOL, strides=STRIDE, padding=P)`.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 2, 1>, AveragePooling2D<2>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[2.5]);
/// ```
pub type AveragePooling2D<const POOL: usize, P = Valid, const STRIDE: usize = POOL> =
    Pooling2D<AveragePool, POOL, P, STRIDE>;

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

impl<Op: PoolOp, const K: usize, P: Padding, const S: usize> Stateless for Pooling2D<Op, K, P, S> {
    const KERAS_NAME: &'static str = Op::NAMES[POOLING2D].0;
    const BASE_NAME: &'static str = Op::NAMES[POOLING2D].1;
}

impl<Op, const K: usize, P, const S: usize, H, W, C, E> LayerOp<(H, W, C), E>
    for Pooling2D<Op, K, P, S>
where
    Op: PoolOp,
    P: Padding,
    H: WindowOutput<Const<K>, Const<S>, P>,
    W: WindowOutput<Const<K>, Const<S>, P>,
    C: StaticDim,
    E: Element,
{
    type Output = (Out<H, K, S, P>, Out<W, K, S, P>, C);

    fn forward<WS: Weights<E>>(&self, _: &WS, x: &[E], y: &mut [E], batch: usize, _: &mut [E]) {
        let g = Geometry::square::<P>(H::SIZE, W::SIZE, C::SIZE, K, S);
        pool::<Op, E>(&g, x, y, batch);
    }

    #[cfg(feature = "std")]
    fn backward<WS: Weights<E>>(
        &self,
        _: &WS,
        pass: Backprop<'_, E>,
        _: &mut Tape<E>,
        _: &mut [E],
    ) {
        let g = Geometry::square::<P>(H::SIZE, W::SIZE, C::SIZE, K, S);
        pool_backward::<Op, E>(&g, pass);
    }
}

builds_from_spec!([Op: PoolOp, const K: usize, P: Padding, const S: usize] Pooling2D<Op, K, P, S>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::shape::Same;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Img = (N<5>, N<4>, N<2>);
        check::gradients(
            &check::build::<Img, _>(MaxPooling2D::<2>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(MaxPooling2D::<3, Same, 2>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(AveragePooling2D::<2, Same>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(AveragePooling2D::<3, Same, 2>::default()),
            1,
            None,
        );
    }
}
