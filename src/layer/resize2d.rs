//! `ZeroPadding2D`, `UpSampling2D` and `Cropping2D`: images made larger or
//! smaller, with the new height and width computed by the compiler.

use super::shaped::Shaped;
use super::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::shape::{
    Const, Difference, DimAdd, DimMul, DimSub, Product, Shape, StaticDim, Sum, ToUInt,
};
use crate::Element;

/// Keras `ZeroPadding2D(padding=P)`: `P` rows of zeros above and below, `P`
/// columns left and right.
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<1, 1, 1>, ZeroPadding2D<1>];
/// assert_eq!(model.output_shape().to_string(), "(None, 3, 3, 1)");
/// let y = model.predict(&Tensor::from_array([[[[5.0f32]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[0.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZeroPadding2D<const P: usize>;

/// Keras `UpSampling2D(size=S)` with nearest-neighbour interpolation (Keras's
/// default): each pixel becomes an `S × S` block.
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<1, 2, 1>, UpSampling2D<2>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpSampling2D<const S: usize>;

/// Keras `Cropping2D(cropping=C)`: `C` rows off the top and bottom, `C`
/// columns off the left and right. Cropping more than the image holds is a
/// compile error.
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<3, 3, 1>, Cropping2D<1>];
/// let x = Tensor::from_array([[[[1.0f32], [2.0], [3.0]], [[4.0], [5.0], [6.0]], [[7.0], [8.0], [9.0]]]]);
/// assert_eq!(model.predict(&x).unwrap().as_slice(), &[5.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cropping2D<const C: usize>;

/// How a resize maps output pixels to input pixels.
trait Resize {
    const KIND: &'static str;
    /// The input pixel `(ih, iw)` under output pixel `(oh, ow)`, or `None` for
    /// a zero.
    fn source(&self, oh: usize, ow: usize, height: usize, width: usize) -> Option<(usize, usize)>;
}

impl<const P: usize> Resize for ZeroPadding2D<P> {
    const KIND: &'static str = "ZeroPadding2D";
    fn source(&self, oh: usize, ow: usize, height: usize, width: usize) -> Option<(usize, usize)> {
        let (ih, iw) = (oh.checked_sub(P)?, ow.checked_sub(P)?);
        (ih < height && iw < width).then_some((ih, iw))
    }
}

impl<const S: usize> Resize for UpSampling2D<S> {
    const KIND: &'static str = "UpSampling2D";
    fn source(&self, oh: usize, ow: usize, _: usize, _: usize) -> Option<(usize, usize)> {
        Some((oh / S, ow / S))
    }
}

impl<const C: usize> Resize for Cropping2D<C> {
    const KIND: &'static str = "Cropping2D";
    fn source(&self, oh: usize, ow: usize, _: usize, _: usize) -> Option<(usize, usize)> {
        Some((oh + C, ow + C))
    }
}

/// Copies pixels from `x` (`h × w × c` per sample) into `y` (`oh × ow × c`).
fn resize<E: Element, R: Resize>(
    r: &R,
    x: &[E],
    y: &mut [E],
    batch: usize,
    (h, w, c): (usize, usize, usize),
    (oh, ow): (usize, usize),
) {
    let mut pixels = y.chunks_exact_mut(c.max(1));
    for b in 0..batch {
        let x = &x[b * h * w * c..(b + 1) * h * w * c];
        for i in 0..oh {
            for j in 0..ow {
                let Some(out) = pixels.next() else { return };
                match r.source(i, j, h, w) {
                    Some((ih, iw)) => out.copy_from_slice(&x[(ih * w + iw) * c..][..c]),
                    None => out.fill(E::ZERO),
                }
            }
        }
    }
}

/// The backward pass of [`resize`]: each output pixel's gradient added to
/// the input pixel it was copied from.
#[cfg(feature = "std")]
fn resize_backward<E: Element, R: Resize>(
    r: &R,
    dy: &[E],
    dx: &mut [E],
    batch: usize,
    (h, w, c): (usize, usize, usize),
    (oh, ow): (usize, usize),
) {
    dx.fill(E::ZERO);
    let mut pixels = dy.chunks_exact(c.max(1));
    for b in 0..batch {
        let dx = &mut dx[b * h * w * c..(b + 1) * h * w * c];
        for i in 0..oh {
            for j in 0..ow {
                let Some(grad) = pixels.next() else { return };
                if let Some((ih, iw)) = r.source(i, j, h, w) {
                    for (d, &g) in dx[(ih * w + iw) * c..][..c].iter_mut().zip(grad) {
                        *d += g;
                    }
                }
            }
        }
    }
}

macro_rules! resize_layer {
    ($layer:ident, $param:ident, $base:literal, $out:ty, [$($bound:tt)*]) => {
        impl<const $param: usize, H, W, C, E> BuildLayer<(H, W, C), E> for $layer<$param>
        where
            H: StaticDim + ToUInt,
            W: StaticDim + ToUInt,
            C: StaticDim,
            E: Element,
            $($bound)*
        {
            type Layer = Shaped<Self, (H, W, C)>;
            fn build(self, ctx: &mut BuildContext) -> Self::Layer {
                Shaped::new(self, ctx.name($base))
            }
        }

        impl<const $param: usize, H, W, C, E> Layer<E> for Shaped<$layer<$param>, (H, W, C)>
        where
            H: StaticDim + ToUInt,
            W: StaticDim + ToUInt,
            C: StaticDim,
            E: Element,
            $($bound)*
        {
            type Input = (H, W, C);
            type Output = $out;

            fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, _scratch: &mut [E]) {
                let out = <$out>::default().sizes();
                resize(&self.layer, x, y, batch, (H::SIZE, W::SIZE, C::SIZE), (out[0], out[1]));
            }

            fn param_count(&self) -> usize {
                0
            }

            #[cfg(feature = "std")]
            fn backward(&self, pass: super::Backprop<'_, E>, _tape: &mut [super::Tape<E>], _grads: &mut [E]) {
                if let Some(dx) = pass.dx {
                    let out = <$out>::default().sizes();
                    resize_backward(&self.layer, pass.dy, dx, pass.batch, (H::SIZE, W::SIZE, C::SIZE), (out[0], out[1]));
                }
            }

            fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
                let output = <$out>::default().sizes();
                row(SummaryRow { name: self.name, kind: <$layer<$param> as Resize>::KIND, output, params: 0 })
            }
        }
    };
}

resize_layer!(
    ZeroPadding2D, P, "zero_padding2d",
    (Sum<Sum<H, Const<P>>, Const<P>>, Sum<Sum<W, Const<P>>, Const<P>>, C),
    [H: DimAdd<Const<P>>, W: DimAdd<Const<P>>, Sum<H, Const<P>>: DimAdd<Const<P>>, Sum<W, Const<P>>: DimAdd<Const<P>>, Const<P>: ToUInt,]
);
resize_layer!(
    UpSampling2D, S, "up_sampling2d",
    (Product<H, Const<S>>, Product<W, Const<S>>, C),
    [H: DimMul<Const<S>>, W: DimMul<Const<S>>, Const<S>: ToUInt,]
);
resize_layer!(
    Cropping2D, K, "cropping2d",
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
        check::gradients(&check::build::<Img, _>(ZeroPadding2D::<1>), 2, None);
        check::gradients(&check::build::<Img, _>(UpSampling2D::<2>), 2, None);
        check::gradients(&check::build::<Img, _>(Cropping2D::<1>), 2, None);
    }
}
