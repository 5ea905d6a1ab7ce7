//! `MaxPooling1D` and `AveragePooling1D` over sequences `(steps, channels)`.

#[cfg(feature = "std")]
use super::pool_op::pool_backward;
use super::pool_op::{pool, AveragePool, MaxPool, PoolOp, POOLING1D};
use crate::error::Error;
use crate::layer::machinery::{builds_from_spec, passes_over_steps};
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::layer::window::{window_steps, Geometry};
use crate::shape::{Const, Dyn, Padding, StaticDim, Valid, WindowOutput};
use crate::Element;
use core::marker::PhantomData;

/// A 1-D pooling spec: windows of `POOL` steps, `STRIDE` apart (Keras's
/// default stride is the pool size), with padding `P`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pooling1D<Op, const POOL: usize, P = Valid, const STRIDE: usize = POOL>(
    PhantomData<(Op, P)>,
);

/// Keras `MaxPooling1D(pool_size=POOL, strides=STRIDE, padding=P)`.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<4, 1>, MaxPooling1D<2>];
/// let y = model.predict(&Tensor::from_array([[[1.0f32], [3.0], [2.0], [0.0]]])).unwrap();
/// assert_eq!(y.as_slice(), &[3.0, 2.0]);
/// ```
pub type MaxPooling1D<const POOL: usize, P = Valid, const STRIDE: usize = POOL> =
    Pooling1D<MaxPool, POOL, P, STRIDE>;

/// Keras `AveragePooling1D(pool_size=POOL, strides=STRIDE, padding=P)`.
pub type AveragePooling1D<const POOL: usize, P = Valid, const STRIDE: usize = POOL> =
    Pooling1D<AveragePool, POOL, P, STRIDE>;

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

impl<Op: PoolOp, const K: usize, P: Padding, const S: usize> Stateless for Pooling1D<Op, K, P, S> {
    const KERAS_NAME: &'static str = Op::NAMES[POOLING1D].0;
    const BASE_NAME: &'static str = Op::NAMES[POOLING1D].1;
}

impl<Op: PoolOp, const K: usize, P: Padding, const S: usize, L, C, E> LayerOp<(L, C), E>
    for Pooling1D<Op, K, P, S>
where
    L: WindowOutput<Const<K>, Const<S>, P>,
    C: StaticDim,
    E: Element,
{
    type Output = (Out<L, K, S, P>, C);

    fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], batch: usize, _: &mut [E]) {
        pool::<Op, E>(&Geometry::row::<P>(L::SIZE, C::SIZE, K, S), x, y, batch);
    }

    #[cfg(feature = "std")]
    fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
        pool_backward::<Op, E>(&Geometry::row::<P>(L::SIZE, C::SIZE, K, S), pass);
    }
}

/// Over sequences of run-time length, the output length is computed when
/// the model runs (an error for a sequence shorter than a `Valid` window).
impl<Op: PoolOp, const K: usize, P: Padding, const S: usize, C, E> LayerOp<(Dyn, C), E>
    for Pooling1D<Op, K, P, S>
where
    C: StaticDim,
    E: Element,
{
    type Output = (Dyn, C);

    fn output_steps(&self, steps: usize) -> Result<usize, Error> {
        window_steps::<P>(Op::NAMES[POOLING1D].0, steps, K, S)
    }

    passes_over_steps!(stateless(Dyn, C));

    fn forward_steps<W: Weights<E>>(
        &self,
        _: &W,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        _: &mut [E],
    ) {
        pool::<Op, E>(&Geometry::row::<P>(steps, C::SIZE, K, S), x, y, batch);
    }

    #[cfg(feature = "std")]
    fn backward_steps<W: Weights<E>>(
        &self,
        _: &W,
        pass: Backprop<'_, E>,
        _: &mut Tape<E>,
        _: &mut [E],
    ) {
        pool_backward::<Op, E>(&Geometry::row::<P>(pass.steps, C::SIZE, K, S), pass);
    }
}

builds_from_spec!([Op: PoolOp, const K: usize, P: Padding, const S: usize] Pooling1D<Op, K, P, S>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::shape::Same;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Seq = (N<7>, N<3>);
        check::gradients(
            &check::build::<Seq, _>(MaxPooling1D::<2>::default()),
            2,
            None,
        );
        check::gradients(
            &check::build::<Seq, _>(AveragePooling1D::<3, Same, 2>::default()),
            2,
            None,
        );
    }
}
