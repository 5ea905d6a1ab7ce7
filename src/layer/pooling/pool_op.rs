//! How a pooling layer reduces a window: [`PoolOp`] ([`MaxPool`], [`AveragePool`]),
//! and the window loops every pooling layer shares.

#[cfg(feature = "std")]
use crate::layer::machinery::Backprop;
use crate::layer::window::Geometry;
use crate::Element;

/// Index of the `MaxPooling1D`-like names in [`PoolOp::NAMES`].
pub(super) const POOLING1D: usize = 0;
/// Index of the `MaxPooling2D`-like names in [`PoolOp::NAMES`].
pub(super) const POOLING2D: usize = 1;
/// Index of the `GlobalMaxPooling1D`-like names in [`PoolOp::NAMES`].
pub(super) const GLOBAL_POOLING1D: usize = 2;
/// Index of the `GlobalMaxPooling2D`-like names in [`PoolOp::NAMES`].
pub(super) const GLOBAL_POOLING2D: usize = 3;

/// How a pooling window reduces its cells.
pub trait PoolOp: Copy + Default + core::fmt::Debug + Send + Sync + 'static {
    /// Keras's class and base names of the layers reducing this way:
    /// `MaxPooling1D`, `MaxPooling2D`, `GlobalMaxPooling1D`,
    /// `GlobalMaxPooling2D` for [`MaxPool`], in this order.
    const NAMES: [(&'static str, &'static str); 4];
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
pub struct MaxPool;

/// Keeps the window's mean over the cells inside the input (padded cells are
/// not counted, as in Keras).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AveragePool;

impl PoolOp for MaxPool {
    const NAMES: [(&'static str, &'static str); 4] = [
        ("MaxPooling1D", "max_pooling1d"),
        ("MaxPooling2D", "max_pooling2d"),
        ("GlobalMaxPooling1D", "global_max_pooling1d"),
        ("GlobalMaxPooling2D", "global_max_pooling2d"),
    ];
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

impl PoolOp for AveragePool {
    const NAMES: [(&'static str, &'static str); 4] = [
        ("AveragePooling1D", "average_pooling1d"),
        ("AveragePooling2D", "average_pooling2d"),
        ("GlobalAveragePooling1D", "global_average_pooling1d"),
        ("GlobalAveragePooling2D", "global_average_pooling2d"),
    ];
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
pub(crate) fn pool_backward<Op: PoolOp, E: Element>(g: &Geometry, pass: Backprop<'_, E>) {
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
        assert_eq!(MaxPool::step(MaxPool::init::<f32>(), -5.0), -5.0);
        assert!(MaxPool::step(1.0f32, f32::NAN).is_nan());
        assert_eq!(AveragePool::finish(6.0f32, 4), 1.5);
    }
}
