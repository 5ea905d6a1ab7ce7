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

/// A 2-D pooling spec: `POOL × POOL_W` windows (square unless `POOL_W`
/// says otherwise), `STRIDE` apart down the height and `STRIDE_W` along the
/// width (Keras's default stride is the pool size; `STRIDE_W` defaults to
/// `STRIDE`, so with a pair of pool sizes give both strides), with padding
/// `P`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pooling2D<
    Op,
    const POOL: usize,
    P = Valid,
    const STRIDE: usize = POOL,
    const POOL_W: usize = POOL,
    const STRIDE_W: usize = STRIDE,
>(PhantomData<(Op, P)>);

impl<Op, const POOL: usize, P, const STRIDE: usize, const POOL_W: usize, const STRIDE_W: usize>
    Pooling2D<Op, POOL, P, STRIDE, POOL_W, STRIDE_W>
{
    /// The spec, in a `const` (a model built at compile time).
    pub const fn new() -> Self {
        Pooling2D(PhantomData)
    }
}

/// Keras `MaxPooling2D(pool_size=POOL, strides=STRIDE, padding=P)`; with
/// pairs, `MaxPooling2D(pool_size=(POOL, POOL_W), strides=(STRIDE,
/// STRIDE_W))`.
///
/// ```
/// use corten::prelude::*;
/// use corten::shape::Valid;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 2, 1>, MaxPooling2D<2>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[4.0]);
/// // pool_size=(2, 1) (strides (2, 1)): the max of each column.
/// let model = sequential![Input<2, 2, 1>, MaxPooling2D<2, Valid, 2, 1, 1>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[3.0, 4.0]);
/// ```
pub type MaxPooling2D<
    const POOL: usize,
    P = Valid,
    const STRIDE: usize = POOL,
    const POOL_W: usize = POOL,
    const STRIDE_W: usize = STRIDE,
> = Pooling2D<MaxPool, POOL, P, STRIDE, POOL_W, STRIDE_W>;

/// Keras `AveragePooling2D(pool_size=POOL, strides=STRIDE, padding=P)`
/// (pairs as [`MaxPooling2D`] takes them).
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 2, 1>, AveragePooling2D<2>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[2.5]);
/// ```
pub type AveragePooling2D<
    const POOL: usize,
    P = Valid,
    const STRIDE: usize = POOL,
    const POOL_W: usize = POOL,
    const STRIDE_W: usize = STRIDE,
> = Pooling2D<AveragePool, POOL, P, STRIDE, POOL_W, STRIDE_W>;

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

impl<Op: PoolOp, const K: usize, P: Padding, const S: usize, const KW: usize, const SW: usize>
    Stateless for Pooling2D<Op, K, P, S, KW, SW>
{
    const KERAS_NAME: &'static str = Op::NAMES[POOLING2D].0;
    const BASE_NAME: &'static str = Op::NAMES[POOLING2D].1;
}

impl<Op, const K: usize, P, const S: usize, const KW: usize, const SW: usize, H, W, C, E>
    LayerOp<(H, W, C), E> for Pooling2D<Op, K, P, S, KW, SW>
where
    Op: PoolOp,
    P: Padding,
    H: WindowOutput<Const<K>, Const<S>, P>,
    W: WindowOutput<Const<KW>, Const<SW>, P>,
    C: StaticDim,
    E: Element,
{
    type Output = (Out<H, K, S, P>, Out<W, KW, SW, P>, C);

    fn forward<WS: Weights<E>>(&self, _: &WS, x: &[E], y: &mut [E], batch: usize, _: &mut [E]) {
        pool::<Op, E>(&Self::geometry::<H, W, C>(), x, y, batch);
    }

    #[cfg(feature = "std")]
    fn backward<WS: Weights<E>>(
        &self,
        _: &WS,
        pass: Backprop<'_, E>,
        _: &mut Tape<E>,
        _: &mut [E],
    ) {
        pool_backward::<Op, E>(&Self::geometry::<H, W, C>(), pass);
    }
}

impl<Op, const K: usize, P: Padding, const S: usize, const KW: usize, const SW: usize>
    Pooling2D<Op, K, P, S, KW, SW>
{
    /// The windows over `(H, W, C)` images.
    fn geometry<H: StaticDim, W: StaticDim, C: StaticDim>() -> Geometry {
        Geometry::rect::<P>((H::SIZE, W::SIZE, C::SIZE), (K, KW), (S, SW), (1, 1))
    }
}

builds_from_spec!([Op: PoolOp, const K: usize, P: Padding, const S: usize, const KW: usize, const SW: usize] Pooling2D<Op, K, P, S, KW, SW>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::shape::{Same, Valid};
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
        // Keras's pairs: pool_size=(2, 3), strides=(1, 2); (3, 1) same.
        check::gradients(
            &check::build::<Img, _>(MaxPooling2D::<2, Valid, 1, 3, 2>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Img, _>(AveragePooling2D::<3, Same, 2, 1, 1>::default()),
            1,
            None,
        );
    }
}
