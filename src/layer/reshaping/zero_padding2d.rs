//! `ZeroPadding2D`: zeros around each image.

use super::resize::{resize_layer, Resize};
use crate::shape::{Const, DimAdd, Shape, StaticDim, Sum, ToUInt};
use crate::Element;

/// Keras `ZeroPadding2D(padding=P)`: `P` rows of zeros above and below, `P`
/// columns left and right.
///
/// ```
/// use corten::prelude::*;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<1, 1, 1>, ZeroPadding2D<1>];
/// assert_eq!(model.output_shape().to_string(), "(None, 3, 3, 1)");
/// let y = model.predict(&Tensor::from_array([[[[5.0f32]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[0.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZeroPadding2D<const P: usize>;

impl<const P: usize> Resize for ZeroPadding2D<P> {
    const BASE: &'static str = "zero_padding2d";
    const KIND: &'static str = "ZeroPadding2D";
    fn source(&self, oh: usize, ow: usize, height: usize, width: usize) -> Option<(usize, usize)> {
        let (ih, iw) = (oh.checked_sub(P)?, ow.checked_sub(P)?);
        (ih < height && iw < width).then_some((ih, iw))
    }
}

resize_layer!(
    ZeroPadding2D, P,
    (Sum<Sum<H, Const<P>>, Const<P>>, Sum<Sum<W, Const<P>>, Const<P>>, C),
    [H: DimAdd<Const<P>>, W: DimAdd<Const<P>>, Sum<H, Const<P>>: DimAdd<Const<P>>, Sum<W, Const<P>>: DimAdd<Const<P>>, Const<P>: ToUInt,]
);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        type Img = (N<4>, N<5>, N<2>);
        check::gradients(&check::build::<Img, _>(ZeroPadding2D::<1>), 2, None);
    }
}
