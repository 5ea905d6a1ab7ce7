//! `Dot`: the dot product of two inputs along an axis of each (Keras's
//! `layers.Dot`).

use super::merge_op::{MergeOp, MergeShapes};
use crate::shape::{Const, Sizes, StaticDim};
use crate::Element;

/// The dot product of two samples along axis `AXIS1` of the first and
/// `AXIS2` of the second (Keras's `Dot(axes=(AXIS1, AXIS2))`, axes counted
/// as Keras counts, the batch axis being 0, negative from the back). Two
/// vectors of one size give `(None, 1)`; two matrices give the batched
/// matrix product over the axes named, their other axes in order
/// (`(m, k)·(k, n)` with `Dot<2, 1>` is `(m, n)`). With
/// [`normalized`](Dot::normalized), each sample is first divided by its L2
/// norm along the axis (at least Keras's epsilon, 1e-7), so the output is
/// the cosine similarity.
///
/// ```
/// use corten::layer::merging::{MergeOp, MergeShapes};
/// use corten::layer::Dot;
/// use corten::shape::{Const, Sizes};
/// type Out = <Dot<1> as MergeShapes<((Const<3>,), (Const<3>,))>>::Output;
/// let _: (Const<1>,) = Out::default();
///
/// let s = Sizes::new(&[3])?;
/// let mut y = [0.0f32];
/// Dot::<1>::new().forward(&[s, s], &[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]], &mut y, 1);
/// assert_eq!(y, [32.0]);
/// Dot::<1>::new().normalized().forward(&[s, s], &[&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]], &mut y, 1);
/// assert!((y[0] - 1.0).abs() < 1e-6);
/// # Ok::<(), corten::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dot<const AXIS1: isize, const AXIS2: isize = AXIS1> {
    normalize: bool,
}

impl<const AXIS1: isize, const AXIS2: isize> Dot<AXIS1, AXIS2> {
    /// The plain dot product (Keras's `normalize=False`).
    pub const fn new() -> Self {
        Dot { normalize: false }
    }

    /// Each sample L2-normalized along its axis first (Keras's
    /// `normalize=True`): the cosine similarity.
    pub const fn normalized(self) -> Self {
        Dot { normalize: true }
    }

    /// Whether the inputs are L2-normalized first.
    pub const fn normalizes(&self) -> bool {
        self.normalize
    }
}

#[diagnostic::do_not_recommend]
impl<N: StaticDim> MergeShapes<((N,), (N,))> for Dot<1> {
    type Output = (Const<1>,);
}

#[diagnostic::do_not_recommend]
impl<N: StaticDim> MergeShapes<((N,), (N,))> for Dot<-1> {
    type Output = (Const<1>,);
}

/// The shape rule for two matrices: `$first` and `$second` place the
/// contracted axis `K` beside the free axes `P` (first input) and `S`.
macro_rules! dot_of_matrices {
    ($first:ty, $second:ty; $(($a1:literal, $a2:literal)),+) => {
        $(
            #[diagnostic::do_not_recommend]
            impl<P: StaticDim, K: StaticDim, S: StaticDim> MergeShapes<($first, $second)>
                for Dot<$a1, $a2>
            {
                type Output = (P, S);
            }
        )+
    };
}

dot_of_matrices!((P, K), (K, S); (2, 1), (-1, -2));
dot_of_matrices!((K, P), (K, S); (1, 1), (-2, -2));
dot_of_matrices!((P, K), (S, K); (2, 2), (-1, -1));
dot_of_matrices!((K, P), (S, K); (1, 2), (-2, -1));

/// One input seen as a matrix of `free` rows of `depth` values along the
/// contracted axis (`contracted_last`: that axis is the sample's last).
#[derive(Clone, Copy)]
struct Operand {
    free: usize,
    depth: usize,
    contracted_last: bool,
}

impl Operand {
    fn of(shape: Sizes, axis: isize) -> Self {
        let rank = shape.len();
        let last = axis == -1 || axis.unsigned_abs() == rank;
        match (rank, last) {
            (1, _) => Operand {
                free: 1,
                depth: shape[0],
                contracted_last: true,
            },
            (_, true) => Operand {
                free: shape[0],
                depth: shape[1],
                contracted_last: true,
            },
            _ => Operand {
                free: shape[1],
                depth: shape[0],
                contracted_last: false,
            },
        }
    }

    /// Where element `k` of row `i` is in one sample.
    fn at(&self, i: usize, k: usize) -> usize {
        if self.contracted_last {
            i * self.depth + k
        } else {
            k * self.free + i
        }
    }

    fn len(&self) -> usize {
        self.free * self.depth
    }

    /// `1 / max(‖row i‖, ε)` (Keras: `min(rsqrt(Σx²), 1/ε)`, ε = 1e-7),
    /// and whether the bound applied.
    fn inverse_norm<E: Element>(&self, x: &[E], i: usize) -> (E, bool) {
        let sum = (0..self.depth).fold(E::ZERO, |s, k| s + x[self.at(i, k)] * x[self.at(i, k)]);
        let cap = E::from_f64(1e7);
        let inv = E::ONE / sum.sqrt();
        if inv < cap {
            (inv, false)
        } else {
            (cap, true)
        }
    }
}

impl<const AXIS1: isize, const AXIS2: isize> Dot<AXIS1, AXIS2> {
    fn operands(shapes: &[Sizes]) -> (Operand, Operand) {
        (Operand::of(shapes[0], AXIS1), Operand::of(shapes[1], AXIS2))
    }

    /// The scale of row `i` of `x` (its inverse norm, or 1).
    fn scale<E: Element>(&self, op: &Operand, x: &[E], i: usize) -> E {
        if self.normalize {
            op.inverse_norm(x, i).0
        } else {
            E::ONE
        }
    }
}

impl<const AXIS1: isize, const AXIS2: isize> MergeOp for Dot<AXIS1, AXIS2> {
    const KERAS_NAME: &'static str = "Dot";
    const BASE_NAME: &'static str = "dot";

    fn forward<E: Element>(&self, shapes: &[Sizes], xs: &[&[E]], y: &mut [E], batch: usize) {
        let (a, b) = Self::operands(shapes);
        let out = a.free * b.free;
        for n in 0..batch {
            let x1 = &xs[0][n * a.len()..(n + 1) * a.len()];
            let x2 = &xs[1][n * b.len()..(n + 1) * b.len()];
            let y = &mut y[n * out..(n + 1) * out];
            for i in 0..a.free {
                let si = self.scale(&a, x1, i);
                for j in 0..b.free {
                    let dot =
                        (0..a.depth).fold(E::ZERO, |s, k| s + x1[a.at(i, k)] * x2[b.at(j, k)]);
                    y[i * b.free + j] = dot * si * self.scale(&b, x2, j);
                }
            }
        }
    }

    fn backward<E: Element>(
        &self,
        shapes: &[Sizes],
        xs: &[&[E]],
        _: &[E],
        dy: &[E],
        dxs: &mut [&mut [E]],
        batch: usize,
    ) {
        let (a, b) = Self::operands(shapes);
        let out = a.free * b.free;
        let [dx1, dx2] = dxs else {
            unreachable!("Dot's shape rule takes two inputs")
        };
        for n in 0..batch {
            let x1 = &xs[0][n * a.len()..(n + 1) * a.len()];
            let x2 = &xs[1][n * b.len()..(n + 1) * b.len()];
            let dy = &dy[n * out..(n + 1) * out];
            let d1 = &mut dx1[n * a.len()..(n + 1) * a.len()];
            let d2 = &mut dx2[n * b.len()..(n + 1) * b.len()];
            // The gradients of the normalized inputs u = x · scale first.
            d1.fill(E::ZERO);
            d2.fill(E::ZERO);
            for i in 0..a.free {
                let si = self.scale(&a, x1, i);
                for j in 0..b.free {
                    let sj = self.scale(&b, x2, j);
                    let g = dy[i * b.free + j];
                    for k in 0..a.depth {
                        d1[a.at(i, k)] += g * x2[b.at(j, k)] * sj;
                        d2[b.at(j, k)] += g * x1[a.at(i, k)] * si;
                    }
                }
            }
            if self.normalize {
                through_normalization(&a, x1, d1);
                through_normalization(&b, x2, d2);
            }
        }
    }
}

/// Turns the gradient `d` of `u = x / max(‖x‖, ε)` (row by row) into the
/// gradient of `x`, in place: `(d − u (u·d)) / ‖x‖`, or `d / ε` where the
/// bound applied.
fn through_normalization<E: Element>(op: &Operand, x: &[E], d: &mut [E]) {
    for i in 0..op.free {
        let (inv, capped) = op.inverse_norm(x, i);
        if capped {
            for k in 0..op.depth {
                d[op.at(i, k)] *= inv;
            }
            continue;
        }
        let u_dot_d = (0..op.depth).fold(E::ZERO, |s, k| s + x[op.at(i, k)] * inv * d[op.at(i, k)]);
        for k in 0..op.depth {
            let u = x[op.at(i, k)] * inv;
            d[op.at(i, k)] = (d[op.at(i, k)] - u * u_dot_d) * inv;
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::super::merge_op::check;
    use super::*;
    use alloc::vec;

    #[test]
    fn matrix_products_over_each_pair_of_axes() {
        // x1 = [[1, 2, 3], [4, 5, 6]] (2×3), x2 = [[1, 0], [0, 1], [1, 1]] (3×2).
        let x1 = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let x2 = vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let (s23, s32) = (Sizes::of([2, 3]), Sizes::of([3, 2]));
        // x1 · x2 = [[4, 5], [10, 11]].
        let y = check::forward(
            &Dot::<2, 1>::new(),
            &[s23, s32],
            Sizes::of([2, 2]),
            &[x1.clone(), x2.clone()],
            1,
        );
        assert_eq!(y, [4.0, 5.0, 10.0, 11.0]);
        // x2ᵀ · x2 over axis 1 of both: [[2, 1], [1, 2]].
        let y = check::forward(
            &Dot::<1>::new(),
            &[s32, s32],
            Sizes::of([2, 2]),
            &[x2.clone(), x2.clone()],
            1,
        );
        assert_eq!(y, [2.0, 1.0, 1.0, 2.0]);
        // x1 · x1ᵀ over the last axis of both: [[14, 32], [32, 77]].
        let y = check::forward(
            &Dot::<-1>::new(),
            &[s23, s23],
            Sizes::of([2, 2]),
            &[x1.clone(), x1.clone()],
            1,
        );
        assert_eq!(y, [14.0, 32.0, 32.0, 77.0]);
        // x2ᵀ · x1ᵀ = (x1 · x2)ᵀ over axes (1, 2): [[4, 10], [5, 11]].
        let y = check::forward(
            &Dot::<1, 2>::new(),
            &[s32, s23],
            Sizes::of([2, 2]),
            &[x2, x1],
            1,
        );
        assert_eq!(y, [4.0, 10.0, 5.0, 11.0]);
    }

    #[test]
    fn normalized_is_the_cosine_and_zero_stays_finite() {
        let s = Sizes::of([2]);
        let y = check::forward(
            &Dot::<1>::new().normalized(),
            &[s, s],
            Sizes::of([1]),
            &[vec![3.0, 4.0, 0.0, 0.0], vec![4.0, 3.0, 1.0, 2.0]],
            2,
        );
        assert!((y[0] - 24.0 / 25.0).abs() < 1e-15);
        assert_eq!(y[1], 0.0);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let s = Sizes::of([4]);
        check::gradients(&Dot::<1>::new(), &[s, s], Sizes::of([1]), 3);
        check::gradients(&Dot::<-1>::new().normalized(), &[s, s], Sizes::of([1]), 3);
        let (s23, s32) = (Sizes::of([2, 3]), Sizes::of([3, 2]));
        check::gradients(&Dot::<2, 1>::new(), &[s23, s32], Sizes::of([2, 2]), 2);
        check::gradients(
            &Dot::<1, 1>::new().normalized(),
            &[s32, s32],
            Sizes::of([2, 2]),
            2,
        );
        check::gradients(
            &Dot::<2, 2>::new().normalized(),
            &[s23, s23],
            Sizes::of([2, 2]),
            2,
        );
        check::gradients(&Dot::<1, 2>::new(), &[s32, s23], Sizes::of([2, 2]), 2);
    }

    #[test]
    fn output_shapes() {
        type M = <Dot<2, 1> as MergeShapes<((Const<4>, Const<3>), (Const<3>, Const<5>))>>::Output;
        let _: (Const<4>, Const<5>) = M::default();
        type T = <Dot<1> as MergeShapes<((Const<3>, Const<4>), (Const<3>, Const<2>))>>::Output;
        let _: (Const<4>, Const<2>) = T::default();
    }
}
