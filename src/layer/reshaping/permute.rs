//! `Permute`: the axes of each sample reordered (Keras's 1-based `dims`).

use crate::layer::machinery::builds_from_spec;
#[cfg(feature = "std")]
use crate::layer::machinery::{Backprop, Tape};
use crate::layer::machinery::{LayerOp, Stateless, Weights};
use crate::shape::{Shape, StaticDim};
use crate::Element;

/// Keras `Permute(dims)` for samples of rank 2 or 3: `Permute<2, 1>` swaps
/// the two axes of `(a, b)`; `Permute<3, 1, 2>` makes `(a, b, c)` into
/// `(c, a, b)`. Only true permutations have a layer; anything else does not
/// compile.
///
/// ```
/// use corten::layer::Permute;
/// use corten::{sequential, Tensor};
/// let model = sequential![Input<2, 3>, (Permute::<2, 1>::default())];
/// assert_eq!(model.output_shape().to_string(), "(None, 3, 2)");
/// let y = model.predict(&Tensor::from_array([[[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]])).unwrap();
/// assert_eq!(y.as_slice(), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Permute<const A: usize, const B: usize, const C: usize = 0>;

/// Calls `copy(out, src)` for each element of one sample of axes `sizes`
/// permuted so that output axis `i` is input axis `order[i]` (0-based): `out`
/// indexes the permuted sample, `src` the input sample.
fn for_each_index(sizes: &[usize], order: &[usize], mut copy: impl FnMut(usize, usize)) {
    let mut strides = [0usize; 3];
    let mut acc = 1;
    for axis in (0..sizes.len()).rev() {
        strides[axis] = acc;
        acc *= sizes[axis];
    }
    let out_sizes: [usize; 3] = core::array::from_fn(|i| order.get(i).map_or(1, |&a| sizes[a]));
    let mut out = 0;
    for i in 0..out_sizes[0] {
        for j in 0..out_sizes[1] {
            for k in 0..out_sizes[2] {
                let idx = [i, j, k];
                let src: usize = order
                    .iter()
                    .enumerate()
                    .map(|(o, &a)| idx[o] * strides[a])
                    .sum();
                copy(out, src);
                out += 1;
            }
        }
    }
}

/// Copies each sample of `x` (axes `sizes`) into `y`, permuted by `order`.
fn permute<E: Element>(x: &[E], y: &mut [E], sizes: &[usize], order: &[usize]) {
    let n: usize = sizes.iter().product();
    for (x, y) in x.chunks_exact(n.max(1)).zip(y.chunks_exact_mut(n.max(1))) {
        for_each_index(sizes, order, |out, src| y[out] = x[src]);
    }
}

/// The backward pass: each sample of `dy` permuted back into `dx`.
#[cfg(feature = "std")]
fn unpermute<E: Element>(dy: &[E], dx: &mut [E], sizes: &[usize], order: &[usize]) {
    let n: usize = sizes.iter().product();
    for (dy, dx) in dy.chunks_exact(n.max(1)).zip(dx.chunks_exact_mut(n.max(1))) {
        for_each_index(sizes, order, |out, src| dx[src] = dy[out]);
    }
}

impl<const A: usize, const B: usize, const C: usize> Stateless for Permute<A, B, C> {
    const KERAS_NAME: &'static str = "Permute";
    const BASE_NAME: &'static str = "permute";
}

macro_rules! permutation {
    ($a:literal, $b:literal, $c:literal; ($($in:ident),+) -> ($($out:ident),+); [$($order:literal),+]) => {
        impl<$($in: StaticDim,)+ E: Element> LayerOp<($($in,)+), E> for Permute<$a, $b, $c> {
            type Output = ($($out,)+);
            fn forward<W: Weights<E>>(&self, _: &W, x: &[E], y: &mut [E], _batch: usize, _: &mut [E]) {
                permute(x, y, <($($in,)+)>::default().sizes().as_slice(), &[$($order),+]);
            }
            #[cfg(feature = "std")]
            fn backward<W: Weights<E>>(&self, _: &W, pass: Backprop<'_, E>, _: &mut Tape<E>, _: &mut [E]) {
                if let Some(dx) = pass.dx {
                    unpermute(pass.dy, dx, <($($in,)+)>::default().sizes().as_slice(), &[$($order),+]);
                }
            }
        }
    };
}

permutation!(1, 2, 0; (A, B) -> (A, B); [0, 1]);
permutation!(2, 1, 0; (A, B) -> (B, A); [1, 0]);
permutation!(1, 2, 3; (A, B, C) -> (A, B, C); [0, 1, 2]);
permutation!(1, 3, 2; (A, B, C) -> (A, C, B); [0, 2, 1]);
permutation!(2, 1, 3; (A, B, C) -> (B, A, C); [1, 0, 2]);
permutation!(2, 3, 1; (A, B, C) -> (B, C, A); [1, 2, 0]);
permutation!(3, 1, 2; (A, B, C) -> (C, A, B); [2, 0, 1]);
permutation!(3, 2, 1; (A, B, C) -> (C, B, A); [2, 1, 0]);

builds_from_spec!([const A: usize, const B: usize, const C: usize] Permute<A, B, C>);

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::layer::train::check;
    use crate::Const as N;

    #[test]
    fn gradients_match_finite_differences() {
        check::gradients(&check::build::<(N<2>, N<3>), _>(Permute::<2, 1>), 2, None);
        check::gradients(
            &check::build::<(N<2>, N<3>, N<4>), _>(Permute::<3, 1, 2>),
            2,
            None,
        );
        check::gradients(
            &check::build::<(N<2>, N<3>, N<4>), _>(Permute::<2, 3, 1>),
            1,
            None,
        );
    }
}
