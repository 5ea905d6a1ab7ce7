//! `GlobalMaxPooling1D` and `GlobalAveragePooling1D`: one value per channel
//! of a sequence `(steps, channels)`.

#[cfg(feature = "std")]
use super::pool_op::pool_backward;
use super::pool_op::{pool, AveragePool, MaxPool, PoolOp, GLOBAL_POOLING1D};
use crate::error::Error;
use crate::layer::machinery::{builds_from_spec, passes_over_steps};
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::layer::window::Geometry;
use crate::shape::{step_masks, Features, Masked, StaticDim, StepsDim, Valid};
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
fn whole<C: StaticDim>(steps: usize) -> Geometry {
    Geometry::row::<Valid>(steps, C::SIZE, steps, 1)
}

/// Over sequences of a static length or of one known only at run time.
impl<Op: PoolOp, L: StepsDim, C: StaticDim, E: Element> LayerOp<(L, C), E> for GlobalPooling1D<Op>
where
    (L, C): Features,
{
    type Output = (C,);

    fn output_steps(&self, _: usize) -> Result<usize, Error> {
        Ok(1)
    }

    passes_over_steps!(stateless(L, C));

    fn forward_steps<W: Weights<E>>(
        &self,
        _: &W,
        x: &[E],
        y: &mut [E],
        (batch, steps): (usize, usize),
        _: &mut [E],
    ) {
        pool::<Op, E>(&whole::<C>(L::steps(steps)), x, y, batch);
    }

    #[cfg(feature = "std")]
    fn backward_steps<W: Weights<E>>(
        &self,
        _: &W,
        pass: Backprop<'_, E>,
        _: &mut Tape<E>,
        _: &mut [E],
    ) {
        pool_backward::<Op, E>(&whole::<C>(L::steps(pass.steps)), pass);
    }
}

/// The average of the steps a mask keeps, over sequences of a static
/// length or of one known only at run time.
impl<L: StepsDim, C: StaticDim, E: Element> LayerOp<(L, Masked<C>), E>
    for GlobalPooling1D<AveragePool>
where
    (L, Masked<C>): Features,
{
    type Output = (C,);

    fn output_steps(&self, _: usize) -> Result<usize, Error> {
        Ok(1)
    }

    passes_over_steps!(stateless(L, Masked<C>));

    fn forward_steps<W: Weights<E>>(
        &self,
        _: &W,
        x: &[E],
        y: &mut [E],
        (_, steps): (usize, usize),
        _: &mut [E],
    ) {
        let stride = C::SIZE + 1;
        for (x, y) in x
            .chunks_exact(L::steps(steps) * stride)
            .zip(y.chunks_exact_mut(C::SIZE.max(1)))
        {
            y.fill(E::ZERO);
            let kept = kept_steps(x, stride);
            for step in x.chunks_exact(stride) {
                for (y, &v) in y.iter_mut().zip(&step[..C::SIZE]) {
                    *y += v * step[C::SIZE] * kept;
                }
            }
        }
    }

    #[cfg(feature = "std")]
    fn backward_steps<W: Weights<E>>(
        &self,
        _: &W,
        pass: Backprop<'_, E>,
        _: &mut Tape<E>,
        _: &mut [E],
    ) {
        let Some(dx) = pass.dx else { return };
        let stride = C::SIZE + 1;
        let sample = L::steps(pass.steps) * stride;
        let samples = pass.x.chunks_exact(sample);
        for ((x, dx), dy) in samples
            .zip(dx.chunks_exact_mut(sample))
            .zip(pass.dy.chunks_exact(C::SIZE.max(1)))
        {
            let kept = kept_steps(x, stride);
            for (step, d) in x.chunks_exact(stride).zip(dx.chunks_exact_mut(stride)) {
                for (d, &g) in d.iter_mut().zip(dy) {
                    *d = g * step[C::SIZE] * kept;
                }
                d[C::SIZE] = E::ZERO;
            }
        }
    }
}

fn kept_steps<E: Element>(x: &[E], stride: usize) -> E {
    let count: E = step_masks(x, stride).fold(E::ZERO, |n, m| n + m);
    if count > E::ZERO {
        E::ONE / count
    } else {
        E::ZERO
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

    /// Masking then the average: the mean of the steps kept (a scalar
    /// oracle), and gradients through both.
    #[test]
    fn the_average_of_a_masked_sequence_skips_masked_steps() {
        use crate::layer::Masking;
        let model = crate::sequential![f64; Input<4, 2>, Masking::default(), GlobalAveragePooling1D::default()];
        let x = [
            1.0, 2.0, 0.0, 0.0, 3.0, -4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        ];
        let y = model
            .predict(&crate::Tensor::from_slice((crate::Dyn(2), N::<4>, N::<2>), &x).unwrap())
            .unwrap();
        assert_eq!(y.as_slice(), &[2.0, -1.0, 0.0, 0.0]);
        type Masked = (N<4>, crate::shape::Masked<N<2>>);
        let pool = check::build::<Masked, _>(GlobalAveragePooling1D::default());
        check::gradients(&pool, 3, None);
    }
}
