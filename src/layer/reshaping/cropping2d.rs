//! `Cropping2D`: rows and columns cut off each image's edges.

use super::resize::{resize_layer, Resize};
use crate::shape::{Const, Difference, DimSub, Shape, StaticDim, ToUInt};
use crate::Element;

/// Keras `Cropping2D(cropping=C)`: `C` rows off the top and bottom, `C`
/// columns off the left and right. Cropping more than the image holds is a
/// compile error.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<3, 3, 1>, Cropping2D<1>];
/// let x = Tensor::from_array([[[[1.0f32], [2.0], [3.0]], [[4.0], [5.0], [6.0]], [[7.0], [8.0], [9.0]]]]);
/// assert_eq!(model.predict(&x).unwrap().as_slice(), &[5.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cropping2D<const C: usize>;

impl<const C: usize> Resize for Cropping2D<C> {
    const BASE: &'static str = "cropping2d";
    const KIND: &'static str = "Cropping2D";
    fn source(&self, oh: usize, ow: usize, _: usize, _: usize) -> Option<(usize, usize)> {
        Some((oh + C, ow + C))
    }
}

resize_layer!(
    Cropping2D, K,
    (Difference<Difference<H, Const<K>>, Const<K>>, Difference<Difference<W, Const<K>>, Const<K>>, C),
    [H: DimSub<Const<K>>, W: DimSub<Const<K>>, Difference<H, Const<K>>: DimSub<Const<K>>, Difference<W, Const<K>>: DimSub<Const<K>>, Const<K>: ToUInt,]
);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Img = (N<4>, N<5>, N<2>);
        check::gradients(&check::build::<Img, _>(Cropping2D::<1>), 2, None);
    }
}
