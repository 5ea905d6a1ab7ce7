//! `UpSampling2D`: each pixel repeated into a block.

use super::resize::{resize_layer, Resize};
use crate::shape::{Const, DimMul, Product, Shape, StaticDim, ToUInt};
use crate::Element;

/// Keras `UpSampling2D(size=S)` with nearest-neighbour interpolation (Keras's
/// default): each pixel becomes an `S × S` block.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<1, 2, 1>, UpSampling2D<2>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpSampling2D<const S: usize>;

impl<const S: usize> Resize for UpSampling2D<S> {
    const BASE: &'static str = "up_sampling2d";
    const KIND: &'static str = "UpSampling2D";
    fn source(&self, oh: usize, ow: usize, _: usize, _: usize) -> Option<(usize, usize)> {
        Some((oh / S, ow / S))
    }
}

resize_layer!(
    UpSampling2D, S,
    (Product<H, Const<S>>, Product<W, Const<S>>, C),
    [H: DimMul<Const<S>>, W: DimMul<Const<S>>, Const<S>: ToUInt,]
);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Img = (N<4>, N<5>, N<2>);
        check::gradients(&check::build::<Img, _>(UpSampling2D::<2>), 2, None);
    }
}
