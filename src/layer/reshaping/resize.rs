//! What `ZeroPadding2D`, `UpSampling2D` and `Cropping2D` share: images made
//! larger or smaller by copying each output pixel from one input pixel (or
//! zero), with the new height and width computed by the compiler.

use crate::Element;

/// How a resize maps output pixels to input pixels.
pub(super) trait Resize: Clone + core::fmt::Debug {
    /// Keras's class name (`ZeroPadding2D`).
    const KIND: &'static str;
    /// Keras's base for layer names (`zero_padding2d`).
    const BASE: &'static str;
    /// The input pixel `(ih, iw)` under output pixel `(oh, ow)`, or `None` for
    /// a zero.
    fn source(&self, oh: usize, ow: usize, height: usize, width: usize) -> Option<(usize, usize)>;
}

/// Copies pixels from `x` (`h × w × c` per sample) into `y` (`oh × ow × c`).
pub(super) fn resize<E: Element, R: Resize>(
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
pub(super) fn resize_backward<E: Element, R: Resize>(
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

/// The [`Stateless`](crate::layer::machinery::Stateless) and
/// [`LayerOp`](crate::layer::machinery::LayerOp) impls of a resize layer
/// `$layer<$param>` whose output shape is `$out` given the bounds.
macro_rules! resize_layer {
    ($layer:ident, $param:ident, $out:ty, [$($bound:tt)*]) => {
        impl<const $param: usize> $crate::layer::machinery::Stateless for $layer<$param> {
            const KERAS_NAME: &'static str = <Self as Resize>::KIND;
            const BASE_NAME: &'static str = <Self as Resize>::BASE;
        }

        $crate::layer::machinery::builds_from_spec!([const $param: usize] $layer<$param>);

        impl<const $param: usize, H, W, C, E> $crate::layer::machinery::LayerOp<(H, W, C), E> for $layer<$param>
        where
            H: StaticDim + ToUInt,
            W: StaticDim + ToUInt,
            C: StaticDim,
            E: Element,
            $($bound)*
        {
            type Output = $out;

            fn forward<WS: $crate::layer::machinery::Weights<E>>(&self, _: &WS, x: &[E], y: &mut [E], batch: usize, _: &mut [E]) {
                let out = <$out>::default().sizes();
                super::resize::resize(self, x, y, batch, (H::SIZE, W::SIZE, C::SIZE), (out[0], out[1]));
            }

            #[cfg(feature = "std")]
            fn backward<WS: $crate::layer::machinery::Weights<E>>(
                &self,
                _: &WS,
                pass: $crate::layer::machinery::Backprop<'_, E>,
                _: &mut $crate::layer::machinery::Tape<E>,
                _: &mut [E],
            ) {
                if let Some(dx) = pass.dx {
                    let out = <$out>::default().sizes();
                    super::resize::resize_backward(self, pass.dy, dx, pass.batch, (H::SIZE, W::SIZE, C::SIZE), (out[0], out[1]));
                }
            }
        }
    };
}
pub(super) use resize_layer;
