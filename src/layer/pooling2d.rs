//! `MaxPooling2D` and `AveragePooling2D`: a window slid over each channel of
//! `(height, width, channels)` images, keeping its max or its mean.

use super::shaped::Shaped;
use super::window::Geometry;
use super::{BuildContext, BuildLayer, Layer, SummaryRow};
use crate::shape::{Const, Padding, Shape, StaticDim, Valid, WindowOutput};
use crate::Element;
use core::marker::PhantomData;

/// How a pooling window reduces its cells.
pub trait PoolOp: Copy + Default + core::fmt::Debug + Send + Sync + 'static {
    /// Keras's class name (`MaxPooling2D`).
    const KIND: &'static str;
    /// Keras's layer base name (`max_pooling2d`).
    const BASE: &'static str;
    /// The reduction of `count` cells whose running state is `acc` (seeded by
    /// [`PoolOp::init`] and [`PoolOp::step`]).
    fn finish<E: Element>(acc: E, count: usize) -> E;
    /// The state before any cell.
    fn init<E: Element>() -> E;
    /// The state after one more cell.
    fn step<E: Element>(acc: E, x: E) -> E;
    /// The share of `dy`, the gradient of a window's output `y` over `count`
    /// cells, that goes to the cell holding `x`; `routed` starts `false` for
    /// each window and channel (the max goes to the first cell that holds it).
    fn cell_gradient<E: Element>(x: E, y: E, dy: E, count: usize, routed: &mut bool) -> E;
}

/// Keeps the window's largest value (padded cells never win).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Max;

/// Keeps the window's mean over the cells inside the input (padded cells are
/// not counted, as in Keras).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Average;

impl PoolOp for Max {
    const KIND: &'static str = "MaxPooling2D";
    const BASE: &'static str = "max_pooling2d";
    fn init<E: Element>() -> E {
        E::from_f64(f64::NEG_INFINITY)
    }
    fn step<E: Element>(acc: E, x: E) -> E {
        // NaN propagates, as in Keras.
        if x > acc || x.is_nan() {
            x
        } else {
            acc
        }
    }
    fn finish<E: Element>(acc: E, _count: usize) -> E {
        acc
    }
    fn cell_gradient<E: Element>(x: E, y: E, dy: E, _count: usize, routed: &mut bool) -> E {
        if !*routed && x == y {
            *routed = true;
            dy
        } else {
            E::ZERO
        }
    }
}

impl PoolOp for Average {
    const KIND: &'static str = "AveragePooling2D";
    const BASE: &'static str = "average_pooling2d";
    fn init<E: Element>() -> E {
        E::ZERO
    }
    fn step<E: Element>(acc: E, x: E) -> E {
        acc + x
    }
    fn finish<E: Element>(acc: E, count: usize) -> E {
        acc / E::from_f64(count as f64)
    }
    fn cell_gradient<E: Element>(_x: E, _y: E, dy: E, count: usize, _routed: &mut bool) -> E {
        dy / E::from_f64(count as f64)
    }
}

/// A 2-D pooling spec: `POOL × POOL` windows, `STRIDE` apart (Keras's default
/// stride is the pool size), with padding `P`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pooling2D<Op, const POOL: usize, P = Valid, const STRIDE: usize = POOL>(
    PhantomData<(Op, P)>,
);

/// Keras `MaxPooling2D(pool_size=POOL, strides=STRIDE, padding=P)`.
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 2, 1>, MaxPooling2D<2>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[4.0]);
/// ```
pub type MaxPooling2D<const POOL: usize, P = Valid, const STRIDE: usize = POOL> =
    Pooling2D<Max, POOL, P, STRIDE>;

/// Keras `AveragePooling2D(pool_size=POOL, strides=STRIDE, padding=P)`.
///
/// ```
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 2, 1>, AveragePooling2D<2>];
/// let y = model.predict(&Tensor::from_array([[[[1.0f32], [4.0]], [[3.0], [2.0]]]])).unwrap();
/// assert_eq!(y.as_slice(), &[2.5]);
/// ```
pub type AveragePooling2D<const POOL: usize, P = Valid, const STRIDE: usize = POOL> =
    Pooling2D<Average, POOL, P, STRIDE>;

type Out<D, const K: usize, const S: usize, P> = <D as WindowOutput<Const<K>, Const<S>, P>>::Output;

impl<Op, const K: usize, P, const S: usize, H, W, C, E> BuildLayer<(H, W, C), E>
    for Pooling2D<Op, K, P, S>
where
    Op: PoolOp,
    P: Padding,
    H: WindowOutput<Const<K>, Const<S>, P>,
    W: WindowOutput<Const<K>, Const<S>, P>,
    C: StaticDim,
    E: Element,
{
    type Layer = Shaped<Self, (H, W, C)>;
    fn build(self, ctx: &mut BuildContext) -> Self::Layer {
        Shaped::new(self, ctx.name(Op::BASE))
    }
}

impl<Op, const K: usize, P, const S: usize, H, W, C, E> Layer<E>
    for Shaped<Pooling2D<Op, K, P, S>, (H, W, C)>
where
    Op: PoolOp,
    P: Padding,
    H: WindowOutput<Const<K>, Const<S>, P>,
    W: WindowOutput<Const<K>, Const<S>, P>,
    C: StaticDim,
    E: Element,
{
    type Input = (H, W, C);
    type Output = (Out<H, K, S, P>, Out<W, K, S, P>, C);

    fn forward_slices(&self, x: &[E], y: &mut [E], batch: usize, _scratch: &mut [E]) {
        let g = Geometry::square::<P>(H::SIZE, W::SIZE, C::SIZE, K, S);
        pool::<Op, E>(&g, x, y, batch);
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
        let g = Geometry::square::<P>(H::SIZE, W::SIZE, C::SIZE, K, S);
        pool_backward::<Op, E>(&g, pass);
    }

    fn visit_rows(&self, row: &mut dyn FnMut(SummaryRow)) {
        let output = (
            <Out<H, K, S, P>>::default(),
            <Out<W, K, S, P>>::default(),
            C::default(),
        )
            .sizes();
        row(SummaryRow {
            name: self.name,
            kind: Op::KIND,
            output,
            params: 0,
        })
    }
}

/// Reduces each window of `g` over `batch` samples of `x` into `y` with `Op`.
pub(crate) fn pool<Op: PoolOp, E: Element>(g: &Geometry, x: &[E], y: &mut [E], batch: usize) {
    let c = g.channels;
    let image = g.height * g.width * c;
    let mut pixels = y.chunks_exact_mut(c.max(1));
    for b in 0..batch {
        let x = &x[b * image..(b + 1) * image];
        for oh in 0..g.out_height {
            for ow in 0..g.out_width {
                let Some(out) = pixels.next() else { return };
                out.fill(Op::init());
                let mut count = 0;
                for kh in 0..g.kernel_h {
                    for kw in 0..g.kernel_w {
                        if let Some((ih, iw)) = g.source(oh, ow, kh, kw) {
                            count += 1;
                            let cell = &x[(ih * g.width + iw) * c..][..c];
                            for (o, &v) in out.iter_mut().zip(cell) {
                                *o = Op::step(*o, v);
                            }
                        }
                    }
                }
                for o in out.iter_mut() {
                    *o = Op::finish(*o, count);
                }
            }
        }
    }
}

/// The backward pass of [`pool`]: each window's output gradient shared out
/// among its cells as `Op` says.
#[cfg(feature = "std")]
pub(crate) fn pool_backward<Op: PoolOp, E: Element>(g: &Geometry, pass: super::Backprop<'_, E>) {
    let Some(dx) = pass.dx else { return };
    dx.fill(E::ZERO);
    let c = g.channels;
    let image = g.height * g.width * c;
    let mut routed = alloc::vec![false; c];
    let mut pixels = pass
        .y
        .chunks_exact(c.max(1))
        .zip(pass.dy.chunks_exact(c.max(1)));
    for b in 0..pass.batch {
        let x = &pass.x[b * image..(b + 1) * image];
        let dx = &mut dx[b * image..(b + 1) * image];
        for oh in 0..g.out_height {
            for ow in 0..g.out_width {
                let Some((y, dy)) = pixels.next() else { return };
                let cells = (0..g.kernel_h)
                    .flat_map(|kh| (0..g.kernel_w).map(move |kw| (kh, kw)))
                    .filter_map(|(kh, kw)| g.source(oh, ow, kh, kw));
                let count = cells.clone().count();
                routed.fill(false);
                for (ih, iw) in cells {
                    let at = (ih * g.width + iw) * c;
                    for ch in 0..c {
                        dx[at + ch] +=
                            Op::cell_gradient(x[at + ch], y[ch], dy[ch], count, &mut routed[ch]);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_ignores_padding_and_propagates_nan() {
        assert_eq!(Max::step(Max::init::<f32>(), -5.0), -5.0);
        assert!(Max::step(1.0f32, f32::NAN).is_nan());
        assert_eq!(Average::finish(6.0f32, 4), 1.5);
    }
}

#[cfg(all(test, feature = "std"))]
mod gradient_tests {
    use super::*;
    use crate::layer::train::check;
    use crate::shape::Same;
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
    }
}
