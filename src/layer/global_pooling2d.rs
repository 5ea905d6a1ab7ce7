//! `GlobalAveragePooling2D` and `GlobalMaxPooling2D`: one value per channel.

use super::pooling2d::{Average, Max, PoolOp};
use super::shaped::Shaped;
use super::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::shape::{Shape, StaticDim};
use crate::Element;
use core::marker::PhantomData;

/// Reduces `(height, width, channels)` to `(channels,)` with `Op`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GlobalPooling2D<Op>(PhantomData<Op>);

/// Keras `GlobalAveragePooling2D()`.
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 2, 1>, GlobalAveragePooling2D];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[2.5]);
/// ```
pub type GlobalAveragePooling2D = GlobalPooling2D<Average>;

/// Keras `GlobalMaxPooling2D()`.
pub type GlobalMaxPooling2D = GlobalPooling2D<Max>;

impl<Op: PoolOp, H: StaticDim, W: StaticDim, C: StaticDim, E: Element> BuildLayer<(H, W, C), E>
    for GlobalPooling2D<Op>
{
    type Layer = Shaped<Self, (H, W, C)>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        let base = if Op::BASE == Max::BASE {
            "global_max_pooling2d"
        } else {
            "global_average_pooling2d"
        };
        Shaped::new(self, ctx.name(base))
    }
}

impl<Op: PoolOp, H: StaticDim, W: StaticDim, C: StaticDim, E: Element> Layer<E>
    for Shaped<GlobalPooling2D<Op>, (H, W, C)>
{
    type Input = (H, W, C);
    type Output = (C,);

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, _scratch: &mut [E]) {
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
        let g = super::window::Geometry::whole(H::SIZE, W::SIZE, C::SIZE);
        super::pooling2d::pool_backward::<Op, E>(&g, pass);
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let kind = if Op::BASE == Max::BASE {
            "GlobalMaxPooling2D"
        } else {
            "GlobalAveragePooling2D"
        };
        row(SummaryRow {
            name: self.name,
            kind,
            output: (C::default(),).sizes(),
            params: 0,
        })
    }
}

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
