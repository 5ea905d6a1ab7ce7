//! `Concatenate`: inputs joined along one axis (Keras's
//! `layers.Concatenate`).

use super::merge_op::{MergeOp, MergeShapes};
use crate::shape::{DimAdd, Dyn, Sizes, StaticDim, Sum, ToUInt};
use crate::Element;

/// Joins 2 to 4 inputs along axis `AXIS` (Keras's `Concatenate(axis=…)`):
/// counted as Keras counts, the batch axis being 0, so `1` is a sample's
/// first axis and `-1` (the default) its last. The inputs agree on every
/// other axis; the output's size along `AXIS` is the sum of theirs,
/// computed by the compiler.
///
/// ```
/// use corten::layer::merging::{MergeOp, MergeShapes};
/// use corten::layer::Concatenate;
/// use corten::shape::{Const, Sizes};
/// // (None, 2, 3) and (None, 2, 1) joined on the last axis: (None, 2, 4).
/// type Out = <Concatenate as MergeShapes<((Const<2>, Const<3>), (Const<2>, Const<1>))>>::Output;
/// let _: (Const<2>, Const<4>) = Out::default();
///
/// let mut y = [0.0f32; 8];
/// Concatenate::<-1>.forward(
///     &[Sizes::new(&[2, 3])?, Sizes::new(&[2, 1])?],
///     &[&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[10.0, 20.0]],
///     &mut y,
///     1,
/// );
/// assert_eq!(y, [1.0, 2.0, 3.0, 10.0, 4.0, 5.0, 6.0, 20.0]);
/// # Ok::<(), corten::Error>(())
/// ```
///
/// In an expression, `Concatenate::new()` joins on the last axis and
/// `Concatenate::<AXIS>` on another (a default const parameter is not
/// inferred in expressions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Concatenate<const AXIS: isize = -1>;

impl Concatenate {
    /// Joins on the last axis (Keras's default, `axis=-1`).
    pub const fn new() -> Self {
        Concatenate
    }
}

/// The shape rule for two inputs of one rank joined on one axis, for the
/// axis counted from the front (`$pos`) and from the back (`$neg`).
macro_rules! concatenate_on {
    ([$($before:ident),*], [$($after:ident),*], $pos:literal, $neg:literal) => {
        concatenate_on!(@impl [$($before),*], [$($after),*], $pos);
        concatenate_on!(@impl [$($before),*], [$($after),*], $neg);
    };
    (@impl [$($before:ident),*], [$($after:ident),*], $axis:literal) => {
        #[diagnostic::do_not_recommend]
        impl<$($before: StaticDim,)* X: DimAdd<Y>, Y: ToUInt, $($after: StaticDim),*>
            MergeShapes<(($($before,)* X, $($after,)*), ($($before,)* Y, $($after,)*))>
            for Concatenate<$axis>
        {
            type Output = ($($before,)* Sum<X, Y>, $($after,)*);
        }
    };
}

concatenate_on!([], [], 1, -1);
concatenate_on!([], [D1], 1, -2);
concatenate_on!([D0], [], 2, -1);
concatenate_on!([], [D1, D2], 1, -3);
concatenate_on!([D0], [D2], 2, -2);
concatenate_on!([D0, D1], [], 3, -1);
concatenate_on!([], [D1, D2, D3], 1, -4);
concatenate_on!([D0], [D2, D3], 2, -3);
concatenate_on!([D0, D1], [D3], 3, -2);
concatenate_on!([D0, D1, D2], [], 4, -1);

/// Sequences of run-time length joined step by step on their last axis
/// (a `Bidirectional` layer's two directions).
#[diagnostic::do_not_recommend]
impl<X: DimAdd<Y>, Y: ToUInt> MergeShapes<((Dyn, X), (Dyn, Y))> for Concatenate<-1> {
    type Output = (Dyn, Sum<X, Y>);
}

/// Three inputs: the first two joined, then the third.
#[diagnostic::do_not_recommend]
impl<const AXIS: isize, A, B, C> MergeShapes<(A, B, C)> for Concatenate<AXIS>
where
    Self: MergeShapes<(A, B)>,
    Self: MergeShapes<(<Self as MergeShapes<(A, B)>>::Output, C)>,
{
    type Output = <Self as MergeShapes<(<Self as MergeShapes<(A, B)>>::Output, C)>>::Output;
}

/// Four inputs: the first three joined, then the fourth.
#[diagnostic::do_not_recommend]
impl<const AXIS: isize, A, B, C, D> MergeShapes<(A, B, C, D)> for Concatenate<AXIS>
where
    Self: MergeShapes<(A, B, C)>,
    Self: MergeShapes<(<Self as MergeShapes<(A, B, C)>>::Output, D)>,
{
    type Output = <Self as MergeShapes<(<Self as MergeShapes<(A, B, C)>>::Output, D)>>::Output;
}

impl<const AXIS: isize> Concatenate<AXIS> {
    /// For inputs of `shapes`: the rows before the joined axis in one
    /// sample, and how many elements each input gives per row (a merge has
    /// at most four inputs).
    fn rows_and_widths(shapes: &[Sizes]) -> (usize, [usize; 4]) {
        let rank = shapes[0].len();
        // The shape rule admits only axes inside the rank.
        let axis = if AXIS < 0 {
            rank - AXIS.unsigned_abs()
        } else {
            AXIS.unsigned_abs() - 1
        };
        let mut widths = [0; 4];
        for (w, s) in widths.iter_mut().zip(shapes) {
            *w = s[axis..].iter().product();
        }
        (shapes[0][..axis].iter().product(), widths)
    }
}

impl<const AXIS: isize> MergeOp for Concatenate<AXIS> {
    const KERAS_NAME: &'static str = "Concatenate";
    const BASE_NAME: &'static str = "concatenate";

    fn forward<E: Element>(&self, shapes: &[Sizes], xs: &[&[E]], y: &mut [E], batch: usize) {
        let (rows, widths) = Self::rows_and_widths(shapes);
        let mut out = 0;
        for row in 0..batch * rows {
            for (x, &w) in xs.iter().zip(&widths) {
                y[out..out + w].copy_from_slice(&x[row * w..(row + 1) * w]);
                out += w;
            }
        }
    }

    fn backward<E: Element>(
        &self,
        shapes: &[Sizes],
        _: &[&[E]],
        _: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        batch: usize,
    ) {
        let (rows, widths) = Self::rows_and_widths(shapes);
        let mut out = 0;
        for row in 0..batch * rows {
            for (dx, &w) in dxs.iter_mut().zip(&widths) {
                dx[row * w..(row + 1) * w].copy_from_slice(&dy[out..out + w]);
                out += w;
            }
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::super::merge_op::check;
    use super::*;
    use crate::shape::Const;
    use alloc::vec::Vec;

    /// Concatenation by index arithmetic on a (2, 3, 2)-shaped sample pair.
    fn oracle(a: &[f64], b: &[f64], sa: [usize; 3], sb: [usize; 3], axis: usize) -> Vec<f64> {
        let mut so = sa;
        so[axis] += sb[axis];
        let mut out = Vec::new();
        for i in 0..so[0] {
            for j in 0..so[1] {
                for k in 0..so[2] {
                    let idx = [i, j, k];
                    if idx[axis] < sa[axis] {
                        out.push(a[(i * sa[1] + j) * sa[2] + k]);
                    } else {
                        let mut t = idx;
                        t[axis] -= sa[axis];
                        out.push(b[(t[0] * sb[1] + t[1]) * sb[2] + t[2]]);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn joins_on_every_axis_of_a_rank_3_sample() {
        let a: Vec<f64> = (0..12).map(f64::from).collect();
        for axis in 0..3 {
            let mut sb = [2, 3, 2];
            sb[axis] = 1;
            let b: Vec<f64> = (0..sb.iter().product::<usize>())
                .map(|v| 100.0 + v as f64)
                .collect();
            let shapes = [Sizes::of([2, 3, 2]), Sizes::of(sb)];
            let mut so = [2, 3, 2];
            so[axis] += 1;
            let want = oracle(&a, &b, [2, 3, 2], sb, axis);
            let got = match axis {
                0 => check::forward(
                    &Concatenate::<1>,
                    &shapes,
                    Sizes::of(so),
                    &[a.clone(), b],
                    1,
                ),
                1 => check::forward(
                    &Concatenate::<-2>,
                    &shapes,
                    Sizes::of(so),
                    &[a.clone(), b],
                    1,
                ),
                _ => check::forward(
                    &Concatenate::<-1>,
                    &shapes,
                    Sizes::of(so),
                    &[a.clone(), b],
                    1,
                ),
            };
            assert_eq!(got, want, "axis {axis}");
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let shapes = [Sizes::of([2, 3]), Sizes::of([2, 1]), Sizes::of([2, 2])];
        check::gradients(&Concatenate::<-1>, &shapes, Sizes::of([2, 6]), 2);
        let shapes = [Sizes::of([1, 3]), Sizes::of([2, 3])];
        check::gradients(&Concatenate::<1>, &shapes, Sizes::of([3, 3]), 2);
    }

    #[test]
    fn output_sizes_are_computed_at_type_level() {
        type Last = <Concatenate as MergeShapes<((Const<8>,), (Const<5>,))>>::Output;
        let _: (Const<13>,) = Last::default();
        type Channels = <Concatenate<3> as MergeShapes<(
            (Const<4>, Const<4>, Const<16>),
            (Const<4>, Const<4>, Const<8>),
            (Const<4>, Const<4>, Const<8>),
        )>>::Output;
        let _: (Const<4>, Const<4>, Const<32>) = Channels::default();
        type Rows =
            <Concatenate<1> as MergeShapes<((Const<3>, Const<2>), (Const<4>, Const<2>))>>::Output;
        let _: (Const<7>, Const<2>) = Rows::default();
    }
}
