//! `MaxPooling1D`, `AveragePooling1D`, `GlobalMaxPooling1D` and
//! `GlobalAveragePooling1D` over sequences `(steps, channels)`.

use super::pooling2d::{pool, Average, Max, PoolOp};
use super::shaped::Shaped;
use super::window::Geometry;
use super::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::shape::{Const, Padding, Shape, StaticDim, Valid, WindowOutput};
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
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<4, 1>, MaxPooling1D<2>];
/// let y = model.predict(&Tensor::from_array([[[1.0f32], [3.0], [2.0], [0.0]]])).unwrap();
/// assert_eq!(y.as_slice(), &[3.0, 2.0]);
/// ```
pub type MaxPooling1D<const POOL: usize, P = Valid, const STRIDE: usize = POOL> =
    Pooling1D<Max, POOL, P, STRIDE>;

/// Keras `AveragePooling1D(pool_size=POOL, strides=STRIDE, padding=P)`.
pub type AveragePooling1D<const POOL: usize, P = Valid, const STRIDE: usize = POOL> =
    Pooling1D<Average, POOL, P, STRIDE>;

/// Reduces `(steps, channels)` to `(channels,)` with `Op`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GlobalPooling1D<Op>(PhantomData<Op>);

/// Keras `GlobalMaxPooling1D()`.
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<3, 2>, GlobalMaxPooling1D];
/// let y = model.predict(&Tensor::from_array([[[1.0f32, 5.0], [3.0, 4.0], [2.0, 6.0]]])).unwrap();
/// assert_eq!(y.as_slice(), &[3.0, 6.0]);
/// ```
pub type GlobalMaxPooling1D = GlobalPooling1D<Max>;

/// Keras `GlobalAveragePooling1D()`.
pub type GlobalAveragePooling1D = GlobalPooling1D<Average>;

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

fn kind_1d<Op: PoolOp>(global: bool) -> (&'static str, &'static str) {
    let max = Op::BASE == Max::BASE;
    match (global, max) {
        (false, true) => ("MaxPooling1D", "max_pooling1d"),
        (false, false) => ("AveragePooling1D", "average_pooling1d"),
        (true, true) => ("GlobalMaxPooling1D", "global_max_pooling1d"),
        (true, false) => ("GlobalAveragePooling1D", "global_average_pooling1d"),
    }
}

impl<Op: PoolOp, const K: usize, P: Padding, const S: usize, L, C, E> BuildLayer<(L, C), E>
    for Pooling1D<Op, K, P, S>
where
    L: WindowOutput<Const<K>, Const<S>, P>,
    C: StaticDim,
    E: Element,
{
    type Layer = Shaped<Self, (L, C)>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        Shaped::new(self, ctx.name(kind_1d::<Op>(false).1))
    }
}

impl<Op: PoolOp, const K: usize, P: Padding, const S: usize, L, C, E> Layer<E>
    for Shaped<Pooling1D<Op, K, P, S>, (L, C)>
where
    L: WindowOutput<Const<K>, Const<S>, P>,
    C: StaticDim,
    E: Element,
{
    type Input = (L, C);
    type Output = (Out<L, K, S, P>, C);

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, _scratch: &mut [E]) {
        pool::<Op, E>(&Geometry::row::<P>(L::SIZE, C::SIZE, K, S), x, y, batch);
    }

    fn param_count(&self) -> usize {
        0
    }

    #[cfg(feature = "std")]
    fn backward(
        &self,
        pass: super::Backprop<'_, E>,
        _tape: &mut [super::Tape<E>],
        _grads: &mut [E],
    ) {
        super::pooling2d::pool_backward::<Op, E>(&Geometry::row::<P>(L::SIZE, C::SIZE, K, S), pass);
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let output = (<Out<L, K, S, P>>::default(), C::default()).sizes();
        row(SummaryRow {
            name: self.name,
            kind: kind_1d::<Op>(false).0,
            output,
            params: 0,
        })
    }
}

impl<Op: PoolOp, L: StaticDim, C: StaticDim, E: Element> BuildLayer<(L, C), E>
    for GlobalPooling1D<Op>
{
    type Layer = Shaped<Self, (L, C)>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        Shaped::new(self, ctx.name(kind_1d::<Op>(true).1))
    }
}

impl<Op: PoolOp, L: StaticDim, C: StaticDim, E: Element> Layer<E>
    for Shaped<GlobalPooling1D<Op>, (L, C)>
{
    type Input = (L, C);
    type Output = (C,);

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, _scratch: &mut [E]) {
        // One window covering the whole sequence.
        pool::<Op, E>(
            &Geometry::row::<Valid>(L::SIZE, C::SIZE, L::SIZE, 1),
            x,
            y,
            batch,
        );
    }

    fn param_count(&self) -> usize {
        0
    }

    #[cfg(feature = "std")]
    fn backward(
        &self,
        pass: super::Backprop<'_, E>,
        _tape: &mut [super::Tape<E>],
        _grads: &mut [E],
    ) {
        let g = Geometry::row::<Valid>(L::SIZE, C::SIZE, L::SIZE, 1);
        super::pooling2d::pool_backward::<Op, E>(&g, pass);
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        row(SummaryRow {
            name: self.name,
            kind: kind_1d::<Op>(true).0,
            output: (C::default(),).sizes(),
            params: 0,
        })
    }
}

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
